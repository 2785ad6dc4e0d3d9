"""The outbox: messages are written in the action's own transaction, so a message exists exactly when
the action that sends it succeeded. A sender delivers them by SMTP when REGISTRY_SMTP_URL is set,
retrying with backoff; nothing is lost while the mail server is down."""

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from email.message import EmailMessage

from registry import clock, db
from registry.accounts.tables import User
from registry.db import units
from registry.notifications.tables import Notification, NotificationPreference

logger = logging.getLogger("registry.outbox")
PAGE_SIZE = 50
MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(minutes=2)
PREFERENCES = {
    "stage_changes": "When a framework you follow moves to its next stage",
    "deadline_reminders": "Reminders before deadlines in frameworks you follow",
    "engagement_opportunities": "Invitations to engagements and mini-competitions",
}


# Links that sign someone in (a password reset or account invitation, an email confirmation): whoever
# follows one acts as its recipient, so only the recipient may ever see it.
ONE_TIME_LINK = re.compile(r"\S*/(?:password-reset|confirm-email)/\S+")
LINK_HIDDEN = "[link hidden: it works only for the recipient]"
_log_bodies = False


def configure(*, log_bodies: bool) -> None:
    """Whether queued emails' bodies are logged: in development only (registry.app), so that a developer
    can follow emailed links without a mail server. Elsewhere a body's one-time links must not reach a log."""
    global _log_bodies
    _log_bodies = log_bodies


async def enqueue(*, recipient: str, subject: str, body: str, sealed_under: str | None = None) -> Notification:
    """Queue an email. `sealed_under` marks one that must stay out of the admin's outbox for a while
    (a tender's receipt, say): it is shown once no sealer names that mark."""
    notification = await units.run(queueing(recipient=recipient, subject=subject, body=body, sealed_under=sealed_under))
    log_queued(notification)
    return notification


def queueing(*, recipient: str, subject: str, body: str, sealed_under: str | None = None) -> units.Unit[Notification]:
    """`enqueue`'s statement, as a step of an action decided in one go (registry.db.units): then
    `log_queued` once it is done."""
    notification = Notification(
        recipient=recipient, subject=subject, body=body, created_at=clock.now(), next_attempt_at=clock.now(), sealed_under=sealed_under,
    )
    (inserted,) = yield Notification.insert(notification)
    notification.id = inserted["id"]
    notification._exists_in_db = True
    return notification


def log_queued(notification: Notification) -> None:
    if _log_bodies:
        logger.info("queued email %s to %s: %s\n%s", notification.id, notification.recipient, notification.subject, notification.body)
    else:
        logger.info("queued email %s to %s: %s", notification.id, notification.recipient, notification.subject)


def without_one_time_links(body: str) -> str:
    return ONE_TIME_LINK.sub(LINK_HIDDEN, body)


# The packages above this one say which marks are sealed now (a framework's tender receipts until its
# tenders are opened): the admin's outbox leaves those emails out, recipient and all, until then.
Sealer = Callable[[], Awaitable[set[str]]]
_sealers: list[Sealer] = []


def add_sealer(sealer: Sealer) -> None:
    if sealer not in _sealers:
        _sealers.append(sealer)


async def _shown():
    sealed = set().union(*[await sealer() for sealer in _sealers])
    return Notification.sealed_under.is_null() | Notification.sealed_under.not_in(sorted(sealed)) if sealed else None


async def latest(page: int = 1) -> tuple[list[Notification], int]:
    """The newest messages, for the admin outbox: sealed ones left out, and one-time links hidden
    (display only, never saved)."""
    query, count = Notification.objects().order_by(Notification.id, ascending=False), Notification.count()
    if (shown := await _shown()) is not None:
        query, count = query.where(shown), count.where(shown)
    rows = await query.limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    for row in rows:
        row.body = without_one_time_links(row.body)
    return rows, await count


# --- Preferences --------------------------------------------------------------------------------


async def preferences(user_id: int) -> dict[str, bool]:
    row = await NotificationPreference.objects().where(NotificationPreference.user_id == user_id).first()
    return {name: (getattr(row, name) if row else True) for name in PREFERENCES}


async def set_preferences(user_id: int, chosen: set[str], actor) -> None:
    from registry.audit import service as audit

    values = {name: name in chosen for name in PREFERENCES}
    async with db.transaction():
        await db.queue_under(User, user_id)
        existing = await NotificationPreference.objects().where(NotificationPreference.user_id == user_id).first()
        if existing is None:
            await NotificationPreference.insert(NotificationPreference(user_id=user_id, **values))
        else:
            await NotificationPreference.update(values).where(NotificationPreference.user_id == user_id)
        await audit.record("notifications.preferences_changed", actor=actor, object_type="user", object_id=user_id, payload=values)


async def opted_out(preference: str, user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    column = getattr(NotificationPreference, preference)
    rows = await NotificationPreference.select(NotificationPreference.user_id).where(
        NotificationPreference.user_id.is_in(user_ids) & column.eq(False)
    ).output(as_list=True)
    return set(rows)


# --- Delivery -----------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failure, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


async def _claim(limit: int) -> list[Notification]:
    """Messages due for a delivery attempt, claimed so that another worker leaves them alone."""
    now = clock.now()
    due = await Notification.select(Notification.id).where(
        Notification.sent_at.is_null()
        & Notification.failed_at.is_null()
        & (Notification.next_attempt_at.is_null() | (Notification.next_attempt_at <= now))
        & (Notification.claimed_until.is_null() | (Notification.claimed_until < now))
    ).order_by(Notification.id).limit(limit).output(as_list=True)
    claimed = []
    for notification_id in due:
        async with db.transaction():
            won = await Notification.update({Notification.claimed_until: now + CLAIM_FOR}).where(
                (Notification.id == notification_id) & (Notification.claimed_until.is_null() | (Notification.claimed_until < now))
            ).returning(Notification.id)
        if won:
            claimed.append(await Notification.objects().get(Notification.id == notification_id))
    return claimed


def _message(notification: Notification, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notification.recipient
    message["Subject"] = notification.subject
    message.set_content(notification.body)
    return message


async def deliver_pending(smtp_url: str, sender: str, limit: int = 50) -> tuple[int, int]:
    """One pass of the sender: returns (sent, failed this pass)."""
    import aiosmtplib

    sent = failed = 0
    for notification in await _claim(limit):
        attempts = notification.attempts + 1
        try:
            await aiosmtplib.send(_message(notification, sender), **_smtp_options(smtp_url))
        except (aiosmtplib.SMTPException, OSError) as error:
            failed += 1
            give_up = attempts >= MAX_ATTEMPTS
            await Notification.update({
                Notification.attempts: attempts,
                Notification.last_error: f"{type(error).__name__}: {error}"[:500],
                Notification.next_attempt_at: clock.now() + backoff(attempts),
                Notification.failed_at: clock.now() if give_up else None,
                Notification.claimed_until: None,
            }).where(Notification.id == notification.id)
            logger.warning("email %s to %s not sent (attempt %d): %s", notification.id, notification.recipient, attempts, error)
            continue
        sent += 1
        await Notification.update({
            Notification.attempts: attempts, Notification.sent_at: clock.now(), Notification.claimed_until: None, Notification.last_error: None,
        }).where(Notification.id == notification.id)
    return sent, failed


def _smtp_options(smtp_url: str) -> dict:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(smtp_url)
    options: dict = {"hostname": parts.hostname or "localhost", "port": parts.port or (465 if parts.scheme == "smtps" else 25), "timeout": 30}
    if parts.scheme == "smtps":
        options["use_tls"] = True
    elif parts.scheme == "smtp+starttls":
        options["start_tls"] = True
    else:
        options["start_tls"] = False
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    return options


def status_of(notification: Notification, now: datetime) -> str:
    if notification.sent_at:
        return "Sent"
    if notification.failed_at:
        return f"Failed after {notification.attempts} attempts"
    if notification.attempts:
        return f"Waiting to retry ({notification.attempts} failed attempts)"
    return "Queued"
