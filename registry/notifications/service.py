"""The outbox: messages are written in the action's own transaction, so a message exists exactly when
the action that sends it succeeded. A sender delivers them by SMTP when REGISTRY_SMTP_URL is set,
retrying with backoff; nothing is lost while the mail server is down, and each message is sent once
however many senders run (see Delivery)."""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from registry import clock, db
from registry.audit import service as audit
from registry import links, paging
from registry.db import units
from registry.notifications.tables import Notification, NotificationPreference

logger = logging.getLogger("registry.outbox")
PAGE_SIZE = 50
MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(minutes=5)  # a send is abandoned after half of it
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


async def latest(page: str | int | None = 1) -> tuple[list[Notification], int]:
    """The newest messages, for the admin outbox, a page of them (as paging.page_of reads the page
    asked for), and how many in all: sealed ones left out, and one-time links hidden (display only,
    never saved)."""
    query, count = Notification.objects().order_by(Notification.id, ascending=False), Notification.count()
    if (shown := await _shown()) is not None:
        query, count = query.where(shown), count.where(shown)
    total = await count
    shown = paging.page_of(page, total, PAGE_SIZE)
    rows = await query.limit(shown.size).offset(shown.offset)
    for row in rows:
        row.body = without_one_time_links(row.body)
    return rows, total


# --- Preferences --------------------------------------------------------------------------------


async def preferences(user_id: int) -> dict[str, bool]:
    row = await NotificationPreference.objects().where(NotificationPreference.user_id == user_id).first()
    return {name: (getattr(row, name) if row else True) for name in PREFERENCES}


async def set_preferences(user_id: int, chosen: set[str], actor) -> None:
    values = {name: name in chosen for name in PREFERENCES}
    async with db.transaction():
        await db.queue_for(f"notification-preferences:{user_id}")  # two first saves at once make one row
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
#
# Each message is claimed, sent and marked in turn. A claim is taken just before its message is sent
# (on PostgreSQL the message row is chosen FOR UPDATE SKIP LOCKED, so senders never wait for each
# other; SQLite's write transaction lets one sender claim at a time), and the send is abandoned
# after half the claim's length: a claim cannot lapse, and another sender take the message, while
# its first sender is still sending it. A send whose outcome is unknown (the connection dropped,
# the claim could not be marked sent) is tried again later under the same Message-ID, so that the
# relay and the recipient's mail system can recognise the repeat.


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failure, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


def _due(now: datetime):
    return (
        Notification.sent_at.is_null()
        & Notification.failed_at.is_null()
        & (Notification.next_attempt_at.is_null() | (Notification.next_attempt_at <= now))
        & (Notification.claimed_until.is_null() | (Notification.claimed_until < now))
    )


async def _claim_next() -> tuple[Notification, str] | None:
    """The next message due for a delivery attempt, claimed for CLAIM_FOR under a token of its own;
    None when nothing is due."""
    now = clock.now()
    token = secrets.token_hex(16)
    async with db.transaction():
        query = Notification.select(Notification.id).where(_due(now)).order_by(Notification.id)
        if db.kind() == "postgres":
            query = query.lock_rows(skip_locked=True)  # another sender's claim in progress is passed over
        row = await query.first()
        if row is None:
            return None
        await Notification.update({Notification.claimed_until: now + CLAIM_FOR, Notification.claimed_by: token}).where(
            Notification.id == row["id"]
        )
        notification = await Notification.objects().get(Notification.id == row["id"])
    return notification, token


def message_id(notification_id: int, host: str) -> str:
    """The same for every attempt at one message, so that a repeat is recognisable downstream."""
    return f"<notification.{notification_id}@{host}>"


def _message(notification: Notification, sender: str, host: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notification.recipient
    message["Subject"] = notification.subject
    message["Message-ID"] = message_id(notification.id, host)
    message["Date"] = format_datetime(notification.created_at)
    message.set_content(notification.body)
    return message


async def deliver_pending(smtp_url: str, sender: str, limit: int = 50, *, host: str | None = None) -> tuple[int, int]:
    """One pass of the sender over at most `limit` messages: returns (sent, failed this pass). `host`
    names this service in each Message-ID: by default the host of its public address."""
    host = host or urlsplit(links.absolute("/")).hostname or "localhost"
    sent = failed = 0
    for _ in range(limit):
        claimed = await _claim_next()
        if claimed is None:
            break
        if await _send(*claimed, smtp_url=smtp_url, sender=sender, host=host):
            sent += 1
        else:
            failed += 1
    return sent, failed


async def _send(notification: Notification, token: str, *, smtp_url: str, sender: str, host: str) -> bool:
    import aiosmtplib

    attempts = notification.attempts + 1
    ours = (Notification.id == notification.id) & (Notification.claimed_by == token)
    try:
        await asyncio.wait_for(
            aiosmtplib.send(_message(notification, sender, host), **_smtp_options(smtp_url)), timeout=CLAIM_FOR.total_seconds() / 2
        )
    except (aiosmtplib.SMTPException, OSError) as error:  # OSError includes the timeout
        give_up = attempts >= MAX_ATTEMPTS
        await Notification.update({
            Notification.attempts: attempts,
            Notification.last_error: f"{type(error).__name__}: {error}"[:500],
            Notification.next_attempt_at: clock.now() + backoff(attempts),
            Notification.failed_at: clock.now() if give_up else None,
            Notification.claimed_until: None,
            Notification.claimed_by: None,
        }).where(ours)
        logger.warning("email %s to %s not sent (attempt %d): %s", notification.id, notification.recipient, attempts, error)
        if notification.sealed_under is None:  # a sealed email's error may name its recipient: not for the outbox page
            sender_health.failed(error)
        return False
    marked = await Notification.update({
        Notification.attempts: attempts, Notification.sent_at: clock.now(), Notification.claimed_until: None,
        Notification.claimed_by: None, Notification.last_error: None,
    }).where(ours).returning(Notification.id)
    if not marked:  # only if the clock jumped past the claim: the message may go again
        logger.warning("email %s was sent after its claim had lapsed: another sender may send it again", notification.id)
    return True


# --- The sender's health ------------------------------------------------------------------------


@dataclass
class SenderHealth:
    """This process's mail sender, as it last reported (registry.app runs it)."""

    started_at: datetime | None = None
    last_pass_at: datetime | None = None  # the last pass that ended without a database error
    last_error: str | None = None  # for the admin (an SMTP error may quote an address)
    last_error_kind: str | None = None  # for anyone (readiness): the error's type alone
    last_error_at: datetime | None = None

    def started(self) -> None:
        self.started_at = clock.now()

    def stopped(self) -> None:
        self.started_at = None

    def passed(self) -> None:
        self.last_pass_at = clock.now()

    def failed(self, error: BaseException) -> None:
        self.last_error = f"{type(error).__name__}: {error}"[:500]
        self.last_error_kind = type(error).__name__
        self.last_error_at = clock.now()

    def stuck(self, poll_seconds: float) -> bool:
        """Running, and no pass has ended well for many polls (at least a minute)."""
        if self.started_at is None:
            return False
        allowed = timedelta(seconds=max(60, 4 * poll_seconds))
        return clock.now() - (self.last_pass_at or self.started_at) > allowed


sender_health = SenderHealth()


def in_words(elapsed: timedelta) -> str:
    minutes = int(elapsed.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []) + ([f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes else [])
    return " ".join(parts)


@dataclass(frozen=True)
class OutboxHealth:
    """The outbox as every sender sees it (from the database), sealed emails left out: when a tender
    receipt was queued or sent must not show that tenders exist."""

    last_sent_at: datetime | None
    oldest_unsent_at: datetime | None
    unsent: int
    failed: int


async def outbox_health() -> OutboxHealth:
    shown = await _shown()

    def among_shown(condition):
        return condition & shown if shown is not None else condition

    unsent = among_shown(Notification.sent_at.is_null() & Notification.failed_at.is_null())
    last_sent = await Notification.select(Notification.sent_at).where(among_shown(Notification.sent_at.is_not_null())).order_by(
        Notification.sent_at, ascending=False
    ).first()
    oldest = await Notification.select(Notification.created_at).where(unsent).order_by(Notification.created_at).first()
    return OutboxHealth(
        last_sent_at=last_sent["sent_at"] if last_sent else None,
        oldest_unsent_at=oldest["created_at"] if oldest else None,
        unsent=await Notification.count().where(unsent),
        failed=await Notification.count().where(among_shown(Notification.failed_at.is_not_null())),
    )


@dataclass(frozen=True)
class SenderReport:
    """What the admin outbox page says of delivery: the outbox as a whole, and this process's sender."""

    sending: bool  # whether this service sends at all (REGISTRY_SMTP_URL)
    outbox: OutboxHealth
    oldest_unsent_for: str | None
    sender: SenderHealth


async def sender_report(*, sending: bool) -> SenderReport:
    outbox = await outbox_health()
    waiting = in_words(clock.now() - outbox.oldest_unsent_at) if outbox.oldest_unsent_at else None
    return SenderReport(sending=sending, outbox=outbox, oldest_unsent_for=waiting, sender=sender_health)


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
