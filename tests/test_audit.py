import asyncio
import os
import sqlite3
import subprocess
import sys

import asyncpg
import pytest

from registry import db
from registry.audit import service as audit
from registry.audit.tables import AuditEvent

OFFICER = audit.Actor(user_id=7, email="officer@authority.example", roles=("procurement_officer",))


async def record_three():
    for n in range(3):
        await audit.record("framework.created", actor=OFFICER, object_type="framework", object_id=n, payload={"title": f"Framework {n}", "value": 1000 * n})


async def test_events_chain_and_verify(database):
    await record_three()
    events = await AuditEvent.objects().order_by(AuditEvent.sequence)
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0].previous_hash == audit.GENESIS_HASH
    assert events[1].previous_hash == events[0].hash and events[2].previous_hash == events[1].hash
    result = await audit.verify()
    assert result.ok and result.checked == 3


async def test_concurrent_appends_never_fork_the_chain(database):
    await asyncio.gather(*(audit.record("user.signed_in", actor=OFFICER, object_type="user", object_id=n) for n in range(25)))
    sequences = await AuditEvent.select(AuditEvent.sequence).order_by(AuditEvent.sequence).output(as_list=True)
    assert sequences == list(range(1, 26))
    assert (await audit.verify()).ok


async def test_an_event_rolled_back_with_its_action_leaves_no_trace(database):
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await audit.record("framework.created", actor=OFFICER, object_type="framework", object_id=1)
            raise RuntimeError("the action failed")
    assert await AuditEvent.count() == 0


async def test_the_database_refuses_update_and_delete(database):
    await record_three()
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.update({AuditEvent.action: "nothing.happened"}).where(AuditEvent.sequence == 2)
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.delete().where(AuditEvent.sequence == 2)
    assert (await audit.verify()).ok


async def tamper(database_url: str, engine_kind: str, *statements: str) -> None:
    """Edit the log (and its checkpoints) behind the application's back, as someone with database
    access could, after switching off the guarding triggers."""
    if engine_kind == "sqlite":
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            for trigger in ("audit_event_no_update", "audit_event_no_delete", "audit_checkpoint_no_update", "audit_checkpoint_no_delete"):
                connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            for statement in statements:
                connection.execute(statement)
        return
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            for table in ("audit_event", "audit_checkpoint"):
                await connection.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
            for statement in statements:
                await connection.execute(statement)
            for table in ("audit_event", "audit_checkpoint"):
                await connection.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
    finally:
        await connection.close()


async def test_an_edited_event_is_reported_by_verify(database, database_url, engine_kind):
    await record_three()
    await tamper(database_url, engine_kind, "UPDATE audit_event SET payload = '{\"title\":\"Forged\",\"value\":0}' WHERE sequence = 2")
    result = await audit.verify()
    assert not result.ok
    assert result.broken_sequence == 2
    assert "content does not match" in result.reason


async def test_a_deleted_event_is_reported_by_verify(database, database_url, engine_kind):
    await record_three()
    await tamper(database_url, engine_kind, "DELETE FROM audit_event WHERE sequence = 2")
    result = await audit.verify()
    assert (result.broken_sequence, result.reason) == (2, "event 2 is missing (deleted?)")


async def test_registry_audit_verify_exits_non_zero_naming_the_row(database, database_url, engine_kind):
    await record_three()
    env = {**os.environ, "REGISTRY_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "registry", "audit", "verify"]
    good = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    assert "3 events verified" in good.stdout

    await tamper(database_url, engine_kind, "UPDATE audit_event SET actor_email = 'someone.else@authority.example' WHERE sequence = 3")
    bad = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "event 3" in bad.stderr and "does not match its hash" in bad.stderr


async def test_search_filters_by_actor_object_and_action(database):
    await record_three()
    await audit.record("user.signed_in", actor=audit.Actor(1, "supplier@example.org", ("supplier",)), object_type="user", object_id=1)
    events, total = await audit.search(audit.AuditFilter(actor="supplier@"))
    assert total == 1 and events[0].action == "user.signed_in"
    events, total = await audit.search(audit.AuditFilter(object_type="framework", object_id="2"))
    assert total == 1 and events[0].sequence == 3
    events, total = await audit.search(audit.AuditFilter(action="framework.created"))
    assert total == 3 and [e.sequence for e in events] == [3, 2, 1]


async def test_the_admin_audit_page_filters_events(client, database):
    from registry.accounts.tables import Role
    from tests.support import PASSWORD, make_user, sign_in

    admin = await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    await record_three()
    await sign_in(client, admin.email, PASSWORD)
    everything = await client.get("/admin/audit")
    assert everything.status_code == 200 and "framework.created" in everything.text and "user.signed_in" in everything.text
    filtered = await client.get("/admin/audit", params={"action": "framework.created", "object_id": "1"})
    assert filtered.status_code == 200 and "1 events" in filtered.text and "Framework 1" in filtered.text
    by_actor = await client.get("/admin/audit", params={"actor": "admin@"})
    assert "user.signed_in" in by_actor.text and "framework.created</td>" not in by_actor.text
    bad = await client.get("/admin/audit", params={"date_from": "31/02/2027", "date_to": "2027-01-01"})
    assert bad.status_code == 400 and "Enter the &#39;from&#39; date as YYYY-MM-DD" in bad.text and 'value="31/02/2027"' in bad.text
    backwards = await client.get("/admin/audit", params={"date_from": "2027-02-01", "date_to": "2027-01-01"})
    assert backwards.status_code == 400 and "must be the same as or after" in backwards.text
