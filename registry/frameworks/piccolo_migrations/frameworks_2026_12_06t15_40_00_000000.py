from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-06T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "A notice may be the contract details notice (Procurement Act 2023 s.53), published at appointment for England, "
    "where the award notice is the contract award notice published when bidders are told (s.50): only the choices change"
)

OLD = Enum("NoticeKind", {"PIN": "pin", "TENDER": "tender", "AWARD": "award", "CANCELLATION": "cancellation"})
NEW = Enum("NoticeKind", {"PIN": "pin", "TENDER": "tender", "AWARD": "award", "CANCELLATION": "cancellation", "CONTRACT_DETAILS": "contract_details"})


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="frameworks", description=DESCRIPTION)
    manager.alter_column(
        table_class_name="Notice", tablename="notice", column_name="kind", db_column_name="kind",
        params={"choices": NEW}, old_params={"choices": OLD}, column_class=Varchar, old_column_class=Varchar, schema=None,
    )
    return manager
