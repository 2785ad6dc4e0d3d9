from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class TenderSubmission(Table, tablename="tender_submission", schema=None):
    id = Serial(
        null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None,
        db_column_name="id", secret=False,
    )


ID = "2026-12-06T15:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "An officer's confirmation that a tender's supplier shared its core supplier information (Procurement Regulations 2024 reg. 6)"

PLAIN = {"primary_key": False, "index": False, "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tenders", description=DESCRIPTION)
    manager.add_table(class_name="CoreInformationCheck", tablename="core_information_check", schema=None, columns=None)

    def column(name: str, class_name: str, column_class, **params) -> None:
        manager.add_column(
            table_class_name="CoreInformationCheck", tablename="core_information_check", column_name=name, db_column_name=name,
            column_class_name=class_name, column_class=column_class, params={**PLAIN, "unique": False, "null": False, **params}, schema=None,
        )

    column(
        "submission", "ForeignKey", ForeignKey, references=TenderSubmission, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
        target_column=None, unique=True,
    )
    column("ppon", "Varchar", Varchar, length=20, default="")
    column("share_code", "Varchar", Varchar, length=40, default="")
    column("obtained_later", "Boolean", Boolean, default=False)
    column("checked_by", "Integer", Integer, default=0)
    column("checked_at", "Timestamptz", Timestamptz, default=TimestamptzNow())
    return manager
