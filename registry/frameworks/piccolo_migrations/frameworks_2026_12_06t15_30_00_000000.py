from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "A framework's community benefit requirements, or the reasons for none (Procurement Reform (Scotland) Act 2014 s.25(3)); "
    "every existing one has neither"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="frameworks", description=DESCRIPTION)
    for column in ("community_benefits", "community_benefits_none_reason"):
        manager.add_column(
            table_class_name="Framework", tablename="framework", column_name=column, db_column_name=column,
            column_class_name="Text", column_class=Text,
            params={
                "default": "", "null": False, "primary_key": False, "unique": False, "index": False,
                "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False,
            },
            schema=None,
        )
    return manager
