from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T17:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A supplier's shared email address for published notices, which England's award notices give (Procurement Regulations 2024 reg. 27(2)(e)(ii))"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="suppliers", description=DESCRIPTION)
    manager.add_column(
        table_class_name="SupplierProfile", tablename="supplier_profile", column_name="notices_email", db_column_name="notices_email",
        column_class_name="Varchar", column_class=Varchar,
        params={
            "default": "", "length": 254, "null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False,
        },
        schema=None,
    )
    return manager
