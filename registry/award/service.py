"""From results to appointment: the officer proposes the suppliers to appoint to each lot, a different
officer approves, every bidder is told (with a debrief letter) and the standstill period runs; a
recorded challenge stops appointment until it is resolved; after the standstill the officer appoints
the suppliers, the framework goes live and the award notice is published.

Each action is one transaction, audited; a refused action changes nothing, and the refusal is audited."""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from registry import clock, money
from registry.dates import local_time
from registry.accounts import duties
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import User
from registry.audit import checkpoints as audit_checkpoints
from registry.audit import service as audit
from registry.award import results as scoring
from registry.award.results import LotResults, TenderResult
from registry.award import suppliers_named
from registry.award import withholding as withholding_rules
from registry.award.tables import Appointment, AwardProposal, Challenge, Debrief, Outcome, WithheldPart, Withholding
from registry.criteria import service as criteria
from registry.criteria.tables import Criterion, CriterionKind
from registry.frameworks import community_benefits, lifecycle
from registry.frameworks import notices as notice_types
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import RULES, Regime, standstill_ends_at
from registry.frameworks.tables import Framework, Lot, NoticeKind, State
from registry.hooks import Hook
from registry.notifications import service as notifications
from registry.tenders import core_information, sealing
from registry.tenders.tables import Tender, TenderSubmission
from registry import links
from registry.errors import Missing, Refused, RuleBroken

# A supplier organisation was appointed to a lot (the directory refreshes its entry: registry.directory.stage).
supplier_appointed: Hook[[int], None] = Hook("an organisation was appointed")


class AwardError(RuleBroken):
    """A rule was broken; the message says which, in words the officer can act on."""
    field = "award"


# --- Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotAward:
    """Where a lot stands, for the award pages."""

    lot: Lot
    tenders_received: int | None  # None until the tender deadline has passed (sealing)
    moderated: bool
    results: LotResults | None  # once moderation of the lot is complete
    proposal: AwardProposal | None  # the current one

    @property
    def chosen(self) -> list[int]:
        return json.loads(self.proposal.tenders) if self.proposal else []

    @property
    def approved(self) -> bool:
        return self.proposal is not None and self.proposal.approved_at is not None


async def _lot(framework: Framework, lot_number: int) -> Lot:
    lot = await frameworks.lot_numbered(framework.id, lot_number)
    if lot is None:
        raise Missing(f"There is no lot {lot_number}")
    return lot


async def tenders_received(framework: Framework) -> dict[int, int] | None:
    """How many tenders count in each lot (by lot id): submitted, and neither superseded nor withdrawn.
    None until the tender deadline has passed: until then even their number is sealed."""
    return await sealing.received_per_lot(framework)


async def current_proposal(lot_id: int) -> AwardProposal | None:
    return await AwardProposal.objects().where((AwardProposal.lot == lot_id) & AwardProposal.superseded_at.is_null()).first()


async def _lot_award(framework: Framework, lot: Lot, received: dict[int, int] | None, abnormally_low_share: float, with_results: bool) -> LotAward:
    moderated = await scoring.moderated(lot.id)
    count = None if received is None else received.get(lot.id, 0)
    results = None
    if with_results and moderated and count:
        results = await scoring.for_lot(lot, await criteria.scheme_of(framework.id), abnormally_low_share)
    return LotAward(lot=lot, tenders_received=count, moderated=moderated, results=results, proposal=await current_proposal(lot.id))


async def overview(user: CurrentUser, reference: str, abnormally_low_share: float) -> tuple[Framework, list[LotAward]]:
    """Every lot's position, for the framework's officers (results are not computed here)."""
    framework = await frameworks.for_officer(user, reference)
    received = await tenders_received(framework)
    return framework, [await _lot_award(framework, lot, received, abnormally_low_share, False) for lot in await frameworks.lots(framework.id)]


async def lot_award(user: CurrentUser, reference: str, lot_number: int, abnormally_low_share: float) -> tuple[Framework, LotAward]:
    """A lot's position with its results (once its moderation is complete), for the framework's officers."""
    framework = await frameworks.for_officer(user, reference)
    lot = await _lot(framework, lot_number)
    return framework, await _lot_award(framework, lot, await tenders_received(framework), abnormally_low_share, True)


async def user_names(*user_ids: int | None) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    rows = await User.select(User.id, User.full_name).where(User.id.is_in(ids)) if ids else []
    return {row["id"]: row["full_name"] for row in rows}


async def bidders(framework: Framework) -> list[dict]:
    """The organisations whose tenders count, by name (for recording who challenged): no one until the
    tenders are opened (sealing)."""
    if await sealing.stage_of(framework) != sealing.Stage.OPENED:
        return []
    rows = await TenderSubmission.select(
        TenderSubmission.tender.organisation.id.as_alias("id"), TenderSubmission.tender.organisation.legal_name.as_alias("name"),
    ).where(
        (TenderSubmission.tender.framework == framework.id) & TenderSubmission.counting()
    )
    return sorted({row["id"]: row for row in rows}.values(), key=lambda row: row["name"])


async def challenges(framework_id: int) -> list[Challenge]:
    return await Challenge.objects().where(Challenge.framework == framework_id).order_by(Challenge.recorded_at)


async def appointments(framework_id: int) -> list[dict]:
    return await Appointment.select(
        Appointment.lot.number.as_alias("lot"), Appointment.rank, Appointment.organisation.legal_name.as_alias("supplier"), Appointment.appointed_at,
        Appointment.organisation,
    ).where(Appointment.framework == framework_id).order_by(Appointment.lot.number).order_by(Appointment.rank)


def standstill_preview(framework: Framework, zone: ZoneInfo) -> datetime:
    """When the standstill would end if the bidders were told now."""
    return standstill_ends_at(clock.now(), Regime(framework.regime), zone)


# --- Acting -------------------------------------------------------------------------------------


def _action(user: CurrentUser, reference: str, name: str):
    """One award step (registry.audit.actions): a refusal is audited as award.refused."""
    return audit.action(
        name, refused_as="award.refused", actor=user.actor, object_type="framework", object_id=reference,
        refusals=(AwardError, Refused, frameworks.TransitionBlocked, lifecycle.IllegalTransition),
    )


def _in_state(framework: Framework, state: State, doing: str) -> None:
    if framework.state != state:
        raise AwardError(f"{doing} is only possible when the framework is {lifecycle.describe(state)}; it is {lifecycle.describe(framework.state)}")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def check_choice(results: LotResults, tender_ids: list[int], reason: str, low_price_note: str) -> list[TenderResult]:
    """The chosen tenders, best ranked first, if the choice is allowed; otherwise AwardError naming the field."""
    by_tender = results.by_tender()
    if len(set(tender_ids)) != len(tender_ids) or any(t not in by_tender for t in tender_ids):
        raise AwardError("Choose only tenders received for this lot", field="tenders")
    chosen = [by_tender[t] for t in tender_ids]
    for tender in chosen:
        if not tender.compliant:
            raise AwardError(f"{tender.supplier}'s tender is excluded ({'; '.join(tender.reasons)}): it cannot be appointed", field="tenders")
    if len(chosen) > results.max_suppliers:
        raise AwardError(f"Lot {results.lot_number} allows at most {results.max_suppliers} suppliers: you chose {len(chosen)}", field="tenders")
    expected = min(results.max_suppliers, len(results.compliant))
    worst_chosen = max((t.rank for t in chosen), default=None)
    passed_over = [t for t in results.compliant if t.tender_id not in tender_ids and worst_chosen is not None and t.rank < worst_chosen]
    if not reason and len(chosen) < expected:
        raise AwardError(
            f"Give the reason for appointing {len(chosen) or 'no'} supplier{'s' if len(chosen) != 1 else ''} when the lot allows "
            f"{results.max_suppliers} and {len(results.compliant)} tender{'s are' if len(results.compliant) != 1 else ' is'} compliant",
            field="reason",
        )
    if not reason and passed_over:
        raise AwardError(f"Give the reason for passing over {passed_over[0].supplier}, ranked {_ordinal(passed_over[0].rank)}", field="reason")
    flagged = [t for t in chosen if t.abnormally_low]
    if flagged and not low_price_note:
        raise AwardError(
            f"Say what you found when you investigated the abnormally low price of {flagged[0].supplier}", field="low_price_note",
        )
    return sorted(chosen, key=lambda t: (t.rank, t.supplier))


async def propose(
    user: CurrentUser, reference: str, lot_number: int, tender_ids: list[int], *, reason: str | None, low_price_note: str | None,
    abnormally_low_share: float,
) -> AwardProposal:
    """Propose the suppliers to appoint to a lot (replacing an earlier proposal not yet approved)."""
    reason, low_price_note = (reason or "").strip(), (low_price_note or "").strip()
    async with _action(user, reference, "propose"):
        framework = await frameworks.for_officer(user, reference, lock=True)
        _in_state(framework, State.MODERATION, "Proposing an award")
        lot = await _lot(framework, lot_number)
        if not await scoring.moderated(lot.id):
            raise AwardError(f"Lot {lot_number}'s moderation is not complete: propose the award once it is")
        existing = await current_proposal(lot.id)
        if existing is not None and existing.approved_at is not None:
            raise AwardError(f"The proposal for lot {lot_number} has been approved: it can no longer change")
        results = await scoring.for_lot(lot, await criteria.scheme_of(framework.id), abnormally_low_share)
        if not results.tenders:
            raise AwardError(f"Lot {lot_number} received no tenders: there is no one to appoint")
        if results.incomplete:
            first = results.incomplete[0]
            raise AwardError(f"{first.supplier}'s tender has no consensus on “{first.missing[0]}”: complete the moderation first")
        chosen = check_choice(results, tender_ids, reason, low_price_note)
        now = clock.now()
        if existing is not None:
            await AwardProposal.update({AwardProposal.superseded_at: now}).where(AwardProposal.id == existing.id)
        proposal = AwardProposal(
            framework=framework.id, lot=lot.id, tenders=json.dumps([t.tender_id for t in chosen]), reason=reason or None,
            low_price_note=low_price_note or None, results=json.dumps([t.as_dict() for t in results.tenders], ensure_ascii=False),
            proposed_by=user.id, proposed_at=now,
        )
        await proposal.save()
        await audit.record(
            "award.proposed", actor=user.actor, object_type="framework", object_id=reference,
            payload={
                "lot": lot_number, "suppliers": [{"tender": t.tender_id, "supplier": t.supplier, "rank": t.rank, "total": str(t.total)} for t in chosen],
                "reason": reason or None, "low_price_note": low_price_note or None, "replaces": existing.id if existing else None,
            },
        )
    return proposal


async def approve(user: CurrentUser, reference: str, lot_number: int) -> Framework:
    """A different officer approves a lot's proposal. When every lot with tenders has an approved
    proposal, the framework's award is approved, and the audit log's head checkpointed."""
    async with _action(user, reference, "approve"):
        if problem := await duties.officer_too_new(user, "approve an award"):
            raise Refused(problem)
        framework = await frameworks.for_officer(user, reference, lock=True)
        _in_state(framework, State.MODERATION, "Approving an award")
        lot = await _lot(framework, lot_number)
        proposal = await current_proposal(lot.id)
        if proposal is None:
            raise AwardError(f"There is no proposal for lot {lot_number} to approve")
        if proposal.approved_at is not None:
            raise AwardError(f"The proposal for lot {lot_number} is already approved")
        if proposal.proposed_by == user.id:
            raise Refused(f"You proposed the award for lot {lot_number}, so a different procurement officer must approve it")
        if waiting := await core_information.unconfirmed(framework, lot.id):
            raise AwardError(core_information.waiting_message(waiting))
        await AwardProposal.update({AwardProposal.approved_by: user.id, AwardProposal.approved_at: clock.now()}).where(AwardProposal.id == proposal.id)
        await audit.record(
            "award.approved", actor=user.actor, object_type="framework", object_id=reference,
            payload={"lot": lot_number, "proposal": proposal.id, "proposed_by": proposal.proposed_by, "tenders": json.loads(proposal.tenders)},
        )
        if not await _approval_problems(framework):
            framework = await frameworks.move(user, reference, State.AWARD_APPROVED)
            await audit_checkpoints.checkpoint(audit_checkpoints.AWARD_APPROVED)
    return framework


def _debrief_content(
    framework: Framework, authority: str, lot: Lot, results: LotResults, tender: TenderResult, chosen: list[TenderResult],
    proposal: AwardProposal, received: int, ends_at: datetime, zone: ZoneInfo, notified_at: datetime,
    withheld: dict[tuple[int, int, str], str] | None = None,
) -> dict:
    rules = RULES[Regime(framework.regime)]
    chosen_ids = [t.tender_id for t in chosen]
    if not tender.compliant:
        outcome = Outcome.EXCLUDED
        explanation = ["Your tender was excluded, so it was not ranked:", *tender.reasons]
    elif tender.tender_id in chosen_ids:
        outcome = Outcome.SUCCESSFUL
        explanation = [
            f"Your tender ranked {_ordinal(tender.rank)} of the {len(results.compliant)} compliant tenders. The authority intends to appoint "
            f"{len(chosen)} supplier{'s' if len(chosen) != 1 else ''} to this lot, including yours, once the standstill period ends."
        ]
    else:
        outcome = Outcome.UNSUCCESSFUL
        explanation = [
            f"Your tender ranked {_ordinal(tender.rank)} of the {len(results.compliant)} compliant tenders. The authority intends to appoint "
            f"{len(chosen)} supplier{'s' if len(chosen) != 1 else ''} to this lot (it allows up to {results.max_suppliers}), and yours is not among them."
        ]
    if proposal.reason and outcome != Outcome.EXCLUDED:
        explanation.append(f"The authority's reason for its choice: {proposal.reason}")
    last_day = (ends_at.astimezone(zone) - timedelta(days=1)).date()
    return {
        "framework": {"reference": framework.reference, "title": framework.title}, "authority": authority,
        "lot": {"number": lot.number, "title": lot.title, "max_suppliers": results.max_suppliers}, "supplier": tender.supplier,
        "outcome": str(outcome), "explanation": explanation,
        "tender": tender.as_dict(), "price": money.pounds(tender.price_pence),
        "successful": [
            {"supplier": t.supplier, "rank": t.rank, "quality": str(t.quality), "price_score": str(t.price_score), "total": str(t.total)} for t in chosen
        ],
        "tenders_received": received, "compliant": len(results.compliant),
        "scheme": {"quality_share": results.scheme.quality_share, "price_share": results.scheme.price_share, "scale_max": results.scheme.scale_max,
                   "scale": list(results.scheme.scale)},
        "rules": [
            f"Quality score = the sum of (consensus score ÷ {results.scheme.scale_max} × the criterion's weight) ÷ 100 × {results.scheme.quality_share}.",
            f"Price score = the lowest compliant price ÷ your price × {results.scheme.price_share}.",
            scoring.ROUNDING_RULE, scoring.TIE_BREAK_RULE,
            "A tender that fails a selection question, or scores under a criterion's minimum score, is excluded.",
        ],
        "notified_at": notified_at.isoformat(), "standstill_ends_at": ends_at.isoformat(), "standstill_last_day": last_day.isoformat(),
        "regime": rules.legislation, "standstill": rules.standstill_description, "standstill_source": rules.standstill_source,
        **_assessment_summary(Regime(framework.regime), chosen, outcome, withheld or {}),
    }


def _assessment_summary(regime: Regime, chosen: list[TenderResult], outcome: Outcome, withheld: dict[tuple[int, int, str], str]) -> dict:
    """What the letter gives about the tenders to be appointed, from the moderated marks: each
    criterion's score and its reasons, and the totals, less the parts an officer withheld as
    commercially sensitive (registry.award.withholding: their reason stands in their place).
    England: every letter is an assessment summary, which gives for the most advantageous tender(s)
    what it gives for the bidder's own (Procurement Act 2023 s.50(3); Procurement Regulations 2024
    reg. 31(2)(e) and (3)(b)). Scotland: an unsuccessful tenderer's letter gives the characteristics
    and relative advantages of the successful tender(s) (PCSR 2015 reg. 85(2)(d)(ii)); every letter
    gives their quality, price and total scores (reg. 85(2)(c), the "successful" list above)."""
    if regime == Regime.ENGLAND:
        summary = {"assessment_summary": ASSESSMENT_SUMMARY_SOURCE}
    elif outcome != Outcome.SUCCESSFUL:
        summary = {"successful_characteristics": SUCCESSFUL_CHARACTERISTICS_SOURCE}
    else:
        return {}
    best = [
        {
            "supplier": t.supplier, "rank": t.rank, "quality": str(t.quality), "price_score": str(t.price_score), "total": str(t.total),
            "marks": withholding_rules.withheld_marks(
                [
                    {"criterion_id": m.criterion_id, "kind": m.kind, "title": m.title, "weight": m.weight, "score": m.score, "passed": m.passed,
                     "rationale": m.rationale}
                    for m in t.marks
                ],
                {(criterion, part): reason for (tender, criterion, part), reason in withheld.items() if tender == t.tender_id},
            ),
        }
        for t in chosen
    ]
    if any(key.endswith("_withheld") for entry in best for mark in entry["marks"] for key in mark):
        summary["withholding_source"] = withholding_rules.RULES[regime].source
    return {**summary, "most_advantageous": best}


ASSESSMENT_SUMMARY_SOURCE = "Procurement Act 2023 s.50(3); Procurement Regulations 2024 reg. 31"
SUCCESSFUL_CHARACTERISTICS_SOURCE = "PCSR 2015 reg. 85(2)(d)(ii)"


def debrief_path(reference: str, lot_number: int) -> str:
    return f"/frameworks/{reference}/debrief/{lot_number}"


def last_day_text(content: dict) -> str:
    """The standstill period's last day, like "Monday 5 April 2027"."""
    return date.fromisoformat(content["standstill_last_day"]).strftime("%A %-d %B %Y")


def _mark_line(mark: dict, content: dict) -> str:
    rationale = withholding_rules.withheld_text(mark["rationale_withheld"]) + "." if "rationale_withheld" in mark else mark["rationale"] or ""
    if mark["kind"] == "selection":
        return f"- {mark['title']}: {'pass' if mark['passed'] else 'fail'}. {rationale}".rstrip()
    score = withholding_rules.withheld_text(mark["score_withheld"]) if "score_withheld" in mark else f"{mark['score']} out of {content['scheme']['scale_max']}"
    return f"- {mark['title']} (weight {mark['weight']}%): {score}. {rationale}".rstrip()


def _email_body(content: dict, zone: ZoneInfo) -> str:
    tender = content["tender"]
    lines = [
        f"The award decision for {content['framework']['reference']} – {content['framework']['title']}, lot {content['lot']['number']}: {content['lot']['title']}.",
        "",
        f"Outcome for {content['supplier']}: {content['outcome']}.",
        *content["explanation"],
        "",
        "Your scores:",
    ]
    lines += [_mark_line(mark, content) for mark in tender["marks"]]
    lines.append(f"Quality score: {tender['quality']} of {content['scheme']['quality_share']}")
    if tender["compliant"]:
        lines += [
            f"Price: {content['price']}; price score: {tender['price_score']} of {content['scheme']['price_share']}",
            f"Total: {tender['total']}; rank: {tender['rank']}",
        ]
    lines += ["", "The successful suppliers' scores (quality, price, total):"]
    lines += [f"- {s['rank']}. {s['supplier']}: {s['quality']}, {s['price_score']}, {s['total']}" for s in content["successful"]] or ["- None"]
    for best in content.get("most_advantageous", []):
        which = "most advantageous" if content.get("assessment_summary") else "successful"
        lines += ["", f"The {which} tender ranked {best['rank']}, {best['supplier']}, was assessed as follows:"]
        lines += [_mark_line(mark, content) for mark in best["marks"]]
        lines.append(f"Quality score: {best['quality']}; price score: {best['price_score']}; total: {best['total']}")
    if content.get("withholding_source"):
        lines += ["", f"Information withheld as commercially sensitive is withheld under {content['withholding_source']}."]
    if content.get("assessment_summary"):
        lines += ["", f"This is your assessment summary ({content['assessment_summary']})."]
    lines += [
        "", "How tenders were scored:", *[f"- {rule}" for rule in content["rules"]],
        "",
        f"The standstill period ({content['standstill']}, under the {content['regime']}) ends at the end of "
        f"{last_day_text(content)}. No supplier is appointed before then.",
        "",
        f"Read your debrief letter: {links.absolute(debrief_path(content['framework']['reference'], content['lot']['number']))}",
    ]
    return "\n".join(lines) + "\n"


async def notify_bidders(user: CurrentUser, reference: str, *, zone: ZoneInfo, abnormally_low_share: float) -> Framework:
    """Tell every bidder the decision, with its own debrief letter, and start the standstill period.
    England: the letters are the assessment summaries, sent before the contract award notice (UK6),
    which is published the same day and starts the standstill on that day (Procurement Act 2023
    ss.50(1), 50(3) and 51(2)). Scotland: the letters start it (PCSR 2015 regs. 85 and 86)."""
    async with _action(user, reference, "notify"):
        framework = await frameworks.for_officer(user, reference, lock=True)
        _in_state(framework, State.AWARD_APPROVED, "Notifying the bidders")
        now = clock.now()
        ends_at = standstill_ends_at(now, Regime(framework.regime), zone)
        await Framework.update({Framework.standstill_ends_at: ends_at, Framework.updated_at: now}).where(Framework.id == framework.id)
        authority = await frameworks.authority_name(framework)
        scheme = await criteria.scheme_of(framework.id)
        received = await tenders_received(framework) or {}  # after the opening: never sealed
        letters = 0
        intended = []  # the suppliers to be appointed to each lot, for England's contract award notice
        for lot in await frameworks.lots(framework.id):
            if not received.get(lot.id):
                intended.append({"number": lot.number, "title": lot.title, "tenders_received": 0, "compliant_tenders": 0, "intended": []})
                continue
            proposal = await current_proposal(lot.id)
            if proposal is None or proposal.approved_at is None:
                raise AwardError(f"Lot {lot.number}'s award is not approved")
            results = await scoring.for_lot(lot, scheme, abnormally_low_share)
            by_tender = results.by_tender()
            chosen = [by_tender[t] for t in json.loads(proposal.tenders)]
            withheld = await withheld_parts(lot.id)
            for tender in results.tenders:
                content = _debrief_content(framework, authority, lot, results, tender, chosen, proposal, received[lot.id], ends_at, zone, now, withheld)
                await Debrief.insert(Debrief(
                    framework=framework.id, lot=lot.id, tender=tender.tender_id, organisation=tender.organisation_id,
                    outcome=content["outcome"], content=json.dumps(content, ensure_ascii=False), written_at=now,
                ))
                recipients = await User.select(User.email).where((User.organisation == tender.organisation_id) & User.is_active.eq(True)).output(as_list=True)
                for email in recipients:
                    await notifications.enqueue(
                        recipient=email, subject=f"{framework.reference}: the award decision for lot {lot.number}", body=_email_body(content, zone),
                    )
                letters += 1
            intended.append({
                "number": lot.number, "title": lot.title, "tenders_received": received[lot.id], "compliant_tenders": len(results.compliant),
                "intended": [
                    {"supplier": t.supplier, "rank": t.rank, "organisation_id": t.organisation_id,
                     **({"details": await suppliers_named.supplier(t.tender_id, t.organisation_id)} if Regime(framework.regime) is Regime.ENGLAND else {})}
                    for t in chosen
                ],
            })
        rules = RULES[Regime(framework.regime)]
        if rules.standstill_from_award_notice:
            await _publish_contract_award_notice(user, framework, intended, now, ends_at, zone)
        await audit.record(
            "award.bidders_notified", actor=user.actor, object_type="framework", object_id=reference,
            payload={"letters": letters, "standstill_ends_at": ends_at.isoformat(), "regime": framework.regime},
        )
        note = f"Bidders told of the award decision; the standstill period ends at {local_time(ends_at, zone)}"
        if rules.standstill_from_award_notice:
            note = (
                f"Assessment summaries sent and the contract award notice published; the standstill period "
                f"({rules.standstill_description}: {rules.standstill_source}) ends at {local_time(ends_at, zone)}"
            )
        framework = await frameworks.move(user, reference, State.STANDSTILL, note=note)
    return framework


async def _publish_contract_award_notice(user: CurrentUser, framework: Framework, lots: list[dict], now: datetime, ends_at: datetime, zone: ZoneInfo) -> None:
    """England's contract award notice (UK6): the authority intends to conclude the framework agreement
    with these suppliers (Procurement Act 2023 s.50(1) and (2)); the standstill begins with the day it
    is published (s.51(2))."""
    rules = RULES[Regime.ENGLAND]
    assessment = await criteria.tender_notice_content(framework)
    await frameworks.publish_notice(
        framework, NoticeKind.AWARD, user, change_summary=None,
        extra={
            "award": {
                "lots": lots, "bidders_notified_at": now.isoformat(), "standstill_ends_at": ends_at.isoformat(),
                "standstill_last_day": (ends_at.astimezone(zone) - timedelta(days=1)).date().isoformat(),
                "standstill": f"{rules.standstill_description}: {rules.standstill_source}",
                "tenders_closed_at": framework.tender_deadline.isoformat() if framework.tender_deadline else None,
                "supplier_rule": suppliers_named.SUPPLIER_RULE_UK6,
            },
            "quality_share": assessment["quality_share"], "price_share": assessment["price_share"], "scale": assessment["scale"],
            "criteria": assessment["criteria"], "tie_break": scoring.TIE_BREAK_RULE,
            **await _authority_and_procedure(framework),
        },
    )


async def _authority_and_procedure(framework: Framework) -> dict:
    """What England's award notices add about the authority (Procurement Regulations 2024 regs. 27(2)(a),
    32(2)(a): the contracting authority information of reg. 13) and the procedure (reg. 32(2)(h), (i))."""
    contact = {"name": framework.contact_name, "email": framework.contact_email, "telephone": framework.contact_telephone}
    return {
        "contracting_authority": await suppliers_named.contracting_authority(framework, contact),
        "procedure": suppliers_named.PROCEDURE, "procedure_source": suppliers_named.PROCEDURE_RULE,
        "reserved": suppliers_named.RESERVED, "reserved_source": suppliers_named.RESERVATION_RULE,
    }


async def record_challenge(user: CurrentUser, reference: str, *, organisation_id: int | None, details: str) -> Challenge:
    details = (details or "").strip()
    async with _action(user, reference, "record_challenge"):
        framework = await frameworks.for_officer(user, reference, lock=True)
        _in_state(framework, State.STANDSTILL, "Recording a challenge")
        if organisation_id is not None and organisation_id not in {b["id"] for b in await bidders(framework)}:
            raise AwardError("Choose the bidder that made the challenge", field="organisation")
        if not details:
            raise AwardError("Describe the challenge: what it says and when it was received", field="details")
        challenge = Challenge(framework=framework.id, organisation=organisation_id, details=details, recorded_by=user.id, recorded_at=clock.now())
        await challenge.save()
        await audit.record(
            "award.challenge_recorded", actor=user.actor, object_type="framework", object_id=reference,
            payload={"challenge": challenge.id, "organisation": organisation_id, "details": details},
        )
    return challenge


async def resolve_challenge(user: CurrentUser, reference: str, challenge_id: int, *, resolution: str) -> Challenge:
    resolution = (resolution or "").strip()
    async with _action(user, reference, "resolve_challenge"):
        framework = await frameworks.for_officer(user, reference, lock=True)
        challenge = await Challenge.objects().where((Challenge.id == challenge_id) & (Challenge.framework == framework.id)).first()
        if challenge is None:
            raise Missing("There is no such challenge")
        if challenge.resolved_at is not None:
            raise AwardError("This challenge is already resolved", field=f"resolution-{challenge_id}")
        if not resolution:
            raise AwardError("Say how the challenge was resolved", field=f"resolution-{challenge_id}")
        await Challenge.update({Challenge.resolution: resolution, Challenge.resolved_by: user.id, Challenge.resolved_at: clock.now()}).where(
            Challenge.id == challenge.id
        )
        await audit.record(
            "award.challenge_resolved", actor=user.actor, object_type="framework", object_id=reference,
            payload={"challenge": challenge.id, "resolution": resolution},
        )
    return await Challenge.objects().get(Challenge.id == challenge_id)


async def appoint(user: CurrentUser, reference: str, *, zone: ZoneInfo, community_benefits_delivered: str = "") -> Framework:
    """After the standstill, with no challenge open: appoint the approved suppliers, make the framework
    live and publish the award notice (England: the contract details notice), with the community
    benefits the officer says will be delivered (required where the contract includes community
    benefit requirements in a Scottish procurement of £4m or more: Procurement Reform (Scotland) Act
    2014 s.25(4)); then checkpoint the audit log's head."""
    community_benefits_delivered = community_benefits_delivered.strip()
    async with _action(user, reference, "appoint"):
        framework = await frameworks.for_officer(user, reference, lock=True)
        _in_state(framework, State.STANDSTILL, "Appointing suppliers")
        if not community_benefits_delivered and community_benefits.award_statement_needed(framework):
            raise AwardError(community_benefits.AWARD_RULE, field="community_benefits_delivered")
        if len(community_benefits_delivered) > 4000:
            raise AwardError("The community benefits must be 4,000 characters or fewer", field="community_benefits_delivered")
        now = clock.now()
        if framework.standstill_ends_at is None or now < framework.standstill_ends_at:
            ends = local_time(framework.standstill_ends_at, zone) if framework.standstill_ends_at else "an unknown time"
            raise AwardError(f"The standstill period has not ended: suppliers can be appointed from {ends}")
        if await _open_challenges(framework.id):
            raise AwardError("A challenge is open: resolve it before appointing")
        received = await tenders_received(framework) or {}  # after the opening: never sealed
        # England: the award was announced by the contract award notice at the start of the standstill;
        # now the contract details notice (UK7) says the framework agreements are concluded (PA23 s.53).
        england = RULES[Regime(framework.regime)].standstill_from_award_notice
        kind = NoticeKind.CONTRACT_DETAILS if england else NoticeKind.AWARD
        award_notice = notice_types.notice_type(framework.regime, kind)
        lots_content = []
        notified_at = None  # when the bidders were told the award decision: the standstill period's start
        for lot in await frameworks.lots(framework.id):
            proposal = await current_proposal(lot.id)
            chosen = json.loads(proposal.tenders) if proposal and proposal.approved_at else []
            debriefs = await Debrief.objects().where(Debrief.lot == lot.id)
            letters = {d.tender: json.loads(d.content) for d in debriefs}
            notified_at = min([d.written_at for d in debriefs] + ([notified_at] if notified_at else []), default=None)
            appointed = []
            for tender_id in chosen:
                result = letters[tender_id]["tender"]
                await Appointment.insert(Appointment(
                    framework=framework.id, lot=lot.id, organisation=result["organisation_id"], tender=tender_id, rank=result["rank"], appointed_at=now,
                ))
                await supplier_appointed.run(result["organisation_id"])  # the directory's entry follows, in this transaction
                appointed.append({
                    "supplier": result["supplier"], "rank": result["rank"], "total": result["total"], "organisation_id": result["organisation_id"],
                    **({"details": await suppliers_named.supplier(tender_id, result["organisation_id"])} if england else {}),
                })
                for email in await User.select(User.email).where((User.organisation == result["organisation_id"]) & User.is_active.eq(True)).output(as_list=True):
                    await notifications.enqueue(
                        recipient=email, subject=f"{framework.reference}: appointed to lot {lot.number}",
                        body=(
                            f"{result['supplier']} is appointed to lot {lot.number} ({lot.title}) of {framework.reference} – {framework.title}, "
                            f"ranked {_ordinal(result['rank'])}.\n\nRead the {award_notice.in_sentence}: {links.absolute('/frameworks/' + framework.reference)}\n"
                        ),
                    )
            lots_content.append({
                "number": lot.number, "title": lot.title, "tenders_received": received.get(lot.id, 0),
                "compliant_tenders": sum(1 for d in debriefs if d.outcome != Outcome.EXCLUDED), "appointed": appointed,
            })
        await audit.record(
            "award.suppliers_appointed", actor=user.actor, object_type="framework", object_id=reference,
            payload={"lots": [{"lot": c["number"], "appointed": [a["supplier"] for a in c["appointed"]]} for c in lots_content]},
        )
        framework = await frameworks.move(user, reference, State.LIVE)
        assessment = await criteria.tender_notice_content(framework)
        await frameworks.publish_notice(
            framework, kind, user, change_summary=None,
            extra={
                "award": {
                    "lots": lots_content, "appointed_at": now.isoformat(), "standstill_ends_at": framework.standstill_ends_at.isoformat(),
                    "bidders_notified_at": notified_at.isoformat() if notified_at else None,
                    "tenders_closed_at": framework.tender_deadline.isoformat() if framework.tender_deadline else None,
                    **({"supplier_rule": suppliers_named.SUPPLIER_RULE_UK7} if england else {}),
                },
                "quality_share": assessment["quality_share"], "price_share": assessment["price_share"], "scale": assessment["scale"],
                "criteria": assessment["criteria"], "tie_break": scoring.TIE_BREAK_RULE,
                "community_benefits_delivered": community_benefits_delivered,
                **(await _authority_and_procedure(framework) if england else {}),
            },
        )
        await audit_checkpoints.checkpoint(audit_checkpoints.SUPPLIERS_APPOINTED)
    return await frameworks.get(reference)


# --- The state machine's extra guards ------------------------------------------------------------


async def _open_challenges(framework_id: int) -> int:
    return await Challenge.count().where((Challenge.framework == framework_id) & Challenge.resolved_at.is_null())


async def _approval_problems(framework: Framework) -> list[str]:
    received = await tenders_received(framework)
    if not received:
        return ["No lot received a tender: there is no one to appoint"]
    problems = []
    for lot in await frameworks.lots(framework.id):
        if not received.get(lot.id):
            continue
        proposal = await current_proposal(lot.id)
        if not await scoring.moderated(lot.id):
            problems.append(f"Lot {lot.number}: complete the moderation, then propose the suppliers to appoint")
        elif proposal is None:
            problems.append(f"Lot {lot.number}: propose the suppliers to appoint")
        elif proposal.approved_at is None:
            problems.append(f"Lot {lot.number}: a different officer must approve the proposal")
    return problems


async def approval_problems(framework: Framework) -> list[str]:
    """The award is approved once every lot that received tenders has moderated results and a
    proposal that a second officer approved (the authority's own four-eyes control)."""
    return await _approval_problems(framework)


async def notification_problems(framework: Framework) -> list[str]:
    """The standstill period starts only when every bidder has been told the outcome with the
    reasons (PCSR 2015 regs. 85 and 86; Procurement Act 2023 ss.50 and 51): the letters start it."""
    if framework.standstill_ends_at is None or not await Debrief.exists().where(Debrief.framework == framework.id):
        return ["Notify the bidders from the award page: their letters start the standstill period"]
    return []


async def appointment_problems(framework: Framework) -> list[str]:
    """The framework goes live once the approved suppliers are appointed, and not while a challenge
    is open: a challenge suspends the award (PCSR 2015 reg. 89; Procurement Act 2023 s.101)."""
    problems = []
    if await _open_challenges(framework.id):
        problems.append("A challenge is open: resolve it before appointing")
    chosen = set()
    for proposal in await AwardProposal.objects().where(
        (AwardProposal.framework == framework.id) & AwardProposal.superseded_at.is_null() & AwardProposal.approved_at.is_not_null()
    ):
        chosen.update(json.loads(proposal.tenders))
    appointed = set(await Appointment.select(Appointment.tender).where(Appointment.framework == framework.id).output(as_list=True))
    if chosen - appointed:
        problems.append("Appoint the suppliers from the award page")
    return problems


# --- Debrief letters ----------------------------------------------------------------------------


async def debrief_for_supplier(user: CurrentUser, reference: str, lot_number: int) -> Debrief | None:
    """The supplier's own organisation's letter for the lot, or None (there is none for them)."""
    return await Debrief.objects().where(
        (Debrief.framework.reference == reference) & (Debrief.lot.number == lot_number) & (Debrief.organisation == user.organisation_id)
    ).first()


async def debrief_for_officer(user: CurrentUser, reference: str, lot_number: int, tender_id: int) -> Debrief | None:
    framework = await frameworks.for_officer(user, reference)
    return await Debrief.objects().where(
        (Debrief.framework == framework.id) & (Debrief.lot.number == lot_number) & (Debrief.tender == tender_id)
    ).first()


async def debriefs_of(framework_id: int) -> dict[int, int]:
    """Each tender's letter, by tender id (the value is the letter's id)."""
    rows = await Debrief.select(Debrief.id, Debrief.tender).where(Debrief.framework == framework_id)
    return {row["tender"]: row["id"] for row in rows}


async def own_debrief_lots(organisation_id: int, framework_id: int) -> list[int]:
    """The lots for which the organisation has a debrief letter (for links on the framework page)."""
    return sorted(await Debrief.select(Debrief.lot.number).where(
        (Debrief.framework == framework_id) & (Debrief.organisation == organisation_id)
    ).output(as_list=True))


def letter(debrief: Debrief) -> dict:
    return json.loads(debrief.content)


# --- Withholding commercially sensitive parts of the letters --------------------------------------

WITHHOLDING_REASON_LIMIT = 1000


async def withheld_parts(lot_id: int) -> dict[tuple[int, int, str], str]:
    """The lot's withheld parts, as (tender, criterion, part): reason."""
    rows = await Withholding.select(Withholding.tender, Withholding.criterion, Withholding.part, Withholding.reason).where(Withholding.lot == lot_id)
    return {(row["tender"], row["criterion"], row["part"]): row["reason"] for row in rows}


async def withholdings(lot_id: int) -> list[dict]:
    """The lot's withheld parts, for the award page: whose tender, which criterion, what, why, who and when."""
    return await Withholding.select(
        Withholding.id, Withholding.tender, Withholding.tender.organisation.legal_name.as_alias("supplier"),
        Withholding.criterion.as_alias("criterion_id"), Withholding.criterion.title.as_alias("criterion"), Withholding.part, Withholding.reason, Withholding.withheld_by, Withholding.withheld_at,
    ).where(Withholding.lot == lot_id).order_by(Withholding.withheld_at).order_by(Withholding.id)


async def _withholding_closed(framework: Framework) -> str | None:
    """Why parts of the letters cannot be withheld (or disclosed again) now, or None while they can:
    from moderation, when the suppliers are proposed, until the letters are written."""
    if await Debrief.exists().where(Debrief.framework == framework.id):
        return "The bidders have been notified: what their letters disclose or withhold can no longer change"
    now = clock.now()
    if not lifecycle.reached(framework, State.MODERATION, now) or lifecycle.reached(framework, State.STANDSTILL, now):
        return (
            f"Parts of the letters can be withheld once the suppliers to appoint are proposed, until the bidders are notified; "
            f"the framework is {lifecycle.describe(framework.state)}"
        )
    return None


async def may_withhold(framework: Framework) -> bool:
    return await _withholding_closed(framework) is None


async def _proposed_for_withholding(framework: Framework, lot: Lot) -> list[int]:
    """The tenders proposed for the lot, when what the letters say about them may still change."""
    if closed := await _withholding_closed(framework):
        raise AwardError(closed, field="withholding")
    proposal = await current_proposal(lot.id)
    if proposal is None or not json.loads(proposal.tenders):
        raise AwardError(f"Propose the suppliers to appoint to lot {lot.number} first: only what the letters say about them can be withheld", field="withholding")
    return json.loads(proposal.tenders)


async def withhold(user: CurrentUser, reference: str, lot_number: int, *, tender_id: int, criterion_id: int, part: str, reason: str) -> Withholding:
    """Withhold one part of what the letters disclose about a tender proposed for appointment (a
    criterion's reasons or, where the regime allows, its score), as commercially sensitive, with the
    reason the letters give in its place (registry.award.withholding)."""
    reason = (reason or "").strip()
    async with _action(user, reference, "withhold"):
        framework = await frameworks.for_officer(user, reference, lock=True)
        lot = await _lot(framework, lot_number)
        proposed = await _proposed_for_withholding(framework, lot)
        rules = withholding_rules.RULES[Regime(framework.regime)]
        if tender_id not in proposed or part not in set(WithheldPart):
            raise AwardError("Choose the part of a proposed supplier's assessment to withhold", field="withhold_part")
        if WithheldPart(part) not in rules.parts:
            raise AwardError(rules.score_stays, field="withhold_part")
        criterion = await Criterion.objects().where(
            (Criterion.id == criterion_id) & (Criterion.framework == framework.id) & (Criterion.lot.is_null() | (Criterion.lot == lot.id))
            & Criterion.kind.is_in([CriterionKind.SELECTION, CriterionKind.QUALITY])
        ).first()
        if criterion is None:
            raise AwardError("Choose the part of a proposed supplier's assessment to withhold", field="withhold_part")
        if part == WithheldPart.SCORE and criterion.kind != CriterionKind.QUALITY:
            raise AwardError(f"“{criterion.title}” is pass or fail: it has no score to withhold", field="withhold_part")
        if await Withholding.exists().where((Withholding.tender == tender_id) & (Withholding.criterion == criterion_id) & (Withholding.part == part)):
            raise AwardError(f"The {withholding_rules.PART_NAMES[WithheldPart(part)]} on “{criterion.title}” is already withheld", field="withhold_part")
        if not reason:
            raise AwardError(
                f"Say why disclosing it would prejudice the supplier's commercial interests: the letters give your reason in its place ({rules.source})",
                field="withhold_reason",
            )
        if len(reason) > WITHHOLDING_REASON_LIMIT:
            raise AwardError(f"The reason must be {WITHHOLDING_REASON_LIMIT:,} characters or fewer", field="withhold_reason")
        withholding = Withholding(
            framework=framework.id, lot=lot.id, tender=tender_id, criterion=criterion_id, part=part, reason=reason,
            withheld_by=user.id, withheld_at=clock.now(),
        )
        await withholding.save()
        supplier = await Tender.select(Tender.organisation.legal_name.as_alias("name")).where(Tender.id == tender_id).first()
        await audit.record(
            "award.part_withheld", actor=user.actor, object_type="framework", object_id=reference,
            payload={
                "lot": lot_number, "tender": tender_id, "supplier": supplier["name"], "criterion": criterion.title, "part": part,
                "reason": reason, "source": rules.source,
            },
        )
    return withholding


async def disclose_again(user: CurrentUser, reference: str, lot_number: int, withholding_id: int) -> None:
    """Undo a withholding before the letters are written: the letters give that part again."""
    async with _action(user, reference, "disclose_again"):
        framework = await frameworks.for_officer(user, reference, lock=True)
        lot = await _lot(framework, lot_number)
        withholding = await Withholding.objects().where((Withholding.id == withholding_id) & (Withholding.lot == lot.id)).first()
        if withholding is None:
            raise Missing("There is no such withheld part")
        await _proposed_for_withholding(framework, lot)
        await Withholding.delete().where(Withholding.id == withholding.id)
        await audit.record(
            "award.part_disclosed_again", actor=user.actor, object_type="framework", object_id=reference,
            payload={"lot": lot_number, "tender": withholding.tender, "criterion": withholding.criterion, "part": withholding.part, "withheld_reason": withholding.reason},
        )
