from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Framework(Table, tablename="framework", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Lot(Table, tablename="lot", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Tender(Table, tablename="tender", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Criterion(Table, tablename="criterion", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


WithheldPart = Enum("WithheldPart", {"RATIONALE": "rationale", "SCORE": "score"})

ID = "2026-12-06T16:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "A part of what the award letters disclose about a tender to be appointed (a criterion's reasons or score), withheld by an "
    "officer as commercially sensitive, with the reason (Procurement Act 2023 s.94; PCSR 2015 reg. 56(4))"
)

PLAIN = {"primary_key": False, "index": False, "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="award", description=DESCRIPTION)
    manager.add_table(class_name="Withholding", tablename="withholding", schema=None, columns=None)

    def column(name: str, class_name: str, column_class, **params) -> None:
        manager.add_column(
            table_class_name="Withholding", tablename="withholding", column_name=name, db_column_name=name,
            column_class_name=class_name, column_class=column_class, params={**PLAIN, "unique": False, "null": False, **params}, schema=None,
        )

    for name, references in (("framework", Framework), ("lot", Lot), ("tender", Tender), ("criterion", Criterion)):
        column(name, "ForeignKey", ForeignKey, references=references, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None)
    column("part", "Varchar", Varchar, length=20, default="", choices=WithheldPart)
    column("reason", "Text", Text, default="")
    column("withheld_by", "Integer", Integer, default=0)
    column("withheld_at", "Timestamptz", Timestamptz, default=TimestamptzNow())
    return manager
