"""One service action: one transaction; when it is refused, nothing of it is kept and the refusal
is audited; the audit events it records are appended last.

Appending to the audit log takes the chain's head (on PostgreSQL a transaction-level lock, held
until the commit: every other action's append waits behind it). Appended as the action's last
statements, the lock is held for the commit alone, not for the rest of the action's work.

    async with action("approve", refused_as="award.refused", actor=user.actor, object_type="framework", object_id=reference):
        ...  # checks, writes, audit.record(...)
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from registry import db
from registry.audit import service
from registry.errors import Refused, RuleBroken


@asynccontextmanager
async def action(
    name: str, *, refused_as: str | None = None, actor: service.Actor | None = None, object_type: str | None = None,
    object_id: object = None, refusals: tuple[type[Exception], ...] = (Refused, RuleBroken),
) -> AsyncIterator[None]:
    """Run the block as `name`, one action. An action inside another is part of it. With
    `refused_as`, a refusal (one of `refusals`) is recorded under that name, by `actor`, about
    `object_type` `object_id`, with the action and the reason, after the action's own work has been
    rolled back."""
    assert refused_as is None or (actor is not None and object_type is not None), "a recorded refusal says who and about what"
    if service.waiting_events.get() is not None:
        yield
        return
    waiting: list = []
    token = service.waiting_events.set(waiting)
    try:
        async with db.transaction():
            yield
            await service.append_waiting()
    except refusals as refusal:
        if refused_as is None:
            raise
        service.waiting_events.reset(token)
        token = None
        await service.record(refused_as, actor=actor, object_type=object_type, object_id=object_id, payload={"action": name, "reason": str(refusal)})
        raise
    finally:
        if token is not None:
            service.waiting_events.reset(token)
