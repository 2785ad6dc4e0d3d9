from piccolo.columns import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Notification(Table):
    recipient = Varchar(length=254, index=True)
    subject = Varchar(length=200)
    body = Text()
    created_at = Timestamptz(index=True)
    sent_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(null=True, default=None)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)
    claimed_until = Timestamptz(null=True, default=None)
    claimed_by = Varchar(length=32, null=True, default=None)  # the claim's own token: a sender sends only while it holds it
    failed_at = Timestamptz(null=True, default=None)
    sealed_under = Varchar(length=100, null=True, default=None)  # kept out of the admin's outbox while sealed (notifications.add_sealer)


class NotificationPreference(Table):
    """What a user wants to be told about; a user without a row gets everything."""

    user_id = Integer(unique=True, index=True)
    stage_changes = Boolean(default=True)
    deadline_reminders = Boolean(default=True)
    engagement_opportunities = Boolean(default=True)


class SentReminder(Table):
    """A deadline reminder already queued, so that each goes out once whatever runs the job."""

    key = Varchar(length=200, unique=True)
    queued_at = Timestamptz()
