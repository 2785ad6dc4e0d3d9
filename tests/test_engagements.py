"""Engagements (call-offs) through the service functions: the brief, the routes a framework allows,
direct award's proposal, mini-competitions (invitations, sealed responses, the deadline, scoring and
ranking, award), the lifecycle, completion and the performance review. Each refusal is clear,
names its field, changes nothing and is audited."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from registry.accounts import service as accounts
from registry.accounts.tables import Organisation, OrganisationKind, Role
from registry.audit.tables import AuditEvent
from registry.engagements import scoring
from registry.engagements import service
from registry.engagements.sealing import may_read_response
from registry.engagements.tables import Engagement, EngagementState, Invitation, InvitationStatus, PerformanceReview, Reach
from registry.frameworks.tables import CallOffRoute, Framework, State
from registry.notifications.tables import Notification
from registry.errors import Refused
from tests.awarding import user
from tests.commissioning import Supplier, add_supplier, entitle, live_framework, picks

NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(days=7)
CHILDREN, OLDER = "children-and-young-people", "older-people"
SUPPLIERS = [
    Supplier("Alpha", ranks={1: 1}, groups=(OLDER,), capacity=2),  # ranked first, but does not work with children
    Supplier("Beta", ranks={1: 2}, regions=("glasgow-city", "city-of-edinburgh"), groups=(CHILDREN, OLDER), capacity=1),
    Supplier("Gamma", ranks={1: 3}, capacity=None),  # capacity not stated: available
]
BRIEF = {
    "title": "Young people's views on transport", "objectives": "Hear what young people in Glasgow need from buses.",
    "groups": (CHILDREN,), "regions": ("glasgow-city",), "methods": ("deliberative-workshops",), "budget_pence": 4_000_000,
}


@pytest.fixture
async def live(database, controlled_clock):
    controlled_clock.set(NOW)
    return await live_framework(SUPPLIERS)


async def brief(live, lot: int = 1, **changes) -> Engagement:
    return await service.create_brief(live.commissioner, service.Brief(lot_id=live.lots[lot].id, **{**BRIEF, **changes}))


async def state_of(engagement: Engagement) -> str:
    return (await Engagement.objects().get(Engagement.id == engagement.id)).state


async def refused_all() -> list[dict]:
    events = await AuditEvent.objects().where(AuditEvent.action == "engagement.refused").order_by(AuditEvent.sequence)
    return [json.loads(e.payload) for e in events]


async def refused(action: str) -> list[dict]:
    return [p for p in await refused_all() if p["action"] == action]


async def mail_to(name: str) -> list[str]:
    email = next(s.email for s in SUPPLIERS if s.name == name)
    return await Notification.select(Notification.subject).where(Notification.recipient == email).output(as_list=True)


# --- The brief ----------------------------------------------------------------------------------


async def test_briefs_are_numbered_per_framework_and_change_only_while_draft(live):
    first, second = await brief(live), await brief(live, title="Older people and loneliness", groups=(OLDER,))
    assert (first.reference, second.reference) == ("LIVE-2027-E001", "LIVE-2027-E002")
    assert (first.state, first.buyer, first.budget_pence) == (EngagementState.DRAFT, live.authority, 4_000_000)
    other = await live_framework([Supplier("Delta", ranks={1: 1})], reference="OTHER-2027", authority_name="Other Council")
    assert (await service.create_brief(other.commissioner, service.Brief(lot_id=other.lots[1].id, **BRIEF))).reference == "OTHER-2027-E001"

    await entitle(other, live.authority)
    changed = await service.update_brief(live.commissioner, first.reference, service.Brief(lot_id=live.lots[1].id, **{**BRIEF, "title": "Buses"}))
    assert changed.title == "Buses"
    with pytest.raises(service.EngagementError, match="A brief stays under its framework") as moved:
        await service.update_brief(live.commissioner, first.reference, service.Brief(lot_id=other.lots[1].id, **BRIEF))
    assert moved.value.field == "lot"
    await service.cancel(live.commissioner, first.reference, reason="No longer needed")
    with pytest.raises(service.EngagementError, match="only possible when the engagement is draft"):
        await service.update_brief(live.commissioner, first.reference, service.Brief(lot_id=live.lots[1].id, **BRIEF))


async def test_a_brief_needs_a_live_lot_with_appointed_suppliers_and_sensible_dates(live):
    with pytest.raises(service.EngagementError, match="No suppliers are appointed to lot 2 of LIVE-2027: choose a lot with appointed suppliers") as empty:
        await brief(live, lot=2)
    assert empty.value.field == "lot"
    with pytest.raises(service.EngagementError, match="end date must be the same as or after the start date") as dates:
        await brief(live, starts_on=datetime(2027, 6, 1).date(), ends_on=datetime(2027, 5, 1).date())
    assert dates.value.field == "ends_on"
    with pytest.raises(service.EngagementError, match="Select the groups") as groups:
        await brief(live, groups=())
    assert groups.value.field == "groups"
    await Framework.update({Framework.state: State.EXPIRED}).where(Framework.id == live.framework.id)
    with pytest.raises(service.EngagementError, match="LIVE-2027 is not live"):
        await brief(live)
    assert await Engagement.count() == 0
    assert len(await refused("create_brief")) == 4


async def test_only_commissioners_of_an_authority_create_briefs(live):
    with pytest.raises(Refused):
        await service.create_brief(live.officer, service.Brief(lot_id=live.lots[1].id, **BRIEF))
    with pytest.raises(Refused):
        await service.create_brief(live.users["Alpha"], service.Brief(lot_id=live.lots[1].id, **BRIEF))


async def test_a_budget_over_the_lots_remaining_value_is_a_warning_not_a_refusal(live):
    engagement = await brief(live, budget_pence=60_000_000)  # £600,000 against a £500,000 lot: saved all the same
    warning = await service.budget_warning(live.lots[1].id, engagement.budget_pence)
    assert warning == "The budget of £600,000 is more than the lot's remaining value of £500,000"
    assert await service.budget_warning(live.lots[1].id, 10_000_000) is None
    await service.direct_award(live.commissioner, engagement.reference, supplier_id=live.organisations["Beta"], price_pence=45_000_000, reason=None)
    assert await service.remaining_value_pence(live.lots[1].id) == (5_000_000, "lot")
    assert await service.budget_warning(live.lots[1].id, 10_000_000) == "The budget of £100,000 is more than the lot's remaining value of £50,000"
    await service.cancel(live.commissioner, engagement.reference, reason="Funding withdrawn")
    assert await service.budget_warning(live.lots[1].id, 10_000_000) is None  # a cancelled engagement spends nothing


async def test_a_lot_without_a_value_is_measured_against_the_frameworks(database, controlled_clock):
    controlled_clock.set(NOW)
    live = await live_framework(SUPPLIERS, lot_value=None)
    assert await service.remaining_value_pence(live.lots[1].id) == (200_000_000, "framework")
    assert "framework's remaining value of £2,000,000" in await service.budget_warning(live.lots[1].id, 300_000_000)


# --- Routes and direct award --------------------------------------------------------------------


async def test_only_the_routes_the_framework_allows(database, controlled_clock):
    controlled_clock.set(NOW)
    competition_only = await live_framework(SUPPLIERS, routes=(CallOffRoute.MINI_COMPETITION,))
    engagement = await brief(competition_only)
    with pytest.raises(service.EngagementError, match="LIVE-2027 does not allow direct award: its rules allow only mini-competition") as refused_route:
        await service.direct_award(
            competition_only.commissioner, engagement.reference, supplier_id=competition_only.organisations["Beta"], price_pence=100, reason="Best",
        )
    assert refused_route.value.field == "route"
    assert await state_of(engagement) == EngagementState.DRAFT
    direct_only = await live_framework(
        [Supplier("Zeta", ranks={1: 1})], reference="DIRECT-2027", routes=(CallOffRoute.DIRECT_AWARD,), authority_name="Direct Council",
    )
    other = await service.create_brief(direct_only.commissioner, service.Brief(lot_id=direct_only.lots[1].id, **BRIEF))
    with pytest.raises(service.EngagementError, match="does not allow mini-competition"):
        await service.set_up_competition(direct_only.commissioner, other.reference, criteria=picks(direct_only, ("Approach", 70)), price_weight=30, deadline=DEADLINE)


async def test_direct_award_proposes_the_highest_ranked_available_supplier_covering_the_brief(live):
    engagement = await brief(live)
    found = await service.candidates(engagement)
    assert [(c.name, c.rank, c.covers, c.available) for c in found] == [("Alpha", 1, False, True), ("Beta", 2, True, True), ("Gamma", 3, True, True)]
    assert found[0].missing == {"regions": (), "groups": (CHILDREN,), "methods": ()}
    assert found[1].availability == "Available: 1 of 1 places free" and found[2].availability == "Available: capacity not stated (0 active)"
    assert service.proposal(found).name == "Beta"

    busy = await brief(live, title="Another")  # Beta takes its only place
    await service.direct_award(live.commissioner, busy.reference, supplier_id=live.organisations["Beta"], price_pence=1_000_000, reason=None)
    found = await service.candidates(engagement)
    assert found[1].availability == "Not available: 1 active engagements, capacity 1"
    assert service.proposal(found).name == "Gamma"

    with pytest.raises(service.EngagementError, match="Give the reason for choosing Alpha rather than Gamma, the proposed supplier") as no_reason:
        await service.direct_award(live.commissioner, engagement.reference, supplier_id=live.organisations["Alpha"], price_pence=3_500_000, reason=" ")
    assert no_reason.value.field == "reason" and await state_of(engagement) == EngagementState.DRAFT
    with pytest.raises(service.EngagementError, match="Choose one of the suppliers appointed to the lot"):
        await service.direct_award(live.commissioner, engagement.reference, supplier_id=999999, price_pence=3_500_000, reason="x")
    reason = "Alpha's older-people panel includes young carers"
    awarded = await service.direct_award(live.commissioner, engagement.reference, supplier_id=live.organisations["Alpha"], price_pence=3_500_000, reason=reason)
    assert (awarded.state, awarded.route, awarded.supplier, awarded.proposed_supplier) == (
        EngagementState.AWARDED, CallOffRoute.DIRECT_AWARD, live.organisations["Alpha"], live.organisations["Gamma"],
    )
    assert (awarded.award_reason, awarded.awarded_price_pence, awarded.awarded_by) == (reason, 3_500_000, live.commissioner.id)
    assert "LIVE-2027-E001: you have been awarded an engagement" in await mail_to("Alpha")
    with pytest.raises(service.EngagementError, match="only possible when the engagement is draft"):
        await service.direct_award(live.commissioner, engagement.reference, supplier_id=live.organisations["Gamma"], price_pence=1, reason=None)


async def test_with_no_covering_available_supplier_any_choice_needs_a_reason(live):
    engagement = await brief(live, regions=("london",))
    assert service.proposal(await service.candidates(engagement)) is None
    with pytest.raises(service.EngagementError, match="No appointed supplier both covers the brief and is available: give the reason for choosing Gamma"):
        await service.direct_award(live.commissioner, engagement.reference, supplier_id=live.organisations["Gamma"], price_pence=100_000, reason="")
    awarded = await service.direct_award(
        live.commissioner, engagement.reference, supplier_id=live.organisations["Gamma"], price_pence=100_000, reason="Will travel to London",
    )
    assert awarded.proposed_supplier is None and awarded.award_reason == "Will travel to London"


# --- Mini-competition ---------------------------------------------------------------------------


async def competing(live) -> Engagement:
    engagement = await brief(live)
    await service.set_up_competition(live.commissioner, engagement.reference, criteria=picks(live, ("Approach", 50), ("Team", 20)), price_weight=30, deadline=DEADLINE)
    await service.invite(live.commissioner, engagement.reference)
    return engagement


async def test_setting_up_a_mini_competition_checks_the_weights_and_the_deadline(live):
    engagement = await brief(live)
    set_up = service.set_up_competition
    with pytest.raises(service.EngagementError, match="must add up to 100: they add up to 95") as weights:
        await set_up(live.commissioner, engagement.reference, criteria=picks(live, ("Approach", 50), ("Team", 15)), price_weight=30, deadline=DEADLINE)
    assert weights.value.field == "price_weight"
    with pytest.raises(service.EngagementError, match="Choose at least one of the lot's quality criteria"):
        await set_up(live.commissioner, engagement.reference, criteria=[], price_weight=100, deadline=DEADLINE)
    with pytest.raises(service.EngagementError, match="The response deadline must be in the future") as past:
        await set_up(live.commissioner, engagement.reference, criteria=picks(live, ("Approach", 70)), price_weight=30, deadline=NOW - timedelta(minutes=1))
    assert past.value.field == "deadline"
    with pytest.raises(service.EngagementError, match="Set the criteria, the weights and the response deadline before inviting"):
        await service.invite(live.commissioner, engagement.reference)
    await set_up(live.commissioner, engagement.reference, criteria=picks(live, ("Approach", 70)), price_weight=30, deadline=DEADLINE)
    await set_up(live.commissioner, engagement.reference, criteria=picks(live, ("Approach", 50), ("Team", 20)), price_weight=30, deadline=DEADLINE)  # changed
    assert [(c.name, c.weight) for c in await service.criteria_of(engagement.id)] == [("Approach", 50), ("Team", 20)]


async def test_every_supplier_appointed_to_the_lot_is_invited_and_told(live):
    await add_supplier(live, Supplier("Other lot", ranks={2: 1}))
    engagement = await competing(live)
    invited = await Invitation.objects().where(Invitation.engagement == engagement.id)
    assert sorted(i.organisation for i in invited) == sorted(live.organisations[n] for n in ("Alpha", "Beta", "Gamma"))
    assert all(i.status == InvitationStatus.INVITED for i in invited)
    assert await state_of(engagement) == EngagementState.INVITED
    for name in ("Alpha", "Beta", "Gamma"):
        assert "LIVE-2027-E001: invitation to a mini-competition" in await mail_to(name)
    with pytest.raises(service.EngagementError, match="cannot become invited"):
        await service.invite(live.commissioner, engagement.reference)
    with pytest.raises(Refused, match="not invited"):
        await service.respond(live.users["Other lot"], engagement.reference, proposal="Us too", price_pence=100)


async def test_responses_are_sealed_from_the_commissioner_until_the_deadline(live, controlled_clock):
    engagement = await competing(live)
    await service.accept(live.users["Alpha"], engagement.reference)
    await service.respond(live.users["Alpha"], engagement.reference, proposal="SEALED proposal", price_pence=4_000_000)
    await service.respond(live.users["Alpha"], engagement.reference, proposal="SEALED revised proposal", price_pence=3_900_000)
    engagement = await Engagement.objects().get(Engagement.id == engagement.id)

    standing = await service.competition(engagement, live.authority)
    assert standing.sealed and standing.ranked == []
    alpha = next(v for v in standing.responses if v.supplier == "Alpha")
    assert (alpha.status, alpha.responded, alpha.responded_at, alpha.proposal, alpha.price_pence) == (None, False, None, None, None)
    own = next(v for v in (await service.competition(engagement, live.organisations["Alpha"])).responses if v.supplier == "Alpha")
    assert (own.proposal, own.price_pence) == ("SEALED revised proposal", 3_900_000)
    with pytest.raises(service.EngagementError, match="Responses are sealed until the response deadline"):
        await service.record_scores(live.commissioner, engagement.reference, alpha.invitation.id, {})
    with pytest.raises(service.EngagementError, match="The response deadline has not passed"):
        await service.award_competition(live.commissioner, engagement.reference, invitation_id=alpha.invitation.id, reason=None)
    events = await AuditEvent.objects().where(AuditEvent.action == "engagement.responded")
    assert events and not any("SEALED" in e.payload or "3900000" in e.payload for e in events)  # the log holds a digest, not the content

    controlled_clock.set(DEADLINE)
    unsealed = await service.competition(engagement, live.authority)
    assert not unsealed.sealed
    assert next(v for v in unsealed.responses if v.supplier == "Alpha").proposal == "SEALED revised proposal"
    beta_view = await service.competition(engagement, live.organisations["Beta"])  # another supplier: never
    assert next(v for v in beta_view.responses if v.supplier == "Alpha").proposal is None
    assert not may_read_response(engagement, alpha.invitation, live.organisations["Beta"], DEADLINE + timedelta(days=30))


async def test_after_the_deadline_answers_are_refused(live, controlled_clock):
    engagement = await competing(live)
    await service.decline(live.users["Gamma"], engagement.reference, reason="Fully booked")
    with pytest.raises(service.EngagementError, match="declined this invitation, so it cannot respond"):
        await service.respond(live.users["Gamma"], engagement.reference, proposal="Changed our mind", price_pence=100)
    with pytest.raises(service.EngagementError, match="Say why"):
        await service.decline(live.users["Beta"], engagement.reference, reason=" ")
    controlled_clock.set(DEADLINE + timedelta(seconds=1))
    with pytest.raises(service.EngagementError, match="The response deadline has passed: answers are no longer accepted") as late:
        await service.respond(live.users["Alpha"], engagement.reference, proposal="Late", price_pence=100)
    assert late.value.field == "proposal"
    assert late.value.explain(ZoneInfo("Europe/London")) == "The response deadline passed at 8 April 2027, 10am: answers are no longer accepted"
    with pytest.raises(service.EngagementError, match="answers are no longer accepted"):
        await service.accept(live.users["Beta"], engagement.reference)
    invitation = await Invitation.objects().get(Invitation.organisation == live.organisations["Alpha"])
    assert invitation.status == InvitationStatus.INVITED and invitation.proposal is None
    assert await refused("respond")


async def test_scores_rank_the_responses_and_the_award_goes_to_the_chosen_one(live, controlled_clock):
    engagement = await competing(live)
    prices = {"Alpha": 4_000_000, "Beta": 5_000_000, "Gamma": 6_000_000}
    for name, price in prices.items():
        await service.respond(live.users[name], engagement.reference, proposal=f"{name}'s plan", price_pence=price)
    controlled_clock.set(DEADLINE + timedelta(hours=1))
    approach, team = await service.criteria_of(engagement.id)
    invitations = {v.supplier: v.invitation.id for v in (await service.competition(engagement, live.authority)).responses}

    with pytest.raises(service.EngagementError, match="Score “Team” as a whole number from 0 to 5") as bad:
        await service.record_scores(live.commissioner, engagement.reference, invitations["Alpha"], {approach.id: (4, ""), team.id: ("6", "")})
    assert bad.value.field == f"score-{invitations['Alpha']}-{team.id}"
    await service.record_scores(live.commissioner, engagement.reference, invitations["Alpha"], {approach.id: (4, "Clear"), team.id: (3, "")})
    await service.record_scores(live.commissioner, engagement.reference, invitations["Beta"], {approach.id: ("5", ""), team.id: ("5", "")})
    with pytest.raises(service.EngagementError, match="Score Gamma's response on every criterion before awarding"):
        await service.award_competition(live.commissioner, engagement.reference, invitation_id=invitations["Beta"], reason=None)
    await service.record_scores(live.commissioner, engagement.reference, invitations["Gamma"], {approach.id: (3, ""), team.id: (2, "")})

    engagement = await Engagement.objects().get(Engagement.id == engagement.id)
    ranked = (await service.competition(engagement, live.authority)).ranked
    # quality = 50 × score ÷ 5 + 20 × score ÷ 5; price = 30 × £40,000 ÷ price
    assert [(r.rank, r.supplier, r.quality, r.price_score, r.total) for r in ranked] == [
        (1, "Beta", Decimal("70.00"), Decimal("24.00"), Decimal("94.00")),
        (2, "Alpha", Decimal("52.00"), Decimal("30.00"), Decimal("82.00")),
        (3, "Gamma", Decimal("38.00"), Decimal("20.00"), Decimal("58.00")),
    ]
    with pytest.raises(service.EngagementError, match="Give the reason for choosing Alpha rather than Beta, ranked first") as reason:
        await service.award_competition(live.commissioner, engagement.reference, invitation_id=invitations["Alpha"], reason="")
    assert reason.value.field == "reason"
    awarded = await service.award_competition(
        live.commissioner, engagement.reference, invitation_id=invitations["Alpha"], reason="Beta's team is committed elsewhere in June",
    )
    assert (awarded.state, awarded.supplier, awarded.proposed_supplier, awarded.awarded_price_pence) == (
        EngagementState.AWARDED, live.organisations["Alpha"], live.organisations["Beta"], 4_000_000,
    )
    for name in ("Alpha", "Beta", "Gamma"):
        assert "LIVE-2027-E001: the outcome of the mini-competition" in await mail_to(name)
    body = (await Notification.objects().where(Notification.recipient == SUPPLIERS[1].email).order_by(Notification.id, ascending=False).first()).body
    assert "awarded to another supplier. Your response ranked 1 of 3" in body


def test_the_scoring_arithmetic_rounds_each_score_to_two_places():
    responses = [
        scoring.Response(1, "A", 45_000_00, {10: 3, 11: 4}), scoring.Response(2, "B", 40_000_00, {10: 3, 11: 4}), scoring.Response(3, "C", 30_000_00, {10: 5}),
    ]
    ranked, unscored = scoring.rank(responses, {10: 40, 11: 30}, 30)
    # quality 40 × 3 ÷ 5 + 30 × 4 ÷ 5 = 48; price 30 × £30,000 (the lowest, C's, though C is not fully scored) ÷ price
    assert [(r.supplier, r.quality, r.price_score, r.total, r.rank) for r in ranked] == [
        ("B", Decimal("48.00"), Decimal("22.50"), Decimal("70.50"), 1),
        ("A", Decimal("48.00"), Decimal("20.00"), Decimal("68.00"), 2),
    ]
    assert [r.supplier for r in unscored] == ["C"]
    thirds, _ = scoring.rank([scoring.Response(1, "A", 300, {1: 1}), scoring.Response(2, "B", 200, {1: 1})], {1: 35}, 65)
    assert [(r.supplier, r.quality, r.price_score) for r in thirds] == [("B", Decimal("7.00"), Decimal("65.00")), ("A", Decimal("7.00"), Decimal("43.33"))]
    tied, _ = scoring.rank([scoring.Response(1, "Cheap", 100, {1: 0}), scoring.Response(2, "Good", 200, {1: 5})], {1: 50}, 50)
    assert [(r.supplier, r.total) for r in tied] == [("Good", Decimal("75.00")), ("Cheap", Decimal("50.00"))]  # equal quality+price: quality first


async def test_a_competition_without_responses_cannot_be_awarded(live, controlled_clock):
    engagement = await competing(live)
    controlled_clock.set(DEADLINE)
    with pytest.raises(service.EngagementError, match="No supplier responded"):
        await service.award_competition(live.commissioner, engagement.reference, invitation_id=1, reason=None)
    cancelled = await service.cancel(live.commissioner, engagement.reference, reason="No responses")
    assert cancelled.state == EngagementState.CANCELLED
    assert "LIVE-2027-E001: the engagement is cancelled" in await mail_to("Gamma")


# --- Lifecycle, completion, review --------------------------------------------------------------


async def awarded_to_beta(live) -> Engagement:
    engagement = await brief(live, groups=(CHILDREN, OLDER))
    return await service.direct_award(live.commissioner, engagement.reference, supplier_id=live.organisations["Beta"], price_pence=3_000_000, reason=None)


async def test_the_lifecycle_allows_only_its_transitions(live):
    draft = await brief(live)
    with pytest.raises(service.EngagementError, match="The engagement is draft: it cannot become in delivery"):
        await service.start_delivery(live.commissioner, draft.reference)
    with pytest.raises(service.EngagementError, match="it cannot become completed"):
        await service.complete(live.commissioner, draft.reference, reach={CHILDREN: 5}, deliverables="Report")
    with pytest.raises(service.EngagementError, match="Say why the engagement is cancelled") as no_reason:
        await service.cancel(live.commissioner, draft.reference, reason="")
    assert no_reason.value.field == "reason"

    engagement = await awarded_to_beta(live)
    assert (await service.start_delivery(live.commissioner, engagement.reference)).state == EngagementState.IN_DELIVERY
    with pytest.raises(service.EngagementError, match="it cannot become in delivery"):
        await service.start_delivery(live.commissioner, engagement.reference)
    await service.complete(live.commissioner, engagement.reference, reach={CHILDREN: 12, OLDER: 0}, deliverables="Three workshops and a report")
    with pytest.raises(service.EngagementError, match="The engagement is completed: it cannot become cancelled"):
        await service.cancel(live.commissioner, engagement.reference, reason="Too late")
    cancelled = await service.cancel(live.commissioner, draft.reference, reason="Merged with another brief")
    assert (cancelled.state, cancelled.cancel_reason) == (EngagementState.CANCELLED, "Merged with another brief")
    with pytest.raises(service.EngagementError, match="it cannot become cancelled"):
        await service.cancel(live.commissioner, draft.reference, reason="Again")


async def test_completion_records_the_participants_reached_in_each_group(live):
    engagement = await awarded_to_beta(live)
    await service.start_delivery(live.commissioner, engagement.reference)
    for value in ("-3", "many", "2.5", None):
        with pytest.raises(service.EngagementError, match="Enter the number of older people reached, as a whole number") as bad:
            await service.complete(live.commissioner, engagement.reference, reach={CHILDREN: "12", OLDER: value}, deliverables="Report")
        assert bad.value.field == f"reach-{OLDER}"
    with pytest.raises(service.EngagementError, match="Describe what was delivered"):
        await service.complete(live.commissioner, engagement.reference, reach={CHILDREN: "12", OLDER: "0"}, deliverables=" ")
    assert await Reach.count() == 0 and await state_of(engagement) == EngagementState.IN_DELIVERY
    done = await service.complete(live.commissioner, engagement.reference, reach={CHILDREN: "12", OLDER: "0"}, deliverables="Three workshops")
    assert (done.state, done.deliverables) == (EngagementState.COMPLETED, "Three workshops")
    assert {(r.group_code, r.participants) for r in await service.reach_of(engagement.id)} == {(CHILDREN, 12), (OLDER, 0)}


async def test_the_review_rates_one_to_five_and_the_supplier_replies_once(live):
    engagement = await awarded_to_beta(live)
    ratings = {"quality": 5, "timeliness": 4, "inclusion": 5, "value": 3}
    with pytest.raises(service.EngagementError, match="only possible when the engagement is completed"):
        await service.review(live.commissioner, engagement.reference, ratings=ratings, comments="")
    await service.start_delivery(live.commissioner, engagement.reference)
    await service.complete(live.commissioner, engagement.reference, reach={CHILDREN: 12, OLDER: 3}, deliverables="Report")
    for measure, value in (("quality", 0), ("timeliness", 6), ("inclusion", "x"), ("value", None)):
        with pytest.raises(service.EngagementError, match=f"Rate {service.MEASURES[measure]} from 1 to 5") as bad:
            await service.review(live.commissioner, engagement.reference, ratings={**ratings, measure: value}, comments="")
        assert bad.value.field == measure
    assert await PerformanceReview.count() == 0
    with pytest.raises(service.EngagementError, match="has not been reviewed"):
        await service.reply(live.users["Beta"], engagement.reference, text="Thank you")

    made = await service.review(live.commissioner, engagement.reference, ratings=ratings, comments="Reached young people well")
    assert (made.quality, made.value, made.supplier) == (5, 3, live.organisations["Beta"])
    assert "LIVE-2027-E001: your performance review" in await mail_to("Beta")
    with pytest.raises(service.EngagementError, match="already been reviewed"):
        await service.review(live.commissioner, engagement.reference, ratings=ratings, comments="Again")
    with pytest.raises(Refused):
        await service.reply(live.users["Alpha"], engagement.reference, text="Not ours")
    with pytest.raises(service.EngagementError, match="Enter your reply"):
        await service.reply(live.users["Beta"], engagement.reference, text="  ")
    await service.reply(live.users["Beta"], engagement.reference, text="Thank you: we learned a lot")
    with pytest.raises(service.EngagementError, match="already replied") as twice:
        await service.reply(live.users["Beta"], engagement.reference, text="And another thing")
    assert twice.value.field == "reply"
    assert (await service.review_of(engagement.id)).supplier_reply == "Thank you: we learned a lot"


async def test_other_organisations_cannot_see_or_act_on_an_engagement(live):
    engagement = await awarded_to_beta(live)
    elsewhere = await accounts.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name="Elsewhere Council")
    stranger = await user("commissioner@elsewhere.example", (Role.COMMISSIONER,), elsewhere)
    colleague = await user("colleague@live-2027.example", (Role.COMMISSIONER,), await Organisation.objects().get(Organisation.id == live.authority))
    with pytest.raises(Refused, match="another organisation"):
        await service.for_buyer(stranger, engagement.reference)
    with pytest.raises(Refused):
        await service.start_delivery(stranger, engagement.reference)
    with pytest.raises(Refused):
        await service.for_buyer(live.officer, engagement.reference)  # not a commissioner
    assert (await service.start_delivery(colleague, engagement.reference)).state == EngagementState.IN_DELIVERY  # any commissioner of the buyer
    with pytest.raises(Refused, match="not invited"):
        await service.for_supplier(live.users["Alpha"], engagement.reference)
    assert (await service.for_supplier(live.users["Beta"], engagement.reference))[0].id == engagement.id
    with pytest.raises(service.Missing):
        await service.for_buyer(live.commissioner, "LIVE-2027-E999")
    assert (await service.supplier_engagements(live.users["Beta"]))["engagements"][0][0].id == engagement.id
    assert await service.supplier_engagements(live.users["Alpha"]) == {"invitations": [], "engagements": [], "past": []}
    assert [p["action"] for p in await refused_all()] == ["start_delivery"]


def test_an_engagement_moves_by_the_framework_lifecycle_s_kind_of_transition():
    from registry.engagements import lifecycle as engagement_lifecycle
    from registry.engagements.tables import EngagementState
    from registry.frameworks.lifecycle import Transition

    assert all(isinstance(move, Transition) for move in engagement_lifecycle.TRANSITIONS.values())
    assert engagement_lifecycle.transition_for(EngagementState.COMPLETED, EngagementState.CANCELLED) is None
    assert engagement_lifecycle.transition_for(EngagementState.DRAFT, EngagementState.AWARDED).action == "Award directly"
