"""Shared fixtures. Every test that touches the database runs once per engine: always on SQLite,
and on PostgreSQL too when REGISTRY_TEST_POSTGRES_URL names a server (a maintenance database such
as postgresql://user:password@127.0.0.1:5432/postgres); the suite creates and drops its own
databases there."""

import asyncio
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from litestar import Litestar

from registry import clock, db
from registry.app import create_app
from registry.db import migrations, scratch
from registry.settings import Settings

POSTGRES_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL")
TEST_PASSWORD_PEPPER = "a-password-pepper-only-for-the-test-suite-0123456789"  # not the default, so production accepts it
ENGINES = ["sqlite", "postgres"]


def postgres_database_url(name: str) -> str:
    assert POSTGRES_URL
    return scratch.url_of(POSTGRES_URL, name)


async def create_postgres_database(label: str) -> str:
    # A test database need not survive a crash: commits need not wait for the disk.
    return await scratch.create(POSTGRES_URL, f"registry_test_{label}", durable=False)


async def drop_postgres_database(name: str) -> None:
    await scratch.drop(POSTGRES_URL, name)


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing() -> Iterator:
    """Argon2id at the library's recommended cost takes tens of milliseconds per hash, and the suite
    hashes and signs in hundreds of times. Tests use the same algorithm at its lowest cost; the
    service's own hasher is yielded, for the test that checks it."""
    from argon2 import PasswordHasher

    from registry.accounts import passwords

    service_hasher = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    # The pepper every test app is configured with (the settings fixture), also for the users that
    # tests make before their app starts.
    previous_pepper = passwords.configure(TEST_PASSWORD_PEPPER)
    yield service_hasher
    passwords._hasher = service_hasher
    if previous_pepper is not None:
        passwords.configure(previous_pepper)


@pytest.fixture(scope="session", params=ENGINES)
def engine_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not POSTGRES_URL:
        pytest.skip("PostgreSQL half not run: set REGISTRY_TEST_POSTGRES_URL to run it")
    return request.param


async def migrate(url: str) -> None:
    engine = db.create_engine(url)
    db.bind(engine)
    await db.connect(engine)
    try:
        await migrations.apply()
    finally:
        await db.disconnect(engine)


@pytest.fixture(scope="session")
async def migrated_database(engine_kind: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A database with every migration applied, made once per engine and run."""
    if engine_kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.sqlite3'}"
        await migrate(url)
        yield url
        return
    name = await create_postgres_database("suite")
    url = postgres_database_url(name)
    await migrate(url)
    yield url
    await drop_postgres_database(name)


def all_table_names() -> list[str]:
    from registry.db.piccolo_conf import APP_REGISTRY

    return [table._meta.tablename for app in APP_REGISTRY.app_configs.values() for table in app.table_classes]


async def emptied(engine_kind: str, migrated_database: str, sqlite_path: Path) -> str:
    """The URL of an empty, migrated database: a copy of the migrated SQLite template at
    `sqlite_path`, or the PostgreSQL suite database with every table emptied."""
    if engine_kind == "sqlite":
        with sqlite3.connect(migrated_database.removeprefix("sqlite:///")) as source, sqlite3.connect(sqlite_path) as target:
            source.backup(target)
        return f"sqlite:///{sqlite_path}"
    connection = await asyncpg.connect(migrated_database)
    try:
        await _empty_postgres(connection)
    finally:
        await connection.close()
    return migrated_database


async def _empty_postgres(connection: asyncpg.Connection) -> None:
    """Delete the rows of the tables the previous test used, those that refer to others first, and
    start their ids again at 1. TRUNCATE ... CASCADE took 200 ms even for two tables: it truncates every
    table that refers to them (nearly all refer to organisations and users), giving each new files."""
    tables, sequences = await _used_tables(connection)
    refusing, references = await _refusing_delete(connection), await _references(connection)
    left = set(tables)
    async with connection.transaction():
        while left:
            referred_to = {parent for child, parent in references if child in left and parent in left and child != parent}
            unreferred = left - referred_to
            if not unreferred:  # tables that refer to each other: TRUNCATE takes them together
                await connection.execute(f"TRUNCATE {', '.join(sorted(left))} CASCADE")
                break
            for table in sorted(unreferred):
                if table in refusing:  # their own triggers are not what a test's cleaning is about
                    await connection.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER; DELETE FROM "{table}"; ALTER TABLE "{table}" ENABLE TRIGGER USER')
                else:
                    await connection.execute(f'DELETE FROM "{table}"')
            left -= unreferred
        for sequence in sorted(sequences):
            await connection.execute(f"SELECT setval('\"{sequence}\"', 1, false)")


_REFERENCES: list[tuple[str, str]] = []
_REFUSING_DELETE: set[str] = set()


async def _refusing_delete(connection: asyncpg.Connection) -> set[str]:
    """The tables with triggers of their own on DELETE: the audit log's refuse it (append-only); the
    directory's count a new generation of its listing, which no test's new engine has seen anyway."""
    if not _REFUSING_DELETE:
        _REFUSING_DELETE.update(row["name"] for row in await connection.fetch(
            "SELECT DISTINCT pg_class.relname AS name FROM pg_trigger JOIN pg_class ON pg_class.oid = pg_trigger.tgrelid"
            " WHERE NOT pg_trigger.tgisinternal AND pg_trigger.tgtype & 8 <> 0"
        ))
    return _REFUSING_DELETE


async def _references(connection: asyncpg.Connection) -> list[tuple[str, str]]:
    """Each foreign key as (the table that refers, the table it refers to): the same for every test."""
    if not _REFERENCES:
        _REFERENCES.extend((row["child"], row["parent"]) for row in await connection.fetch(
            "SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint"
            " JOIN pg_class child ON child.oid = pg_constraint.conrelid JOIN pg_class parent ON parent.oid = pg_constraint.confrelid"
            " WHERE pg_constraint.contype = 'f'"
        ))
    return _REFERENCES


async def _used_tables(connection: asyncpg.Connection) -> tuple[set[str], set[str]]:
    """The tables a test left rows in, and the sequences it took ids from."""
    tables = all_table_names()
    with_rows = " UNION ALL ".join(f"SELECT '{table}' AS name WHERE EXISTS (SELECT 1 FROM {table})" for table in tables)
    used = {row["name"] for row in await connection.fetch(with_rows)}
    taken = {row["sequencename"] for row in await connection.fetch("SELECT sequencename FROM pg_sequences WHERE last_value IS NOT NULL")}
    return used, {f"{table}_id_seq" for table in tables} & taken


@pytest.fixture
async def database_url(engine_kind: str, migrated_database: str, tmp_path: Path) -> str:
    """An empty, migrated database for one test."""
    return await emptied(engine_kind, migrated_database, tmp_path / "registry.sqlite3")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # A small pool, on the test's own event loop (the app a test serves runs on it too): a connection
    # per query would spend most of a PostgreSQL test authenticating.
    return Settings(
        database_url=database_url, migrate_on_start=False, environment="development", postgres_pool_size=4, files_dir=tmp_path / "files",
        password_pepper=TEST_PASSWORD_PEPPER,
    )


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[str]:
    """The registry's tables bound to this test's database, for calling services directly."""
    engine = db.create_engine(settings.database_url)
    db.bind(engine)
    await db.connect(engine, pool_size=settings.postgres_pool_size)
    yield db.kind(engine)
    await db.disconnect(engine)


@pytest.fixture
def controlled_clock() -> Iterator[clock.ControlledClock]:
    """The registry's clock, for this test, under the test's control."""
    controlled = clock.ControlledClock()
    previous = clock.use(controlled)
    yield controlled
    clock.use(previous)


_built: dict[str, Litestar] = {}
_serving: dict[int, "Serving"] = {}


def app_for(settings: Settings) -> Litestar:
    """The app for these settings. Building one registers some 400 route handlers (half a second), so
    the suite builds one per configuration and gives it each test's own settings (its database and
    files), which its lifespan reads when it starts."""
    key = settings.model_dump_json(exclude={"database_url", "files_dir"})
    if key not in _built:
        _built[key] = create_app(settings)
    app = _built[key]
    app.state["settings"] = settings
    return app


@dataclass
class Serving:
    stop: asyncio.Event
    task: asyncio.Task
    clients: int = 0


@asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[None]:
    """The app's lifespan entered once for every client of one test, however many it opens at once."""
    running = _serving.get(id(app))
    if running is None:
        started, stop = asyncio.Event(), asyncio.Event()

        async def serve() -> None:  # one task enters and leaves the lifespan, as its cancel scopes require
            async with app.lifespan():
                started.set()
                await stop.wait()

        task = asyncio.create_task(serve())
        ready = asyncio.create_task(started.wait())
        await asyncio.wait([task, ready], return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            ready.cancel()
            task.result()  # raises why the app did not start
        running = _serving[id(app)] = Serving(stop, task)
    running.clients += 1
    try:
        yield
    finally:
        running.clients -= 1
        if not running.clients:
            del _serving[id(app)]
            running.stop.set()
            await running.task


@asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app served on the test's own event loop, so that the app's PostgreSQL pool and
    the test's own queries share it. Redirects are not followed: tests look at each one."""
    app = app_for(settings)
    async with serving(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
            yield client


@pytest.fixture
async def client(database: str, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings) as client:
        yield client


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return "databases: sqlite and postgres (REGISTRY_TEST_POSTGRES_URL is set)"
    return "databases: sqlite only (set REGISTRY_TEST_POSTGRES_URL to run the postgres half too)"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say how many tests passed on each engine, so a run shows that both halves really ran."""
    counts = {engine: 0 for engine in ENGINES}
    for report in terminalreporter.stats.get("passed", []):
        for engine in ENGINES:
            if re.search(rf"[\[-]{engine}[\]-]", report.nodeid):
                counts[engine] += 1
    terminalreporter.write_line("passed per database engine: " + ", ".join(f"{e} {n}" for e, n in counts.items()))
