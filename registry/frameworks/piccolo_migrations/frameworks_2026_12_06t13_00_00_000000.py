from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Array, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A framework's contact point and CPV codes; a document's type (OCDS documentType)"


def _params(**overrides) -> dict:
    return {
        "null": False, "primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
        "choices": None, "db_column_name": None, "secret": False, **overrides,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="frameworks", description=DESCRIPTION)
    for name, length in (("contact_name", 200), ("contact_email", 254), ("contact_telephone", 30)):
        manager.add_column(
            table_class_name="Framework", tablename="framework", column_name=name, db_column_name=name,
            column_class_name="Varchar", column_class=Varchar, params=_params(default="", length=length), schema=None,
        )
    manager.add_column(
        table_class_name="Framework", tablename="framework", column_name="cpv_codes", db_column_name="cpv_codes",
        column_class_name="Array", column_class=Array,
        params=_params(default=list, base_column=Varchar(length=8, default="", null=False)), schema=None,
    )
    manager.add_column(
        table_class_name="Document", tablename="document", column_name="document_type", db_column_name="document_type",
        column_class_name="Varchar", column_class=Varchar, params=_params(default="biddingDocuments", length=40), schema=None,
    )
    return manager
