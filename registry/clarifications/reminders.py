"""A daily reminder to the authority's officers while a clarification question waits for its
published answer: bidders need answers in good time before the tender deadline. Each reminder is
queued once, its key recorded in the same transaction as the messages."""

from datetime import timedelta

from registry import clock, db
from registry.clarifications.service import label, question_email
from registry.clarifications.tables import Clarification
from registry.frameworks import service as frameworks
from registry.frameworks.tables import State
from registry.notifications.tables import SentReminder

REMIND_EVERY = timedelta(days=1)


async def queue_unanswered_reminders() -> int:
    """Queue the reminders now due; returns how many."""
    now = clock.now()
    waiting = await Clarification.objects().where(
        Clarification.published_at.is_null() & (Clarification.asked_at <= now - REMIND_EVERY)
        & Clarification.framework.state.not_in([State.CANCELLED, State.EXPIRED])
    )
    queued = 0
    for clarification in waiting:
        days = (now - clarification.asked_at) // REMIND_EVERY
        key = f"clarification:{clarification.id}:{days}"
        async with db.transaction():
            if await SentReminder.exists().where(SentReminder.key == key):
                continue
            await SentReminder.insert(SentReminder(key=key, queued_at=now))
            framework = await frameworks.by_id(clarification.framework)
            await frameworks.tell_officers(
                framework, subject=f"Reminder: {framework.reference}'s clarification question {label(clarification)} has no answer yet",
                body=question_email(framework, clarification, waiting_since=clarification.asked_at),
            )
            queued += 1
    return queued
