from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-27T04:54:35:525998"
VERSION = "1.38.0"
DESCRIPTION = "A lot may state the estimated value of its call-offs"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="frameworks", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Lot",
        tablename="lot",
        column_name="estimated_value",
        db_column_name="estimated_value",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
