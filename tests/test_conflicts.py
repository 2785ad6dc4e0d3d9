"""The conflicts assessment: everyone acting in the procurement declares, each conflict has its steps,
the tender notice waits for it (Procurement Act 2023 s.83(1), (3); PCSR 2015 reg. 24) and the moves
after it for it kept under review (s.83(5)): the award decision for a review at that stage."""

import re
from datetime import timedelta

import pytest

from registry.accounts.tables import Role
from registry.audit.tables import AuditEvent
from registry.award import service as award
from registry.conflicts import service as conflicts
from registry.conflicts.tables import Declaration
from registry.criteria import invitation
from registry.errors import Invalid, RuleBroken
from registry.evaluation import service as evaluation
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework, State
from tests.awarding import SHARE, Bid, core_information_confirmed, in_moderation
from tests.support import officer_and_supplier, post_form, sign_in
from tests.tendering import CLARIFICATION_DEADLINE, TENDER_DEADLINE, add_criteria, colleague, opened, rfi_closed

REGIMES = [Regime.SCOTLAND, Regime.ENGLAND]
SOURCE = {Regime.SCOTLAND: "Public Contracts (Scotland) Regulations 2015 reg. 24", Regime.ENGLAND: "Procurement Act 2023 s.83(1) and (3)"}


async def _unassessed(officer, controlled_clock, regime):
    """A framework ready for its invitation to tender but for its conflicts assessment, under `regime`."""
    framework = await rfi_closed(officer, controlled_clock, conflicts_assessment=False)
    await add_criteria(officer, framework.reference)
    await Framework.update({Framework.regime: regime}).where(Framework.id == framework.id)
    return await frameworks.get(framework.reference)


async def _publish_itt(officer, reference: str):
    return await invitation.publish(officer, reference, clarification_deadline=CLARIFICATION_DEADLINE, tender_deadline=TENDER_DEADLINE)


@pytest.mark.parametrize("regime", REGIMES)
async def test_the_tender_notice_waits_for_every_officer_to_declare_and_the_assessment_confirmed(database, controlled_clock, regime):
    officer, _ = await officer_and_supplier()
    second = await colleague(officer, "second.officer@authority.example", (Role.PROCUREMENT_OFFICER,))
    framework = await _unassessed(officer, controlled_clock, regime)

    with pytest.raises(frameworks.TransitionBlocked) as blocked:
        await _publish_itt(officer, framework.reference)
    assert [p for p in blocked.value.problems if "conflicts assessment" in p] == [
        f"Record {person.name}'s declaration of interests (Procurement officer) in the conflicts assessment: {SOURCE[regime]}"
        for person in (await conflicts.assessment_of(framework)).people
    ]
    with pytest.raises(RuleBroken, match="declaration of interests"):  # nothing to confirm yet
        await conflicts.confirm_reviewed(officer, framework.reference)

    await conflicts.record(officer, framework.reference, f"user-{officer.id}", conflict=False)
    await conflicts.record(officer, framework.reference, f"user-{second.id}", conflict=False, details="Nothing in this market.")
    with pytest.raises(frameworks.TransitionBlocked, match=re.escape(f"Confirm the conflicts assessment is complete before the tender notice is published: {SOURCE[regime]}")):
        await _publish_itt(officer, framework.reference)
    controlled_clock.set(controlled_clock.now() + timedelta(minutes=1))
    await conflicts.confirm_reviewed(second, framework.reference)
    published = await _publish_itt(officer, framework.reference)
    assert published.state == State.ITT_PUBLISHED


@pytest.mark.parametrize("regime", REGIMES)
async def test_a_conflict_needs_its_steps_and_a_revision_keeps_the_earlier_version(database, controlled_clock, regime):
    officer, _ = await officer_and_supplier()
    framework = await _unassessed(officer, controlled_clock, regime)
    me = f"user-{officer.id}"

    with pytest.raises(Invalid) as refused:
        await conflicts.record(officer, framework.reference, me, conflict=None)
    assert list(refused.value.problems) == ["conflict"]
    with pytest.raises(Invalid) as refused:
        await conflicts.record(officer, framework.reference, me, conflict=True, details="", mitigation="")
    assert list(refused.value.problems) == ["details", "mitigation"]

    await conflicts.record(officer, framework.reference, me, conflict=False)
    await conflicts.confirm_reviewed(officer, framework.reference)
    controlled_clock.set(controlled_clock.now() + timedelta(hours=1))
    await conflicts.record(
        officer, framework.reference, me, conflict=True, details="My partner joined Common Ground Engagement Ltd this week.",
        mitigation="I leave the evaluation and the award to my colleagues.",
    )
    person = (await conflicts.assessment_of(framework)).person(me)
    assert [d.conflict for d in person.history] == [True, False]  # newest first, the first version still readable
    assert await Declaration.count().where(Declaration.framework == framework.id) == 2
    # Revised since it was confirmed: confirmed again before the tender notice.
    with pytest.raises(frameworks.TransitionBlocked, match="Confirm the conflicts assessment is complete"):
        await _publish_itt(officer, framework.reference)
    controlled_clock.set(controlled_clock.now() + timedelta(minutes=1))
    await conflicts.confirm_reviewed(officer, framework.reference)
    await _publish_itt(officer, framework.reference)
    actions = await AuditEvent.select(AuditEvent.action).where(AuditEvent.object_id == framework.reference).output(as_list=True)
    assert actions.count("conflicts.declaration_recorded") == 2 and actions.count("conflicts.assessment_confirmed") == 2


@pytest.mark.parametrize("regime", REGIMES)
async def test_an_adviser_named_declares_before_the_tender_notice(database, controlled_clock, regime):
    officer, _ = await officer_and_supplier()
    framework = await _unassessed(officer, controlled_clock, regime)
    await conflicts.record(officer, framework.reference, f"user-{officer.id}", conflict=False)
    with pytest.raises(Invalid) as refused:
        await conflicts.name_person(officer, framework.reference, name="", role="", organisation="")
    assert list(refused.value.problems) == ["name", "role", "organisation"]
    adviser = await conflicts.name_person(officer, framework.reference, name="Dr Morag Keir", role="External adviser", organisation="Centre for Public Deliberation")
    with pytest.raises(RuleBroken, match="Record Dr Morag Keir's declaration of interests \\(External adviser\\)"):
        await conflicts.confirm_reviewed(officer, framework.reference)
    await conflicts.record(
        officer, framework.reference, f"named-{adviser.id}", conflict=True, details="Co-wrote a report with a likely bidder.",
        mitigation="Advises on the specification only; no access to tenders.",
    )
    await conflicts.confirm_reviewed(officer, framework.reference)
    assert (await _publish_itt(officer, framework.reference)).state == State.ITT_PUBLISHED


@pytest.mark.parametrize("regime", REGIMES)
async def test_the_award_decision_waits_for_a_review_at_moderation_and_for_an_officer_who_joined(database, controlled_clock, regime):
    bids = [Bid("Alpha", "40000"), Bid("Beta", "45000")]
    walked = await in_moderation(controlled_clock, bids, lots=1)  # reviewed in moderation by the helper
    await Framework.update({Framework.regime: regime}).where(Framework.id == walked.framework.id)
    await core_information_confirmed(walked)
    newcomer = await colleague(walked.officer, "third.officer@authority.example", (Role.PROCUREMENT_OFFICER,))
    controlled_clock.set(controlled_clock.now() + timedelta(hours=1))
    _, lot_award = await award.lot_award(walked.officer, walked.reference, 1, SHARE)
    await award.propose(walked.officer, walked.reference, 1, lot_award.results.default_choice(), reason=None, low_price_note=None, abnormally_low_share=SHARE)

    with pytest.raises(frameworks.TransitionBlocked, match=f"Record {newcomer.full_name}'s declaration of interests"):
        await award.approve(walked.second, walked.reference, 1)
    assert (await frameworks.get(walked.reference)).state == State.MODERATION  # the lot's approval was not kept either
    await conflicts.record(walked.officer, walked.reference, f"user-{newcomer.id}", conflict=False)
    reviewed = "Procurement Act 2023 s.83\\(5\\)" if regime == Regime.ENGLAND else "Public Contracts \\(Scotland\\) Regulations 2015 reg. 24"
    with pytest.raises(frameworks.TransitionBlocked, match=rf"Review the conflicts assessment and confirm it at this stage \(moderation\): {reviewed}"):
        await award.approve(walked.second, walked.reference, 1)
    controlled_clock.set(controlled_clock.now() + timedelta(minutes=1))
    await conflicts.confirm_reviewed(walked.officer, walked.reference)
    assert (await award.approve(walked.second, walked.reference, 1)).state == State.AWARD_APPROVED


async def test_the_evaluators_per_lot_declarations_are_part_of_the_assessment(database, controlled_clock):
    officer, _ = await officer_and_supplier()
    framework, _, _, second = await opened(officer, controlled_clock, bidders=2, lots=1)
    one = await colleague(officer, "evaluator.one@authority.example", (Role.EVALUATOR,))
    two = await colleague(officer, "evaluator.two@authority.example", (Role.EVALUATOR,))
    first = await evaluation.assign(officer, framework.reference, 1, one.id)
    await evaluation.assign(officer, framework.reference, 1, two.id)
    assessment = await conflicts.assessment_of(framework)
    assert not assessment.person(f"user-{one.id}").declared  # assigned: declares once the bidders are known
    await evaluation.declare(one, first.id, conflicted=True, details="I volunteer for the first bidder.")
    person = (await conflicts.assessment_of(framework)).person(f"user-{one.id}")
    assert person.declared and person.role == "Evaluator" and not person.unmitigated  # taken off the lot's panel
    assert person.conflicts == ["Lot 1: I volunteer for the first bidder."]


@pytest.mark.parametrize("regime", REGIMES)
async def test_the_officer_sees_what_is_missing_on_the_task_list_and_the_refusal_on_its_field(database, controlled_clock, client, regime):
    officer, _ = await officer_and_supplier()
    framework = await _unassessed(officer, controlled_clock, regime)
    base = f"/manage/frameworks/{framework.reference}"
    await sign_in(client, "officer@authority.example")

    tasks = (await client.get(base)).text
    assert f'href="{base}/conflicts"' in tasks
    assert "in the conflicts assessment: " + SOURCE[regime] in tasks.replace("&#39;", "'")

    itt = (await client.get(base + "/itt")).text.replace("&#39;", "'")
    assert "in the conflicts assessment: " + SOURCE[regime] in itt and f'href="{base}/conflicts"' in itt
    # The criteria are complete: the page says what holds the invitation back, not the criteria.
    assert "Complete the conflicts assessment first." in itt and "Complete the assessment criteria first." not in itt
    page = await client.get(base + "/conflicts")
    assert page.status_code == 200 and "Not declared" in page.text
    form = f"{base}/conflicts/people/user-{officer.id}"
    refused = await post_form(client, form, {"conflict": "yes", "details": "Shares in a bidder.", "mitigation": ""}, form_page=form)
    assert refused.status_code == 400
    assert 'href="#mitigation"' in refused.text and "Say what has been or will be done about the conflict" in refused.text
    assert "Shares in a bidder." in refused.text  # what was typed is kept
    saved = await post_form(client, form, {"conflict": "yes", "details": "Shares in a bidder.", "mitigation": "Sold them; no part in the evaluation."}, form_page=form)
    assert saved.status_code == 303
    confirmed = await post_form(client, base + "/conflicts/confirm", {}, form_page=base + "/conflicts")
    assert confirmed.status_code == 303
    page = (await client.get(confirmed.headers["location"])).text
    assert "You confirmed the conflicts assessment reviewed and complete at this stage (Request for information closed)." in page
    assert "Sold them; no part in the evaluation." in page and "at the stage: Request for information closed" in page
    # Internal: not on the public page.
    public = (await client.get(f"/frameworks/{framework.reference}")).text
    assert "Shares in a bidder" not in public and "Conflicts assessment" not in public
