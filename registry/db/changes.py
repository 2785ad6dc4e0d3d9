"""The database's own record of change: a token equal on two reads only if nothing was committed to
the database in between, by this process or any other. What is built from the database alone (a
public page) can be kept while the token stays the same: read the token first, then the data, so
that a commit in between makes the next reader build again rather than keep something older than its
token says.

SQLite: `PRAGMA data_version` (registry.db.sqlite's `change_token`). PostgreSQL: the current
snapshot (`pg_current_snapshot()`), which names every transaction that has a transaction id and has
not yet committed, and the next id to be given: two equal snapshots see exactly the same committed
data. Any commit anywhere in the cluster moves it, which only means building again more often."""

from collections.abc import Hashable

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from registry.db.engine import current
from registry.db.sqlite import RegistrySQLiteEngine

SNAPSHOT = QueryString("SELECT pg_current_snapshot()::text AS snapshot")


async def token(engine: Engine | None = None) -> Hashable:
    engine = engine or current()
    if isinstance(engine, RegistrySQLiteEngine):
        return await engine.change_token()
    return (await engine.run_querystring(SNAPSHOT))[0]["snapshot"]
