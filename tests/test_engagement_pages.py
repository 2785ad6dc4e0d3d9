"""The engagement pages, driven over HTTP as their users: a commissioner's brief, direct award and
mini-competition, the suppliers' invitations and responses (sealed until the deadline), completion,
the review and the supplier's reply. Bad input gets 400 with the messages and what was typed; other
organisations get 403."""

import html
import re
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from registry.audit.tables import AuditEvent
from registry.engagements import service
from registry.engagements.tables import Engagement, EngagementState
from tests.commissioning import Supplier, add_supplier, live_framework
from tests.conftest import app_client
from tests.support import post_form
from tests.test_framework_pages import sign_in

NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
CHILDREN = "children-and-young-people"
SUPPLIERS = [
    Supplier("Alpha", ranks={1: 1}, groups=("older-people",)),
    Supplier("Beta", ranks={1: 2}, groups=(CHILDREN,)),
    Supplier("Gamma", ranks={1: 3}, groups=(CHILDREN,), capacity=None),
]
COMMISSIONER = "commissioner@live-2027.example"
BRIEF = {"title": "Young people and buses", "objectives": "Hear from young people.", "groups": (CHILDREN,), "regions": ("glasgow-city",)}


def text_of(response) -> str:
    return html.unescape(response.text)


@asynccontextmanager
async def as_user(settings, email: str):
    async with app_client(settings) as client:
        await sign_in(client, email)
        yield client


async def live_with_brief(controlled_clock, **brief):
    controlled_clock.set(NOW)
    live = await live_framework(SUPPLIERS)
    engagement = await service.create_brief(live.commissioner, service.Brief(lot_id=live.lots[1].id, **{**BRIEF, **brief}))
    return live, engagement


async def test_a_commissioner_writes_a_brief_and_awards_it_directly(client, database, settings, controlled_clock):
    controlled_clock.set(NOW)
    live = await live_framework(SUPPLIERS)
    await sign_in(client, COMMISSIONER)
    index = text_of(await client.get("/commissioning"))
    assert 'href="/commissioning"' in index and "Create a brief" in index and "has no engagements yet" in index
    form = text_of(await client.get("/commissioning/new"))
    assert "LIVE-2027, lot 1: Lot 1 services" in form and "3 appointed suppliers" in form and "No appointed suppliers" in form

    bad = await post_form(client, "/commissioning/new", {
        "lot": str(live.lots[1].id), "title": "Buses", "objectives": "", "budget": "lots", "regions": ["glasgow-city"],
        "starts_on_day": "31", "starts_on_month": "2", "starts_on_year": "2027",
    })
    page = text_of(bad)
    assert bad.status_code == 400 and "<title>Error: " in page and "There is a problem" in page
    for message in ("Describe the engagement's objectives", "Select the groups of people the engagement must reach",
                    "Enter the budget as a number of pounds, like 45000 or 45000.50", "The start date must be a real date"):
        assert message in page
    assert 'value="Buses"' in page and 'value="lots"' in page and re.search(r'value="glasgow-city" checked', page)
    assert re.search(rf'value="{live.lots[1].id}" checked', page)

    valid = {"title": "Buses", "objectives": "Hear from young people.", "groups": [CHILDREN], "regions": ["glasgow-city"], "budget": "600,000"}
    empty_lot = await post_form(client, "/commissioning/new", {**valid, "lot": str(live.lots[2].id)})
    assert empty_lot.status_code == 400 and "No suppliers are appointed to lot 2 of LIVE-2027: choose a lot with appointed suppliers" in text_of(empty_lot)
    assert 'href="#lot"' in empty_lot.text
    created = await post_form(client, "/commissioning/new", {**valid, "lot": str(live.lots[1].id)})
    assert created.status_code == 303 and created.headers["location"] == "/commissioning/LIVE-2027-E001"
    shown = text_of(await client.get("/commissioning/LIVE-2027-E001"))
    assert "The budget of £600,000 is more than the lot's remaining value of £500,000" in shown and "Award directly" in shown
    assert "Children and young people" in shown and "Glasgow City" in shown

    award_page = text_of(await client.get("/commissioning/LIVE-2027-E001/direct-award"))
    assert "The service proposes Beta, ranked 2 in lot 1" in award_page
    assert "Does not cover the brief's groups (Children and young people)" in award_page
    assert "Available: 3 of 3 places free" in award_page and "Available: capacity not stated (0 active)" in award_page
    assert re.search(rf'value="{live.organisations["Beta"]}" checked', award_page)  # the proposal is chosen by default
    passed_over = await post_form(client, "/commissioning/LIVE-2027-E001/direct-award", {"supplier": str(live.organisations["Alpha"]), "price": "45000.50"})
    page = text_of(passed_over)
    assert passed_over.status_code == 400 and "Give the reason for choosing Alpha rather than Beta, the proposed supplier" in page and 'href="#reason"' in page
    assert 'value="45000.50"' in page and re.search(rf'value="{live.organisations["Alpha"]}" checked', page)
    check = await post_form(client, "/commissioning/LIVE-2027-E001/direct-award", {"supplier": str(live.organisations["Beta"]), "price": "45000.50"})
    assert check.status_code == 200 and "Award LIVE-2027-E001 to Beta" in text_of(check) and "An award cannot be undone" in text_of(check)
    assert "£45,000.50" in text_of(check) and (await Engagement.objects().first()).state == "draft"  # nothing awarded yet
    awarded = await post_form(client, "/commissioning/LIVE-2027-E001/direct-award", {"supplier": str(live.organisations["Beta"]), "price": "45000.50", "confirmed": "yes"})
    assert awarded.status_code == 303
    shown = text_of(await client.get("/commissioning/LIVE-2027-E001"))
    assert "Awarded" in shown and "£45,000.50" in shown and "Start delivery" in shown
    assert (await Engagement.objects().first()).awarded_price_pence == 4_500_050

    async with as_user(settings, SUPPLIERS[1].email) as beta:
        mine = text_of(await beta.get("/organisation/engagements"))
        assert "Engagements awarded to you" in mine and "LIVE-2027-E001" in mine and 'href="/organisation/engagements"' in mine
        assert (await beta.get("/commissioning")).status_code == 403
    async with as_user(settings, SUPPLIERS[0].email) as alpha:
        assert (await alpha.get("/organisation/engagements/LIVE-2027-E001")).status_code == 403


async def test_other_organisations_get_403_and_unknown_engagements_404(client, database, settings, controlled_clock):
    live, engagement = await live_with_brief(controlled_clock)
    other = await live_framework([Supplier("Delta", ranks={1: 1})], reference="OTHER-2027", authority_name="Other Council")
    await sign_in(client, "commissioner@other-2027.example")
    for path in ("", "/brief", "/direct-award", "/competition", "/responses", "/complete", "/cancel", "/review"):
        assert (await client.get(f"/commissioning/{engagement.reference}{path}")).status_code == 403, path
    refused = await post_form(client, f"/commissioning/{engagement.reference}/cancel", {"reason": "Mine now"}, form_page="/commissioning/new")
    assert refused.status_code == 403 and (await Engagement.objects().get(Engagement.id == engagement.id)).state == EngagementState.DRAFT
    denied = await AuditEvent.objects().where(AuditEvent.action == "access.denied").order_by(AuditEvent.sequence)
    assert len(denied) == 9 and denied[-1].actor_email == "commissioner@other-2027.example"  # every refusal recorded
    assert denied[-1].object_id == f"POST /commissioning/{engagement.reference}/cancel"
    assert (await client.get("/commissioning/NOPE-E001")).status_code == 404
    assert engagement.reference not in (await client.get("/commissioning")).text  # its list has only its own authority's
    assert other.reference == "OTHER-2027"


async def test_a_mini_competition_over_the_pages_with_sealed_responses(client, database, settings, controlled_clock):
    live, engagement = await live_with_brief(controlled_clock)
    await add_supplier(live, Supplier("Outsider", ranks={2: 1}))
    base = f"/commissioning/{engagement.reference}"
    await sign_in(client, COMMISSIONER)
    setup = {"criterion_1_source": str(live.criteria["Approach"].id), "criterion_1_weight": "50",
             "criterion_2_source": str(live.criteria["Team"].id), "criterion_2_name": "Team", "criterion_2_weight": "20",
             "deadline_day": "8", "deadline_month": "4", "deadline_year": "2027", "deadline_time": "12:00"}
    bad = await post_form(client, f"{base}/competition", {**setup, "price_weight": "20", "criterion_3_weight": "5"})
    page = text_of(bad)
    assert bad.status_code == 400 and "Choose the criterion this weight is for" in page and 'value="Team"' in page
    sums = await post_form(client, f"{base}/competition", {**setup, "price_weight": "25"})
    assert sums.status_code == 400 and "must add up to 100: they add up to 95" in text_of(sums) and 'href="#price_weight"' in sums.text
    past = await post_form(client, f"{base}/competition", {**setup, "price_weight": "30", "deadline_day": "1", "deadline_time": "09:00"})
    assert past.status_code == 400 and "The response deadline must be in the future" in text_of(past)
    assert (await post_form(client, f"{base}/competition", {**setup, "price_weight": "30"})).status_code == 303
    shown = text_of(await client.get(base))
    assert "8 April 2027, midday" in shown and "Invite the 3 appointed suppliers" in shown
    assert (await post_form(client, f"{base}/invite", {}, form_page=base)).status_code == 303
    assert (await Engagement.objects().get(Engagement.id == engagement.id)).response_deadline == datetime(2027, 4, 8, 11, 0, tzinfo=UTC)

    async with as_user(settings, SUPPLIERS[0].email) as alpha:
        listed = text_of(await alpha.get("/organisation/engagements"))
        assert "Open invitations" in listed and engagement.reference in listed and "8 April 2027, midday" in listed
        mine = f"/organisation/engagements/{engagement.reference}"
        invitation = text_of(await alpha.get(mine))
        assert "Young people and buses" in invitation and "Approach" in invitation and "Accept the invitation" in invitation
        bad_price = await post_form(alpha, f"{mine}/respond", {"proposal": "SEALED-PLAN workshops in schools", "price": "forty thousand"}, form_page=mine)
        page = text_of(bad_price)
        assert bad_price.status_code == 400 and "Enter your price as a number of pounds" in page and "SEALED-PLAN workshops in schools" in page
        responded = await post_form(alpha, f"{mine}/respond", {"proposal": "SEALED-PLAN workshops in schools", "price": "39999.99"}, form_page=mine)
        assert responded.status_code == 303
        assert "Your response" in text_of(await alpha.get(mine)) and "£39,999.99" in text_of(await alpha.get(mine))
    theirs = f"/organisation/engagements/{engagement.reference}"
    async with as_user(settings, SUPPLIERS[2].email) as gamma:
        no_reason = await post_form(gamma, f"{theirs}/decline", {}, form_page=theirs)
        assert no_reason.status_code == 400 and "Say why your organisation is declining" in text_of(no_reason)
        assert (await post_form(gamma, f"{theirs}/decline", {"decline_reason": "Fully booked"}, form_page=theirs)).status_code == 303
    async with as_user(settings, "bids@outsider.example") as outsider:
        assert (await outsider.get(theirs)).status_code == 403
        refused = await post_form(outsider, f"{theirs}/respond", {"proposal": "Us", "price": "1"}, form_page="/organisation/profile/about")
        assert refused.status_code == 403

    sealed = text_of(await client.get(f"{base}/responses"))
    assert sealed.count("Sealed until the deadline") == 3 and "Responses are sealed until the deadline" in sealed
    assert "Responded" not in sealed and "Fully booked" not in sealed and "Not answered" not in sealed  # not even who answered
    assert "SEALED-PLAN" not in sealed and "39,999" not in sealed and "SEALED-PLAN" not in text_of(await client.get(base))
    assert "3 suppliers invited" in text_of(await client.get(base)) and "has responded" not in text_of(await client.get(base))

    controlled_clock.set(datetime(2027, 4, 8, 11, 0, 1, tzinfo=UTC))  # a second after the deadline
    await sign_in(client, COMMISSIONER)  # a week on, the session has lapsed
    async with as_user(settings, SUPPLIERS[1].email) as beta:
        mine = f"/organisation/engagements/{engagement.reference}"
        late = await post_form(beta, f"{mine}/respond", {"proposal": "Late plan", "price": "100"}, form_page="/organisation/profile/about")
        assert late.status_code == 400 and "The response deadline passed at 8 April 2027, midday: answers are no longer accepted" in text_of(late)
        assert 'href="#proposal"' in late.text and "Submit your response" not in late.text  # the closed page has no form
    unsealed = text_of(await client.get(f"{base}/responses"))
    assert "£39,999.99" in unsealed and "<form" not in unsealed.split("Award")[0]  # each response is scored on its own page
    assert "Responded" in unsealed and "Declined: Fully booked" in unsealed and "Not answered" in unsealed
    criteria = await service.criteria_of(engagement.id)
    invitation_id = re.search(r'href="[^"]*/responses/(\d+)"', unsealed).group(1)
    response_page = f"{base}/responses/{invitation_id}"
    one = text_of(await client.get(response_page))
    assert "SEALED-PLAN workshops in schools" in one and one.count("<form") == 1 and "response 1 of 1" in one
    scores = f"{response_page}/scores"
    bad_score = await post_form(client, scores, {f"score-{criteria[0].id}": "7", f"score-{criteria[1].id}": "3"}, form_page=response_page)
    page = text_of(bad_score)
    assert bad_score.status_code == 400 and "Score “Approach” as a whole number from 0 to 5" in page and 'value="7"' in page
    assert f'href="#score-{criteria[0].id}"' in page
    marks = {f"score-{criteria[0].id}": "4", f"score-{criteria[1].id}": "3", f"note-{criteria[0].id}": "Strong"}
    scored = await post_form(client, scores, marks, form_page=response_page)
    assert scored.status_code == 303 and scored.headers["location"] == f"{base}/responses?saved={invitation_id}#ranking"
    ranking = text_of(await client.get(f"{base}/responses"))
    assert "Ranking" in ranking and "82.00" in ranking  # 40 + 12 quality, and the only (so lowest) price: 30
    no_choice = await post_form(client, f"{base}/award", {}, form_page=f"{base}/responses")
    assert no_choice.status_code == 400 and "Choose the response to award the engagement to" in text_of(no_choice)
    check = await post_form(client, f"{base}/award", {"response": invitation_id}, form_page=f"{base}/responses")
    assert check.status_code == 200 and "An award cannot be undone" in check.text
    assert (await post_form(client, f"{base}/award", {"response": invitation_id, "confirmed": "yes"}, form_page=f"{base}/responses")).status_code == 303
    assert (await Engagement.objects().get(Engagement.id == engagement.id)).awarded_price_pence == 3_999_999
    async with as_user(settings, SUPPLIERS[0].email) as alpha:
        assert "Your engagement" in text_of(await alpha.get(f"/organisation/engagements/{engagement.reference}"))
    async with as_user(settings, SUPPLIERS[2].email) as gamma:
        assert "The engagement was awarded to another supplier" in text_of(await gamma.get(f"/organisation/engagements/{engagement.reference}"))


async def test_completion_review_and_the_suppliers_reply(client, database, settings, controlled_clock):
    live, engagement = await live_with_brief(controlled_clock, groups=(CHILDREN, "older-people"))
    await service.direct_award(live.commissioner, engagement.reference, supplier_id=live.organisations["Gamma"], price_pence=2_000_000, reason="Local")
    base = f"/commissioning/{engagement.reference}"
    await sign_in(client, COMMISSIONER)
    assert (await post_form(client, f"{base}/start", {}, form_page=base)).status_code == 303
    bad = await post_form(client, f"{base}/complete", {f"reach-{CHILDREN}": "-1", "reach-older-people": "4", "deliverables": "Two workshops"})
    page = text_of(bad)
    assert bad.status_code == 400 and "Enter the number of children and young people reached, as a whole number (0 or more)" in page
    assert 'value="-1"' in page and "Two workshops" in page and f'href="#reach-{CHILDREN}"' in page
    completed = await post_form(client, f"{base}/complete", {f"reach-{CHILDREN}": "25", "reach-older-people": "4", "deliverables": "Two workshops"})
    assert completed.status_code == 303

    ratings = {"quality": "5", "timeliness": "4", "inclusion": "5", "value": "4", "comments": "Reached young people well"}
    bad = await post_form(client, f"{base}/review", {**ratings, "quality": "9", "value": ""})
    page = text_of(bad)
    assert bad.status_code == 400 and "Rate quality from 1 to 5" in page and "Rate value for money from 1 to 5" in page and "Reached young people well" in page
    assert (await post_form(client, f"{base}/review", ratings)).status_code == 303
    shown = text_of(await client.get(base))
    assert "Performance review" in shown and "5 out of 5" in shown and "No reply yet" in shown and "25" in shown

    async with as_user(settings, SUPPLIERS[2].email) as gamma:
        mine = f"/organisation/engagements/{engagement.reference}"
        page = text_of(await gamma.get(mine))
        assert "Reached young people well" in page and "Reply to the review" in page
        empty = await post_form(gamma, f"{mine}/reply", {"reply": ""}, form_page=mine)
        assert empty.status_code == 400 and "Enter your reply" in text_of(empty)
        assert (await post_form(gamma, f"{mine}/reply", {"reply": "Thank you"}, form_page=mine)).status_code == 303
        again = await post_form(gamma, f"{mine}/reply", {"reply": "Once more"}, form_page="/organisation/profile/about")  # no form left to reply with
        assert again.status_code == 400 and "already replied" in text_of(again)
    assert "Thank you" in text_of(await client.get(base))
    cancel = await post_form(client, f"{base}/cancel", {"reason": "Too late"}, form_page="/commissioning/new")
    assert cancel.status_code == 400 and "cannot be cancelled" in text_of(cancel)


async def test_the_commissioning_list_comes_in_pages_of_25_newest_first_and_by_status(client, database, settings, controlled_clock):
    live, first = await live_with_brief(controlled_clock, title="Brief 00")
    for n in range(1, 27):
        controlled_clock.advance(timedelta(minutes=1))
        await service.create_brief(live.commissioner, service.Brief(lot_id=live.lots[1].id, **{**BRIEF, "title": f"Brief {n:02}"}))
    await service.cancel(live.commissioner, first.reference, reason="No longer needed")
    await sign_in(client, COMMISSIONER)

    def titles(page: str) -> list[str]:
        return re.findall(r"Brief \d\d", page)

    one = text_of(await client.get("/commissioning"))
    assert titles(one) == [f"Brief {n:02}" for n in range(26, 1, -1)]
    assert "All engagements (27)" in one and 'href="/commissioning?state=draft">Draft (26)' in one and "Cancelled (1)" in one
    assert "1 to 25 of 27" in one and 'href="/commissioning?page=2"' in one
    assert titles(text_of(await client.get("/commissioning?page=2"))) == ["Brief 01", "Brief 00"]
    assert titles(text_of(await client.get("/commissioning?page=99"))) == ["Brief 01", "Brief 00"], "a page past the end shows the last"
    assert titles(text_of(await client.get("/commissioning?page=nonsense")))[:1] == ["Brief 26"]
    cancelled = text_of(await client.get("/commissioning?state=cancelled"))
    assert titles(cancelled) == ["Brief 00"] and '<strong aria-current="page">Cancelled (1)</strong>' in cancelled
    assert titles(text_of(await client.get("/commissioning?state=no-such-state")))[:1] == ["Brief 26"]
