from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-06T16:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "A notice may be the preliminary market engagement notice (Procurement Act 2023 s.17), published when the request for "
    "information opens, or a contract change notice (s.75; a modification notice in Scotland, PCSR 2015 reg. 72), published "
    "for an amendment once the framework is live: only the choices change"
)

OLD = Enum("NoticeKind", {"PIN": "pin", "TENDER": "tender", "AWARD": "award", "CANCELLATION": "cancellation", "CONTRACT_DETAILS": "contract_details"})
NEW = Enum("NoticeKind", {
    "MARKET_ENGAGEMENT": "market_engagement", "PIN": "pin", "TENDER": "tender", "AWARD": "award", "CANCELLATION": "cancellation",
    "CONTRACT_DETAILS": "contract_details", "CONTRACT_CHANGE": "contract_change",
})


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="frameworks", description=DESCRIPTION)
    manager.alter_column(
        table_class_name="Notice", tablename="notice", column_name="kind", db_column_name="kind",
        params={"choices": NEW}, old_params={"choices": OLD}, column_class=Varchar, old_column_class=Varchar, schema=None,
    )
    return manager
