import asyncio
import logging
import sqlite3
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query import Max
from piccolo.querystring import QueryString

from registry.db import faults
from registry.db.querycount import CountsQueries
from registry.db.sqlite import BUSY_TIMEOUT_SECONDS as SQLITE_BUSY_TIMEOUT_SECONDS
from registry.db.sqlite import RegistrySQLiteEngine

DatabaseKind = Literal["sqlite", "postgres"]
# aiosqlite logs every statement with its parameters at DEBUG: password hashes, emailed one-time
# links, sealed tender content. None of that may reach a log, whatever level the process logs at.
logging.getLogger("aiosqlite").setLevel(logging.INFO)
logger = logging.getLogger("registry.db")

_engine: Engine | None = None


class DatabaseUnreachable(RuntimeError):
    """The configured database cannot be opened; the message names the setting."""


def _discarded(error: Exception) -> None:
    """A connection that could not be given back once its work was done – it dropped just after the
    COMMIT, say – changes nothing of what that work did: an action that committed is answered as
    done. Logged, not raised; the engine opens another connection when it needs one."""
    logger.warning("a database connection could not be given back and was discarded: %s: %s", type(error).__name__, error)


class EndingPostgresTransaction(PostgresTransaction):
    """Piccolo's PostgreSQL transaction, ending whatever happens as it ends.

    Piccolo's own `__aexit__` (1.38) awaits the COMMIT or ROLLBACK, then gives the connection back,
    then resets the engine's current-transaction context variable: when the COMMIT fails (the
    connection was lost), neither of the last two happens. The task that ran the transaction keeps it
    as its current one, so that every later query of that task goes to the dead connection ("connection
    has been released back to the pool"), and the pool has lost a connection for good. The mail sender,
    one long-lived task, stopped sending that way (docs/operations.md has a reproduction). Likewise
    a BEGIN that fails or is cancelled keeps its connection out of the pool for good. Here the
    connection is given back when BEGIN fails, and the context variable is reset and the connection given back (closed first if its state is unknown)
    whatever the COMMIT or ROLLBACK did; and a connection that cannot be given back once the COMMIT
    has succeeded does not turn the committed action into a failure (`_discarded`)."""

    async def get_connection(self):
        return await self.engine.borrow()

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            self.transaction = self.connection.transaction()
            await self.begin()
        except BaseException:  # a BEGIN that failed or was cancelled: Piccolo would keep the connection for good
            self.connection.terminate()
            await self.engine.give_back(self.connection)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await faults.committing(self)
        except BaseException:
            self.connection.terminate()  # in an unknown state: not to be lent again (the pool opens a new one)
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
            await self.engine.give_back(self.connection)
        return exception is None


class RegistryPostgresEngine(CountsQueries, PostgresEngine):
    """Piccolo's PostgreSQL engine, counting statements (registry.db.querycount), with transactions
    that always end (EndingPostgresTransaction), and waiting no longer than its timeouts for a
    connection from the pool (asyncpg itself bounds opening one and each statement)."""

    def __init__(self, url: str, timeouts: "Timeouts") -> None:
        config: dict = {"dsn": url, "timeout": timeouts.connect}
        if timeouts.statement is not None:
            config["command_timeout"] = timeouts.statement
        super().__init__(config=config)
        self.timeouts = timeouts

    async def check_version(self) -> None:
        """Nothing while the engine is made: Piccolo would open a connection of its own there, with the
        event loop waiting, only to warn. `connect` checks the version on the pool's first connection."""

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return EndingPostgresTransaction(engine=self, allow_nested=allow_nested)

    async def borrow(self):
        if self.pool is None:
            return await self.get_new_connection()
        return await self.pool.acquire(timeout=self.timeouts.connect)

    async def give_back(self, connection) -> None:
        """Never raises: what the connection was used for is done (`_discarded`)."""
        try:
            if self.pool is not None:
                await self.pool.release(connection, timeout=self.timeouts.connect)  # terminates it on failure
            else:
                await connection.close()
        except Exception as error:
            _discarded(error)

    async def _run_in_pool(self, query: str, args=None):
        connection = await self.borrow()
        try:
            return await connection.fetch(query, *(args or []))
        finally:
            await self.give_back(connection)


@dataclass(frozen=True)
class Timeouts:
    """How long to wait for the database before giving up (and, serving, answering 503).

    `statement`: a statement on PostgreSQL (asyncpg's command_timeout, which cancels it on the server);
    on SQLite, how long a write waits for the write lock (the busy timeout), and how long a statement
    may run before it is interrupted (registry.db.sqlite.StatementClock). None: no limit on a
    PostgreSQL statement, SQLITE_BUSY_TIMEOUT_SECONDS on SQLite (the commands: a migration or a
    backup may take long). `connect`: opening a PostgreSQL connection, and waiting for one from the
    pool when all are lent."""

    statement: float | None = None
    connect: float = 60


def create_engine(url: str, timeouts: Timeouts | None = None) -> Engine:
    timeouts = timeouts or Timeouts()
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if sqlite3.sqlite_version_info < (3, 35):
            raise ValueError(f"SQLite {sqlite3.sqlite_version} is too old: the registry needs 3.35 or newer (INSERT ... RETURNING)")
        return RegistrySQLiteEngine(path=str(path), timeout=timeouts.statement or SQLITE_BUSY_TIMEOUT_SECONDS, statement_limit=timeouts.statement)
    if url.startswith(("postgresql://", "postgres://")):
        return RegistryPostgresEngine(url, timeouts)
    raise ValueError(f"unsupported database URL {redact(url)!r}")


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def kind(engine: Engine | None = None) -> DatabaseKind:
    engine = engine or current()
    return "sqlite" if isinstance(engine, SQLiteEngine) else "postgres"


def bind(engine: Engine) -> None:
    """Point every table of every app (and Piccolo's migration table) at `engine`."""
    global _engine
    from registry.db.piccolo_conf import APP_REGISTRY

    _engine = engine
    for app in APP_REGISTRY.app_configs.values():
        for table in app.table_classes:
            table._meta.db = engine
    Migration._meta.db = engine


def current() -> Engine:
    if _engine is None:
        raise RuntimeError("no database engine is bound; call registry.db.bind() first")
    return _engine


async def connect(engine: Engine, *, pool_size: int = 10) -> None:
    """Prepare the engine for serving: WAL for SQLite, a connection pool for PostgreSQL."""
    try:
        if isinstance(engine, SQLiteEngine):
            Path(engine.path).parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(engine.path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS) as connection:
                connection.execute("PRAGMA journal_mode=WAL")
        elif pool_size > 0:
            await engine.start_connection_pool(min_size=1, max_size=pool_size)
        if isinstance(engine, PostgresEngine):  # the version asked is the ping: the server answers, and is new enough
            check_postgres_version(await postgres_version(engine))
        else:
            await ping(engine)
    except Exception as error:  # the driver's own error types differ; the message is what matters
        raise DatabaseUnreachable(
            f"cannot open the database set by REGISTRY_DATABASE_URL ({describe(engine)}): {error}"
        ) from error


async def disconnect(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
    if isinstance(engine, RegistrySQLiteEngine):
        await engine.close_connections()


MINIMUM_POSTGRES = 130000  # as server_version_num: pg_current_snapshot() (registry.db.changes) came in 13


async def postgres_version(engine: PostgresEngine) -> int:
    return int((await engine.run_ddl("SELECT current_setting('server_version_num') AS version"))[0]["version"])


def check_postgres_version(version: int) -> None:
    if version < MINIMUM_POSTGRES:
        raise ValueError(f"PostgreSQL {version // 10000} is too old: the registry needs {MINIMUM_POSTGRES // 10000} or newer")


async def ping(engine: Engine | None = None) -> None:
    await (engine or current()).run_ddl("SELECT 1")


def describe(engine: Engine) -> str:
    if isinstance(engine, SQLiteEngine):
        return f"sqlite:///{engine.path}"
    return redact(engine.config["dsn"])


T = TypeVar("T")


async def isolated(work: Coroutine[Any, Any, T]) -> T:
    """Await `work` in a copy of the caller's context: whatever it leaves set in context variables
    (an engine's current transaction, were it ever left behind) is gone when it returns or fails, so
    that a long-lived task (the mail sender) starts each round of work clean."""
    return await asyncio.create_task(work)


def transaction():
    """One transaction per action. Nested calls join the outer transaction.

    On SQLite the write lock is taken at BEGIN (IMMEDIATE): a deferred transaction that reads and
    then writes cannot wait for the lock and fails at once when another writer got there first.
    """
    engine = current()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def analyze() -> None:
    """Refresh the query planner's statistics. SQLite has none until asked, and without them it
    plans the directory's facet counts several times slower at ten thousand suppliers; PostgreSQL's
    autovacuum keeps its own, but not straight after a bulk load."""
    await current().run_ddl("ANALYZE")


ROWS_PER_INSERT = 400  # well inside SQLite's limit on bound parameters for any of our tables


async def insert_many(table, rows: list) -> None:
    """Insert many rows of one table, several hundred to a statement."""
    for start in range(0, len(rows), ROWS_PER_INSERT):
        await table.insert(*rows[start:start + ROWS_PER_INSERT])


def for_update(query):
    """Lock the rows a query selects until the transaction ends, so that concurrent actions on them
    queue. On PostgreSQL that is SELECT ... FOR UPDATE; SQLite's write transaction already holds
    the whole database from BEGIN."""
    return query.lock_rows() if kind() == "postgres" else query


async def queue_under(table, row_id: int) -> None:
    """Make the actions that write under one row (rows that refer to it, perhaps not made yet) wait
    for each other until the transaction ends, so that two of them cannot both read "none yet" and
    both insert. On PostgreSQL the row is locked FOR NO KEY UPDATE (other rows may still refer to
    it); SQLite's write transaction already holds the whole database from BEGIN."""
    if kind() == "postgres":
        await queueing_under(table, row_id)


def queueing_under(table, row_id: int):
    """The statement by which `queue_under` queues on PostgreSQL, for a unit to yield (registry.db.units)."""
    return table.select(table.id).where(table.id == row_id).lock_rows("NO KEY UPDATE")


async def queue_for(name: str) -> None:
    """Make the actions that take something shared by name (the next number of a series of
    references, say) wait for each other until the transaction ends, when there is no one row to
    queue under: a transaction-level advisory lock on PostgreSQL; SQLite's write transaction already
    holds the whole database from BEGIN."""
    if kind() == "postgres":
        await current().run_querystring(QueryString("SELECT pg_advisory_xact_lock(hashtext({}))", name))


async def next_number(column, where=None, *, series: str) -> int:
    """The next number of a series (a framework's lots, a notice's versions, the questions asked
    about a framework, positions in a list): one more than the highest so far, taken while holding
    the series' own lock (`queue_for(series)`) so that two actions at once get different numbers.
    Call it inside the action's transaction."""
    await queue_for(series)
    query = column._meta.table.select(Max(column, alias="highest"))
    row = await (query.where(where) if where is not None else query).first()
    return (row["highest"] if row and row["highest"] is not None else 0) + 1


async def next_reference(column, prefix: str, *, series: str, digits: int = 3) -> str:
    """The next reference of a series named by `prefix` ("PF-2027-" gives PF-2027-001, 002…), under
    the series' own lock as next_number."""
    await queue_for(series)
    existing = await column._meta.table.select(column).where(column.like(f"{prefix}%")).output(as_list=True)
    numbers = [int(value.removeprefix(prefix)) for value in existing if value.removeprefix(prefix).isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:0{digits}d}"


def columns_of(table, alias: str) -> str:
    """Every column of `table` (joined as `alias`) for a raw SELECT, each named "alias.column", so that
    one row of a join holds several tables' rows: `object_of` takes each back out."""
    return ", ".join(f'{alias}."{column._meta.db_column_name}" AS "{alias}.{column._meta.db_column_name}"' for column in table._meta.columns)


def object_of(table, row: dict, alias: str):
    """The `table` object whose columns a raw row holds (`columns_of`), or None where an outer join found none."""
    values = {column._meta.name: row[f"{alias}.{column._meta.db_column_name}"] for column in table._meta.columns}
    return None if values["id"] is None else table(_exists_in_db=True, **values)


def row_by(table, column):
    """A lookup of the `table` object whose `column` (a unique one) has a value, or None: the statement
    is written out once, as `columns_of` names them, since building it took the query builder longer
    than the database took to answer it (every officer's page looks up its framework by reference)."""
    statement = f'SELECT {columns_of(table, "found")} FROM "{table._meta.tablename}" found WHERE found."{column._meta.db_column_name}" = {{}} LIMIT 1'

    async def lookup(value):
        rows = await table.raw(statement, value)
        return object_of(table, rows[0], "found") if rows else None

    return lookup


def contains(column, text: str):
    """A case-insensitive "contains" condition on either engine (SQLite's LIKE already ignores case)."""
    pattern = f"%{text}%"  # a % or _ typed by the user acts as a wildcard: harmless in a search
    return column.ilike(pattern) if kind() == "postgres" else column.like(pattern)
