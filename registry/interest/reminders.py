"""Reminders before each deadline of the frameworks suppliers follow. Each reminder is queued once:
its key is recorded in the same transaction as the messages."""

from datetime import timedelta

from registry import clock, db
from registry.dates import time_of_day
from registry.frameworks.tables import Framework, State
from registry.interest.service import tell_interested_suppliers
from registry.notifications.tables import SentReminder

DEADLINES = {
    "rfi_closes_at": ("the request for information closes", [State.RFI_OPEN]),
    "clarification_deadline": ("the deadline for clarification questions", [State.ITT_PUBLISHED]),
    "tender_deadline": ("the tender deadline", [State.ITT_PUBLISHED]),
}


async def queue_due_reminders(days_before: list[int], zone) -> int:
    """Queue every reminder now due; returns how many reminders (not messages) were queued."""
    now = clock.now()
    queued = 0
    frameworks = await Framework.objects().where(Framework.state.is_in([s for _, states in DEADLINES.values() for s in states]))
    for framework in frameworks:
        for attribute, (what, states) in DEADLINES.items():
            deadline = getattr(framework, attribute)
            if deadline is None or framework.state not in states or deadline <= now:
                continue
            for days in sorted(days_before):
                if now < deadline - timedelta(days=days):
                    continue
                key = f"{framework.id}:{attribute}:{deadline.isoformat()}:{days}"
                async with db.transaction():
                    if await SentReminder.exists().where(SentReminder.key == key):
                        continue
                    await SentReminder.insert(SentReminder(key=key, queued_at=now))
                    local = deadline.astimezone(zone)
                    await tell_interested_suppliers(
                        framework.id,
                        subject=f"Reminder: {what} for {framework.reference} on {local:%-d %B %Y}",
                        body=f"A reminder that {what} for {framework.reference} – {framework.title} – is at {time_of_day(local.time())} on {local:%A %-d %B %Y}.\n\n",
                        preference="deadline_reminders",
                    )
                    queued += 1
                break  # only the nearest due reminder for each deadline
    return queued
