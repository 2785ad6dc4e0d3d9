"""The data layer: one engine for the whole process, chosen by REGISTRY_DATABASE_URL.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every write runs in an
IMMEDIATE transaction so that concurrent read-then-write actions queue instead of failing with
"database is locked". PostgreSQL uses a connection pool opened and closed with the app.
"""

import os

# Piccolo finds its configuration (and so the engine for migrations) through this variable.
os.environ.setdefault("PICCOLO_CONF", "registry.db.piccolo_conf")

from registry.db.engine import (  # noqa: E402
    DatabaseUnreachable,
    Timeouts,
    analyze,
    bind,
    columns_of,
    connect,
    contains,
    create_engine,
    current,
    disconnect,
    for_update,
    insert_many,
    isolated,
    kind,
    object_of,
    ping,
    next_number,
    next_reference,
    queue_for,
    queue_under,
    queueing_under,
    row_by,
    transaction,
)
from registry.db.faults import Outage, outage, recording_writes, writes  # noqa: E402

__all__ = [
    "DatabaseUnreachable",
    "Outage",
    "Timeouts",
    "analyze",
    "bind",
    "columns_of",
    "connect",
    "contains",
    "create_engine",
    "current",
    "disconnect",
    "for_update",
    "insert_many",
    "isolated",
    "kind",
    "object_of",
    "outage",
    "ping",
    "next_number",
    "next_reference",
    "queue_for",
    "queue_under",
    "queueing_under",
    "row_by",
    "recording_writes",
    "transaction",
    "writes",
]
