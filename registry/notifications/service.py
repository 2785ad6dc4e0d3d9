"""Queue messages in the outbox. Each is written inside the caller's transaction, so a message exists
exactly when the action that sends it succeeded; delivery happens afterwards and can be retried."""

import logging

from registry import clock, db
from registry.notifications.tables import Notification

logger = logging.getLogger("registry.outbox")
PAGE_SIZE = 50


async def enqueue(*, recipient: str, subject: str, body: str) -> Notification:
    async with db.transaction():
        notification = Notification(recipient=recipient, subject=subject, body=body, created_at=clock.now())
        await notification.save()
    # Readable in the application log, so that a developer can follow emailed links without a mail server.
    logger.info("queued email to %s: %s\n%s", recipient, subject, body)
    return notification


async def latest(page: int = 1) -> tuple[list[Notification], int]:
    rows = (
        await Notification.objects()
        .order_by(Notification.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    return rows, await Notification.count()
