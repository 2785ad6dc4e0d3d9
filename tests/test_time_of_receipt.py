"""The time of receipt decides every deadline: an action that reached the service before its
deadline is accepted, and stored with that time, however long it then waited (for the database, for
other bidders' writes); one that reached it after is refused with the deadline in the message.

Each deadline-bound action is tried at a moment just before and just after its deadline, handled
when the clock has already passed it: tender submission, withdrawal and draft changes,
clarification questions, answers to a request for information, and mini-competition responses. The
first test takes the same path as a browser does, through the real app."""

from datetime import datetime, timedelta

import pytest

from registry import clock
from registry.db import units
from registry.accounts.sessions import PiccoloSessionStore
from registry.clarifications import service as clarifications
from registry.engagements import service as engagements
from registry.engagements.tables import Invitation
from registry.frameworks import service as frameworks
from registry.frameworks.tables import State
from registry.notifications.tables import Notification
from registry.surveys import service as surveys
from registry.tenders import service as tenders
from registry.tenders.tables import TenderSubmission
from tests import test_engagements, test_surveys
from tests.test_engagements import live  # noqa: F401 (a fixture)
from tests.test_surveys import open_rfi  # noqa: F401 (a fixture)
from tests.support import csrf_from, officer_and_supplier
from tests.test_framework_pages import sign_in
from tests.tendering import CLARIFICATION_DEADLINE, TENDER_DEADLINE, complete_draft, open_for_tenders, registered

JUST_BEFORE = timedelta(seconds=-1)
JUST_AFTER = timedelta(microseconds=1)
QUEUED_FOR = timedelta(seconds=5)  # how long a request waits behind others before it is handled


def handled_late(controlled_clock, deadline: datetime, arrival: timedelta):
    """Handle what runs inside as received at `deadline + arrival`, with the clock already past the
    deadline, as if the action had waited in a queue."""
    controlled_clock.set(deadline + QUEUED_FOR)
    return clock.receiving(deadline + arrival)


@pytest.fixture
async def tendering(database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    controlled_clock.set(TENDER_DEADLINE - timedelta(hours=1))
    await complete_draft(supplier, framework.reference, 1, found)
    return officer, supplier, framework, found


# --- Through the app, as a browser submits -------------------------------------------------------


async def test_a_tender_that_arrived_before_the_deadline_is_accepted_however_long_it_queued(tendering, client, controlled_clock, monkeypatch):
    officer, supplier, framework, found = tendering
    controlled_clock.set(TENDER_DEADLINE - timedelta(seconds=10))
    await sign_in(client, "bids@supplier.example")
    tender_path = f"/frameworks/{framework.reference}/tenders/1"
    check_page = await client.get(f"{tender_path}/check")
    run = units.run

    async def behind_other_bidders(unit):
        controlled_clock.advance(QUEUED_FOR)  # the deadline passes while the request waits its turn
        return await run(unit)

    monkeypatch.setattr(units, "run", behind_other_bidders)
    controlled_clock.set(TENDER_DEADLINE - timedelta(seconds=2))
    sent_at = clock.now()
    response = await client.post(f"{tender_path}/submit", data={"_csrf_token": csrf_from(check_page.text)})
    assert response.status_code == 303, response.text
    stored = await TenderSubmission.objects().first()
    assert sent_at <= stored.received_at < sent_at + timedelta(seconds=1) < TENDER_DEADLINE
    assert clock.now() > TENDER_DEADLINE  # it was stored after the deadline
    receipt = await client.get(response.headers["location"])
    assert receipt.status_code == 200 and stored.sha256 in receipt.text
    email = await Notification.objects().where(Notification.subject.like("%tender received")).first()
    assert f"Received (UTC): {stored.received_at.isoformat(timespec='microseconds')}" in email.body

    controlled_clock.set(TENDER_DEADLINE + timedelta(milliseconds=1))
    late = await client.post(f"{tender_path}/submit", data={"_csrf_token": csrf_from(check_page.text)})
    assert late.status_code == 400
    assert "The tender deadline was 23 March 2027, midday: tenders received after it are refused" in late.text
    assert await TenderSubmission.count() == 1


async def test_the_time_of_receipt_is_taken_when_the_body_has_arrived_before_anything_else_runs(tendering, client, controlled_clock, monkeypatch):
    """Whatever the app does first (the session, the signed-in user, the CSRF check) counts as waiting."""
    seen = []
    original = tenders.submit

    async def recording(*args, **kwargs):
        seen.append((clock.received(), clock.now()))
        return await original(*args, **kwargs)

    monkeypatch.setattr(tenders, "submit", recording)
    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=1))
    await sign_in(client, "bids@supplier.example")
    tender_path = f"/frameworks/{tendering[2].reference}/tenders/1"
    page = await client.get(f"{tender_path}/check")

    async def body():  # the body arrives in two parts, the second a while after the first
        yield b"_csrf_token="
        controlled_clock.advance(timedelta(seconds=3))
        yield csrf_from(page.text).encode()

    session_get = PiccoloSessionStore.get

    async def slow_session(self, *args, **kwargs):  # the session is read after the body has arrived
        controlled_clock.advance(timedelta(seconds=2))
        return await session_get(self, *args, **kwargs)

    monkeypatch.setattr(PiccoloSessionStore, "get", slow_session)
    before_sending = clock.now()
    response = await client.post(f"{tender_path}/submit", content=body(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 303
    (received, handled), = seen
    assert before_sending + timedelta(seconds=3) <= received < before_sending + timedelta(seconds=4)
    assert handled >= received + timedelta(seconds=2)


# --- Every deadline-bound action ----------------------------------------------------------------


@pytest.mark.parametrize("arrival", [JUST_BEFORE, JUST_AFTER], ids=["on-time", "late"])
async def test_tender_submission(tendering, controlled_clock, arrival):
    officer, supplier, framework, found = tendering
    with handled_late(controlled_clock, TENDER_DEADLINE, arrival):
        if arrival == JUST_AFTER:
            with pytest.raises(tenders.DeadlinePassed):
                await tenders.submit(supplier, framework.reference, 1)
            assert await TenderSubmission.count() == 0
            return
        receipt = await tenders.submit(supplier, framework.reference, 1)
    assert receipt.received_at == TENDER_DEADLINE + arrival
    assert (await TenderSubmission.objects().first()).received_at == TENDER_DEADLINE + arrival


async def test_a_tender_received_before_the_deadline_is_accepted_after_tendering_was_closed(tendering, controlled_clock):
    officer, supplier, framework, found = tendering
    controlled_clock.set(TENDER_DEADLINE + timedelta(seconds=1))
    await frameworks.move(officer, framework.reference, State.TENDERS_CLOSED)  # an officer closed tendering meanwhile
    with clock.receiving(TENDER_DEADLINE - timedelta(milliseconds=10)):
        receipt = await tenders.submit(supplier, framework.reference, 1)
    assert receipt.received_at == TENDER_DEADLINE - timedelta(milliseconds=10)
    with clock.receiving(TENDER_DEADLINE), pytest.raises(tenders.DeadlinePassed):
        await tenders.withdraw(supplier, framework.reference, 1)


@pytest.mark.parametrize("arrival", [JUST_BEFORE, JUST_AFTER], ids=["on-time", "late"])
async def test_tender_withdrawal_and_draft_changes(tendering, controlled_clock, arrival):
    officer, supplier, framework, found = tendering
    await tenders.submit(supplier, framework.reference, 1)
    with handled_late(controlled_clock, TENDER_DEADLINE, arrival):
        if arrival == JUST_AFTER:
            with pytest.raises(tenders.DeadlinePassed):
                await tenders.save_price(supplier, framework.reference, 1, "39000")
            with pytest.raises(tenders.DeadlinePassed):
                await tenders.withdraw(supplier, framework.reference, 1)
            assert (await TenderSubmission.objects().first()).withdrawn_at is None
            return
        await tenders.save_price(supplier, framework.reference, 1, "39000")
        await tenders.withdraw(supplier, framework.reference, 1)
    withdrawn = await TenderSubmission.objects().first()
    assert withdrawn.withdrawn_at == TENDER_DEADLINE + arrival


@pytest.mark.parametrize("arrival", [JUST_BEFORE, JUST_AFTER], ids=["on-time", "late"])
async def test_clarification_questions(tendering, controlled_clock, arrival):
    officer, supplier, framework, found = tendering
    with handled_late(controlled_clock, CLARIFICATION_DEADLINE, arrival):
        if arrival == JUST_AFTER:
            with pytest.raises(clarifications.DeadlinePassed):
                await clarifications.ask(supplier, framework.reference, "Is travel included?")
            return
        asked = await clarifications.ask(supplier, framework.reference, "Is travel included?")
    assert asked.asked_at == CLARIFICATION_DEADLINE + arrival


@pytest.mark.parametrize("arrival", [JUST_BEFORE, JUST_AFTER], ids=["on-time", "late"])
async def test_answers_to_a_request_for_information(open_rfi, controlled_clock, arrival):
    officer, supplier, framework, survey, about, views, q = open_rfi
    answers = {q["name"].id: (["Morag"], ""), q["staff"].id: (["25"], "")}
    await surveys.save_section(supplier, framework.reference, views.id, {q["methods"].id: (["Surveys"], ""), q["lots"].id: (["yes"], "")})
    with handled_late(controlled_clock, test_surveys.CLOSES, arrival):
        await frameworks.move(officer, framework.reference, State.RFI_CLOSED)  # closed while the answers waited
        if arrival == JUST_AFTER:
            with pytest.raises(surveys.SurveyClosed):
                await surveys.save_section(supplier, framework.reference, about.id, answers)
            with pytest.raises(surveys.SurveyClosed):
                await surveys.submit(supplier, framework.reference)
            return
        assert not (await surveys.save_section(supplier, framework.reference, about.id, answers)).errors
        response = await surveys.submit(supplier, framework.reference)
    assert response.submitted_at == test_surveys.CLOSES + arrival


@pytest.mark.parametrize("arrival", [JUST_BEFORE, JUST_AFTER], ids=["on-time", "late"])
async def test_mini_competition_responses(live, controlled_clock, arrival):
    engagement = await test_engagements.competing(live)
    alpha = live.users["Alpha"]
    with handled_late(controlled_clock, test_engagements.DEADLINE, arrival):
        if arrival == JUST_AFTER:
            with pytest.raises(engagements.EngagementError, match="answers are no longer accepted"):
                await engagements.respond(alpha, engagement.reference, proposal="Our proposal", price_pence=3_000_000)
            return
        await engagements.respond(alpha, engagement.reference, proposal="Our proposal", price_pence=3_000_000)
    invitation = await Invitation.objects().get(Invitation.organisation == live.organisations["Alpha"])
    assert invitation.responded_at == test_engagements.DEADLINE + arrival
