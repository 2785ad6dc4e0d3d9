"""One service action (registry.audit.actions): one transaction, its audit events appended as its
last statements, a refusal rolled back and audited."""

import pytest

from registry.audit import checkpoints
from registry.audit import service as audit
from registry.audit.tables import AuditEvent
from registry.errors import Refused, RuleBroken

OFFICER = audit.Actor(user_id=7, email="officer@authority.example", roles=("procurement_officer",))


async def logged() -> list[str]:
    return await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.sequence).output(as_list=True)


async def test_an_actions_events_are_appended_last_in_the_order_recorded(database):
    async with audit.action("publish"):
        await audit.record("framework.updated", actor=OFFICER, object_type="framework", object_id="PF-1")
        await audit.record("notice.published", actor=OFFICER, object_type="framework", object_id="PF-1")
        assert await logged() == []  # the chain's head is not taken while the action still works
    assert await logged() == ["framework.updated", "notice.published"]
    assert (await audit.verify()).ok


async def test_a_refused_action_keeps_nothing_and_its_refusal_is_audited(database):
    with pytest.raises(RuleBroken):
        async with audit.action("publish", refused_as="framework.refused", actor=OFFICER, object_type="framework", object_id="PF-1"):
            await audit.record("framework.updated", actor=OFFICER, object_type="framework", object_id="PF-1")
            raise RuleBroken("Add at least one lot", field="lots")
    assert await logged() == ["framework.refused"]
    (refusal,) = await AuditEvent.objects()
    assert refusal.object_id == "PF-1" and '"reason":"Add at least one lot"' in refusal.payload and '"action":"publish"' in refusal.payload


async def test_an_error_that_is_not_a_refusal_is_not_recorded_as_one(database):
    with pytest.raises(RuntimeError):
        async with audit.action("publish", refused_as="framework.refused", actor=OFFICER, object_type="framework"):
            await audit.record("framework.updated", actor=OFFICER, object_type="framework")
            raise RuntimeError("a fault, not a refusal")
    assert await logged() == []


async def test_an_action_inside_another_is_part_of_it(database):
    with pytest.raises(Refused):
        async with audit.action("outer", refused_as="framework.refused", actor=OFFICER, object_type="framework"):
            async with audit.action("inner", refused_as="framework.refused", actor=OFFICER, object_type="framework"):
                await audit.record("framework.updated", actor=OFFICER, object_type="framework")
            raise Refused("not yours")
    assert await logged() == ["framework.refused"]  # the inner action's event went with the outer one


async def test_a_checkpoint_inside_an_action_signs_the_head_with_the_actions_events(database):
    async with audit.action("open"):
        await audit.record("tenders.opening_confirmed", actor=OFFICER, object_type="framework")
        made = await checkpoints.checkpoint(checkpoints.TENDERS_OPENED)
    assert made is not None and made.sequence == 1
