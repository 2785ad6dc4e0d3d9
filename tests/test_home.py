"""Each role's home page: where sign-in lands, with what that user has to do next."""

from datetime import timedelta

from registry.accounts.tables import Role
from registry.clarifications import service as clarifications
from registry.engagements import service as engagements
from registry.evaluation import service as evaluation
from registry.home import service as home
from registry.tenders import service as tenders
from tests import support, test_engagements
from tests.support import PASSWORD, officer_and_supplier
from tests.test_engagements import live  # noqa: F401 (a fixture)
from tests.test_framework_pages import sign_in
from tests.tendering import CLARIFICATION_DEADLINE, TENDER_DEADLINE, colleague, complete_draft, open_for_tenders, opened, registered


def tasks(sections) -> dict[str, list[tuple[str, str]]]:
    return {section.title: [(task.text, task.status) for task in section.tasks] for section in sections}


async def test_sign_in_lands_on_the_home_page_with_the_next_steps(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    response = await support.sign_in(client, "bids@supplier.example", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/home"
    page = await client.get("/home")
    assert page.status_code == 200
    assert "Your home" in page.text and f"{framework.reference}): tenders close" in page.text
    assert f'href="/frameworks/{framework.reference}/tenders"' in page.text
    assert 'href="/home"' in page.text.split('<main')[0]  # in the service navigation


async def test_signed_out_visitors_are_sent_to_sign_in(client, database):
    response = await client.get("/home")
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


async def test_a_supplier_sees_its_deadlines_tenders_and_their_status(database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    controlled_clock.set(CLARIFICATION_DEADLINE - timedelta(days=1))
    deadlines = tasks(await home.home(supplier))["Deadlines for the frameworks you follow"]
    assert [status for _, status in deadlines] == ["Questions", "Tenders"]  # the soonest first
    await complete_draft(supplier, framework.reference, 1, found)
    assert (f"{framework.reference} lot 1", "Not submitted") in tasks(await home.home(supplier))["Your tenders"]
    await tenders.submit(supplier, framework.reference, 1)
    sections = await home.home(supplier)
    assert (f"{framework.reference} lot 1", "Submitted") in tasks(sections)["Your tenders"]
    assert next(t for s in sections for t in s.tasks if t.status == "Submitted").due == TENDER_DEADLINE
    await tenders.withdraw(supplier, framework.reference, 1)
    assert (f"{framework.reference} lot 1", "Withdrawn") in tasks(await home.home(supplier))["Your tenders"]
    controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
    assert tasks(await home.home(supplier))["Deadlines for the frameworks you follow"] == []


async def test_an_officer_sees_questions_to_answer_and_the_steps_a_framework_is_ready_for(database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    name = f"{framework.title} ({framework.reference})"
    assert tasks(await home.home(officer))["Your authority's frameworks"] == [(name, "Open for tenders")]
    await clarifications.ask(supplier, framework.reference, "Is travel included?")
    assert (f"{name}: answer 1 clarification question", "To answer") in tasks(await home.home(officer))["Your authority's frameworks"]
    controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
    assert (f"{name}: close tendering", "Ready") in tasks(await home.home(officer))["Your authority's frameworks"]


async def test_an_evaluator_waits_for_the_opening_then_declares_and_marks(database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    evaluator = await colleague(officer, "eva@authority.example", (Role.EVALUATOR,))
    await evaluation.assign(officer, framework.reference, 1, evaluator.id)
    (text, status), = tasks(await home.home(evaluator))["Lots to evaluate"]
    assert text.endswith("you can declare and mark once the tenders are opened") and status == "Waiting"

    officer_two, _ = await officer_and_supplier_elsewhere()
    framework, found, suppliers, second = await opened(officer_two, controlled_clock)
    marker = await colleague(officer_two, "evan@elsewhere.example", (Role.EVALUATOR,))
    assignment = await evaluation.assign(officer_two, framework.reference, 1, marker.id)
    (text, status), = tasks(await home.home(marker))["Lots to evaluate"]
    assert text.endswith("declare any conflict of interest with the bidders") and status == "Declare"
    await evaluation.declare(marker, assignment.id, conflicted=False, details="")
    (text, status), = tasks(await home.home(marker))["Lots to evaluate"]
    assert text.endswith(f"0 of {len(suppliers)} tenders marked") and status == "To mark"


async def officer_and_supplier_elsewhere():
    from tests.support import current, make_user

    return await current(await make_user(email="officer@elsewhere.example", roles=(Role.PROCUREMENT_OFFICER,))), None


async def test_a_commissioner_is_asked_to_score_a_closed_competition(live, controlled_clock):
    engagement = await test_engagements.competing(live)
    (text, status), = tasks(await home.home(live.commissioner))["Your authority's engagements"]
    assert status == "Invited" and "sealed until the deadline" in text
    await engagements.respond(live.users["Alpha"], engagement.reference, proposal="Our way", price_pence=3_000_000)
    invited = tasks(await home.home(live.users["Alpha"]))["Invitations to mini-competitions"]
    assert invited == [(f"{engagement.reference}: {engagement.title}", "Responded")]
    controlled_clock.set(test_engagements.DEADLINE + timedelta(seconds=1))
    assert tasks(await home.home(live.commissioner))["Your authority's engagements"] == [
        (f"{engagement.reference}: {engagement.title}: score the responses and award it", "To score"),
    ]
    assert tasks(await home.home(live.users["Alpha"]))["Invitations to mini-competitions"] == []


async def test_the_home_page_shows_each_role_its_sections(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    await open_for_tenders(officer, controlled_clock)
    await sign_in(client, "officer@authority.example")
    page = (await client.get("/home")).text
    assert "Your authority&#39;s frameworks" in page and "Your tenders" not in page


async def test_followed_frameworks_show_their_next_deadline(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    await sign_in(client, "bids@supplier.example")
    followed = await client.get("/organisation/frameworks")
    assert "Next deadline: <strong>23 March 2027, midday</strong>" in followed.text
