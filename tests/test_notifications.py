"""Delivery through a real SMTP server on loopback (aiosmtpd), started by the tests."""

import asyncio
import contextlib
import email
import re
import socket
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiosmtpd.controller import Controller
from piccolo.engine.postgres import PostgresTransaction
from piccolo.engine.sqlite import SQLiteTransaction

from registry import clock
from registry.app import run_mail_sender
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.interest import service as interest
from registry.interest.reminders import queue_due_reminders
from registry.notifications import service as notifications
from registry.notifications.tables import Notification
from tests.conftest import POSTGRES_URL
from registry.accounts.tables import Role
from tests.support import make_user, officer_and_supplier
from tests.test_framework_pages import sign_in
from tests.test_frameworks import draft_with_lots

SENDER = "Registry <no-reply@registry.test>"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


async def test_queued_messages_reach_the_smtp_server_once(database, smtp_server):
    inbox, url = smtp_server
    await notifications.enqueue(recipient="bids@supplier.example", subject="Hello", body="A message body")
    assert await notifications.deliver_pending(url, SENDER) == (1, 0)
    assert await notifications.deliver_pending(url, SENDER) == (0, 0)  # already sent
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["bids@supplier.example"]
    assert b"Subject: Hello" in envelope.content and b"A message body" in envelope.content
    sent = await Notification.objects().first()
    assert sent.sent_at is not None and sent.attempts == 1


async def test_a_message_waits_while_the_server_is_down_and_goes_later(database, smtp_server, controlled_clock):
    inbox, url = smtp_server
    down = f"smtp://127.0.0.1:{free_port()}"  # nothing listens here
    await notifications.enqueue(recipient="bids@supplier.example", subject="Deadline", body="Soon")
    assert await notifications.deliver_pending(down, SENDER) == (0, 1)
    waiting = await Notification.objects().first()
    assert waiting.sent_at is None and waiting.attempts == 1 and waiting.last_error
    assert await notifications.deliver_pending(url, SENDER) == (0, 0)  # not due again for a minute
    controlled_clock.advance(timedelta(minutes=1, seconds=1))
    assert await notifications.deliver_pending(url, SENDER) == (1, 0)
    assert len(inbox.messages) == 1


async def test_a_message_that_never_goes_is_marked_failed(database, controlled_clock):
    down = f"smtp://127.0.0.1:{free_port()}"
    await notifications.enqueue(recipient="bids@supplier.example", subject="Never", body="x")
    for _ in range(notifications.MAX_ATTEMPTS):
        await notifications.deliver_pending(down, SENDER)
        controlled_clock.advance(timedelta(hours=7))
    failed = await Notification.objects().first()
    assert failed.failed_at is not None and failed.attempts == notifications.MAX_ATTEMPTS
    assert notifications.status_of(failed, clock.now()) == f"Failed after {notifications.MAX_ATTEMPTS} attempts"


def test_backoff_doubles_up_to_six_hours():
    assert [notifications.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert notifications.backoff(20) == timedelta(hours=6)


async def test_reminders_go_once_before_each_deadline_to_those_who_want_them(database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    await interest.register(supplier, framework.reference, lot_numbers=None)
    closes = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    await Framework.update({Framework.rfi_closes_at: closes, Framework.state: State.RFI_OPEN}).where(Framework.id == framework.id)

    controlled_clock.set(closes - timedelta(days=10))
    assert await queue_due_reminders([7, 1], UTC) == 0
    controlled_clock.set(closes - timedelta(days=6))
    assert await queue_due_reminders([7, 1], UTC) == 1
    assert await queue_due_reminders([7, 1], UTC) == 0  # once only
    reminder = await Notification.objects().where(Notification.subject.like("Reminder:%")).first()
    assert reminder.recipient == "bids@supplier.example" and "20 March 2027" in reminder.subject
    controlled_clock.set(closes - timedelta(hours=20))
    assert await queue_due_reminders([7, 1], UTC) == 1
    controlled_clock.set(closes + timedelta(minutes=1))
    assert await queue_due_reminders([7, 1], UTC) == 0  # the deadline has passed
    assert await Notification.count().where(Notification.subject.like("Reminder:%")) == 2


# --- Faults: a connection lost as the sender commits; two senders and a slow relay ---------------


async def terminate_backend(pid: int) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await connection.close()


def lose_the_connection_at_the_next_commit(monkeypatch, engine_kind: str) -> list:
    """The next transaction to commit loses its connection as it does: on PostgreSQL its backend is
    terminated (as by a failover or `pg_terminate_backend`), on SQLite the disk fails. Returns the list
    of commits so lost (one, once it has happened)."""
    transaction_class = PostgresTransaction if engine_kind == "postgres" else SQLiteTransaction
    original = transaction_class.commit
    lost: list = []

    async def commit(self):
        if not lost:
            lost.append(self)
            if engine_kind == "postgres":
                await terminate_backend(self.connection.get_server_pid())
            else:
                failure = sqlite3.OperationalError("disk I/O error")
                failure.sqlite_errorcode = sqlite3.SQLITE_IOERR  # as SQLite itself reports it
                raise failure
        await original(self)

    monkeypatch.setattr(transaction_class, "commit", commit)
    return lost


async def eventually(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.02)


async def test_the_sender_goes_on_sending_after_its_connection_is_lost_as_it_commits(database, engine_kind, settings, smtp_server, monkeypatch):
    inbox, url = smtp_server
    for n in range(3):
        await notifications.enqueue(recipient=f"supplier{n}@supplier.example", subject=f"Receipt {n}", body="Your tender was received")
    lost = lose_the_connection_at_the_next_commit(monkeypatch, engine_kind)
    sender = asyncio.create_task(run_mail_sender(settings.model_copy(update={"smtp_url": url, "mail_from": SENDER, "mail_poll_seconds": 0.05})))
    try:
        await eventually(lambda: len(inbox.messages) == 3)
        assert lost and not sender.done()
        await notifications.enqueue(recipient="late@supplier.example", subject="Later", body="Queued after the fault")
        await eventually(lambda: len(inbox.messages) == 4)
        # The server has the fourth message a moment before the sender records it sent: stopping the
        # sender in between would leave it unsent in the outbox (it failed so once, under load).
        deadline = time.monotonic() + 30
        while await Notification.count().where(Notification.sent_at.is_null()):
            assert time.monotonic() < deadline, "every message delivered, but not every one recorded as sent"
            await asyncio.sleep(0.02)
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
    assert sorted(envelope.rcpt_tos[0] for envelope in inbox.messages) == sorted(
        [f"supplier{n}@supplier.example" for n in range(3)] + ["late@supplier.example"]
    )


class SlowInbox(Inbox):
    """A relay that takes its time over each message."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.seconds)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.slow
async def test_two_senders_and_a_slow_relay_send_each_message_once(database, monkeypatch):
    """Each sender's claim on a message lasts three seconds; the relay takes 0.3 s per message, so
    one pass over fifteen messages would last four and a half: a sender must not send what it
    claimed once its claim may have passed to the other."""
    inbox = SlowInbox(0.3)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    url = f"smtp://127.0.0.1:{controller.port}"
    monkeypatch.setattr(notifications, "CLAIM_FOR", timedelta(seconds=3))
    for n in range(15):
        await notifications.enqueue(recipient=f"supplier{n}@supplier.example", subject=f"Receipt {n}", body="Your tender was received")

    async def sender() -> None:
        while await Notification.count().where(Notification.sent_at.is_null()):
            await notifications.deliver_pending(url, SENDER)
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(asyncio.gather(sender(), sender()), timeout=30)
    finally:
        controller.stop()
    recipients = [envelope.rcpt_tos[0] for envelope in inbox.messages]
    assert sorted(recipients) == sorted(f"supplier{n}@supplier.example" for n in range(15)), "each message once"
    message_ids = {message_from(envelope)["Message-ID"] for envelope in inbox.messages}
    assert len(message_ids) == 15 and all(message_id.endswith("@127.0.0.1>") for message_id in message_ids)


def message_from(envelope):
    return email.message_from_bytes(envelope.content)


async def test_the_outbox_page_says_when_mail_last_went_what_waits_and_the_last_error(client, database, smtp_server, controlled_clock, monkeypatch):
    inbox, url = smtp_server
    monkeypatch.setattr(notifications, "sender_health", notifications.SenderHealth())
    await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    await sign_in(client, "admin@authority.example")
    await notifications.enqueue(recipient="bids@supplier.example", subject="Receipt", body="Received")
    await notifications.deliver_pending(f"smtp://127.0.0.1:{free_port()}", SENDER)  # nothing listens there
    controlled_clock.advance(timedelta(minutes=20))

    page = text_of((await client.get("/admin/outbox")).text)
    assert "Emails are not being sent: no mail server is set" in page
    assert "Last email sent None yet" in page
    assert "Oldest unsent email Waiting for 20 minutes (1 unsent)" in page
    assert "Last error SMTPConnectError: Error connecting to 127.0.0.1" in page and "this server" in page

    assert await notifications.deliver_pending(url, SENDER) == (1, 0)
    page = text_of((await client.get("/admin/outbox")).text)
    assert "Oldest unsent email None: every email has been sent" in page and "Last email sent None yet" not in page


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
