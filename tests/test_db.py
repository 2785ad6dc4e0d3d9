import asyncio
import socket
import sqlite3

import pytest
from piccolo.engine.postgres import PostgresTransaction

from registry import db
from registry.accounts.tables import Organisation, OrganisationKind
from registry.db import migrations, units
from registry.db.engine import check_postgres_version
from registry.db.querycount import counting


async def test_every_migration_is_applied_to_a_new_database(database):
    assert await migrations.pending() == {}
    assert await migrations.apply() == 0  # applying again changes nothing


async def test_a_migration_not_yet_applied_is_named_under_its_own_app(database):
    from piccolo.apps.migrations.tables import Migration

    applied = await Migration.select(Migration.app_name, Migration.name, Migration.ran_on).where(Migration.app_name == "tenders")
    latest = max(applied, key=lambda row: row["name"])
    await Migration.delete().where((Migration.app_name == "tenders") & (Migration.name == latest["name"]))
    try:
        assert await migrations.pending() == {"tenders": [latest["name"]]}
    finally:
        await Migration.insert(Migration(app_name="tenders", name=latest["name"], ran_on=latest["ran_on"]))
    assert await migrations.pending() == {}


def test_making_a_postgresql_engine_opens_no_connection_and_connecting_says_what_is_wrong():
    """The engine is made without a word to the server (Piccolo would probe it, with the event loop
    waiting); `connect` reports an unreachable server, and a server too old for the registry."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        db.create_engine(f"postgresql://nobody:secret@127.0.0.1:{server.getsockname()[1]}/none", db.Timeouts(connect=2))
        with pytest.raises(BlockingIOError):
            server.accept()  # no one came
    unreachable = db.create_engine("postgresql://nobody:secret@127.0.0.1:1/none", db.Timeouts(connect=5))
    with pytest.raises(db.DatabaseUnreachable, match="REGISTRY_DATABASE_URL") as refused:
        asyncio.run(db.connect(unreachable, pool_size=0))
    assert "secret" not in str(refused.value)
    check_postgres_version(130000)
    with pytest.raises(ValueError, match="PostgreSQL 12 is too old: the registry needs 13 or newer"):
        check_postgres_version(120017)


async def test_sqlite_runs_in_wal_mode(database, database_url, engine_kind):
    if engine_kind != "sqlite":
        return
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_concurrent_read_then_write_transactions_all_succeed(database):
    """Deferred transactions that read then write fail with "database is locked" on SQLite under
    concurrency; the registry's transactions take the write lock up front and queue instead."""

    async def read_then_write(n: int) -> None:
        async with db.transaction():
            count = await Organisation.count()
            await asyncio.sleep(0.01)
            await Organisation.insert(Organisation(kind=OrganisationKind.SUPPLIER, legal_name=f"Supplier {n} after {count}"))

    await asyncio.gather(*(read_then_write(n) for n in range(20)))
    assert await Organisation.count() == 20


async def test_a_failed_transaction_changes_nothing(database):
    try:
        async with db.transaction():
            await Organisation.insert(Organisation(kind=OrganisationKind.AUTHORITY, legal_name="Half-made Council"))
            raise RuntimeError("something went wrong mid-action")
    except RuntimeError:
        pass
    assert await Organisation.count() == 0


def organisation_named(name: str):
    """A unit (registry.db.units) adding an organisation; it returns how many there are then."""
    yield Organisation.insert(Organisation(kind=OrganisationKind.SUPPLIER, legal_name=name))
    rows = yield Organisation.select(Organisation.id)
    return len(rows)


def failing_after(unit):
    yield from unit
    raise RuntimeError("something went wrong mid-action")


async def test_a_unit_is_one_transaction_that_sees_its_own_writes_and_an_error_undoes(database):
    with counting() as count:
        assert await units.run(organisation_named("First Ltd")) == 1
    assert count.statements == 2
    with pytest.raises(RuntimeError):
        await units.run(failing_after(organisation_named("Half-made Ltd")))
    assert [row.legal_name for row in await Organisation.objects()] == ["First Ltd"]


async def test_a_unit_inside_a_transaction_is_part_of_it(database):
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await units.run(organisation_named("Inside Ltd"))
            raise RuntimeError("the action fails after the unit")
    assert await Organisation.count() == 0


async def test_writers_of_every_kind_at_once_all_land(database):
    """Units, write transactions written as awaits and writes outside a transaction, all at once:
    on SQLite they take turns (registry.db.sqlite), and none fails with "database is locked"."""

    async def in_a_transaction(n: int) -> None:
        async with db.transaction():
            await Organisation.count()
            await asyncio.sleep(0.001)
            await Organisation.insert(Organisation(kind=OrganisationKind.SUPPLIER, legal_name=f"Awaited {n}"))

    async def alone(n: int) -> None:
        await Organisation.insert(Organisation(kind=OrganisationKind.SUPPLIER, legal_name=f"Alone {n}"))

    await asyncio.gather(*(
        action for n in range(15) for action in (in_a_transaction(n), alone(n), units.run(organisation_named(f"Unit {n}")), Organisation.count())
    ))
    assert await Organisation.count() == 45


async def test_units_at_once_land_or_fail_each_on_its_own(database):
    """On SQLite units queued together share a commit (registry.db.sqlite.WriterThread): one that
    fails is undone alone."""
    outcomes = await asyncio.gather(*(
        units.run(failing_after(organisation_named(f"Failing {n}")) if n % 3 == 0 else organisation_named(f"Landing {n}")) for n in range(12)
    ), return_exceptions=True)
    assert sum(isinstance(outcome, RuntimeError) for outcome in outcomes) == 4
    assert sorted(row.legal_name for row in await Organisation.objects()) == sorted(f"Landing {n}" for n in range(12) if n % 3)


async def test_a_transaction_that_cannot_begin_gives_its_connection_back(database, engine_kind, monkeypatch):
    """A BEGIN that fails or is cancelled (a request cut off as it starts its transaction) must not
    keep its pooled connection: five such in a pool of four would leave nothing to serve with."""
    if engine_kind != "postgres":
        pytest.skip("SQLite lends no pooled connections")

    async def cut_off(self):
        raise asyncio.CancelledError

    monkeypatch.setattr(PostgresTransaction, "begin", cut_off)
    for _ in range(5):
        with pytest.raises(asyncio.CancelledError):
            async with db.transaction():
                pass
    monkeypatch.undo()
    assert await asyncio.wait_for(Organisation.count(), timeout=5) == 0


async def test_a_row_looked_up_by_a_written_out_statement_is_the_object_the_query_builder_gives(database):
    """db.row_by reads every column as the query builder's objects() does, each value of the same type
    (dates, moments, lists, whole numbers, text), on either engine; and None for no such row."""
    from datetime import UTC, date, datetime

    from registry.frameworks.tables import Framework

    authority = await Organisation.insert(Organisation(legal_name="Authority", kind=OrganisationKind.AUTHORITY)).returning(Organisation.id)
    moment = datetime(2027, 3, 23, 12, 0, 30, 123456, tzinfo=UTC)
    await Framework.insert(Framework(
        reference="ROW-1", title="Every column", summary="S", description="D", authority=authority[0]["id"], estimated_value=120000,
        start_date=date(2027, 9, 1), duration_months=48, call_off_routes=["direct_award", "mini_competition"], cpv_codes=["79311000"],
        rfi_closes_at=moment, clarification_deadline=moment, tender_deadline=moment, standstill_ends_at=moment,
        contact_email="team@authority.example", created_at=moment, updated_at=moment,
    ))
    by_builder = await Framework.objects().where(Framework.reference == "ROW-1").first()
    by_row = await db.row_by(Framework, Framework.reference)("ROW-1")
    built, read = by_builder.to_dict(), by_row.to_dict()
    assert read == built and {name: type(value) for name, value in read.items()} == {name: type(value) for name, value in built.items()}
    assert read["tender_deadline"] == moment and read["start_date"] == date(2027, 9, 1) and read["call_off_routes"] == ["direct_award", "mini_competition"]
    assert by_row._exists_in_db
    assert await db.row_by(Framework, Framework.reference)("NONE") is None
