"""Counting the SQL statements a piece of work issues, for the tests that hold each page's count
independent of the data's size (no N+1) and for the benchmarks' queries per request.

The count follows the asyncio context: statements issued by the code awaited inside `counting()`
(an ASGI app called in the same task included) are counted, those of other requests are not."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class QueryCount:
    statements: int = 0


_current: ContextVar[QueryCount | None] = ContextVar("registry_query_count", default=None)


@contextmanager
def counting() -> Iterator[QueryCount]:
    count = QueryCount()
    token = _current.set(count)
    try:
        yield count
    finally:
        _current.reset(token)


def note_statement() -> None:
    """Count a statement run other than through the engine (registry.db.units, on SQLite)."""
    if (count := _current.get()) is not None:
        count.statements += 1


class CountsQueries:
    """Mixed into the engines: notes each statement in the count of the context that issued it."""

    async def run_querystring(self, *args, **kwargs):
        if (count := _current.get()) is not None:
            count.statements += 1
        return await super().run_querystring(*args, **kwargs)

    async def run_ddl(self, *args, **kwargs):
        if (count := _current.get()) is not None:
            count.statements += 1
        return await super().run_ddl(*args, **kwargs)
