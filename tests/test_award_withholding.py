"""Withholding commercially sensitive parts of what the award letters disclose about the tenders to
be appointed, through the service functions (Procurement Act 2023 s.94; PCSR 2015 reg. 56(4)): the
letters give the reason in place of what is withheld, the choice is recorded, and it is fixed once
the bidders are notified."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from registry.accounts import service as accounts
from registry.accounts.tables import OrganisationKind, Role
from registry.audit.tables import AuditEvent
from registry.award import service as award
from registry.award.tables import Debrief, Withholding
from registry.errors import Refused
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework
from registry.notifications.tables import Notification
from tests.awarding import SHARE, Bid, core_information_confirmed, in_moderation, set_max_suppliers, user

ZONE = ZoneInfo("Europe/London")
NOTIFIED_AT = datetime(2027, 3, 24, 10, 0, tzinfo=UTC)  # a Wednesday, two days before Good Friday
REASON = "It describes Beta's own recruitment method, which it sells to other councils"
WITHHELD = f"Withheld: commercially sensitive ({REASON})"

BIDS = [
    Bid("Beta", "50000", approach=4, team=4),  # lot 1: 84.00, ranked 1st: the one to appoint (the lot takes one)
    Bid("Gamma", "30000", approach=2, team=2),  # lot 1: 70.00, ranked 2nd
    Bid("Delta", "10000", approach=3, team=3, insurance=False),  # lot 1: excluded
]


@pytest.fixture(params=[Regime.SCOTLAND, Regime.ENGLAND], ids=["scotland", "england"])
async def proposed(request, database, controlled_clock):
    """Beta proposed for lot 1 (which takes one supplier) and approved, under each regime."""
    walked = await in_moderation(controlled_clock, BIDS, lots=1)
    await Framework.update({Framework.regime: request.param}).where(Framework.id == walked.framework.id)
    await set_max_suppliers(walked, 1, 1)
    await core_information_confirmed(walked)
    _, lot_award = await award.lot_award(walked.officer, walked.reference, 1, SHARE)
    await award.propose(walked.officer, walked.reference, 1, lot_award.results.default_choice(), reason=None, low_price_note=None, abnormally_low_share=SHARE)
    await award.approve(walked.second, walked.reference, 1)
    walked.regime = request.param
    return walked


def criterion(walked, key: str) -> int:
    return walked.found[key].id


async def withhold(walked, part="rationale", *, key="approach", name="Beta", reason=REASON, by=None):
    return await award.withhold(
        by or walked.officer, walked.reference, 1, tender_id=walked.tenders[(name, 1)], criterion_id=criterion(walked, key), part=part, reason=reason,
    )


async def notify(walked, controlled_clock):
    controlled_clock.set(NOTIFIED_AT)
    await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)


async def letter_of(walked, name: str) -> dict:
    return award.letter(await award.debrief_for_supplier(walked.suppliers[name], walked.reference, 1))


async def email_to(name: str) -> str:
    [email] = await Notification.objects().where(
        Notification.subject.like("%the award decision for lot 1") & (Notification.recipient == f"bids@{name.lower()}.example")
    )
    return email.body


async def refusals(action: str) -> list[str]:
    events = await AuditEvent.objects().where(AuditEvent.action == "award.refused").order_by(AuditEvent.sequence)
    return [json.loads(e.payload)["reason"] for e in events if json.loads(e.payload)["action"] == action]


async def test_a_withheld_reasoning_is_not_in_the_letters_which_give_the_reason_in_its_place(proposed, controlled_clock):
    """PA23 s.94(1)(b) and (3); PCSR 2015 reg. 56(4): the part is withheld, and the bidders are told
    that it is and why. Scotland's letters to unsuccessful bidders now give the successful tender's
    characteristics and relative advantages, per criterion (reg. 85(2)(d)(ii))."""
    walked = proposed
    withholding = await withhold(walked)
    assert (withholding.withheld_by, withholding.reason) == (walked.officer.id, REASON)
    [event] = await AuditEvent.objects().where(AuditEvent.action == "award.part_withheld")
    assert json.loads(event.payload) | {"tender": None} == {
        "lot": 1, "tender": None, "supplier": "Beta", "criterion": "Reaching seldom-heard groups", "part": "rationale", "reason": REASON,
        "source": "Procurement Act 2023 s.94(1)(b)" if walked.regime == Regime.ENGLAND else "PCSR 2015 reg. 56(4)",
    }
    await notify(walked, controlled_clock)

    for name in ("Gamma", "Delta"):
        letter = await letter_of(walked, name)
        [best] = letter["most_advantageous"]
        marks = {m["title"]: m for m in best["marks"]}
        assert marks["Reaching seldom-heard groups"]["rationale"] is None and marks["Reaching seldom-heard groups"]["rationale_withheld"] == REASON
        assert marks["Reaching seldom-heard groups"]["score"] == 4  # only the reasoning was withheld
        assert marks["Your team"]["rationale"] == "Consensus on team for Beta."
        stored = (await Debrief.objects().where(Debrief.organisation == walked.suppliers[name].organisation_id).first()).content
        assert "Consensus on approach for Beta." not in stored
        body = await email_to(name)
        assert "Consensus on approach for Beta." not in body
        assert f"- Reaching seldom-heard groups (weight 60%): 4 out of 4. {WITHHELD}." in body
        assert "- Your team (weight 40%): 4 out of 4. Consensus on team for Beta." in body
        source = "Procurement Act 2023 s.94(1)(b)" if walked.regime == Regime.ENGLAND else "PCSR 2015 reg. 56(4)"
        assert letter["withholding_source"] == source and f"withheld under {source}" in body
    own = await letter_of(walked, "Beta")  # Beta's own letter keeps its own reasons
    assert {m["title"]: m["rationale"] for m in own["tender"]["marks"]}["Reaching seldom-heard groups"] == "Consensus on approach for Beta."


async def test_england_may_withhold_a_score_and_scotland_may_not(proposed, controlled_clock):
    """PA23 s.94 reaches any information the Act requires to be disclosed; in Scotland the notice
    gives the score of the supplier to become party to the framework (PCSR 2015 reg. 85(2)(c))."""
    walked = proposed
    if walked.regime == Regime.SCOTLAND:
        with pytest.raises(award.AwardError, match=r"A score cannot be withheld.*PCSR 2015 reg\. 85\(2\)\(c\)") as refused:
            await withhold(walked, "score", key="team")
        assert refused.value.field == "withhold_part"
        assert not await Withholding.exists()
        assert [r for r in await refusals("withhold") if "A score cannot be withheld" in r]
        return
    await withhold(walked, "score", key="team")
    await notify(walked, controlled_clock)
    [best] = (await letter_of(walked, "Gamma"))["most_advantageous"]
    team = {m["title"]: m for m in best["marks"]}["Your team"]
    assert team["score"] is None and team["score_withheld"] == REASON and team["rationale"] == "Consensus on team for Beta."
    assert f"- Your team (weight 40%): {WITHHELD}. Consensus on team for Beta." in await email_to("Gamma")


async def test_withholding_needs_a_reason(proposed):
    walked = proposed
    with pytest.raises(award.AwardError, match="Say why disclosing it would prejudice the supplier's commercial interests") as refused:
        await withhold(walked, reason="  ")
    assert refused.value.field == "withhold_reason"
    source = "Procurement Act 2023 s.94(1)(b)" if walked.regime == Regime.ENGLAND else "PCSR 2015 reg. 56(4)"
    assert source in str(refused.value)
    assert not await Withholding.exists() and len(await refusals("withhold")) == 1


async def test_only_a_proposed_suppliers_assessment_can_be_withheld(proposed):
    walked = proposed
    with pytest.raises(award.AwardError, match="Choose the part of a proposed supplier's assessment") as refused:
        await withhold(walked, name="Gamma")  # ranked 2nd, not proposed: the letters disclose nothing of it
    assert refused.value.field == "withhold_part"
    with pytest.raises(award.AwardError, match="A score cannot be withheld" if walked.regime == Regime.SCOTLAND else "pass or fail: it has no score to withhold"):
        await withhold(walked, "score", key="insurance")
    await withhold(walked)
    with pytest.raises(award.AwardError, match="already withheld"):
        await withhold(walked)
    assert await Withholding.count() == 1


async def test_withholding_is_refused_to_anyone_not_an_officer_of_the_framework(proposed):
    walked = proposed
    elsewhere = await accounts.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name="Another Council")
    stranger = await user("officer@another.example", (Role.PROCUREMENT_OFFICER,), elsewhere)
    with pytest.raises(Refused):
        await withhold(walked, by=stranger)
    with pytest.raises(Refused):
        await withhold(walked, by=walked.suppliers["Gamma"])
    assert not await Withholding.exists()
    assert len(await refusals("withhold")) == 2


async def test_withholdings_are_fixed_once_the_bidders_are_notified(proposed, controlled_clock):
    walked = proposed
    kept = await withhold(walked)
    await notify(walked, controlled_clock)
    with pytest.raises(award.AwardError, match="The bidders have been notified") as refused:
        await withhold(walked, key="team")
    assert refused.value.field == "withholding"
    with pytest.raises(award.AwardError, match="The bidders have been notified"):
        await award.disclose_again(walked.officer, walked.reference, 1, kept.id)
    assert [w.id for w in await Withholding.objects()] == [kept.id]
    assert len(await refusals("withhold")) == 1 and len(await refusals("disclose_again")) == 1


async def test_a_part_disclosed_again_before_the_letters_is_in_them(proposed, controlled_clock):
    walked = proposed
    kept = await withhold(walked)
    await award.disclose_again(walked.second, walked.reference, 1, kept.id)
    assert not await Withholding.exists() and await AuditEvent.exists().where(AuditEvent.action == "award.part_disclosed_again")
    await notify(walked, controlled_clock)
    [best] = (await letter_of(walked, "Gamma"))["most_advantageous"]
    assert {m["title"]: m["rationale"] for m in best["marks"]}["Reaching seldom-heard groups"] == "Consensus on approach for Beta."
    assert "withholding_source" not in await letter_of(walked, "Gamma")
