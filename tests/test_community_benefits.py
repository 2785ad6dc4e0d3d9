"""Community benefits in Scottish procurements of £4m or more: Procurement Reform (Scotland) Act 2014
s.25(3) (the contract notice states the requirements or the reasons for none) and s.25(4) (the award
notice states the benefits to be delivered). England-regime frameworks are not affected."""

from datetime import timedelta

import pytest

from registry.award import service as award
from registry.criteria import invitation
from registry.errors import Invalid
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Notice, NoticeKind, State
from registry.opendata import releases
from tests.awarding import SHARE, in_moderation
from tests.support import officer_and_supplier
from tests.test_award_service import BIDS, NOTIFIED_AT, ZONE, approved
from tests.test_frameworks import DETAILS
from tests.tendering import CLARIFICATION_DEADLINE, TENDER_DEADLINE, add_criteria, rfi_closed


async def _with(officer, reference: str, **changes) -> None:
    """The framework's details changed on its prior information notice (the amendment form's way)."""
    await frameworks.amend_notice(officer, reference, {**dict(DETAILS), **changes}, "Details completed")


async def _publish_itt(officer, reference: str):
    return await invitation.publish(officer, reference, clarification_deadline=CLARIFICATION_DEADLINE, tender_deadline=TENDER_DEADLINE)


@pytest.mark.parametrize("regime", [Regime.SCOTLAND, Regime.ENGLAND])
async def test_the_invitation_to_tender_of_a_procurement_of_4m_needs_the_community_benefits_in_scotland_only(database, controlled_clock, regime):
    officer, _ = await officer_and_supplier()
    framework = await rfi_closed(officer, controlled_clock)
    await add_criteria(officer, framework.reference)
    await _with(officer, framework.reference, regime=regime, estimated_value=4_000_000, community_benefits="", community_benefits_none_reason="")
    if regime == Regime.SCOTLAND:
        with pytest.raises(frameworks.TransitionBlocked, match=r"Procurement Reform \(Scotland\) Act 2014 s\.25\(3\)"):
            await _publish_itt(officer, framework.reference)
        assert (await frameworks.get(framework.reference)).state == State.RFI_CLOSED
        await _with(officer, framework.reference, regime=regime, estimated_value=4_000_000, community_benefits="Two apprenticeships a year.")
    published = await _publish_itt(officer, framework.reference)
    assert published.state == State.ITT_PUBLISHED


@pytest.mark.parametrize(("regime", "value", "requirements", "reason", "accepted"), [
    (Regime.SCOTLAND, 4_000_000, "", "", False),
    (Regime.SCOTLAND, 4_000_000, "Two apprenticeships a year.", "", True),
    (Regime.SCOTLAND, 4_000_000, "", "The work is delivered remotely by a team of three.", True),
    (Regime.SCOTLAND, 3_999_999, "", "", True),
    (Regime.ENGLAND, 4_000_000, "", "", True),
    (Regime.ENGLAND, 12_000_000, "", "", True),
])
async def test_the_tender_notice_states_the_requirements_or_the_reasons(database, controlled_clock, regime, value, requirements, reason, accepted):
    officer, _ = await officer_and_supplier()
    framework = await rfi_closed(officer, controlled_clock)
    await add_criteria(officer, framework.reference)
    await _with(officer, framework.reference, regime=regime, estimated_value=value, community_benefits=requirements, community_benefits_none_reason=reason)
    if not accepted:
        with pytest.raises(frameworks.TransitionBlocked, match="Summarise the community benefit requirements, or give the reasons"):
            await _publish_itt(officer, framework.reference)
        return
    await _publish_itt(officer, framework.reference)
    notice = await Notice.objects().where((Notice.framework == framework.id) & (Notice.kind == NoticeKind.TENDER)).first()
    assert frameworks.notice_content(notice)["community_benefits"] == {"requirements": requirements, "none_reason": reason}
    release = await releases.notice_releases(await frameworks.get(framework.reference), notice)
    stated = [d for d in release["tender"]["documents"] if d["id"] == "community-benefits"]
    assert [d["description"] for d in stated] == [text for text in (requirements or reason,) if text]
    assert "Two apprenticeships" not in (release["tender"]["description"] or "")


async def test_the_tender_notice_of_a_scottish_procurement_of_4m_cannot_be_amended_to_state_neither(database, controlled_clock):
    officer, _ = await officer_and_supplier()
    framework = await rfi_closed(officer, controlled_clock)
    await add_criteria(officer, framework.reference)
    await _publish_itt(officer, framework.reference)
    with pytest.raises(Invalid) as refused:
        await _with(officer, framework.reference, community_benefits="", community_benefits_none_reason="")
    assert list(refused.value.problems) == ["community_benefits"]
    assert "s.25(3)" in refused.value.problems["community_benefits"]


async def test_the_award_notice_states_the_community_benefits_to_be_delivered(database, controlled_clock):
    walked = await in_moderation(controlled_clock, BIDS)
    await _with(walked.officer, walked.reference, community_benefits="Two apprenticeships a year.", community_benefits_none_reason="")
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    controlled_clock.set(framework.standstill_ends_at + timedelta(minutes=1))
    with pytest.raises(award.AwardError, match=r"s\.25\(4\)") as refused:
        await award.appoint(walked.officer, walked.reference, zone=ZONE, community_benefits_delivered=" ")
    assert refused.value.field == "community_benefits_delivered"
    await award.appoint(walked.officer, walked.reference, zone=ZONE, community_benefits_delivered="Eight apprenticeships over the term.")
    notice = await Notice.objects().where((Notice.framework == framework.id) & (Notice.kind == NoticeKind.AWARD)).first()
    assert frameworks.notice_content(notice)["community_benefits_delivered"] == "Eight apprenticeships over the term."
    release = await releases.notice_releases(await frameworks.get(walked.reference), notice)
    delivered = [d for award_ in release["awards"] for d in award_["documents"] if d["id"] == "community-benefits-delivered"]
    assert delivered and {d["description"] for d in delivered} == {"Eight apprenticeships over the term."}


async def test_an_award_without_community_benefit_requirements_needs_no_statement(database, controlled_clock):
    walked = await in_moderation(controlled_clock, BIDS)  # a Scottish £4m framework that gave its reasons for none
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    controlled_clock.set(framework.standstill_ends_at + timedelta(minutes=1))
    assert (await award.appoint(walked.officer, walked.reference, zone=ZONE)).state == State.LIVE
