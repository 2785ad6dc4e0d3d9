"""Moments set by a deadline come with the deadline, not with an officer's click: once the tender
deadline, the request for information's closing time or the clarification deadline has passed,
every page says so and offers nothing it no longer allows, while the stored stage still waits for
an officer to record the move."""

from datetime import timedelta

from registry.frameworks import service as frameworks
from registry.frameworks.tables import State
from registry.surveys import service as surveys
from registry.surveys.service import QuestionSpec
from registry.surveys.tables import QuestionKind
from registry.tenders import service as tenders
from tests.support import officer_and_supplier
from tests.test_framework_pages import sign_in
from tests.test_frameworks import draft_with_lots
from tests.tendering import CLARIFICATION_DEADLINE, PIN_PUBLISHED, START, TENDER_DEADLINE, complete_draft, open_for_tenders, registered


async def stored_state(reference: str) -> State:
    return State((await frameworks.get(reference)).state)


async def test_past_the_tender_deadline_no_page_offers_tendering_though_no_one_closed_it(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    await complete_draft(supplier, framework.reference, 1, found)
    await tenders.submit(supplier, framework.reference, 1)
    page = f"/frameworks/{framework.reference}"

    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=1))
    open_page = (await client.get(page)).text
    assert "Open for tenders until" in open_page and "sign in to prepare a tender" in open_page

    controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
    assert await stored_state(framework.reference) is State.ITT_PUBLISHED  # nobody has clicked "Close tendering"
    public = (await client.get(page)).text
    assert "Open for tenders until" not in public and "prepare a tender" not in public and "ask a question" not in public
    assert "Tendering closed at 23 March 2027, midday" in public and ">Tenders closed<" in public.replace("\n", "").replace("  ", "")

    await sign_in(client, "bids@supplier.example")
    as_supplier = (await client.get(page)).text
    assert "Prepare your tender" not in as_supplier and "Ask a question" not in as_supplier
    assert "Tendering closed at 23 March 2027, midday" in as_supplier
    own = (await client.get(page + "/tenders")).text
    assert "Tendering is closed: the deadline was 23 March 2027, midday" in own
    assert "Start<" not in own and "Continue<" not in own and "View<" in own  # the submitted tender can be read, not changed
    lot_2 = (await client.get(page + "/tenders/2")).text
    assert "The tender deadline has passed" in lot_2
    questions = (await client.get(page + "/clarifications")).text
    assert "Clarification questions have closed" in questions and "Send question" not in questions


async def test_past_the_clarification_deadline_the_framework_page_offers_no_questions(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    page = f"/frameworks/{framework.reference}"

    controlled_clock.set(CLARIFICATION_DEADLINE - timedelta(minutes=1))
    await sign_in(client, "bids@supplier.example")
    assert "Ask a question or see your organisation's questions" in (await client.get(page)).text
    controlled_clock.set(CLARIFICATION_DEADLINE + timedelta(minutes=1))
    public = (await client.get(page)).text
    assert "Ask a question" not in public and "The deadline for clarification questions was" in public
    assert "Prepare your tender" in public  # tendering itself is still open


async def test_past_the_rfi_closing_time_the_framework_page_offers_no_answers(client, database, controlled_clock):
    officer, _ = await officer_and_supplier()
    controlled_clock.set(PIN_PUBLISHED)  # early enough for the notice to shorten the minimum tendering period
    framework = await draft_with_lots(officer, lots=1)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    controlled_clock.set(START)
    survey = await surveys.save_survey(officer, framework.reference, title="Market questions", introduction="", opens_at=None, closes_at=START + timedelta(days=21))
    section = await surveys.add_section(officer, survey.id, "About you")
    await surveys.add_question(officer, survey.id, section.id, QuestionSpec(QuestionKind.SHORT_TEXT, "Your name"))
    await surveys.open_rfi(officer, framework.reference)
    page = f"/frameworks/{framework.reference}"

    assert "The request for information is open until" in (await client.get(page)).text
    controlled_clock.set(START + timedelta(days=22))
    assert await stored_state(framework.reference) is State.RFI_OPEN
    public = (await client.get(page)).text
    assert "The request for information is open until" not in public and "sign in to answer it" not in public
    assert ">Request for information closed<" in public.replace("\n", "").replace("  ", "")


async def test_an_rfi_closed_by_the_clock_is_recorded_when_the_invitation_is_published(client, database, controlled_clock):
    from registry.criteria import invitation
    from tests.tendering import add_criteria, conflicts_assessed

    officer, _ = await officer_and_supplier()
    controlled_clock.set(PIN_PUBLISHED)  # early enough for the notice to shorten the minimum tendering period
    framework = await draft_with_lots(officer, lots=1)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    controlled_clock.set(START)
    survey = await surveys.save_survey(officer, framework.reference, title="Market questions", introduction="", opens_at=None, closes_at=START + timedelta(days=21))
    section = await surveys.add_section(officer, survey.id, "About you")
    await surveys.add_question(officer, survey.id, section.id, QuestionSpec(QuestionKind.SHORT_TEXT, "Your name"))
    await surveys.open_rfi(officer, framework.reference)
    await add_criteria(officer, framework.reference)
    await conflicts_assessed(officer, framework.reference)
    controlled_clock.set(START + timedelta(days=30))
    published = await invitation.publish(officer, framework.reference, clarification_deadline=CLARIFICATION_DEADLINE, tender_deadline=TENDER_DEADLINE)
    assert published.state == State.ITT_PUBLISHED
    assert [(c["from_state"], c["to_state"]) for c in await frameworks.timeline(framework.id)][-2:] == [("rfi_open", "rfi_closed"), ("rfi_closed", "itt_published")]


async def test_the_public_lists_status_filter_goes_by_the_clock_too(client, database, controlled_clock):
    officer, _ = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=1))
    assert framework.reference in (await client.get("/frameworks?status=itt_published")).text

    controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
    assert await stored_state(framework.reference) is State.ITT_PUBLISHED  # nobody has clicked "Close tendering"
    assert framework.reference not in (await client.get("/frameworks?status=itt_published")).text
    assert framework.reference in (await client.get("/frameworks?status=tenders_closed")).text
