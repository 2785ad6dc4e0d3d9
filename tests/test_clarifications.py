import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from registry import clock
from registry.accounts.tables import OrganisationKind, Role
from registry.audit.tables import AuditEvent
from registry.clarifications import service
from registry.clarifications.tables import Clarification
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.interest import service as interest
from registry.notifications.tables import Notification
from registry.errors import Refused
from tests.support import csrf_from, current, make_user, officer_and_supplier, post_form
from tests.test_framework_pages import sign_in
from tests.test_frameworks import draft_with_lots

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2027, 6, 15, 11, 0, tzinfo=UTC)  # midday in London (BST)
SHOWN_DEADLINE = "15 June 2027, midday"
LONDON = ZoneInfo("Europe/London")
OFFICER = "officer@authority.example"
IDENTIFYING = "As Org of bids@supplier.example, can our Glasgow team bid for lot 2?"
PUBLISHED = "Can a supplier's regional team bid for lot 2?"


class StoppedClock:
    """A clock that does not tick, for deadlines to the microsecond."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def stopped_clock():
    stopped = StoppedClock(NOW)
    previous = clock.use(stopped)
    yield stopped
    clock.use(previous)


async def open_for_tenders(officer) -> Framework:
    """A framework whose invitation to tender is published (publishing it is tested with the tenders)."""
    framework = await draft_with_lots(officer)
    await Framework.update({
        Framework.state: State.ITT_PUBLISHED, Framework.clarification_deadline: DEADLINE, Framework.tender_deadline: DEADLINE + timedelta(days=14),
    }).where(Framework.id == framework.id)
    return await frameworks.get(framework.reference)


@pytest.fixture
async def itt(database, stopped_clock):
    officer, supplier = await officer_and_supplier()
    framework = await open_for_tenders(officer)
    await interest.register(supplier, framework.reference, lot_numbers=None)
    return officer, supplier, framework


async def another_supplier(email: str):
    return await current(await make_user(email=email, roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER))


# --- Asking ---------------------------------------------------------------------------------------


async def test_questions_are_taken_until_one_microsecond_before_the_deadline(itt, stopped_clock):
    officer, supplier, framework = itt
    first = await service.ask(supplier, framework.reference, "  Is lot 1 open to consortia?  ")
    assert (first.number, first.question, first.asked_at) == (1, "Is lot 1 open to consortia?", NOW)
    stopped_clock.moment = DEADLINE - timedelta(microseconds=1)
    assert (await service.ask(supplier, framework.reference, "And lot 2?")).number == 2
    assert await AuditEvent.count().where(AuditEvent.action == "clarification.asked") == 2

    for moment in (DEADLINE, DEADLINE + timedelta(seconds=1)):
        stopped_clock.moment = moment
        with pytest.raises(service.DeadlinePassed) as refused:
            await service.ask(supplier, framework.reference, "Too late?")
        assert refused.value.explain(LONDON) == f"The deadline for clarification questions was {SHOWN_DEADLINE}. You can no longer ask a question"
    assert await Clarification.count() == 2


async def test_only_suppliers_with_registered_interest_ask_and_only_while_open_for_tenders(itt):
    officer, supplier, framework = itt
    stranger = await another_supplier("hello@stranger.example")
    with pytest.raises(service.NotRegistered):
        await service.ask(stranger, framework.reference, "May we ask?")
    await interest.register(stranger, framework.reference, lot_numbers=None)
    await interest.withdraw(stranger, framework.reference)
    with pytest.raises(service.NotRegistered):
        await service.ask(stranger, framework.reference, "May we ask now?")
    with pytest.raises(Refused):
        await service.ask(officer, framework.reference, "An officer asking?")
    with pytest.raises(service.ClarificationError, match="2,000 characters"):
        await service.ask(supplier, framework.reference, "x" * 2001)

    await Framework.update({Framework.state: State.PIN_PUBLISHED}).where(Framework.id == framework.id)
    with pytest.raises(service.ClarificationError, match="only be asked while the framework is open for tenders"):
        await service.ask(supplier, framework.reference, "Before the invitation?")
    assert await Clarification.count() == 0


# --- Answering and publishing ----------------------------------------------------------------------


async def test_publishing_tells_every_interested_supplier_without_naming_the_asker(itt, stopped_clock):
    officer, supplier, framework = itt
    rival = await another_supplier("hello@rival.example")
    await interest.register(rival, framework.reference, lot_numbers=[1])
    gone = await another_supplier("hello@gone.example")
    await interest.register(gone, framework.reference, lot_numbers=None)
    await interest.withdraw(gone, framework.reference)
    asked = await service.ask(supplier, framework.reference, IDENTIFYING)

    saved = await service.answer(officer, framework.reference, asked.id, published_question=PUBLISHED, answer="Yes.", publish=False)
    assert saved.answer == "Yes." and saved.published_at is None
    assert await service.published(framework.id) == [] and await Notification.count().where(Notification.recipient != OFFICER) == 0

    stopped_clock.moment = DEADLINE + timedelta(days=2)  # answering is not bound by the deadline
    published = await service.answer(officer, framework.reference, asked.id, published_question=PUBLISHED, answer="Yes, if it bids as one supplier.", publish=True)
    assert published.published_at == stopped_clock.moment and published.answered_by == officer.id
    assert await service.published(framework.id) == [
        {"number": 1, "published_question": PUBLISHED, "answer": "Yes, if it bids as one supplier.", "published_at": stopped_clock.moment}
    ]
    messages = await Notification.objects().where(Notification.recipient != OFFICER).order_by(Notification.recipient)
    assert [m.recipient for m in messages] == ["bids@supplier.example", "hello@rival.example"]
    assert all(PUBLISHED in m.body and "Glasgow" not in m.body and "Org of" not in m.body for m in messages)
    assert await AuditEvent.count().where(AuditEvent.action == "clarification.published") == 1

    with pytest.raises(service.ClarificationError, match="already been published"):
        await service.answer(officer, framework.reference, asked.id, published_question=PUBLISHED, answer="Changed", publish=True)


async def test_an_officer_of_another_authority_cannot_answer(itt):
    officer, supplier, framework = itt
    asked = await service.ask(supplier, framework.reference, IDENTIFYING)
    outsider = await current(await make_user(email="officer@elsewhere.example"))
    with pytest.raises(Refused):
        await service.answer(outsider, framework.reference, asked.id, published_question=PUBLISHED, answer="Yes", publish=True)
    unchanged = await service.find(framework.id, asked.id)
    assert unchanged.answer is None and unchanged.published_at is None
    with pytest.raises(service.ClarificationError, match="Enter an answer"):
        await service.answer(officer, framework.reference, asked.id, published_question=PUBLISHED, answer="   ", publish=True)


# --- Pages -----------------------------------------------------------------------------------------


def textarea(html: str, name: str) -> str:
    return re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S).group(1).strip()


async def test_a_supplier_asks_through_the_page_and_follows_its_status(client, itt):
    officer, supplier, framework = itt
    await sign_in(client, "bids@supplier.example")
    url = f"/frameworks/{framework.reference}/clarifications"
    page = await client.get(url)
    assert page.status_code == 200 and "until 15 June 2027, midday" in page.text

    empty = await post_form(client, url, {"question": "   "})
    assert empty.status_code == 400 and "<title>Error: " in empty.text
    assert 'href="#question">Enter your question</a>' in empty.text and "govuk-error-message" in empty.text
    long_question = "Why? " * 401
    too_long = await post_form(client, url, {"question": long_question})
    assert too_long.status_code == 400 and "Your question must be 2,000 characters or fewer" in too_long.text
    assert textarea(too_long.text, "question") == long_question.strip()

    sent = await post_form(client, url, {"question": IDENTIFYING})
    assert sent.status_code == 303 and sent.headers["location"] == f"{url}?asked=1"
    mine = await client.get(sent.headers["location"])
    assert "Your question Q1 has been sent" in mine.text and "Awaiting an answer" in mine.text and "Glasgow" in mine.text

    asked = (await service.asked_by(supplier.organisation_id, framework.id))[0]
    await service.answer(officer, framework.reference, asked.id, published_question=PUBLISHED, answer="Yes, as one supplier.", publish=True)
    answered = await client.get(url)
    assert "Answered and published" in answered.text and "Yes, as one supplier." in answered.text


async def test_after_the_deadline_the_page_and_a_late_question_show_the_deadline(client, itt, stopped_clock):
    officer, supplier, framework = itt
    stopped_clock.moment = DEADLINE - timedelta(minutes=1)
    await sign_in(client, "bids@supplier.example")
    url = f"/frameworks/{framework.reference}/clarifications"
    form = await client.get(url)
    stopped_clock.moment = DEADLINE  # the form was open as the deadline came
    late = await client.post(url, data={"question": "Is this too late?", "_csrf_token": csrf_from(form.text)})
    assert late.status_code == 400
    assert f"The deadline for clarification questions was {SHOWN_DEADLINE}. You can no longer ask a question" in late.text
    assert textarea(late.text, "question") == "Is this too late?" and "Send question" not in late.text
    assert await Clarification.count() == 0
    closed = await client.get(url)
    assert closed.status_code == 200 and f"The deadline for clarification questions was {SHOWN_DEADLINE}" in closed.text
    assert "<textarea" not in closed.text


async def test_a_supplier_without_registered_interest_is_sent_to_register(client, itt):
    officer, supplier, framework = itt
    await another_supplier("hello@stranger.example")
    await sign_in(client, "hello@stranger.example")
    url = f"/frameworks/{framework.reference}/clarifications"
    page = await client.get(url)
    assert page.status_code == 200 and f'href="/frameworks/{framework.reference}/interest"' in page.text and "<textarea" not in page.text
    refused = await post_form(client, url, {"question": "May we?"}, form_page="/account/password")  # a crafted request
    assert refused.status_code == 400 and "Register your organisation&#39;s interest in this framework before asking" in refused.text
    assert await Clarification.count() == 0


async def test_an_officer_rewords_answers_and_publishes_to_the_public_log(client, itt):
    officer, supplier, framework = itt
    asked = await service.ask(supplier, framework.reference, IDENTIFYING)
    await sign_in(client, "officer@authority.example")
    listing = await client.get(f"/manage/frameworks/{framework.reference}/clarifications")
    assert listing.status_code == 200 and "Org of bids@supplier.example" in listing.text and "Not answered" in listing.text
    url = f"/manage/frameworks/{framework.reference}/clarifications/{asked.id}"
    form = await client.get(url)
    assert textarea(form.text, "published_question") == IDENTIFYING.replace("'", "&#39;")

    no_answer = await post_form(client, url, {"published_question": PUBLISHED, "answer": "  ", "action": "publish"})
    assert no_answer.status_code == 400 and 'href="#answer">Enter the answer</a>' in no_answer.text
    assert textarea(no_answer.text, "published_question") == PUBLISHED.replace("'", "&#39;")
    published = await post_form(client, url, {"published_question": PUBLISHED, "answer": "Yes, as one supplier.", "action": "publish"})
    assert published.status_code == 303 and published.headers["location"].endswith("clarifications?published=1")
    assert await Notification.count().where(Notification.recipient != OFFICER) == 1

    client.cookies.clear()
    public = await client.get(f"/frameworks/{framework.reference}")
    assert public.status_code == 200 and 'id="clarifications"' in public.text
    assert PUBLISHED.replace("'", "&#39;") in public.text and "Yes, as one supplier." in public.text
    assert "Glasgow" not in public.text and "Org of bids" not in public.text


async def test_officers_of_another_authority_are_refused_and_audited(client, itt):
    officer, supplier, framework = itt
    asked = await service.ask(supplier, framework.reference, IDENTIFYING)
    await make_user(email="officer@elsewhere.example")
    await sign_in(client, "officer@elsewhere.example")
    base = f"/manage/frameworks/{framework.reference}/clarifications"
    assert (await client.get(base)).status_code == 403
    assert (await client.get(f"{base}/{asked.id}")).status_code == 403
    tried = await post_form(client, f"{base}/{asked.id}", {"published_question": PUBLISHED, "answer": "Yes", "action": "publish"}, form_page="/account/password")
    assert tried.status_code == 403
    denied = await AuditEvent.objects().where(AuditEvent.action == "access.denied")
    assert [event.object_id for event in denied] == [f"GET {base}", f"GET {base}/{asked.id}", f"POST {base}/{asked.id}"]
    assert (await service.find(framework.id, asked.id)).answer is None


async def test_a_question_of_another_framework_is_not_found(client, itt):
    officer, supplier, framework = itt
    asked = await service.ask(supplier, framework.reference, IDENTIFYING)
    other = await open_for_tenders(officer)
    await sign_in(client, "officer@authority.example")
    assert (await client.get(f"/manage/frameworks/{other.reference}/clarifications/{asked.id}")).status_code == 404


async def test_officers_are_told_of_each_new_question_and_reminded_daily_until_its_answer_is_published(itt, stopped_clock):
    from registry.clarifications.reminders import queue_unanswered_reminders

    officer, supplier, framework = itt
    asked = await service.ask(supplier, framework.reference, IDENTIFYING)
    told = await Notification.objects().where(Notification.recipient == OFFICER)
    assert [m.subject for m in told] == [f"{framework.reference}: a new clarification question (Q1)"]
    assert IDENTIFYING in told[0].body and f"/manage/frameworks/{framework.reference}/clarifications" in told[0].body
    assert "Org of bids@supplier.example" not in told[0].body.replace(IDENTIFYING, "")  # the email does not say who asked

    assert await queue_unanswered_reminders() == 0  # not a day old yet
    stopped_clock.moment = NOW + timedelta(days=1, minutes=1)
    assert await queue_unanswered_reminders() == 1
    assert await queue_unanswered_reminders() == 0  # once a day
    stopped_clock.moment = NOW + timedelta(days=2, minutes=1)
    assert await queue_unanswered_reminders() == 1
    reminders = await Notification.objects().where(Notification.subject.like("Reminder:%"))
    assert len(reminders) == 2 and all("waiting for an answer since 1 June 2027, 10am" in m.body for m in reminders)
    await service.answer(officer, framework.reference, asked.id, published_question=PUBLISHED, answer="Yes.", publish=True)
    stopped_clock.moment = NOW + timedelta(days=3, minutes=1)
    assert await queue_unanswered_reminders() == 0  # answered and published: no more reminders
