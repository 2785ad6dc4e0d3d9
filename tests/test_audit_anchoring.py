"""The audit log anchored outside its database: keyed hashes, and signed checkpoints of its head,
published, that the log is verified against. Each attack is made as the operator could make it,
with the database's credentials (tests.test_audit.tamper), with or without the audit key."""

import asyncio
import base64
import copy
import hashlib
import hmac
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registry import app as registry_app
from registry.audit import checkpoints
from registry.audit import keys as audit_keys
from registry.audit import service as audit
from registry.audit.tables import AuditCheckpoint, AuditEvent
from registry.settings import DEFAULT_AUDIT_KEY, Settings
from tests.test_audit import OFFICER, tamper

SUPPLIER = audit.Actor(user_id=9, email="bids@supplier.example", roles=("supplier",))
GUESSED_KEY = b"a-key-the-operator-guessed-not-the-services-0123456789"


async def record(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        await audit.record("framework.updated", actor=OFFICER, object_type="framework", object_id=n, payload={"title": f"Framework {n}"})


async def last_sequence() -> int:
    return max(await AuditEvent.select(AuditEvent.sequence).output(as_list=True), default=0)


async def rechain(
    database_url: str, engine_kind: str, from_sequence: int, *, key: bytes | None, key_id: str | None = "dev", through: int | None = None,
) -> None:
    """Change event `from_sequence`'s payload, then recompute every hash from it to the end (or to
    `through`), as the operator would to hide the change: with the key (`key`), or without it."""
    events = await AuditEvent.objects().where(
        (AuditEvent.sequence >= from_sequence) & (AuditEvent.sequence <= (through or 2**31 - 1))
    ).order_by(AuditEvent.sequence)
    previous = events[0].previous_hash
    statements = []
    for event in events:
        if event.sequence == from_sequence:
            event.payload = '{"title":"Forged"}'
        event.previous_hash, event.key_id = previous, key_id
        event.hash = audit.event_hash(previous, audit.hashed_content(event), key)
        key_text = "NULL" if key_id is None else f"'{key_id}'"
        statements.append(
            f"UPDATE audit_event SET payload = '{event.payload if isinstance(event.payload, str) else json.dumps(event.payload)}', "
            f"previous_hash = '{event.previous_hash}', hash = '{event.hash}', key_id = {key_text} WHERE sequence = {event.sequence}"
        )
        previous = event.hash
    await tamper(database_url, engine_kind, *statements)


@pytest.fixture
def restored_keys():
    """Lets a test configure other audit keys; the ones before it come back afterwards."""
    previous = audit_keys.configure(None)
    audit_keys.configure(previous)
    yield
    audit_keys.configure(previous)


def problems(found: audit.Verification) -> list[tuple[int | None, str]]:
    return [(problem.sequence, problem.text) for problem in found.problems]


def made(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# --- Keyed hashes -----------------------------------------------------------------------------------


async def test_each_event_is_hashed_with_the_audit_key_and_names_it(database):
    await record(3)
    events = await AuditEvent.objects().order_by(AuditEvent.sequence)
    assert [event.key_id for event in events] == ["dev", "dev", "dev"]
    first = events[0]
    message = (first.previous_hash + audit.canonical_json(audit.hashed_content(first))).encode()
    assert first.hash == hmac.new(DEFAULT_AUDIT_KEY.encode(), message, hashlib.sha256).hexdigest()
    assert first.hash != hashlib.sha256(message).hexdigest()
    found = await audit.verify()
    assert found.ok and found.checked == 3 and found.key_ids == {"dev"} and found.unkeyed == 0


async def test_a_new_key_takes_over_and_the_events_of_the_old_one_still_verify_while_it_is_kept(database, restored_keys):
    await record(2)
    audit_keys.configure(audit_keys.from_settings(Settings(audit_key="n" * 40, audit_key_id="2027", audit_old_keys={"dev": DEFAULT_AUDIT_KEY})))
    await record(2, start=2)
    assert await AuditEvent.select(AuditEvent.key_id).order_by(AuditEvent.sequence).output(as_list=True) == ["dev", "dev", "2027", "2027"]
    found = await audit.verify()
    assert found.ok and found.key_ids == {"dev", "2027"}

    audit_keys.configure(audit_keys.from_settings(Settings(audit_key="n" * 40, audit_key_id="2027")))  # the old key dropped
    assert problems(await audit.verify())[0] == (
        1, "it is hashed with the key 'dev', which this service does not have (REGISTRY_AUDIT_KEY_ID, REGISTRY_AUDIT_OLD_KEYS)",
    )


async def test_events_from_before_keyed_hashing_still_verify_and_the_first_keyed_event_holds_them(database, database_url, engine_kind):
    previous = audit.GENESIS_HASH
    for sequence in (1, 2):  # as the log was before this version: plain SHA-256, no key id
        event = AuditEvent(
            sequence=sequence, occurred_at=datetime(2026, 11, 1, tzinfo=UTC), actor_roles="system", action="framework.created",
            object_type="framework", object_id=str(sequence), payload="{}", previous_hash=previous, key_id=None,
        )
        event.hash = audit.event_hash(previous, audit.hashed_content(event), None)
        await AuditEvent.insert(event)
        previous = event.hash
    await record(2)
    found = await audit.verify()
    assert found.ok and found.checked == 4 and found.unkeyed == 2 and found.key_ids == {"dev"}

    # Rewriting the old events means recomputing their plain hashes: the first keyed event, whose
    # hash covers its previous-hash under the key, no longer follows them.
    await rechain(database_url, engine_kind, 1, through=2, key=None, key_id=None)
    assert problems(await audit.verify()) == [(3, "its previous-hash does not match the event before it")]


async def test_a_segment_rechained_without_the_key_is_reported_as_one_segment(database, database_url, engine_kind):
    await record(5)
    await rechain(database_url, engine_kind, 2, key=None)
    assert problems(await audit.verify()) == [(2, "events 2 to 5 do not match their hashes: edited, or the chain recomputed without the key")]

    await rechain(database_url, engine_kind, 2, key=GUESSED_KEY)
    assert problems(await audit.verify()) == [(2, "events 2 to 5 do not match their hashes: edited, or the chain recomputed without the key")]

    await rechain(database_url, engine_kind, 4, key=None, key_id=None)  # passed off as events from before keyed hashing
    assert problems(await audit.verify()) == [
        (2, "events 2 to 3 do not match their hashes: edited, or the chain recomputed without the key"),
        (4, "events 4 to 5 have no key, though event 1 before them has one: added, or the chain recomputed, without the key"),
    ]


# --- Checkpoints ------------------------------------------------------------------------------------


async def test_a_segment_rechained_with_the_key_is_reported_by_the_checkpoint_after_it(database, database_url, engine_kind, controlled_clock):
    await record(3)
    await checkpoints.checkpoint(checkpoints.DAILY)
    await record(2, start=3)
    second = await checkpoints.checkpoint(checkpoints.DAILY)
    await record(1, start=5)
    await rechain(database_url, engine_kind, 4, key=DEFAULT_AUDIT_KEY.encode())

    assert (await audit.verify()).ok  # the chain alone cannot tell: whoever holds the key can recompute it
    found = (await checkpoints.verify_log()).verification
    assert problems(found) == [
        (5, f"its hash differs from the checkpoint made {made(second.made_at)}: events 4 to 5 were rewritten, and the chain recomputed with the key"),
    ]


async def test_a_truncated_tail_is_reported_by_the_checkpoint_that_covered_it(database, database_url, engine_kind, controlled_clock):
    await record(5)
    covering = await checkpoints.checkpoint(checkpoints.DAILY)
    await record(2, start=5)
    await tamper(database_url, engine_kind, "DELETE FROM audit_event WHERE sequence > 3")

    assert (await audit.verify()).ok  # what is left is a whole chain
    found = (await checkpoints.verify_log()).verification
    assert problems(found) == [
        (4, f"the log ends at event 3, but the checkpoint made {made(covering.made_at)} covers event 5: events 4 to 5 at least were cut from its end (truncated)"),
    ]


async def test_a_deleted_middle_event_is_reported_and_renumbering_the_rest_does_not_hide_it(database, database_url, engine_kind, controlled_clock):
    await record(5)
    covering = await checkpoints.checkpoint(checkpoints.DAILY)
    await record(1, start=5)
    await tamper(database_url, engine_kind, "DELETE FROM audit_event WHERE sequence = 3")
    assert problems((await checkpoints.verify_log()).verification) == [(3, "event 3 is missing (deleted?)")]

    # Closing the gap: the events after it renumbered and the chain recomputed with the key.
    events = await AuditEvent.objects().where(AuditEvent.sequence > 3).order_by(AuditEvent.sequence)
    previous = (await AuditEvent.objects().get(AuditEvent.sequence == 2)).hash
    statements = []
    for event in events:
        event.sequence, event.previous_hash = event.sequence - 1, previous
        event.hash = audit.event_hash(previous, audit.hashed_content(event), DEFAULT_AUDIT_KEY.encode())
        statements.append(f"UPDATE audit_event SET sequence = {event.sequence}, previous_hash = '{previous}', hash = '{event.hash}' WHERE id = {event.id}")
        previous = event.hash
    await tamper(database_url, engine_kind, *statements)
    await record(1, start=6)  # the log goes on, past the checkpoint's event again

    assert (await audit.verify()).ok
    assert problems((await checkpoints.verify_log()).verification) == [
        (5, f"its hash differs from the checkpoint made {made(covering.made_at)}: events 1 to 5 were rewritten, and the chain recomputed with the key"),
    ]


async def test_a_checkpoint_altered_in_the_database_is_not_trusted(database, database_url, engine_kind, controlled_clock):
    await record(3)
    covering = await checkpoints.checkpoint(checkpoints.DAILY)
    await rechain(database_url, engine_kind, 2, key=DEFAULT_AUDIT_KEY.encode())
    forged_head = (await AuditEvent.objects().get(AuditEvent.sequence == 3)).hash
    await tamper(database_url, engine_kind, f"UPDATE audit_checkpoint SET hash = '{forged_head}'")

    found = (await checkpoints.verify_log()).verification
    assert problems(found) == [
        (None, f"the checkpoint of event 3 made {made(covering.made_at)} stored here does not match its signature: it was altered, and is not used"),
    ]


async def test_a_kept_copy_of_the_checkpoints_shows_a_tail_cut_together_with_its_checkpoints(database, database_url, engine_kind, controlled_clock):
    await record(3)
    await checkpoints.checkpoint(checkpoints.DAILY)
    await record(2, start=3)
    covering = await checkpoints.checkpoint(checkpoints.DAILY)
    kept = await checkpoints.published_document("Test publisher")  # fetched by someone outside
    await tamper(database_url, engine_kind, "DELETE FROM audit_event WHERE sequence > 3", "DELETE FROM audit_checkpoint WHERE sequence > 3")

    # The database alone no longer shows it: the cut took the checkpoint that covered it.
    assert (await checkpoints.verify_log()).verification.ok
    found = (await checkpoints.verify_log(kept)).verification
    assert problems(found) == [
        (4, f"the log ends at event 3, but the checkpoint made {made(covering.made_at)} covers event 5: events 4 to 5 at least were cut from its end (truncated)"),
        (None, f"the checkpoint of event 5 made {made(covering.made_at)} in the file is not stored here (deleted?)"),
    ]


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


async def test_the_published_checkpoints_verify_with_the_published_public_key_and_fail_if_altered(database, controlled_clock):
    await record(2)
    await checkpoints.checkpoint(checkpoints.DAILY)
    await record(1, start=2)
    await checkpoints.checkpoint(checkpoints.DAILY)
    document = json.loads(json.dumps(await checkpoints.published_document("Test publisher")))  # as a reader receives it

    # Checked as anyone would, with the published key and nothing of the registry's code.
    (published_key,) = [key for key in document["public_keys"] if key["key_id"] == document["signed_by"]]
    public_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(published_key["public_key"]))
    unsigned = {name: value for name, value in document.items() if name != "signature"}
    public_key.verify(base64.b64decode(document["signature"]), canonical(unsigned))
    for item in document["checkpoints"]:
        statement = {"type": "audit-checkpoint", "sequence": item["sequence"], "hash": item["hash"], "made_at": item["made_at"]}
        public_key.verify(base64.b64decode(item["signature"]), canonical(statement))
    assert [item["sequence"] for item in document["checkpoints"]] == [2, 3]
    assert checkpoints.read_document(document, audit_keys.current()).problems == []

    altered = copy.deepcopy(document)
    altered["checkpoints"][1]["hash"] = "0" * 64
    assert [p.text for p in checkpoints.read_document(altered, audit_keys.current()).problems] == [
        "the file does not match its signature: it was altered since it was published",
        f"the checkpoint of event 3 made {altered['checkpoints'][1]['made_at'].replace('T', ' ')[:19]} UTC in the file does not match its signature: it was altered, and is not used",
    ]
    shortened = copy.deepcopy(document)
    del shortened["checkpoints"][1]
    assert [p.text for p in checkpoints.read_document(shortened, audit_keys.current()).problems] == [
        "the file does not match its signature: it was altered since it was published",
    ]


async def test_checkpoints_are_made_at_the_tender_opening_the_award_approval_and_the_appointment(database, controlled_clock):
    from registry.award import service as award
    from registry.tenders import opening
    from tests.awarding import SHARE, Bid, moderate, tenders_opened
    from tests.test_award_service import NOTIFIED_AT, ZONE, propose_default

    bids = [Bid("Alpha", "40000"), Bid("Beta", "50000")]
    walked = await tenders_opened(controlled_clock, bids, lots=1)
    reasons = await AuditCheckpoint.select(AuditCheckpoint.reason, AuditCheckpoint.sequence).order_by(AuditCheckpoint.id)
    assert reasons == [{"reason": "tenders_opened", "sequence": await last_sequence()}]
    assert await opening.is_opened(walked.framework.id)

    await moderate(walked, bids)
    await propose_default(walked, 1)
    await award.approve(walked.second, walked.reference, 1)
    assert (await AuditCheckpoint.objects().order_by(AuditCheckpoint.id, ascending=False).first()).sequence == await last_sequence()
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    controlled_clock.set(framework.standstill_ends_at + timedelta(minutes=1))
    await award.appoint(walked.officer, walked.reference, zone=ZONE)
    rows = await AuditCheckpoint.select(AuditCheckpoint.reason, AuditCheckpoint.sequence).order_by(AuditCheckpoint.id)
    assert [row["reason"] for row in rows] == ["tenders_opened", "award_approved", "suppliers_appointed"]
    assert rows[-1]["sequence"] == await last_sequence()
    assert (await checkpoints.verify_log()).verification.ok


async def test_a_checkpoint_is_made_when_one_is_due_and_not_before(database, controlled_clock):
    controlled_clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    assert await checkpoints.checkpoint_if_due(24) is None  # an empty log has no head
    await record(1)
    first = await checkpoints.checkpoint_if_due(24)
    assert first.sequence == 1
    await record(1, start=1)
    controlled_clock.advance(timedelta(hours=23, minutes=59))
    assert await checkpoints.checkpoint_if_due(24) is None
    controlled_clock.advance(timedelta(minutes=1))
    assert (await checkpoints.checkpoint_if_due(24)).sequence == 2
    assert await AuditCheckpoint.count() == 2


async def test_the_running_service_checkpoints_the_log_when_one_is_due(database, settings, monkeypatch):
    from tests.conftest import app_client

    await record(2)
    monkeypatch.setattr(registry_app, "CHECKPOINT_POLL_SECONDS", 0.05)
    async with app_client(settings):
        for _ in range(100):
            if await AuditCheckpoint.count():
                break
            await asyncio.sleep(0.05)
    assert await AuditCheckpoint.select(AuditCheckpoint.sequence, AuditCheckpoint.reason) == [{"sequence": 2, "reason": "daily"}]


# --- Published ------------------------------------------------------------------------------------


async def test_the_open_data_page_and_the_signed_file_publish_the_head_and_nothing_an_event_says(client, database):
    await audit.record(
        "tender.submitted", actor=SUPPLIER, object_type="tender", object_id=41, payload={"framework": "PF-2027-001", "lot": 1, "sha256": "ab" * 32},
    )
    covering = await checkpoints.checkpoint(checkpoints.TENDERS_OPENED)
    answer = await client.get("/open-data/audit-checkpoints.json")
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"
    document = answer.json()
    assert checkpoints.read_document(document, audit_keys.current()).problems == []
    assert document["checkpoints"] == [covering.published()]
    assert set(document["checkpoints"][0]) == {"sequence", "hash", "made_at", "key_id", "signature"}
    for sealed in ("bids@supplier.example", "tender", "PF-2027-001", "ab" * 32, "tenders_opened"):
        assert sealed not in answer.text

    page = await client.get("/open-data")
    public_key = audit_keys.public_key_text(audit_keys.current().public_key)
    assert "Audit log checkpoints" in page.text and f"Event {covering.sequence}," in page.text and covering.hash in page.text
    assert public_key in page.text and audit_keys.current().signing_key_id in page.text
    assert {"key_id": audit_keys.current().signing_key_id, "public_key": public_key} in document["public_keys"]


# --- The command ----------------------------------------------------------------------------------


async def test_registry_audit_verify_checks_the_log_against_a_kept_copy_of_the_checkpoints(database, database_url, engine_kind, tmp_path):
    await record(3)
    await checkpoints.checkpoint(checkpoints.DAILY)
    await record(2, start=3)
    await checkpoints.checkpoint(checkpoints.DAILY)
    kept = tmp_path / "audit-checkpoints.json"
    kept.write_text(json.dumps(await checkpoints.published_document("Test publisher")), encoding="utf-8")
    env = {**os.environ, "REGISTRY_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "registry", "audit", "verify"]

    good = subprocess.run([*command, "--checkpoints", str(kept)], env=env, capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("Audit log intact: 5 events verified.\nKeyed with: dev.\nMatches every checkpoint (2 stored here, 2 in ")
    assert "the newest covers event 5, made " in good.stdout and "; 0 events since." in good.stdout

    await tamper(database_url, engine_kind, "DELETE FROM audit_event WHERE sequence > 3", "DELETE FROM audit_checkpoint WHERE sequence > 3")
    bad = subprocess.run([*command, "--checkpoints", str(kept)], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "registry: audit log broken at event 4: the log ends at event 3, but the checkpoint made " in bad.stderr
    assert "events 4 to 5 at least were cut from its end (truncated) (3 events verified before it)" in bad.stderr
    assert "registry: audit log: the checkpoint of event 5 made " in bad.stderr and "in the file is not stored here (deleted?)" in bad.stderr

    not_checkpoints = tmp_path / "minutes.json"
    not_checkpoints.write_text("{}", encoding="utf-8")
    refused = subprocess.run([*command, "--checkpoints", str(not_checkpoints)], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    assert f"{not_checkpoints} cannot be checked against: it is not the audit checkpoints this service publishes" in refused.stderr
