import asyncio
import sqlite3

from registry import db
from registry.accounts.tables import Organisation, OrganisationKind
from registry.db import migrations


async def test_every_migration_is_applied_to_a_new_database(database):
    assert await migrations.pending() == {}
    assert await migrations.apply() == 0  # applying again changes nothing


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
