from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Criterion(Table, tablename="criterion", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-06T15:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "A mini-competition criterion names the lot's award criterion it refines; authorities that already called off a framework stay entitled to"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="engagements", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="BriefCriterion",
        tablename="brief_criterion",
        column_name="framework_weight",
        db_column_name="framework_weight",
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

    manager.add_column(
        table_class_name="BriefCriterion",
        tablename="brief_criterion",
        column_name="source",
        db_column_name="source",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Criterion,
            "on_delete": OnDelete.set_null,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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

    manager.add_column(
        table_class_name="BriefCriterion",
        tablename="brief_criterion",
        column_name="source_title",
        db_column_name="source_title",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 200,
            "default": "",
            "null": False,
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

    manager.add_raw(_keep_existing_buyers)
    return manager


async def _keep_existing_buyers():
    """Every authority that has already commissioned under a framework other than its own stays
    entitled to: the registry let any authority call off before eligibility was recorded."""
    from piccolo.engine import engine_finder

    await engine_finder().run_ddl(
        "INSERT INTO eligible_authority (framework, organisation, name, identifier) "
        "SELECT DISTINCT e.framework, e.buyer, o.legal_name, '' FROM engagement e "
        "JOIN organisation o ON o.id = e.buyer JOIN framework f ON f.id = e.framework WHERE e.buyer <> f.authority"
    )
