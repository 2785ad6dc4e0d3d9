"""Checkpoints: the audit log's head, signed and published, so that the log is anchored outside the
database that holds it.

A checkpoint is the last event's sequence number and hash at a moment, signed with the service's
Ed25519 key (registry.audit.keys). One is made at least every REGISTRY_AUDIT_CHECKPOINT_HOURS (the
app's scheduled work, or `registry audit checkpoint`), and on every tender opening and award (the
packages above call `checkpoint`). Each is stored, and all are published, signed as a whole, at
/open-data/audit-checkpoints.json. Anyone who keeps a copy holds the operator to it: events cut
from the log's end, or a segment rewritten and re-chained, no longer match a checkpoint made
after them (`verify_log`).

Published: sequence numbers, keyed hashes and times – never what an event says, nor why a
checkpoint was made (docs/security.md, "What is not sealed, and why").
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.querystring import QueryString

from registry import clock, db
from registry.audit import keys as audit_keys
from registry.audit import service as audit
from registry.audit.tables import AuditCheckpoint, AuditEvent
from registry.db import units

DAILY = "daily"
TENDERS_OPENED = "tenders_opened"
AWARD_APPROVED = "award_approved"
SUPPLIERS_APPOINTED = "suppliers_appointed"
REQUESTED = "requested"  # by `registry audit checkpoint`
DOCUMENT_TYPE = "audit-checkpoints"
STATEMENT_TYPE = "audit-checkpoint"
DESCRIPTION = (
    "Checkpoints of the registry's audit log: each is the log's head at a moment (the sequence number of its last event "
    "and that event's HMAC-SHA256 chain hash), signed with Ed25519. Each checkpoint's signature covers the canonical JSON "
    '(keys sorted, no spaces, UTF-8) of {"type": "audit-checkpoint", "sequence", "hash", "made_at"}; the document\'s '
    "signature covers the canonical JSON of the whole document without its \"signature\". Keep a copy: if the log is later "
    "cut short or rewritten, it will no longer match."
)


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    hash: str
    made_at: datetime
    key_id: str
    signature: str

    def statement(self) -> bytes:
        return statement(self.sequence, self.hash, self.made_at)

    def published(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "hash": self.hash, "made_at": _time_text(self.made_at), "key_id": self.key_id, "signature": self.signature}

    def anchor(self) -> audit.Anchor:
        return audit.Anchor(self.sequence, self.hash, self.made_at)


def _time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def statement(sequence: int, hash_: str, made_at: datetime) -> bytes:
    """What a checkpoint's signature covers."""
    return audit.canonical_json({"type": STATEMENT_TYPE, "sequence": sequence, "hash": hash_, "made_at": _time_text(made_at)}).encode()


# --- Making checkpoints ---------------------------------------------------------------------------


async def checkpoint(reason: str) -> Checkpoint | None:
    """Sign and store the log's head now (None while the log is empty). Inside an action's
    transaction, it is the head with the action's own events, and it lands only if they do."""
    await audit.append_waiting()
    return await units.run(checkpointing(reason))


async def checkpoint_if_due(hours: int) -> Checkpoint | None:
    """A checkpoint, unless one was made within `hours` (any process may ask: the first one makes it)."""
    return await units.run(checkpointing(DAILY, due_after=timedelta(hours=hours)))


def checkpointing(reason: str, *, due_after: timedelta | None = None) -> units.Unit[Checkpoint | None]:
    """`checkpoint`, as the steps of an action decided in one go (registry.db.units)."""
    return _checkpointing(audit_keys.current(), clock.now(), reason, due_after)


def _checkpointing(keys: audit_keys.Keys, now: datetime, reason: str, due_after: timedelta | None) -> units.Unit[Checkpoint | None]:
    if db.kind() == "postgres":  # the appenders' lock: the head cannot move while it is read and signed
        yield QueryString("SELECT pg_advisory_xact_lock({})", audit.APPEND_LOCK_ID)
    if due_after is not None:
        newest = yield AuditCheckpoint.select(AuditCheckpoint.made_at).order_by(AuditCheckpoint.id, ascending=False).limit(1)
        if newest and _aware(newest[0]["made_at"]) > now - due_after:
            return None
    head = yield AuditEvent.select(AuditEvent.sequence, AuditEvent.hash).order_by(AuditEvent.sequence, ascending=False).limit(1)
    if not head:
        return None
    sequence, hash_ = head[0]["sequence"], head[0]["hash"]
    made = Checkpoint(sequence, hash_, now, keys.signing_key_id, keys.sign(statement(sequence, hash_, now)))
    yield AuditCheckpoint.insert(AuditCheckpoint(
        sequence=made.sequence, hash=made.hash, made_at=made.made_at, reason=reason, signing_key_id=made.key_id, signature=made.signature,
    ))
    return made


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- Reading and publishing them ------------------------------------------------------------------


def _from_row(row: dict) -> Checkpoint:
    return Checkpoint(row["sequence"], row["hash"], _aware(row["made_at"]), row["signing_key_id"], row["signature"])


async def stored() -> list[Checkpoint]:
    rows = await AuditCheckpoint.select(
        AuditCheckpoint.sequence, AuditCheckpoint.hash, AuditCheckpoint.made_at, AuditCheckpoint.signing_key_id, AuditCheckpoint.signature,
    ).order_by(AuditCheckpoint.id)
    return [_from_row(row) for row in rows]


async def latest() -> Checkpoint | None:
    rows = await AuditCheckpoint.select(
        AuditCheckpoint.sequence, AuditCheckpoint.hash, AuditCheckpoint.made_at, AuditCheckpoint.signing_key_id, AuditCheckpoint.signature,
    ).order_by(AuditCheckpoint.id, ascending=False).limit(1)
    return _from_row(rows[0]) if rows else None


def document_signed_part(document: dict[str, Any]) -> bytes:
    return audit.canonical_json({key: value for key, value in document.items() if key != "signature"}).encode()


async def published_document(publisher: str) -> dict[str, Any]:
    """Every checkpoint, with the public keys that verify them, signed as a whole with the current key."""
    keys = audit_keys.current()
    document = {
        "type": DOCUMENT_TYPE,
        "publisher": publisher,
        "description": DESCRIPTION,
        "algorithm": "Ed25519",
        "chain_hash": "HMAC-SHA256",
        "signed_by": keys.signing_key_id,
        "public_keys": [{"key_id": key_id, "public_key": audit_keys.public_key_text(key)} for key_id, key in sorted(keys.trusted.items())],
        "checkpoints": [made.published() for made in await stored()],
    }
    document["signature"] = keys.sign(document_signed_part(document))
    return document


# --- Checking the log against them -------------------------------------------------------------------


@dataclass
class Checked:
    """Checkpoints whose signatures verify, and what was wrong with the others."""

    genuine: list[Checkpoint] = field(default_factory=list)
    problems: list[audit.Problem] = field(default_factory=list)


def check_signatures(checkpoints: Iterable[Checkpoint], keys: audit_keys.Keys, where: str) -> Checked:
    checked = Checked()
    for made in checkpoints:
        named = f"the checkpoint of event {made.sequence} made {_utc(made.made_at)} {where}"
        key = keys.trusted.get(made.key_id)
        if key is None:
            checked.problems.append(audit.Problem(None, f"{named} is signed with the key {made.key_id}, which is not trusted "
                                                        "(REGISTRY_AUDIT_SIGNING_KEY, REGISTRY_AUDIT_TRUSTED_PUBLIC_KEYS): it is not used"))
        elif not audit_keys.signature_verifies(key, made.signature, made.statement()):
            checked.problems.append(audit.Problem(None, f"{named} does not match its signature: it was altered, and is not used"))
        else:
            checked.genuine.append(made)
    return checked


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class NotACheckpointsFile(ValueError):
    """The file or address given does not hold the published checkpoints; the message says why."""


def read_document(document: Any, keys: audit_keys.Keys) -> Checked:
    """The checkpoints of a published document (one kept from /open-data/audit-checkpoints.json),
    each checked against its own signature, and the document against its signature."""
    if not isinstance(document, dict) or document.get("type") != DOCUMENT_TYPE or not isinstance(document.get("checkpoints"), list):
        raise NotACheckpointsFile("it is not the audit checkpoints this service publishes (/open-data/audit-checkpoints.json)")
    try:
        checkpoints = [
            Checkpoint(int(item["sequence"]), str(item["hash"]), datetime.fromisoformat(item["made_at"]), str(item["key_id"]), str(item["signature"]))
            for item in document["checkpoints"]
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise NotACheckpointsFile(f"a checkpoint in it is not as published ({error})") from None
    checked = check_signatures(checkpoints, keys, "in the file")
    signer = keys.trusted.get(str(document.get("signed_by")))
    if signer is None:
        checked.problems.insert(0, audit.Problem(None, f"the file is signed with the key {document.get('signed_by')}, which is not trusted "
                                                       "(REGISTRY_AUDIT_SIGNING_KEY, REGISTRY_AUDIT_TRUSTED_PUBLIC_KEYS)"))
    elif not audit_keys.signature_verifies(signer, str(document.get("signature", "")), document_signed_part(document)):
        checked.problems.insert(0, audit.Problem(None, "the file does not match its signature: it was altered since it was published"))
    return checked


def load_document(source: str) -> Any:
    """The JSON at a path or an http(s) address."""
    if source.startswith(("http://", "https://")):
        import urllib.request

        try:
            with urllib.request.urlopen(source, timeout=30) as answer:  # noqa: S310 (an address the operator typed)
                text = answer.read().decode()
        except OSError as error:
            raise NotACheckpointsFile(f"it could not be fetched: {error}") from None
    else:
        try:
            with open(source, encoding="utf-8") as file:
                text = file.read()
        except OSError as error:
            raise NotACheckpointsFile(f"it could not be read: {error.strerror}") from None
    try:
        return json.loads(text)
    except ValueError:
        raise NotACheckpointsFile("it is not JSON") from None


@dataclass
class LogCheck:
    """The log verified against checkpoints: the chain's result, with every problem found in the
    checkpoints themselves among its problems."""

    verification: audit.Verification
    stored: int
    from_file: int | None


async def verify_log(document: Any = None) -> LogCheck:
    """Verify the chain with the audit keys, and against the checkpoints: those stored here, and
    those of a published document kept elsewhere (which also shows any stored one since deleted)."""
    keys = audit_keys.current()
    stored_checkpoints = check_signatures(await stored(), keys, "stored here")
    genuine, problems = list(stored_checkpoints.genuine), list(stored_checkpoints.problems)
    from_file = None
    if document is not None:
        kept = read_document(document, keys)
        problems += kept.problems
        from_file = len(kept.genuine)
        here = {(made.sequence, made.hash, made.made_at, made.signature) for made in stored_checkpoints.genuine}
        for made in kept.genuine:
            if (made.sequence, made.hash, made.made_at, made.signature) not in here:
                problems.append(audit.Problem(None, f"the checkpoint of event {made.sequence} made {_utc(made.made_at)} in the file is not stored here (deleted?)"))
                genuine.append(made)
    verification = await audit.verify([made.anchor() for made in genuine])
    verification.problems = sorted(verification.problems, key=lambda p: (p.sequence is None, p.sequence or 0)) + problems
    return LogCheck(verification, stored=len(stored_checkpoints.genuine), from_file=from_file)
