"""Proposing, approving, notifying bidders, challenges and appointing, through the service functions:
the rules, the refusals (each clear, changing nothing, audited) and the standstill dates per regime."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from registry.audit.tables import AuditEvent
from registry.award import service as award
from registry.award.tables import Appointment, AwardProposal, Challenge, Debrief
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework, Notice, State
from registry.notifications.tables import Notification
from registry.errors import Refused
from tests.awarding import SHARE, Bid, core_information_confirmed, in_moderation, set_max_suppliers

ZONE = ZoneInfo("Europe/London")
NOTIFIED_AT = datetime(2027, 3, 24, 10, 0, tzinfo=UTC)  # a Wednesday, two days before Good Friday

BIDS = [
    Bid("Alpha", "40000", approach=4, team=3),  # lot 1: 84.00, ranked 2nd (tie with Beta, lower quality)
    Bid("Beta", "50000", approach=4, team=4),  # lot 1: 84.00, ranked 1st
    Bid("Gamma", "30000", approach=2, team=2),  # lot 1: 70.00, ranked 3rd
    Bid("Delta", "10000", approach=3, team=3, insurance=False),  # lot 1: excluded
    Bid("Alpha", "42000", approach=3, team=3, lot=2),  # lot 2: the only tender
]


def ids(walked, *names, lot=1) -> list[int]:
    return [walked.tenders[(name, lot)] for name in names]


async def refusals(action: str | None = None) -> list[dict]:
    events = await AuditEvent.objects().where(AuditEvent.action == "award.refused").order_by(AuditEvent.sequence)
    payloads = [json.loads(e.payload) for e in events]
    return [p for p in payloads if action is None or p["action"] == action]


async def propose_default(walked, lot: int, *, by=None):
    _, lot_award = await award.lot_award(walked.officer, walked.reference, lot, SHARE)
    return await award.propose(by or walked.officer, walked.reference, lot, lot_award.results.default_choice(), reason=None, low_price_note=None, abnormally_low_share=SHARE)


async def approved(walked) -> Framework:
    await core_information_confirmed(walked)
    for lot in sorted({bid.lot for bid in BIDS}):
        await propose_default(walked, lot)
        framework = await award.approve(walked.second, walked.reference, lot)
    return framework


@pytest.fixture
async def walked(database, controlled_clock):
    return await in_moderation(controlled_clock, BIDS)


async def test_a_different_officer_approves_and_the_award_is_approved_when_every_lot_is(walked):
    proposal = await propose_default(walked, 1)
    assert json.loads(proposal.tenders) == ids(walked, "Beta", "Alpha", "Gamma")

    with pytest.raises(Refused, match="You proposed the award for lot 1, so a different procurement officer must approve it"):
        await award.approve(walked.officer, walked.reference, 1)
    assert (await AwardProposal.objects().get(AwardProposal.id == proposal.id)).approved_at is None
    assert (await refusals("approve"))[0]["reason"].startswith("You proposed the award for lot 1")

    facts = await frameworks.facts_for(walked.framework)
    assert lifecycle.STANDARD.problems_blocking(State.MODERATION, State.AWARD_APPROVED, facts, datetime.now(UTC)) == [
        "Lot 1: a different officer must approve the proposal", "Lot 2: propose the suppliers to appoint",
    ]
    with pytest.raises(frameworks.TransitionBlocked):
        await frameworks.move(walked.second, walked.reference, State.AWARD_APPROVED)

    framework = await award.approve(walked.second, walked.reference, 1)
    assert framework.state == State.MODERATION  # lot 2 still waits
    await propose_default(walked, 2, by=walked.second)
    framework = await award.approve(walked.officer, walked.reference, 2)
    assert framework.state == State.AWARD_APPROVED
    actions = await AuditEvent.select(AuditEvent.action).output(as_list=True)
    assert actions.count("award.proposed") == 2 and actions.count("award.approved") == 2


async def test_a_new_proposal_before_approval_replaces_the_last_which_is_kept(walked):
    first = await propose_default(walked, 1)
    second = await award.propose(
        walked.officer, walked.reference, 1, ids(walked, "Beta", "Alpha"), reason="Two suppliers meet the need.", low_price_note=None, abnormally_low_share=SHARE,
    )
    assert (await AwardProposal.objects().get(AwardProposal.id == first.id)).superseded_at is not None
    assert (await award.current_proposal(second.lot)).id == second.id
    await award.approve(walked.second, walked.reference, 1)
    with pytest.raises(award.AwardError, match="has been approved: it can no longer change"):
        await propose_default(walked, 1)


@pytest.mark.parametrize(
    ("choice", "reason", "message"),
    [
        (("Beta", "Alpha", "Gamma"), None, "Lot 1 allows at most 2 suppliers: you chose 3"),
        (("Beta", "Delta"), None, "Delta's tender is excluded (Failed the selection question “Do you hold public liability insurance of at least £5 million?”): it cannot be appointed"),
        (("Beta",), None, "Give the reason for appointing 1 supplier when the lot allows 2 and 3 tenders are compliant"),
        (("Beta", "Gamma"), None, "Give the reason for passing over Alpha, ranked 2nd"),
        ((), None, "Give the reason for appointing no suppliers when the lot allows 2 and 3 tenders are compliant"),
    ],
)
async def test_a_proposal_breaking_the_rules_is_refused_changes_nothing_and_is_audited(walked, choice, reason, message):
    await set_max_suppliers(walked, 1, 2)
    with pytest.raises(award.AwardError) as refused:
        await award.propose(walked.officer, walked.reference, 1, ids(walked, *choice), reason=reason, low_price_note=None, abnormally_low_share=SHARE)
    assert str(refused.value) == message
    assert not await AwardProposal.exists()
    assert [r["reason"] for r in await refusals("propose")] == [message]


async def test_fewer_suppliers_or_passing_one_over_needs_a_reason(walked):
    await set_max_suppliers(walked, 1, 2)
    proposal = await award.propose(
        walked.officer, walked.reference, 1, ids(walked, "Beta", "Gamma"), reason="Alpha cannot cover the north.", low_price_note=None, abnormally_low_share=SHARE,
    )
    assert json.loads(proposal.tenders) == ids(walked, "Beta", "Gamma") and proposal.reason == "Alpha cannot cover the north."


async def test_an_abnormally_low_price_must_be_investigated_before_it_is_proposed(walked):
    top_three = ids(walked, "Beta", "Alpha", "Gamma")  # at 0.8 of the median (£40,000), Gamma's £30,000 is flagged
    for note in (None, "  "):
        with pytest.raises(award.AwardError, match="Say what you found when you investigated the abnormally low price of Gamma"):
            await award.propose(walked.officer, walked.reference, 1, top_three, reason=None, low_price_note=note, abnormally_low_share=0.8)
    assert not await AwardProposal.exists()
    proposal = await award.propose(
        walked.officer, walked.reference, 1, top_three, reason=None,
        low_price_note="Gamma explained its volunteer network; the price is sustainable.", abnormally_low_share=0.8,
    )
    assert proposal.low_price_note.startswith("Gamma explained")


async def test_proposing_needs_completed_moderation_and_the_moderation_stage(database, controlled_clock):
    walked = await in_moderation(controlled_clock, BIDS, complete_lots=(1,))
    with pytest.raises(award.AwardError, match="Lot 2's moderation is not complete"):
        await award.propose(walked.officer, walked.reference, 2, ids(walked, "Alpha", lot=2), reason=None, low_price_note=None, abnormally_low_share=SHARE)
    facts = await frameworks.facts_for(walked.framework)
    assert "Lot 2: complete the moderation, then propose the suppliers to appoint" in facts.extra_problems[State.AWARD_APPROVED]
    await Framework.update({Framework.state: State.EVALUATION}).where(Framework.id == walked.framework.id)
    with pytest.raises(award.AwardError, match="only possible when the framework is in moderation; it is in evaluation"):
        await propose_default(walked, 1)


@pytest.mark.parametrize(
    ("regime", "last_day", "ends_at"),
    [
        # Scotland: 10 calendar days from Wednesday 24 March is Saturday 3 April, so the next working day
        (Regime.SCOTLAND, "Monday 5 April 2027", datetime(2027, 4, 5, 23, 0, tzinfo=UTC)),
        # England: 8 working days beginning with the day the contract award notice is published (Wednesday
        # 24 March is day 1), skipping Good Friday (26 March) and Easter Monday (29 March): PA23 s.51(2)
        (Regime.ENGLAND, "Tuesday 6 April 2027", datetime(2027, 4, 6, 23, 0, tzinfo=UTC)),
    ],
)
async def test_bidders_are_told_with_the_standstill_end_of_the_frameworks_regime(walked, controlled_clock, regime, last_day, ends_at):
    await Framework.update({Framework.regime: regime}).where(Framework.id == walked.framework.id)
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    assert framework.state == State.STANDSTILL and framework.standstill_ends_at == ends_at  # midnight at the end of the last day, UK time

    letters = {(d.organisation, d.lot): d for d in await Debrief.objects()}
    assert len(letters) == 5
    emails = await Notification.objects().where(Notification.subject.like("%the award decision for lot%"))
    assert sorted(e.recipient for e in emails) == sorted(["bids@alpha.example", "bids@alpha.example", "bids@beta.example", "bids@gamma.example", "bids@delta.example"])
    gamma = next(e for e in emails if e.recipient == "bids@gamma.example")
    assert f"ends at the end of {last_day}" in gamma.body
    assert "Outcome for Gamma: successful." in gamma.body and "ranked 3rd of the 3 compliant tenders" in gamma.body
    assert "- Reaching seldom-heard groups (weight 60%): 2 out of 4. Consensus on approach for Gamma." in gamma.body
    assert "- 1. Beta: 60.00, 24.00, 84.00" in gamma.body and "- 2. Alpha: 54.00, 30.00, 84.00" in gamma.body
    assert "/frameworks/" + walked.reference + "/debrief/1" in gamma.body
    delta = next(e for e in emails if e.recipient == "bids@delta.example")
    assert "Outcome for Delta: excluded." in delta.body and "Failed the selection question" in delta.body
    assert await AuditEvent.exists().where(AuditEvent.action == "award.bidders_notified")


@pytest.mark.parametrize("regime", [Regime.SCOTLAND, Regime.ENGLAND])
async def test_england_publishes_the_contract_award_notice_when_bidders_are_told_and_the_contract_details_at_appointment(walked, controlled_clock, regime):
    """PA23 ss.50(1) and 51(2): the contract award notice (UK6) is published with the assessment
    summaries and starts the standstill; the contract details notice (UK7, s.53) follows appointment.
    Scotland: nothing is published until appointment, then the award notice."""
    from registry.opendata.tables import Release

    await Framework.update({Framework.regime: regime}).where(Framework.id == walked.framework.id)
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    published = await Notice.objects().where((Notice.framework == framework.id) & Notice.kind.is_in(["award", "contract_details"]))
    releases = {r.release_id: json.loads(r.tags) for r in await Release.objects().where(Release.release_id.like(f"{walked.reference}-%award%"))}
    if regime == Regime.SCOTLAND:
        assert published == [] and releases == {}
    else:
        [notice] = published
        assert notice.kind == "award" and notice.published_at.astimezone(ZONE).date() == NOTIFIED_AT.date()
        content = frameworks.notice_content(notice)["award"]
        assert datetime.fromisoformat(content["standstill_ends_at"]) == datetime(2027, 4, 6, 23, 0, tzinfo=UTC) and content["standstill_last_day"] == "2027-04-06"
        assert "Procurement Act 2023 s.51" in content["standstill"]
        assert [(lot["number"], [a["supplier"] for a in lot["intended"]]) for lot in content["lots"]] == [(1, ["Beta", "Alpha", "Gamma"]), (2, ["Alpha"])]
        assert releases == {f"{walked.reference}-award-v1": ["award"]}
        data = json.loads((await Release.objects().get(Release.release_id == f"{walked.reference}-award-v1")).data)
        assert {a["status"] for a in data["awards"]} == {"pending"} and len(data["awards"]) == 4 and "contracts" not in data
        # the summaries were written the same day, before the notice was published (s.50(3))
        assert all(d.written_at.astimezone(ZONE).date() == NOTIFIED_AT.date() and d.written_at <= notice.published_at for d in await Debrief.objects())

    controlled_clock.set(framework.standstill_ends_at + timedelta(minutes=1))
    await award.appoint(walked.officer, walked.reference, zone=ZONE)
    kinds = sorted(n.kind for n in await Notice.objects().where((Notice.framework == framework.id) & Notice.kind.is_in(["award", "contract_details"])))
    assert kinds == (["award"] if regime == Regime.SCOTLAND else ["award", "contract_details"])
    if regime == Regime.ENGLAND:
        details = json.loads((await Release.objects().get(Release.release_id == f"{walked.reference}-contract_details-v1")).data)
        assert details["tag"] == ["awardUpdate", "contract"]
        pending = json.loads((await Release.objects().get(Release.release_id == f"{walked.reference}-award-v1")).data)
        assert {a["id"] for a in details["awards"]} == {a["id"] for a in pending["awards"]} and {a["status"] for a in details["awards"]} == {"active"}


@pytest.mark.parametrize("regime", [Regime.SCOTLAND, Regime.ENGLAND])
async def test_a_losing_bidders_letter_gives_the_most_advantageous_tenders_scores(walked, controlled_clock, regime):
    """England: the assessment summary gives the most advantageous tender's score and reasons on each
    award criterion (PA23 s.50(3); Procurement Regulations 2024 reg. 31(2)(e), (3)). Scotland: an
    unsuccessful bidder's letter gives the successful tender's scores and, per criterion, its
    characteristics and relative advantages (PCSR 2015 reg. 85(2)(c), (d)(ii))."""
    await Framework.update({Framework.regime: regime}).where(Framework.id == walked.framework.id)
    await set_max_suppliers(walked, 1, 1)
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    letter = award.letter(await award.debrief_for_supplier(walked.suppliers["Gamma"], walked.reference, 1))
    assert letter["outcome"] == "unsuccessful"
    assert letter["successful"] == [{"supplier": "Beta", "rank": 1, "quality": "60.00", "price_score": "24.00", "total": "84.00"}]
    email = next(e for e in await Notification.objects().where(Notification.subject.like("%the award decision for lot 1")) if e.recipient == "bids@gamma.example")
    if regime == Regime.SCOTLAND:  # the characteristics and relative advantages of the successful tender (PCSR 2015 reg. 85(2)(d)(ii))
        assert "assessment_summary" not in letter and letter["successful_characteristics"] == "PCSR 2015 reg. 85(2)(d)(ii)"
        assert "The successful tender ranked 1, Beta, was assessed as follows:" in email.body
        beta = award.letter(await award.debrief_for_supplier(walked.suppliers["Beta"], walked.reference, 1))
        assert "most_advantageous" not in beta  # a successful bidder's letter gives its own assessment and the others' scores
    [best] = letter["most_advantageous"]
    assert best["supplier"] == "Beta" and best["total"] == "84.00"
    assert {m["title"]: (m["score"], m["rationale"]) for m in best["marks"] if m["kind"] == "quality"} == {
        "Reaching seldom-heard groups": (4, "Consensus on approach for Beta."), "Your team": (4, "Consensus on team for Beta."),
    }
    assert "- Reaching seldom-heard groups (weight 60%): 4 out of 4. Consensus on approach for Beta." in email.body
    if regime == Regime.ENGLAND:
        assert "The most advantageous tender ranked 1, Beta, was assessed as follows:" in email.body
        assert "Procurement Regulations 2024 reg. 31" in email.body


async def test_a_challenge_suspends_appointment_until_resolved_and_the_standstill_must_end(walked, controlled_clock):
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    delta = walked.suppliers["Delta"].organisation_id

    with pytest.raises(award.AwardError, match="Describe the challenge"):
        await award.record_challenge(walked.officer, walked.reference, organisation_id=delta, details=" ")
    challenge = await award.record_challenge(walked.officer, walked.reference, organisation_id=delta, details="Delta says its insurance certificate was overlooked.")

    controlled_clock.set(framework.standstill_ends_at - timedelta(seconds=1))
    with pytest.raises(award.AwardError, match=r"The standstill period has not ended: suppliers can be appointed from 6 April 2027, midnight"):
        await award.appoint(walked.officer, walked.reference, zone=ZONE)
    controlled_clock.set(framework.standstill_ends_at + timedelta(minutes=1))
    with pytest.raises(award.AwardError, match="A challenge is open: resolve it before appointing"):
        await award.appoint(walked.officer, walked.reference, zone=ZONE)
    facts = await frameworks.facts_for(await frameworks.get(walked.reference))
    assert facts.extra_problems[State.LIVE] == ["A challenge is open: resolve it before appointing", "Appoint the suppliers from the award page"]
    assert not await Appointment.exists()
    assert (await frameworks.get(walked.reference)).state == State.STANDSTILL
    assert [r["reason"] for r in await refusals("appoint")] == [
        "The standstill period has not ended: suppliers can be appointed from 6 April 2027, midnight", "A challenge is open: resolve it before appointing",
    ]

    with pytest.raises(award.AwardError, match="Say how the challenge was resolved"):
        await award.resolve_challenge(walked.officer, walked.reference, challenge.id, resolution="")
    await award.resolve_challenge(walked.officer, walked.reference, challenge.id, resolution="The certificate expired before the deadline; the exclusion stands.")
    assert (await Challenge.objects().get(Challenge.id == challenge.id)).resolved_by == walked.officer.id

    framework = await award.appoint(walked.officer, walked.reference, zone=ZONE)
    assert framework.state == State.LIVE
    appointed = await award.appointments(framework.id)
    assert [(a["lot"], a["rank"], a["supplier"]) for a in appointed] == [(1, 1, "Beta"), (1, 2, "Alpha"), (1, 3, "Gamma"), (2, 1, "Alpha")]
    notice = await Notice.objects().where((Notice.framework == framework.id) & (Notice.kind == "award")).first()
    content = frameworks.notice_content(notice)
    assert [(lot["number"], lot["tenders_received"], [a["supplier"] for a in lot["appointed"]]) for lot in content["award"]["lots"]] == [
        (1, 4, ["Beta", "Alpha", "Gamma"]), (2, 1, ["Alpha"]),
    ]
    assert content["quality_share"] == 60 and {c["title"]: c["weight"] for c in content["criteria"] if c["kind"] == "quality"} == {
        "Reaching seldom-heard groups": 60, "Your team": 40,
    }
    told = await Notification.objects().where(Notification.subject.like("%appointed to lot%"))
    assert sorted(n.recipient for n in told) == ["bids@alpha.example", "bids@alpha.example", "bids@beta.example", "bids@gamma.example"]


async def test_the_debrief_letter_does_not_change_after_it_is_written(walked, controlled_clock):
    from registry.evaluation.tables import ModeratedScore

    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    letter = await award.debrief_for_supplier(walked.suppliers["Gamma"], walked.reference, 1)
    await ModeratedScore.update({ModeratedScore.score: 4}).where(ModeratedScore.tender == walked.tenders[("Gamma", 1)])
    again = await award.debrief_for_supplier(walked.suppliers["Gamma"], walked.reference, 1)
    assert again.content == letter.content and award.letter(again)["tender"]["total"] == "70.00"
    assert await award.debrief_for_supplier(walked.suppliers["Gamma"], walked.reference, 2) is None


def test_the_abnormally_low_share_is_a_setting(monkeypatch):
    from pydantic import ValidationError

    from registry.settings import Settings

    assert Settings().abnormally_low_share == 0.7
    monkeypatch.setenv("REGISTRY_ABNORMALLY_LOW_SHARE", "0.6")
    assert Settings().abnormally_low_share == 0.6
    monkeypatch.setenv("REGISTRY_ABNORMALLY_LOW_SHARE", "1.5")
    with pytest.raises(ValidationError):
        Settings()
