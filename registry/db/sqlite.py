"""The SQLite engine as the registry runs it: Piccolo's, with connections kept and lent out again, and
writers taking turns on a thread of their own.

Piccolo's engine opens a connection, and with it a thread, for every query outside a transaction
and for every transaction; and under load every waiting writer polls SQLite's one write lock,
sleeping up to 0.1 s between tries. Measured in a deadline rush (176 submissions at once while
pages are read, one worker), both cost seconds: a new connection and thread for each of the
requests in flight, and a lock often free while every waiter slept, and writers that kept losing
waiting behind later arrivals. So here:

- Reads outside a transaction, and read-only transactions, borrow one of at most `READERS`
  connections (WAL: readers never wait for the writer), waiting in order of arrival when all are
  lent.
- Writers take turns in order of arrival, one at a time in this process, on the *writer thread*
  (`WriterThread`), which has a connection of its own. A unit (registry.db.units) runs whole on
  that thread, in a transaction, and the next one straight after, without waiting for the event
  loop in between; units queued together share a commit. A write outside a transaction runs there
  too, as a unit of one statement. A write transaction written as `await`s (`db.transaction()`)
  holds the writer thread while it runs, on the one connection kept for such transactions.

Other processes (another worker, a command) still meet at SQLite's own lock, as before.
"""

import asyncio
import itertools
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from registry.db import faults
from registry.db.querycount import CountsQueries

T = TypeVar("T")
BUSY_TIMEOUT_SECONDS = 30
_CHANGES = itertools.count(1)  # change tokens, unique in the process across engines (registry.db.changes)
WRITES = ("INSERT", "UPDATE", "DELETE")  # how a statement that writes begins


class Locked(sqlite3.OperationalError):
    def __init__(self, waited_for: str, seconds: float = BUSY_TIMEOUT_SECONDS):
        super().__init__(f"database is locked: waited {seconds} s for {waited_for}")
        self.sqlite_errorcode = sqlite3.SQLITE_BUSY  # as SQLite's own "database is locked" (registry.db.faults)


class RegistrySQLiteTransaction(SQLiteTransaction):
    """Piccolo's SQLite transaction on the engine's connections: a write (IMMEDIATE) transaction in
    its writer's turn, on the connection kept for such transactions; any other on a lent one."""

    _end_turn: Callable[[], None] | None = None

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        writing = self.transaction_type == TransactionType.immediate
        if writing:
            self._end_turn = await self.engine.write_turn()
        try:
            self.connection = await (self.engine.writing_connection() if writing else self.engine.get_connection())
            try:
                await self.begin()
            except BaseException:
                self._discard()
                raise
        except BaseException:
            self._finish_turn()
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
            self._discard()  # in an unknown state: not to be used again
            raise
        else:
            self._give_back()
        finally:
            self.engine.current_transaction.reset(self.context)
            self._finish_turn()
        return exception is None

    def _give_back(self) -> None:
        if self._end_turn is None:
            self.engine.give_back(self.connection)

    def _discard(self) -> None:
        if self._end_turn is None:
            self.engine.discard(self.connection)
        else:
            self.engine.discard_writing_connection()

    def _finish_turn(self) -> None:
        if self._end_turn is not None:
            self._end_turn, end_turn = None, self._end_turn
            end_turn()


class StatementClock:
    """SQLite has no statement timeout: this interrupts a statement that has run longer than
    `limit` seconds, as SQLite's progress handler (called every PROGRESS_STEP virtual machine
    instructions on the connection's own thread), so that a slow read ends with SQLITE_INTERRUPT
    (an outage: registry.db.faults) instead of holding the page."""

    PROGRESS_STEP = 10_000  # a few hundred microseconds of work between checks

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.started: float | None = None

    def __call__(self) -> int:
        started = self.started
        return 1 if started is not None and time.monotonic() - started > self.limit else 0


class RegistrySQLiteEngine(CountsQueries, SQLiteEngine):
    READERS = 8  # connections lent out for reading: each is a thread, and more only contend for the interpreter

    def __init__(self, *args, statement_limit: float | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.waits = self.connection_kwargs.get("timeout", BUSY_TIMEOUT_SECONDS)  # for a lock, a connection, a turn
        self.statement_limit = statement_limit  # None: statements run as long as they take (the commands)
        self._idle: list[aiosqlite.Connection] = []
        self._lending: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        self._writing: aiosqlite.Connection | None = None  # for write transactions written as awaits
        self._writer: WriterThread | None = None
        self._watcher: aiosqlite.Connection | None = None  # the change token's connection
        self._version_seen: tuple[aiosqlite.Connection, int] | None = None  # its last `PRAGMA data_version`
        self._change = next(_CHANGES)

    # --- Reading ---------------------------------------------------------------------------------

    def _readers(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._lending is None or self._lending[0] is not loop:
            self._lending = (loop, asyncio.Semaphore(self.READERS))
        return self._lending[1]

    async def get_connection(self) -> aiosqlite.Connection:
        """Lend a connection (give it back with `give_back`, or `discard` it)."""
        readers = self._readers()
        try:
            async with asyncio.timeout(self.waits):
                await readers.acquire()
        except TimeoutError:
            raise Locked("a connection to read on", self.waits) from None
        try:
            return self._idle.pop() if self._idle else await self._open()
        except BaseException:
            readers.release()
            raise

    def give_back(self, connection: aiosqlite.Connection) -> None:
        self._idle.append(connection)
        self._readers().release()

    def discard(self, connection: aiosqlite.Connection) -> None:
        asyncio.ensure_future(connection.close())
        self._readers().release()

    async def change_token(self) -> int:
        """A number that stays the same while nothing is committed to the database, and moves once
        something is (registry.db.changes). SQLite's own counter, `PRAGMA data_version`, moves for a
        connection when *another* connection commits, and is each connection's own: so it is asked of
        one connection kept for that alone, which never writes (every write here is on the writer's
        connections; other processes have connections of their own). Asked of whichever connection a
        request borrowed, a commit would move the token once for each connection that had not yet seen
        it, and every kept page would be built again as many times."""
        watching = await self._watching()
        try:
            version = (await watching.execute_fetchall("PRAGMA data_version"))[0]["data_version"]
        except Exception:
            if self._watcher is watching:  # the next to ask opens another
                self._watcher = None
            asyncio.ensure_future(watching.close())
            raise
        # The connection with the number: each connection counts its own, and a new one has seen nothing.
        if self._version_seen is None or self._version_seen[0] is not watching or self._version_seen[1] != version:
            self._version_seen = (watching, version)
            self._change = next(_CHANGES)
        return self._change

    async def _watching(self) -> aiosqlite.Connection:
        """The connection the change token is asked of, opened by the first to ask (any event loop may
        use it, as any may a lent connection)."""
        if self._watcher is None:
            opened = await self._open()
            if self._watcher is None:
                self._watcher = opened
            else:  # another request opened one meanwhile
                await opened.close()
        return self._watcher

    async def _open(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(**self.connection_kwargs)
        pending._thread.daemon = True  # a connection kept for reuse must not keep the process from exiting
        connection = await pending
        connection.row_factory = dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        if self.statement_limit is not None:
            connection.statement_clock = StatementClock(self.statement_limit)
            await connection.set_progress_handler(connection.statement_clock, StatementClock.PROGRESS_STEP)
        return connection

    # --- Writing ---------------------------------------------------------------------------------

    def _writer_thread(self) -> "WriterThread":
        if self._writer is None:
            self._writer = WriterThread(self._connect_writer)
        return self._writer

    def _connect_writer(self) -> sqlite3.Connection:
        connection = sqlite3.connect(**self.connection_kwargs)  # Piccolo's: its converters, autocommit, the busy timeout
        connection.row_factory = dict_factory
        connection.execute("PRAGMA foreign_keys = 1")
        return connection

    async def write_turn(self) -> Callable[[], None]:
        """Wait for this writer's turn, which holds the writer thread; call what is returned to end it."""
        loop = asyncio.get_running_loop()
        started = loop.create_future()
        ended = threading.Event()

        def hold(_: sqlite3.Connection) -> None:
            loop.call_soon_threadsafe(lambda: started.done() or started.set_result(None))
            # Past the timeout SQLite's own lock still keeps writers apart; the turns just stop queueing them.
            ended.wait(BUSY_TIMEOUT_SECONDS)

        self._writer_thread().submit(hold, in_transaction=False)
        try:
            async with asyncio.timeout(self.waits):
                await started
        except BaseException as error:
            ended.set()  # the turn, when it comes, ends at once
            if isinstance(error, TimeoutError):
                raise Locked("this process's other writers", self.waits) from None
            raise
        return ended.set

    async def writing_connection(self) -> aiosqlite.Connection:
        """The connection for write transactions written as awaits: only the writer whose turn it is uses it."""
        if self._writing is None:
            self._writing = await self._open()
        return self._writing

    def discard_writing_connection(self) -> None:
        if self._writing is not None:
            connection, self._writing = self._writing, None
            asyncio.ensure_future(connection.close())

    async def run_in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` on the writer thread, in a transaction of its own: it either all lands or,
        if it raises, none of it does. It returns once its transaction is committed."""
        return await asyncio.wrap_future(self._writer_thread().submit(work, in_transaction=True))

    # --- Piccolo's engine, on these connections --------------------------------------------------

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True) -> SQLiteTransaction:
        return RegistrySQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_existing_connection(self, connection, query: str, args=None, query_type: str = "generic", table=None):
        """A statement in one trip to the connection's thread. Piccolo's own makes four – a PRAGMA
        it repeats before every statement (`_open` sets it once), execute, fetch, close – and each
        trip waits for the event loop to come back to it. (SQLite 3.35 or newer, which
        `registry.db.create_engine` requires: Piccolo's inserts then return their keys themselves.)"""
        clock = getattr(connection, "statement_clock", None)
        if clock is not None:
            clock.started = time.monotonic()
        try:
            return await connection.execute_fetchall(query, args or [])
        finally:
            if clock is not None:
                clock.started = None

    async def _run_in_new_connection(self, query: str, args=None, query_type: str = "generic", table=None):
        """A statement outside a transaction: a write on the writer thread, a read on a lent connection."""
        if query.lstrip()[:6].upper() in WRITES:
            return await self.run_in_transaction(lambda connection: connection.execute(query, args or []).fetchall())
        connection = await self.get_connection()
        try:
            response = await self._run_in_existing_connection(connection, query, args, query_type, table)
        except BaseException:
            self.discard(connection)
            raise
        self.give_back(connection)  # autocommit (isolation_level None): nothing is left open on it
        return response

    async def close_connections(self) -> None:
        idle, self._idle = self._idle, []
        if self._watcher is not None:
            watcher, self._watcher, self._version_seen = self._watcher, None, None
            await watcher.close()
        for connection in idle:
            await connection.close()
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing.close()
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await asyncio.to_thread(writer.stop)


class WriterThread:
    """The thread SQLite's writers take turns on, in order of arrival, with a connection of its own.

    Work `in_transaction` runs in a transaction of its own; consecutive such work shares one commit
    (group commit), each in a savepoint so that one that raises is undone alone, and none is told
    it is done before the commit. SQLite waits for the disk at every commit (synchronous FULL, so
    that a receipt once given survives a power cut): in the deadline rush that wait was half of each
    submission's time on this thread. Other work (a turn held for a transaction written as awaits)
    runs on its own, outside any transaction."""

    MOST_AT_ONCE = 50  # units sharing a commit, so that the first of them is not kept waiting long

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._connection: sqlite3.Connection | None = None
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="sqlite-writer", daemon=True)
        self._thread.start()

    def submit(self, work: Callable[[sqlite3.Connection], T], *, in_transaction: bool) -> "Future[T]":
        done: Future[T] = Future()
        self._jobs.put((work, in_transaction, done))
        return done

    def stop(self) -> None:
        self._jobs.put(None)
        self._thread.join()

    def _serve(self) -> None:
        waiting = None
        while True:
            job = waiting if waiting is not None else self._jobs.get()
            waiting = None
            if job is None:
                break
            work, in_transaction, done = job
            if not in_transaction:
                self._alone(work, done)
                continue
            together = [(work, done)]
            while len(together) < self.MOST_AT_ONCE:
                try:
                    waiting = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if waiting is None or not waiting[1]:
                    break
                together.append((waiting[0], waiting[2]))
                waiting = None
            self._together(together)
        if self._connection is not None:
            self._connection.close()

    def _writer_connection(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def _alone(self, work: Callable, done: Future) -> None:
        if not done.set_running_or_notify_cancel():
            return
        try:
            done.set_result(work(self._writer_connection()))
        except BaseException as error:
            done.set_exception(error)

    def _together(self, together: list[tuple[Callable, Future]]) -> None:
        together = [(work, done) for work, done in together if done.set_running_or_notify_cancel()]
        outcomes: list[tuple[Future, object, BaseException | None]] = []
        try:
            connection = self._writer_connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                for work, done in together:
                    connection.execute("SAVEPOINT work")
                    try:
                        result = work(connection)
                    except Exception as error:
                        connection.execute("ROLLBACK TO work")
                        outcomes.append((done, None, error))
                    else:
                        outcomes.append((done, result, None))
                    connection.execute("RELEASE work")
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.rollback()
                raise
        except BaseException as error:  # nothing landed
            if self._connection is not None and self._connection.in_transaction:
                self._connection.close()
                self._connection = None
            for _, done in together:
                if not done.done():
                    done.set_exception(error)
            return
        for done, result, error in outcomes:
            if error is None:
                done.set_result(result)
            else:
                done.set_exception(error)
