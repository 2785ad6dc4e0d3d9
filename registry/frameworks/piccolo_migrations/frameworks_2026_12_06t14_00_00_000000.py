from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The procedure a framework follows (registry.frameworks.lifecycle.LIFECYCLES); every existing one follows the standard procedure"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="frameworks", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Framework", tablename="framework", column_name="procedure", db_column_name="procedure",
        column_class_name="Varchar", column_class=Varchar,
        params={
            "default": "standard", "length": 30, "null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False,
        },
        schema=None,
    )
    return manager
