"""Append events to the audit log and verify its hash chain.

Each event stores the hash of the one before it; its own hash is SHA-256 over that previous hash and
the canonical JSON of the event. Appends are serialised (SQLite's IMMEDIATE write lock, a
transaction-scoped advisory lock on PostgreSQL, and a unique sequence number), so the chain cannot
fork. Editing or deleting any event breaks the chain at that event, which `verify` reports.
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from piccolo.querystring import QueryString

from registry import clock, db
from registry.audit.tables import AuditEvent
from registry.db import units
from registry.logs import current_request_id
from registry.web import paging

GENESIS_HASH = "0" * 64
APPEND_LOCK_ID = 7_301_947  # any constant, shared by every process that appends to the log
PAGE_SIZE = 50

@dataclass(frozen=True)
class Actor:
    """Who did something: a signed-in user, or the system itself (commands, scheduled work)."""

    user_id: int | None
    email: str | None
    roles: tuple[str, ...] = ()

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(user_id=None, email=None, roles=(name,))


ANONYMOUS = Actor(user_id=None, email=None, roles=("anonymous",))


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def hashed_content(event: AuditEvent) -> dict[str, Any]:
    payload = event.payload if isinstance(event.payload, dict) else json.loads(event.payload or "{}")
    return {
        "sequence": event.sequence,
        "occurred_at": _utc_text(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "actor_roles": event.actor_roles,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "request_id": event.request_id,
        "payload": payload,
    }


def event_hash(previous_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((previous_hash + canonical_json(content)).encode()).hexdigest()


async def record(
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: object = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the action's own transaction, so both land or neither does."""
    return await units.run(appending(action, actor=actor, object_type=object_type, object_id=object_id, payload=payload))


def appending(
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: object = None,
    payload: dict[str, Any] | None = None,
) -> units.Unit[AuditEvent]:
    """`record`, as the steps of an action decided in one go (registry.db.units)."""
    if db.kind() == "postgres":
        yield QueryString("SELECT pg_advisory_xact_lock({})", APPEND_LOCK_ID)
    rows = yield AuditEvent.select(AuditEvent.sequence, AuditEvent.hash).order_by(AuditEvent.sequence, ascending=False).limit(1)
    last = rows[0] if rows else None
    previous_hash = last["hash"] if last else GENESIS_HASH
    event = AuditEvent(
        sequence=(last["sequence"] + 1) if last else 1,
        occurred_at=clock.now(),
        actor_id=actor.user_id,
        actor_email=actor.email,
        actor_roles=",".join(actor.roles),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        request_id=current_request_id.get(),
        payload=canonical_json(payload or {}),
        previous_hash=previous_hash,
    )
    event.hash = event_hash(previous_hash, hashed_content(event))
    (inserted,) = yield AuditEvent.insert(event)
    event.id = inserted["id"]
    event._exists_in_db = True
    return event


@dataclass
class Verification:
    checked: int
    broken_sequence: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None


async def verify(batch_size: int = 2000) -> Verification:
    """Recompute the whole chain; report the first event that does not verify."""
    previous_hash, expected_sequence, checked = GENESIS_HASH, 1, 0
    while True:
        events = (
            await AuditEvent.objects()
            .where(AuditEvent.sequence >= expected_sequence)
            .order_by(AuditEvent.sequence)
            .limit(batch_size)
        )
        if not events:
            return Verification(checked=checked)
        for event in events:
            if event.sequence != expected_sequence:
                return Verification(checked, expected_sequence, f"event {expected_sequence} is missing (deleted?)")
            if event.previous_hash != previous_hash:
                return Verification(checked, event.sequence, "its previous-hash does not match the event before it")
            if event_hash(previous_hash, hashed_content(event)) != event.hash:
                return Verification(checked, event.sequence, "its content does not match its hash (edited?)")
            previous_hash, expected_sequence, checked = event.hash, expected_sequence + 1, checked + 1


# --- Reading the log ------------------------------------------------------------------------------
# Some events tell what must stay sealed for a while: that a supplier is tendering, say, until the
# framework's tenders are opened. The packages above this one say which, through a sealer each, and
# the admin's view leaves those events out (from its lists, counts and filters alike) until their
# sealer no longer names them. The log itself keeps every event whole: `verify` checks them all.


@dataclass(frozen=True)
class Sealed:
    """Events left out of the admin's view for now: those of `actions` on these objects."""

    object_type: str
    actions: frozenset[str]
    object_ids: frozenset[str]


Sealer = Callable[[], Awaitable[Sealed]]
_sealers: list[Sealer] = []


def add_sealer(sealer: Sealer) -> None:
    if sealer not in _sealers:
        _sealers.append(sealer)


async def _unsealed() -> list:
    """The conditions an event must meet to be shown: for each sealer, not one of its events."""
    conditions = []
    for sealer in _sealers:
        sealed = await sealer()
        if sealed.object_ids and sealed.actions:
            conditions.append(
                (AuditEvent.object_type != sealed.object_type) | AuditEvent.action.not_in(sorted(sealed.actions))
                | AuditEvent.object_id.is_null() | AuditEvent.object_id.not_in(sorted(sealed.object_ids))
            )
    return conditions


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # part of an email address
    object_type: str | None = None
    object_id: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: str | int | None = 1  # as asked for: anything not a page number is the first page, past the last is the last
    zone: Any = field(default=UTC, compare=False)


async def search(criteria: AuditFilter) -> tuple[list[AuditEvent], int]:
    """Events matching the filter, newest first, one page of them, and how many match in all (sealed
    events left out)."""
    conditions = await _unsealed()
    if criteria.actor:
        # emails are stored lower-cased
        conditions.append(AuditEvent.actor_email.like(f"%{criteria.actor.strip().lower()}%"))
    if criteria.object_type:
        conditions.append(AuditEvent.object_type == criteria.object_type)
    if criteria.object_id:
        conditions.append(AuditEvent.object_id == criteria.object_id.strip())
    if criteria.action:
        conditions.append(AuditEvent.action == criteria.action)
    if criteria.date_from:
        conditions.append(AuditEvent.occurred_at >= datetime.combine(criteria.date_from, time(), criteria.zone))
    if criteria.date_to:
        conditions.append(AuditEvent.occurred_at < datetime.combine(criteria.date_to + timedelta(days=1), time(), criteria.zone))
    query = AuditEvent.objects().order_by(AuditEvent.sequence, ascending=False)
    count = AuditEvent.count()
    if conditions:
        query, count = query.where(*conditions), count.where(*conditions)
    total = await count
    shown = paging.page_of(criteria.page, total, PAGE_SIZE)
    return await query.limit(shown.size).offset(shown.offset), total


async def distinct_values(column_name: str) -> list[str]:
    """Each value the column takes in the events shown (sealed events left out)."""
    column = getattr(AuditEvent, column_name)
    query = AuditEvent.select(column).distinct().order_by(column)
    if conditions := await _unsealed():
        query = query.where(*conditions)
    rows = await query.output(as_list=True)
    return [value for value in rows if value]
