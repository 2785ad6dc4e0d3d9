"""Actions decided in one go: a transaction whose statements run without waiting for the event loop.

A unit is a generator. It yields each statement – a Piccolo query, or a QueryString – and is sent
back that statement's rows (objects for an `objects()` query, dicts otherwise); what it returns is
the unit's result, and an exception it raises rolls everything back. `run(unit)` runs it as one
transaction:

- On SQLite, whole on the writer thread in its writer's turn (registry.db.sqlite): every statement
  and the unit's own Python between them, in a transaction (whose commit it may share with the
  units queued behind it), then the next writer.
  A transaction written as `await`s comes back to the event loop after each statement, and holds
  SQLite's one write lock meanwhile, for as long as the loop takes to come back to it each time:
  in a deadline rush with pages being read, ten statements held it 50–200 ms, and submissions went
  through at 17 a second.
- On PostgreSQL, and inside a transaction already open (the unit then joins it), statement by
  statement: PostgreSQL locks rows, so waiting for the loop holds up only the writers of those rows.

A unit sees the caller's context variables (the request id, the statement count), but runs on
another thread on SQLite: it awaits nothing and must not touch the event loop.
"""

import asyncio
import contextvars
import sqlite3
from collections.abc import Generator
from typing import Any, TypeVar

from piccolo.engine.sqlite import SQLiteEngine
from piccolo.query.base import Query
from piccolo.query.methods.objects import Objects
from piccolo.querystring import QueryString

from registry.db import engine as engines
from registry.db import faults
from registry.db.querycount import note_statement

T = TypeVar("T")
Statement = Query | QueryString
Unit = Generator[Statement, Any, T]


async def run(unit: Unit[T]) -> T:
    """Run the unit as one transaction, or as part of the one already open."""
    engine = engines.current()
    if isinstance(engine, SQLiteEngine) and engine.current_transaction.get() is None:
        context = contextvars.copy_context()
        try:
            result = await engine.run_in_transaction(lambda connection: context.run(_on_writer_thread, unit, connection))
        except asyncio.CancelledError:  # the writer thread may yet commit it
            faults.commit_failed()
            raise
        except Exception as error:
            if faults.outage(error) is faults.Outage.UNREACHABLE:  # an I/O error, perhaps at COMMIT: cannot be told
                faults.commit_failed()
            raise
        faults.committed()
        return result
    async with engines.transaction():
        return await _statement_by_statement(unit, engine)


def _querystring(statement: Statement) -> QueryString:
    if isinstance(statement, QueryString):
        return statement
    (querystring,) = statement.querystrings
    return querystring


def _as_answered(statement: Statement, rows: list[dict]) -> list:
    return [statement.table(_exists_in_db=True, **row) for row in rows] if isinstance(statement, Objects) else rows


async def _statement_by_statement(unit: Unit[T], engine) -> T:
    answer = None
    while True:
        try:
            statement = unit.send(answer)
        except StopIteration as done:
            return done.value
        rows = await engine.run_querystring(_querystring(statement))
        answer = _as_answered(statement, engine.transform_response_to_dicts(rows) if rows else [])


def _on_writer_thread(unit: Unit[T], connection: sqlite3.Connection) -> T:
    """The unit's statements on SQLite's writer thread, in the transaction the thread holds for it
    (registry.db.sqlite.WriterThread); `connection` has Piccolo's adapters and converters."""
    answer = None
    while True:
        try:
            statement = unit.send(answer)
        except StopIteration as done:
            return done.value
        sql, arguments = _querystring(statement).compile_string(engine_type="sqlite")
        note_statement()
        answer = _as_answered(statement, connection.execute(sql, arguments).fetchall())
