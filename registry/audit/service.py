"""Append events to the audit log and verify its hash chain.

Each event stores the hash of the one before it; its own hash is HMAC-SHA256, keyed with a secret
kept out of the database (registry.audit.keys), over that previous hash and the canonical JSON of
the event, the key's id among it. Events recorded before keyed hashing have no key id and a plain
SHA-256 hash; they still verify, and the first keyed event binds them. Appends are serialised
(SQLite's IMMEDIATE write lock, a transaction-scoped advisory lock on PostgreSQL, and a unique
sequence number), so the chain cannot fork. Editing or deleting any event breaks the chain at that
event, which `verify` reports; so does recomputing the chain without the key. What the chain alone
cannot show – events cut from its end, or the chain recomputed by someone holding the key – the
published checkpoints of its head show (registry.audit.checkpoints).
"""

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from piccolo.querystring import QueryString

from registry import clock, db
from registry.audit import keys as audit_keys
from registry.audit.tables import AuditEvent
from registry.errors import Refused, RuleBroken
from registry.db import units
from registry.logs import current_request_id
from registry import paging

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
        **({"key_id": event.key_id} if event.key_id is not None else {}),
    }


def event_hash(previous_hash: str, content: dict[str, Any], key: bytes | None) -> str:
    """HMAC-SHA256 with `key`; plain SHA-256 for the events from before keyed hashing (no key)."""
    message = (previous_hash + canonical_json(content)).encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# Inside an action (registry.audit.actions) the events it records wait here, in order, to be
# appended together as its last statements.
waiting_events: ContextVar[list[units.Unit[AuditEvent]] | None] = ContextVar("waiting_audit_events", default=None)


async def record(
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: object = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Append one event. Call it inside the action's own transaction, so both land or neither does;
    inside an action (registry.audit.actions) it is appended as the action's last step."""
    unit = _appending(audit_keys.current(), action, actor, object_type, object_id, payload, clock.now(), current_request_id.get())
    waiting = waiting_events.get()
    if waiting is None:
        await units.run(unit)
    else:
        waiting.append(unit)


async def append_waiting() -> None:
    """Append the events the action has recorded so far (before its audit log's head is read)."""
    waiting = waiting_events.get()
    while waiting:
        await units.run(waiting.pop(0))


# --- One service action ---------------------------------------------------------------------
# One service action: one transaction; when it is refused, nothing of it is kept and the refusal
# is audited; the audit events it records are appended last.
#
# Appending to the audit log takes the chain's head (on PostgreSQL a transaction-level lock, held
# until the commit: every other action's append waits behind it). Appended as the action's last
# statements, the lock is held for the commit alone, not for the rest of the action's work.
#
#     async with audit.action("approve", refused_as="award.refused", actor=user.actor, object_type="framework", object_id=reference):
#         ...  # checks, writes, audit.record(...)


@asynccontextmanager
async def action(
    name: str, *, refused_as: str | None = None, actor: Actor | None = None, object_type: str | None = None,
    object_id: object = None, refusals: tuple[type[Exception], ...] = (Refused, RuleBroken),
) -> AsyncIterator[None]:
    """Run the block as `name`, one action. An action inside another is part of it. With
    `refused_as`, a refusal (one of `refusals`) is recorded under that name, by `actor`, about
    `object_type` `object_id`, with the action and the reason, after the action's own work has been
    rolled back."""
    assert refused_as is None or (actor is not None and object_type is not None), "a recorded refusal says who and about what"
    if waiting_events.get() is not None:
        yield
        return
    waiting: list = []
    token = waiting_events.set(waiting)
    try:
        async with db.transaction():
            yield
            await append_waiting()
    except refusals as refusal:
        if refused_as is None:
            raise
        waiting_events.reset(token)
        token = None
        await record(refused_as, actor=actor, object_type=object_type, object_id=object_id, payload={"action": name, "reason": str(refusal)})
        raise
    finally:
        if token is not None:
            waiting_events.reset(token)



def appending(
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: object = None,
    payload: dict[str, Any] | None = None,
) -> units.Unit[AuditEvent]:
    """`record`, as the steps of an action decided in one go (registry.db.units)."""
    return _appending(audit_keys.current(), action, actor, object_type, object_id, payload, clock.now(), current_request_id.get())


def _appending(
    keys: audit_keys.Keys, action: str, actor: Actor, object_type: str, object_id: object, payload: dict[str, Any] | None,
    occurred_at: datetime, request_id: str | None,
) -> units.Unit[AuditEvent]:
    if db.kind() == "postgres":
        yield QueryString("SELECT pg_advisory_xact_lock({})", APPEND_LOCK_ID)
    rows = yield AuditEvent.select(AuditEvent.sequence, AuditEvent.hash).order_by(AuditEvent.sequence, ascending=False).limit(1)
    last = rows[0] if rows else None
    previous_hash = last["hash"] if last else GENESIS_HASH
    event = AuditEvent(
        sequence=(last["sequence"] + 1) if last else 1,
        occurred_at=occurred_at,
        actor_id=actor.user_id,
        actor_email=actor.email,
        actor_roles=",".join(actor.roles),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        request_id=request_id,
        payload=canonical_json(payload or {}),
        previous_hash=previous_hash,
        key_id=keys.hash_key_id,
    )
    event.hash = event_hash(previous_hash, hashed_content(event), keys.hash_key)
    (inserted,) = yield AuditEvent.insert(event)
    event.id = inserted["id"]
    event._exists_in_db = True
    return event


@dataclass(frozen=True)
class Problem:
    """Something `verify` found wrong: at which event (None: not one event's), and what."""

    sequence: int | None
    text: str


@dataclass(frozen=True)
class Anchor:
    """A checkpoint, already known to be genuine (its signature verified): the log's head, at a moment."""

    sequence: int
    hash: str
    made_at: datetime


@dataclass
class Verification:
    checked: int = 0  # events that verified before the first problem in the chain
    last_sequence: int = 0
    unkeyed: int = 0  # events from before keyed hashing (plain SHA-256)
    key_ids: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    anchors: int = 0  # checkpoints the log was compared with
    newest_anchor: Anchor | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def broken_sequence(self) -> int | None:
        return self.problems[0].sequence if self.problems else None

    @property
    def reason(self) -> str | None:
        return self.problems[0].text if self.problems else None


@dataclass
class _Walk:
    """Where the walk along the chain is: the hash the next event must follow, and the current run
    of events that fail the same way (reported as one problem: a segment recomputed without the key)."""

    previous_hash: str = GENESIS_HASH
    expected: int = 1
    keyed_since: int | None = None
    run: tuple[str, int, int] | None = None  # (what is wrong, first event, last event)
    broken: bool = False


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _run_problem(kind: str, first: int, last: int, keyed_since: int | None) -> Problem:
    if kind == "unkeyed":
        if first == last:
            return Problem(first, f"it has no key, though event {keyed_since} before it has one: added, or the chain recomputed, without the key")
        return Problem(first, f"events {first} to {last} have no key, though event {keyed_since} before them has one: added, or the chain recomputed, without the key")
    if first == last:
        return Problem(first, "its content does not match its hash (edited?)")
    return Problem(first, f"events {first} to {last} do not match their hashes: edited, or the chain recomputed without the key")


async def verify(anchors: list[Anchor] = (), batch_size: int = 2000) -> Verification:
    """Recompute the whole chain with the audit keys, and compare it with `anchors` (checkpoints
    whose signatures were verified). Reports each break of the chain – a missing event, a broken
    link, a segment whose hashes do not match under their keys – and each checkpoint the log no
    longer matches: events cut from its end, or a segment rewritten and re-chained with the key."""
    keys = audit_keys.current()
    wanted = {anchor.sequence for anchor in anchors}
    hashes_at: dict[int, str] = {}
    result, walk = Verification(), _Walk()

    def problem(found: Problem) -> None:
        walk.broken = True
        result.problems.append(found)

    def end_run() -> None:
        if walk.run is not None:
            problem(_run_problem(*walk.run, walk.keyed_since))
            walk.run = None

    def extend_run(kind: str, sequence: int) -> None:
        if walk.run is not None and walk.run[0] != kind:
            end_run()
        walk.run = (kind, walk.run[1] if walk.run else sequence, sequence)

    while True:
        events = (
            await AuditEvent.objects()
            .where(AuditEvent.sequence >= walk.expected)
            .order_by(AuditEvent.sequence)
            .limit(batch_size)
        )
        if not events:
            break
        for event in events:
            if event.sequence in wanted:
                hashes_at[event.sequence] = event.hash
            result.last_sequence = event.sequence
            if event.sequence != walk.expected:
                end_run()
                first, last = walk.expected, event.sequence - 1
                problem(Problem(first, f"event {first} is missing (deleted?)" if first == last else f"events {first} to {last} are missing (deleted?)"))
            elif event.previous_hash != walk.previous_hash:
                end_run()
                problem(Problem(event.sequence, "its previous-hash does not match the event before it"))
            if event.key_id is None and walk.keyed_since is not None:
                extend_run("unkeyed", event.sequence)  # an unkeyed event can only be older than every keyed one
            elif event.key_id is not None and event.key_id not in keys.hash_keys:
                end_run()
                problem(Problem(
                    event.sequence,
                    f"it is hashed with the key {event.key_id!r}, which this service does not have (REGISTRY_AUDIT_KEY_ID, REGISTRY_AUDIT_OLD_KEYS)",
                ))
            elif event_hash(event.previous_hash, hashed_content(event), keys.hash_keys[event.key_id] if event.key_id else None) != event.hash:
                extend_run("mismatch", event.sequence)
            else:
                end_run()
                if not walk.broken:
                    result.checked += 1
            if event.key_id is None:
                result.unkeyed += 1
            else:
                result.key_ids.add(event.key_id)
                walk.keyed_since = walk.keyed_since or event.sequence
            walk.previous_hash, walk.expected = event.hash, event.sequence + 1
    end_run()
    _compare_with(anchors, hashes_at, result)
    return result


def _compare_with(anchors: list[Anchor], hashes_at: dict[int, str], result: Verification) -> None:
    """Each checkpoint against the log: the event it names must be there, with the hash it names."""
    last_matching = 0
    beyond_the_end: Anchor | None = None
    for anchor in sorted(anchors, key=lambda a: (a.sequence, a.made_at)):
        result.anchors += 1
        if result.newest_anchor is None or anchor.sequence >= result.newest_anchor.sequence:
            result.newest_anchor = anchor
        if anchor.sequence > result.last_sequence:
            beyond_the_end = anchor
        elif anchor.sequence not in hashes_at:
            continue  # the event is missing: reported by the walk
        elif hashes_at[anchor.sequence] != anchor.hash:
            result.problems.append(Problem(
                anchor.sequence,
                f"its hash differs from the checkpoint made {_utc(anchor.made_at)}: events {last_matching + 1} to {anchor.sequence} "
                "were rewritten, and the chain recomputed with the key",
            ))
        else:
            last_matching = anchor.sequence
    if beyond_the_end is not None:
        end = result.last_sequence
        result.problems.append(Problem(
            end + 1,
            f"the log ends at event {end}, but the checkpoint made {_utc(beyond_the_end.made_at)} covers event {beyond_the_end.sequence}: "
            f"events {end + 1} to {beyond_the_end.sequence} at least were cut from its end (truncated)",
        ))


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
