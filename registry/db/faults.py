"""When the database (or the disk under it) is away: which errors mean that, and what this request
had committed when it happened.

`outage(error)` names the kind of outage an error means, or None for an error of the action itself:
the web layer answers an outage with 503 and `Retry-After` (registry.web.errors). `recording_writes`
follows one request's transactions, so that its answer can say whether anything was saved: nothing,
something, or (when a COMMIT itself failed) perhaps."""

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

import asyncpg.exceptions as pg


class Outage(StrEnum):
    UNREACHABLE = "unreachable"  # cannot connect, the connection was lost, the disk fails
    BUSY = "busy"  # timed out: waiting for a lock, for a pooled connection, for a statement
    READ_ONLY = "read-only"
    FULL = "full"


_POSTGRES = (
    (pg.ReadOnlySQLTransactionError, Outage.READ_ONLY),
    (pg.DiskFullError, Outage.FULL),
    (pg.TooManyConnectionsError, Outage.BUSY),
    (pg.LockNotAvailableError, Outage.BUSY),
    (pg.QueryCanceledError, Outage.BUSY),  # the server's statement_timeout or lock_timeout
    (pg.InsufficientResourcesError, Outage.UNREACHABLE),  # out of memory, say
    (pg.PostgresConnectionError, Outage.UNREACHABLE),
    (pg.OperatorInterventionError, Outage.UNREACHABLE),  # shutting down, starting up, in recovery
    (pg.InterfaceError, Outage.UNREACHABLE),  # a connection closed under us, a pool closing
    (pg.InternalClientError, Outage.UNREACHABLE),  # a connection lost mid-protocol
)

_SQLITE = {  # primary result codes (https://www.sqlite.org/rescode.html)
    sqlite3.SQLITE_BUSY: Outage.BUSY,
    sqlite3.SQLITE_LOCKED: Outage.BUSY,
    sqlite3.SQLITE_INTERRUPT: Outage.BUSY,  # a statement that ran past the timeout (registry.db.sqlite.StatementClock)
    sqlite3.SQLITE_READONLY: Outage.READ_ONLY,
    sqlite3.SQLITE_IOERR: Outage.UNREACHABLE,
    sqlite3.SQLITE_CANTOPEN: Outage.UNREACHABLE,
    sqlite3.SQLITE_FULL: Outage.FULL,
}

_OS = {
    errno.ENOSPC: Outage.FULL,
    errno.EDQUOT: Outage.FULL,
    errno.EROFS: Outage.READ_ONLY,
    errno.EIO: Outage.UNREACHABLE,
}


def outage(error: BaseException) -> Outage | None:
    """The outage `error` means, or None when it is not one."""
    for kind, meaning in _POSTGRES:
        if isinstance(error, kind):
            return meaning
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return _SQLITE.get(code & 0xFF) if code is not None else None
    if isinstance(error, TimeoutError):  # a statement, a pool, a connection attempt (asyncio's too)
        return Outage.BUSY
    if isinstance(error, ConnectionError):
        return Outage.UNREACHABLE
    if isinstance(error, OSError):
        return _OS.get(error.errno)
    return None


@dataclass
class Writes:
    """What one request's transactions did."""

    committed: int = 0
    unknown: bool = False  # a COMMIT failed: whether it took effect cannot be told

    @property
    def saved(self) -> bool | None:
        """False when nothing was saved, None when something may have been (or was)."""
        return False if not self.committed and not self.unknown else None


_writes: ContextVar[Writes | None] = ContextVar("registry_writes", default=None)


@contextmanager
def recording_writes() -> Iterator[Writes]:
    """Follow the transactions awaited inside the block (one request)."""
    writes = Writes()
    token = _writes.set(writes)
    try:
        yield writes
    finally:
        _writes.reset(token)


def writes() -> Writes | None:
    """This request's record of its transactions, or None outside one."""
    return _writes.get()


async def committing(transaction) -> None:
    """A transaction's COMMIT, noted in the request's record: done, or (when it failed, or was
    cancelled as it ran) perhaps done."""
    try:
        await transaction.commit()
    except BaseException:
        commit_failed()
        raise
    committed()


def committed() -> None:
    if (record := _writes.get()) is not None:
        record.committed += 1


def commit_failed() -> None:
    if (record := _writes.get()) is not None:
        record.unknown = True
