"""Delivery through a real SMTP server on loopback (aiosmtpd), started by the tests."""

import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from registry import clock
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.interest import service as interest
from registry.interest.reminders import queue_due_reminders
from registry.notifications import service as notifications
from registry.notifications.tables import Notification
from tests.support import officer_and_supplier
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
