"""Issue 26, findings 6 and 3, in both regimes: who may award call-offs under a framework (the
authorities it names: PA23 s.45(5)(f); PCSR 2015 reg. 34(4)), and a mini-competition's criteria
drawn from the lot's published award criteria, refined within bounds (PA23 s.46(8)-(9); PCSR 2015
reg. 34(5)). Service-level, then the pages the commissioner and the officer see."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from registry.accounts import service as accounts
from registry.accounts.tables import OrganisationKind, Role
from registry.audit.tables import AuditEvent
from registry.criteria.tables import Criterion, CriterionKind
from registry.engagements import calloff_criteria, service
from registry.engagements.tables import BriefCriterion, Engagement
from registry.frameworks import eligibility
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, Notice
from registry.notifications.tables import Notification
from registry.opendata.tables import Release
from tests.awarding import user
from tests.commissioning import Supplier, entitle, live_framework, picks
from tests.support import current, post_form
from tests.test_framework_pages import sign_in

NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(days=7)
SUPPLIERS = [Supplier("Alpha", ranks={1: 1}), Supplier("Beta", ranks={1: 2})]
BRIEF = {"title": "Young people and buses", "objectives": "Hear from young people.", "groups": ("children-and-young-people",)}
SOURCES = {"scotland": ("Public Contracts (Scotland) Regulations 2015 reg. 34(4)", "Public Contracts (Scotland) Regulations 2015 reg. 34(5)"),
           "england": ("Procurement Act 2023 s.45(5)(f)", "Procurement Act 2023 s.46(8) and (9)")}

pytestmark = pytest.mark.parametrize("regime", ["scotland", "england"])


async def live_under(regime: str):
    live = await live_framework(SUPPLIERS)
    await Framework.update({Framework.regime: regime}).where(Framework.id == live.framework.id)
    live.framework.regime = regime
    return live


async def other_commissioner():
    other = await accounts.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name="Northmoor Council")
    return other, await current(await user("commissioner@northmoor.example", (Role.COMMISSIONER,), other))


def brief(live, **changes) -> service.Brief:
    return service.Brief(lot_id=live.lots[1].id, **{**BRIEF, **changes})


# --- Finding 6: who may use the framework ---------------------------------------------------------


async def test_only_the_authorities_a_framework_names_commission_under_it(database, controlled_clock, regime):
    controlled_clock.set(NOW)
    live = await live_under(regime)
    other, commissioner = await other_commissioner()
    assert [lot["framework_id"] for lot in await service.live_lots(commissioner)] == []  # not offered
    with pytest.raises(service.EngagementError) as refused:
        await service.create_brief(commissioner, brief(live))
    assert refused.value.field == "lot"
    assert str(refused.value) == (
        "Northmoor Council is not one of the contracting authorities entitled to award contracts under LIVE-2027: "
        f"a framework may be used only by the authorities it names ({SOURCES[regime][0]})"
    )
    assert await Engagement.count() == 0
    assert json.loads((await AuditEvent.objects().where(AuditEvent.action == "engagement.refused").first()).payload)["action"] == "create_brief"

    own = await service.create_brief(live.commissioner, brief(live))  # the framework's own authority always may
    assert own.buyer == live.authority
    await entitle(live, other.id)
    assert {lot["framework_id"] for lot in await service.live_lots(commissioner)} == {live.framework.id}
    assert (await service.create_brief(commissioner, brief(live))).buyer == other.id


async def test_the_officer_names_them_until_the_invitation_to_tender_and_the_notices_publish_them(database, controlled_clock, regime):
    from tests.awarding import officers
    from tests.tendering import add_criteria, rfi_closed
    from registry.criteria import invitation
    from tests.tendering import CLARIFICATION_DEADLINE, TENDER_DEADLINE

    officer, _ = await officers()
    framework = await rfi_closed(officer, controlled_clock)  # its prior information notice is out
    await Framework.update({Framework.regime: regime}).where(Framework.id == framework.id)
    other = await accounts.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name="Northmoor Council", registration_number="SC012345")
    supplier = await accounts.create_organisation(kind=OrganisationKind.SUPPLIER, legal_name="Not An Authority Ltd")
    with pytest.raises(frameworks.FrameworkError, match="Choose contracting authorities from the list") as not_one:
        await frameworks.set_eligible_authorities(officer, framework.reference, organisations=[supplier.id], others=[])
    assert not_one.value.field == "organisations"
    with pytest.raises(frameworks.FrameworkError, match="Enter how Glenmuir HSCP is identified") as no_id:
        await frameworks.set_eligible_authorities(officer, framework.reference, organisations=[other.id], others=[("Glenmuir HSCP", "")])
    assert no_id.value.field == "other_1_identifier"

    await frameworks.set_eligible_authorities(officer, framework.reference, organisations=[other.id], others=[("Glenmuir HSCP", "SC-HSCP-42")])
    framework = await frameworks.get(framework.reference)
    names = [(a.name, a.identifier, a.own) for a in await eligibility.entitled(framework)]
    assert names[1:] == [("Northmoor Council", "SC012345", False), ("Glenmuir HSCP", "SC-HSCP-42", False)] and names[0][2]
    amended = await Notice.objects().where(Notice.framework == framework.id).order_by(Notice.id, ascending=False).first()
    assert amended.change_summary == "The contracting authorities entitled to use the framework changed"
    published = [a["name"] for a in json.loads(amended.body)["eligible_authorities"]]
    assert published[1:] == ["Northmoor Council", "Glenmuir HSCP"]
    release = await Release.objects().order_by(Release.id, ascending=False).first()
    parties = {p["name"]: p["roles"] for p in json.loads(release.data)["parties"]}
    assert parties["Northmoor Council"] == ["buyer"] and parties["Glenmuir HSCP"] == ["buyer"]
    assert "procuringEntity" in parties[names[0][0]]

    await add_criteria(officer, framework.reference)
    await invitation.publish(officer, framework.reference, clarification_deadline=CLARIFICATION_DEADLINE, tender_deadline=TENDER_DEADLINE)
    with pytest.raises(frameworks.FrameworkError) as frozen:
        await frameworks.set_eligible_authorities(officer, framework.reference, organisations=[], others=[])
    assert str(frozen.value) == (
        "The contracting authorities entitled to use the framework cannot change once the invitation to tender is published: "
        f"the call for competition names them ({SOURCES[regime][0]})"
    )
    tender_notice = await Notice.objects().where((Notice.framework == framework.id) & (Notice.kind == "tender")).first()
    assert [a["name"] for a in json.loads(tender_notice.body)["eligible_authorities"]][1:] == ["Northmoor Council", "Glenmuir HSCP"]


# --- Finding 3: call-off criteria -----------------------------------------------------------------


async def test_a_mini_competition_uses_only_the_lots_published_criteria(database, controlled_clock, regime):
    controlled_clock.set(NOW)
    live = await live_under(regime)
    engagement = await service.create_brief(live.commissioner, brief(live))
    lot2_only = Criterion(framework=live.framework.id, lot=live.lots[2].id, kind=CriterionKind.QUALITY, position=3, title="Lot 2 reach", weight=10)
    await lot2_only.save()
    law = SOURCES[regime][1]
    for criteria, field in (
        ([("Social value", 70)], "criterion_1_source"),  # typed, not the framework's
        ([(live.criteria["Approach"].id, "Approach", 60), (lot2_only.id, "Lot 2 reach", 10)], "criterion_2_source"),  # another lot's
    ):
        with pytest.raises(service.EngagementError) as refused:
            await service.set_up_competition(live.commissioner, engagement.reference, criteria=criteria, price_weight=30, deadline=DEADLINE)
        assert refused.value.field == field
        assert "is not one of the award criteria published for lot 1 of LIVE-2027" in str(refused.value) and str(refused.value).endswith(f"({law})")
    assert await BriefCriterion.count() == 0


async def test_weights_stay_within_bounds_and_every_refinement_is_recorded_and_shown(database, controlled_clock, regime):
    controlled_clock.set(NOW)
    live = await live_under(regime)
    engagement = await service.create_brief(live.commissioner, brief(live))
    law = SOURCES[regime][1]
    set_up = service.set_up_competition
    with pytest.raises(service.EngagementError) as price:  # the framework gives price 30
        await set_up(live.commissioner, engagement.reference, criteria=picks(live, ("Approach", 45)), price_weight=55, deadline=DEADLINE)
    assert price.value.field == "price_weight"
    assert str(price.value) == f"The price weight must be from 20 to 40: within 10 points of the framework's price share of 30 ({law})"
    with pytest.raises(service.EngagementError) as weight:  # Approach 70 and Team 30 of quality 70: here 49 and 21
        await set_up(live.commissioner, engagement.reference, criteria=picks(live, ("Approach", 60), ("Team", 10)), price_weight=30, deadline=DEADLINE)
    assert weight.value.field == "criterion_1_weight"
    assert str(weight.value) == f"The weight of “Approach” must be from 39 to 59: within 10 points of the 49 the framework's weights give “Approach” here ({law})"

    await set_up(
        live.commissioner, engagement.reference, criteria=picks(live, ("Approach", "How you would reach young people who use buses", 55), ("Team", 15)),
        price_weight=30, deadline=DEADLINE,
    )
    stored = await service.criteria_of(engagement.id)
    assert [(c.name, c.weight, c.source_title, c.framework_weight) for c in stored] == [
        ("How you would reach young people who use buses", 55, "Approach", 49), ("Team", 15, "Team", 21),
    ]
    event = await AuditEvent.objects().where(AuditEvent.action == "engagement.competition_set_up").first()
    recorded = json.loads(event.payload)["criteria"]
    assert recorded[0] | {"source": None} == {
        "source": None, "framework_title": "Approach", "framework_weight": 49, "name": "How you would reach young people who use buses",
        "weight": 55, "reworded": True,
    }
    assert (recorded[1]["reworded"], json.loads(event.payload)["framework_price_share"]) == (False, 30)

    await service.invite(live.commissioner, engagement.reference)
    told = await Notification.select(Notification.body).where(Notification.recipient == SUPPLIERS[0].email).first()
    assert "- How you would reach young people who use buses: weight 55 (the framework's criterion “Approach”; reworded, the framework's weights give it 49)" in told["body"]
    assert "- Team: weight 15 (the framework's criterion “Team”; the framework's weights give it 21)" in told["body"]
    assert calloff_criteria.WEIGHT_BOUND == 10


async def test_the_pages_show_the_refusals_on_their_fields_with_the_source(client, database, controlled_clock, regime):
    controlled_clock.set(NOW)
    live = await live_under(regime)
    other, commissioner = await other_commissioner()
    await entitle(await live_framework([Supplier("Delta", ranks={1: 1})], reference="OTHER-2027", authority_name="Other Council"), other.id)
    await sign_in(client, "commissioner@northmoor.example")
    offered = (await client.get("/commissioning/new")).text
    assert "OTHER-2027" in offered and "LIVE-2027" not in offered  # only the frameworks naming Northmoor
    refused = await post_form(client, "/commissioning/new", {"lot": str(live.lots[1].id), "title": "Buses", "objectives": "Hear from bus users.", "groups": ["children-and-young-people"]})
    assert refused.status_code == 400 and 'href="#lot"' in refused.text and SOURCES[regime][0] in refused.text

    engagement = await service.create_brief(live.commissioner, brief(live))
    await sign_in(client, "commissioner@live-2027.example")
    base = f"/commissioning/{engagement.reference}"
    form = await client.get(f"{base}/competition")
    assert "Approach: 70% of quality" in form.text and SOURCES[regime][1] in form.text
    setup = {"criterion_1_source": str(live.criteria["Approach"].id), "criterion_1_weight": "70", "price_weight": "30",
             "deadline_day": "8", "deadline_month": "4", "deadline_year": "2027", "deadline_time": "12:00"}
    bogus = await post_form(client, f"{base}/competition", {**setup, "criterion_1_source": "999999"})
    assert bogus.status_code == 400 and 'href="#criterion_1_source"' in bogus.text and SOURCES[regime][1] in bogus.text
    wide = await post_form(client, f"{base}/competition", {**setup, "criterion_1_weight": "85", "price_weight": "15"})
    assert wide.status_code == 400 and 'href="#price_weight"' in wide.text and "from 20 to 40" in wide.text
    assert (await post_form(client, f"{base}/competition", {**setup, "criterion_1_name": "Reaching bus users"})).status_code == 303
    await service.invite(live.commissioner, engagement.reference)
    await sign_in(client, SUPPLIERS[0].email)
    shown = (await client.get(f"/organisation/engagements/{engagement.reference}")).text
    assert "Reaching bus users" in shown and "The framework's criterion “Approach”, reworded" in shown.replace("&#34;", '"')
