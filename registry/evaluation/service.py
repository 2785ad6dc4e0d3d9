"""Evaluation panels, conflict declarations, independent scoring and moderation (rule 3 of
docs/design.md): an evaluator sees only the lots assigned, only after declaring no conflict, and
cannot see other evaluators' scores until moderation."""

from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from registry import clock, db
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Role, User
from registry.audit import service as audit
from registry.criteria import service as criteria
from registry.criteria.tables import Criterion, CriterionKind
from registry.errors import Missing, Refused, RuleBroken
from registry.evaluation.tables import Evaluation, EvaluatorAssignment, LotModeration, ModeratedScore, Score
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, Lot, State
from registry.notifications import service as notifications
from registry.tenders import opening
from registry.tenders.tables import TenderSubmission
from registry import links
from registry.numbers import is_whole_number

MIN_EVALUATORS = 2
MAX_REASON = 5000


class EvaluationError(RuleBroken):
    field = "evaluation"


@dataclass(frozen=True)
class Mark:
    """One evaluator's (or the panel's) mark on one criterion, as typed."""

    criterion_id: int
    value: str  # "0".."n" for quality, "pass" or "fail" for selection, "" when not given
    reason: str


# --- The panel ----------------------------------------------------------------------------------


async def lot_of(framework: Framework, lot_number: int) -> Lot:
    """The framework's lot with this number; Missing when it has none."""
    lot = await frameworks.lot_numbered(framework.id, lot_number)
    if lot is None:
        raise Missing(f"There is no lot {lot_number}")
    return lot


async def evaluators_of(organisation_id: int) -> list[dict]:
    """The authority's users who may evaluate."""
    rows = await User.select(User.id, User.full_name, User.email, User.roles).where(
        (User.organisation == organisation_id) & (User.is_active == True)  # noqa: E712
    ).order_by(User.full_name)
    return [row for row in rows if Role.EVALUATOR in (row["roles"] or [])]


async def panel(framework_id: int) -> list[dict]:
    """Every assignment on the framework, with the evaluator's name and progress."""
    rows = await EvaluatorAssignment.select(
        EvaluatorAssignment.all_columns(), EvaluatorAssignment.evaluator.full_name.as_alias("name"),
        EvaluatorAssignment.lot.number.as_alias("lot_number"),
    ).where(EvaluatorAssignment.framework == framework_id).order_by(EvaluatorAssignment.assigned_at)
    submitted = await Evaluation.select(Evaluation.assignment).where(
        (Evaluation.assignment.framework == framework_id) & Evaluation.submitted_at.is_not_null()
    ).output(as_list=True)
    for row in rows:
        row["submitted"] = submitted.count(row["id"])
    return rows


async def assign(user: CurrentUser, reference: str, lot_number: int, evaluator_id: int) -> EvaluatorAssignment:
    async with audit.action("assign"):
        framework = await frameworks.for_officer(user, reference)
        if not lifecycle.capabilities(framework, clock.now()).may_change_panels:
            raise EvaluationError("Evaluators can be assigned from the invitation to tender until evaluation ends", field="evaluator")
        lot = await frameworks.lot_numbered(framework.id, lot_number)
        if lot is None:
            raise EvaluationError("Choose the lot", field="lot")
        evaluator = next((e for e in await evaluators_of(framework.authority) if e["id"] == evaluator_id), None)
        if evaluator is None:
            raise EvaluationError("Choose an evaluator of your authority", field="evaluator")
        if await EvaluatorAssignment.exists().where(
            (EvaluatorAssignment.lot == lot.id) & (EvaluatorAssignment.evaluator == evaluator_id) & EvaluatorAssignment.removed_at.is_null()
        ):
            raise EvaluationError(f"{evaluator['full_name']} is already on lot {lot_number}'s panel", field="evaluator")
        if await EvaluatorAssignment.exists().where(
            (EvaluatorAssignment.lot == lot.id) & (EvaluatorAssignment.evaluator == evaluator_id) & EvaluatorAssignment.conflict_details.is_not_null()
        ):
            raise EvaluationError(f"{evaluator['full_name']} declared a conflict of interest on lot {lot_number}", field="evaluator")
        assignment = EvaluatorAssignment(framework=framework.id, lot=lot.id, evaluator=evaluator_id, assigned_by=user.id, assigned_at=clock.now())
        await assignment.save()
        await audit.record("evaluation.assigned", actor=user.actor, object_type="framework", object_id=reference, payload={"lot": lot_number, "evaluator": evaluator_id})
        await notifications.enqueue(
            recipient=evaluator["email"], subject=f"{reference} lot {lot_number}: you are on the evaluation panel",
            body=(
                f"You have been asked to evaluate the tenders for {reference} – {framework.title}, lot {lot_number}: {lot.title}.\n\n"
                f"Once the tenders are opened, declare any conflict of interest, then score each tender on your own: {links.absolute('/evaluation')}\n"
            ),
        )
    return assignment


async def remove(user: CurrentUser, reference: str, assignment_id: int) -> None:
    async with audit.action("remove"):
        framework = await frameworks.for_officer(user, reference)
        if not lifecycle.capabilities(framework, clock.now()).may_change_panels:
            raise EvaluationError("The panel can only change until evaluation ends")
        removed = await EvaluatorAssignment.update({EvaluatorAssignment.removed_at: clock.now()}).where(
            (EvaluatorAssignment.id == assignment_id) & (EvaluatorAssignment.framework == framework.id) & EvaluatorAssignment.removed_at.is_null()
        ).returning(EvaluatorAssignment.id)
        if not removed:
            raise Missing("There is no such evaluator on the panel")
        await audit.record("evaluation.unassigned", actor=user.actor, object_type="framework", object_id=reference, payload={"assignment": assignment_id})


# --- An evaluator's own work --------------------------------------------------------------------


async def my_assignments(user: CurrentUser) -> list[dict]:
    return await EvaluatorAssignment.select(
        EvaluatorAssignment.all_columns(), EvaluatorAssignment.lot.number.as_alias("lot_number"), EvaluatorAssignment.lot.title.as_alias("lot_title"),
        EvaluatorAssignment.framework.reference.as_alias("reference"), EvaluatorAssignment.framework.title.as_alias("framework_title"),
        EvaluatorAssignment.framework.state.as_alias("state"),
    ).where(EvaluatorAssignment.evaluator == user.id).order_by(EvaluatorAssignment.assigned_at, ascending=False)


async def own_assignment(user: CurrentUser, assignment_id: int) -> tuple[EvaluatorAssignment, Framework, Lot]:
    assignment = await EvaluatorAssignment.objects().where((EvaluatorAssignment.id == assignment_id) & (EvaluatorAssignment.evaluator == user.id)).first()
    if assignment is None or not user.has_role(Role.EVALUATOR):
        raise Refused("That is not one of your evaluations")
    framework = await frameworks.by_id(assignment.framework)
    lot = await frameworks.lot_by_id(assignment.lot)
    return assignment, framework, lot


async def bidders(lot_id: int, *, offset: int = 0, limit: int | None = None) -> list[dict]:
    """The lot's tenders that count, with the bidder's name, in the bidders' order (by name; from
    `offset`, at most `limit`). Sealed until the tenders are opened: shown only through
    `bidders_for_evaluator`, and in the stages after the opening."""
    query = TenderSubmission.select(
        TenderSubmission.tender.id.as_alias("tender_id"), TenderSubmission.tender.organisation.id.as_alias("organisation_id"),
        TenderSubmission.tender.organisation.legal_name.as_alias("supplier"),
    ).where(_counting_in(lot_id)).order_by(TenderSubmission.tender.organisation.legal_name, TenderSubmission.tender.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    elif offset:
        query = query.offset(offset)
    return await query



async def bidders_for_evaluator(framework: Framework, lot: Lot, *, on_panel: bool) -> list[dict]:
    """Who bid for the lot, as an evaluator sees them: no one until the tenders are opened, and no one
    once off the panel (`on_panel` false: removed, or by declaring a conflict)."""
    return await bidders(lot.id) if on_panel and await _opened(framework) else []


async def _opened(framework: Framework) -> bool:
    return await opening.is_opened(framework.id)


async def declare(user: CurrentUser, assignment_id: int, *, conflicted: bool, details: str) -> EvaluatorAssignment:
    """Declare, before seeing any tender of the lot, whether there is a conflict of interest with any
    bidder. A conflict takes the evaluator off the lot, and the framework's officers are told."""
    details = details.strip()
    if conflicted and not details:
        raise EvaluationError("Say which bidder and what the conflict is", field="details")
    if len(details) > MAX_REASON:
        raise EvaluationError(f"Details must be {MAX_REASON:,} characters or fewer", field="details")
    async with audit.action("declare"):
        assignment, framework, lot = await own_assignment(user, assignment_id)
        if assignment.removed_at is not None:
            raise EvaluationError("You are no longer on this lot's panel")
        if assignment.declared_at is not None:
            raise EvaluationError("You have already made your declaration for this lot")
        if not await _opened(framework):
            raise EvaluationError("You can declare once the tenders have been opened and you can see who the bidders are")
        now = clock.now()
        values = {EvaluatorAssignment.declared_at: now}
        if conflicted:
            values |= {EvaluatorAssignment.conflict_details: details, EvaluatorAssignment.removed_at: now}
        await EvaluatorAssignment.update(values).where(EvaluatorAssignment.id == assignment.id)
        await audit.record(
            "evaluation.conflict_declared" if conflicted else "evaluation.no_conflict_declared", actor=user.actor,
            object_type="framework", object_id=framework.reference, payload={"lot": lot.number, "details": details or None},
        )
        if conflicted:
            await frameworks.tell_officers(framework, subject=f"{framework.reference} lot {lot.number}: an evaluator declared a conflict of interest", body=(
                f"{user.full_name} declared a conflict of interest on lot {lot.number} and is no longer on its panel.\n\n{details}\n\n"
                f"The lot needs at least {MIN_EVALUATORS} evaluators: {links.absolute(f'/manage/frameworks/{framework.reference}/evaluation')}\n"
            ))
    return await EvaluatorAssignment.objects().get(EvaluatorAssignment.id == assignment.id)


def may_read_lot(assignment: EvaluatorAssignment | None) -> bool:
    return assignment is not None and assignment.removed_at is None and assignment.declared_at is not None


async def active_assignment(user_id: int, lot_id: int) -> EvaluatorAssignment | None:
    return await EvaluatorAssignment.objects().where(
        (EvaluatorAssignment.evaluator == user_id) & (EvaluatorAssignment.lot == lot_id) & EvaluatorAssignment.removed_at.is_null()
    ).first()


async def quality_and_selection(framework: Framework, lot: Lot) -> list[Criterion]:
    return [c for c in criteria.for_lot(await criteria.criteria_of(framework.id), lot.id) if c.kind != CriterionKind.PRICE]


async def own_marks(assignment_id: int, tender_id: int) -> tuple[Evaluation | None, dict[int, Score]]:
    evaluation = await Evaluation.objects().where((Evaluation.assignment == assignment_id) & (Evaluation.tender == tender_id)).first()
    if evaluation is None:
        return None, {}
    return evaluation, {score.criterion: score for score in await Score.objects().where(Score.evaluation == evaluation.id)}


async def lot_marks_submitted(user_id: int, lot_id: int) -> bool:
    """Whether the user, on the lot's panel (a removed assignment never counts), has submitted final
    marks for every tender of the lot: from then on the prices of the lot's tenders are no longer kept
    from it (the price envelope, registry.tenders.sealing). Not before: one bidder's price would colour
    the quality marks still to be given to the others."""
    assignment = await active_assignment(user_id, lot_id)
    if not may_read_lot(assignment):
        return False
    submitted = set(await Evaluation.select(Evaluation.tender).where(
        (Evaluation.assignment == assignment.id) & Evaluation.submitted_at.is_not_null()
    ).output(as_list=True))
    lot_tenders = await _counting_tenders(lot_id)
    return bool(lot_tenders) and lot_tenders <= submitted


async def _counting_tenders(lot_id: int) -> set[int]:
    """The ids of the lot's tenders that count: `bidders` without the names and their order."""
    return set(await TenderSubmission.select(TenderSubmission.tender).where(_counting_in(lot_id)).output(as_list=True))


def _counting_in(lot_id: int):
    """The condition that picks the submissions that count of the lot's tenders."""
    return (TenderSubmission.tender.lot == lot_id) & TenderSubmission.counting()


async def own_progress(assignment_id: int) -> dict[int, str]:
    """The state of the evaluator's assessment of each tender: "submitted" or "draft", by tender id."""
    rows = await Evaluation.select(Evaluation.tender, Evaluation.submitted_at).where(Evaluation.assignment == assignment_id)
    return {row["tender"]: "submitted" if row["submitted_at"] else "draft" for row in rows}


class MarksRejected(EvaluationError):
    """Some marks on a form are not right: every problem at once, by field."""

    def __init__(self, problems: dict[str, str]):
        field, message = next(iter(problems.items()))
        super().__init__(message, field=field)
        self.problems = problems


def check_mark(criterion: Criterion, mark: Mark, scale_max: int, *, complete: bool) -> dict:
    """The values to store for a mark, or EvaluationError with the field and the problem. A complete
    mark (to submit) needs a mark and its reason; a draft may leave out either, never get one wrong."""
    field = f"c{criterion.id}"
    value, reason = mark.value.strip(), mark.reason.strip()
    if len(reason) > MAX_REASON:
        raise EvaluationError(f"{criterion.title}: the reason must be {MAX_REASON:,} characters or fewer", field=f"{field}-reason")
    if not value:
        if complete:
            raise EvaluationError(f"{criterion.title}: " + ("choose pass or fail" if criterion.kind == CriterionKind.SELECTION else "choose a score"), field=field)
        return {"score": None, "passed": None, "reason": reason} if reason else {}
    if criterion.kind == CriterionKind.SELECTION:
        if value not in ("pass", "fail"):
            raise EvaluationError(f"{criterion.title}: choose pass or fail", field=field)
        stored = {"passed": value == "pass", "score": None}
    else:
        if not is_whole_number(value) or not 0 <= int(value) <= scale_max:
            raise EvaluationError(f"{criterion.title}: the score must be on the scale, from 0 to {scale_max}", field=field)
        stored = {"score": int(value), "passed": None}
    if not reason and complete:
        raise EvaluationError(f"{criterion.title}: give the reason for your mark", field=f"{field}-reason")
    return {**stored, "reason": reason}


def check_marks(lot_criteria: list[Criterion], marks: list[Mark], scale_max: int, *, complete: bool) -> dict[int, dict]:
    """Every criterion's values to store (by criterion id), or MarksRejected with every problem."""
    given = {mark.criterion_id: mark for mark in marks}
    checked, problems = {}, {}
    for criterion in lot_criteria:
        try:
            checked[criterion.id] = check_mark(criterion, given.get(criterion.id, Mark(criterion.id, "", "")), scale_max, complete=complete)
        except EvaluationError as problem:
            problems[problem.field] = str(problem)
        # a wrong mark and a missing reason on one criterion: both are said
        mark = given.get(criterion.id)
        if complete and mark is not None and mark.value.strip() and not mark.reason.strip():
            problems.setdefault(f"c{criterion.id}-reason", f"{criterion.title}: give the reason for your mark")
    if problems:
        raise MarksRejected(problems)
    return checked


async def check_tender_in_lot(lot: Lot, tender_id: int) -> None:
    """Missing unless the tender is one of the lot's that count."""
    if tender_id not in await _counting_tenders(lot.id):
        raise Missing("There is no such tender in this lot")


async def save_marks(user: CurrentUser, assignment_id: int, tender_id: int, marks: list[Mark], *, submit: bool) -> Evaluation:
    """Save an evaluator's marks on one tender as a draft, or submit them (all criteria marked, each
    with a reason). Submitted marks are final."""
    async with audit.action("save marks"):
        await db.queue_under(EvaluatorAssignment, assignment_id)  # its evaluations and scores, and its declaration: one change at a time
        assignment, framework, lot = await own_assignment(user, assignment_id)
        if not may_read_lot(assignment):
            raise Refused("Declare your conflicts of interest for this lot before scoring")
        if framework.state != State.EVALUATION:
            raise EvaluationError("Scores can be given only while the framework is in evaluation")
        await check_tender_in_lot(lot, tender_id)
        scale_max = (await criteria.scheme_of(framework.id)).scale_max
        checked = check_marks(await quality_and_selection(framework, lot), marks, scale_max, complete=submit)
        evaluation, _ = await own_marks(assignment.id, tender_id)
        if evaluation is not None and evaluation.submitted_at is not None:
            raise EvaluationError("You have submitted your scores for this tender; they can no longer change")
        if evaluation is None:
            evaluation = Evaluation(assignment=assignment.id, tender=tender_id)
            await evaluation.save()
        await Score.delete().where(Score.evaluation == evaluation.id)
        for criterion_id, stored in checked.items():
            if stored:
                await Score.insert(Score(evaluation=evaluation.id, criterion=criterion_id, score=stored["score"], passed=stored["passed"], justification=stored["reason"]))
        if submit:
            await Evaluation.update({Evaluation.submitted_at: clock.now()}).where(Evaluation.id == evaluation.id)
        await audit.record(
            "evaluation.submitted" if submit else "evaluation.draft_saved", actor=user.actor, object_type="tender", object_id=tender_id,
            payload={"framework": framework.reference, "lot": lot.number},
        )
    return await Evaluation.objects().get(Evaluation.id == evaluation.id)


# --- What the lifecycle needs -------------------------------------------------------------------


async def _panel_problems(framework: Framework) -> tuple[list[str], list[str]]:
    """What blocks starting evaluation (each lot with tenders has a panel), and what else blocks
    starting moderation (every evaluator declared and scored every tender of their lot)."""
    lots = await frameworks.lots(framework.id)
    assignments = await EvaluatorAssignment.objects().where(EvaluatorAssignment.framework == framework.id)
    rows = await Evaluation.select(Evaluation.assignment, Evaluation.tender).where(
        (Evaluation.assignment.framework == framework.id) & Evaluation.submitted_at.is_not_null()
    )
    submitted = {(row["assignment"], row["tender"]) for row in rows}
    to_start, to_moderate = [], []
    for lot in lots:
        tenders = [row["tender_id"] for row in await bidders(lot.id)]
        if not tenders:
            continue
        active = [a for a in assignments if a.lot == lot.id and a.removed_at is None]
        if len(active) < MIN_EVALUATORS:
            to_start.append(f"Lot {lot.number}: assign at least {MIN_EVALUATORS} evaluators (it has {len(active)})")
        for assignment in active:
            if assignment.declared_at is None:
                to_moderate.append(f"Lot {lot.number}: an evaluator has not declared their conflicts of interest")
            elif any((assignment.id, tender) not in submitted for tender in tenders):
                to_moderate.append(f"Lot {lot.number}: an evaluator has not submitted scores for every tender")
    return to_start, list(dict.fromkeys(to_moderate))


async def panels_assigned(framework: Framework) -> list[str]:
    """Evaluation starts, and moderation too, only once every lot that received tenders has a panel
    of at least MIN_EVALUATORS: no tender is assessed by one person alone (the authority's own
    control: the regulations ask for equal treatment, PCSR 2015 reg. 19, Procurement Act 2023 s.12,
    not for a number of evaluators)."""
    return (await _panel_problems(framework))[0]


async def evaluations_submitted(framework: Framework) -> list[str]:
    """Moderation starts once every evaluator on a panel has declared their conflicts of interest
    (PCSR 2015 reg. 25; Procurement Act 2023 ss.81–83) and submitted their own scores for every
    tender of their lot, so that the consensus is reached from independent marks."""
    return (await _panel_problems(framework))[1]


# --- Moderation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Consensus:
    """The panel's consensus on one criterion of a tender, as the moderation sheet shows it."""

    score: int | None
    passed: bool | None
    rationale: str


@dataclass
class SheetRow:
    """One tender on the moderation sheet: every evaluator's marks per criterion, and the consensus."""

    tender_id: int
    supplier: str
    marks: dict[int, list[dict]]  # criterion id -> [{name, score, passed, justification}]
    consensus: dict[int, Consensus]

    def spread(self, criterion_id: int) -> int | None:
        scores = [m["score"] for m in self.marks.get(criterion_id, []) if m["score"] is not None]
        return max(scores) - min(scores) if scores else None

    def disagrees(self, criterion_id: int) -> bool:
        passes = {m["passed"] for m in self.marks.get(criterion_id, []) if m["passed"] is not None}
        return len(passes) > 1 or (self.spread(criterion_id) or 0) >= 2

    def to_discuss(self) -> int:
        """On how many criteria the evaluators differ enough to discuss."""
        return sum(1 for criterion_id in self.marks if self.disagrees(criterion_id))

    def agreed_on(self, lot_criteria: list[Criterion]) -> bool:
        """Whether the panel's consensus is recorded on every one of the criteria."""
        return all(c.id in self.consensus for c in lot_criteria)


@dataclass(frozen=True)
class Progress:
    tenders: int  # the lot's tenders that count
    agreed: int  # of which every criterion has its consensus mark


async def _moderated_lot(user: CurrentUser, reference: str, lot_number: int) -> tuple[Framework, Lot, list[Criterion]]:
    framework = await frameworks.for_officer(user, reference)
    if not lifecycle.capabilities(framework, clock.now()).moderation_started:
        raise EvaluationError("Scores are seen side by side once moderation has started")
    lot = await lot_of(framework, lot_number)
    return framework, lot, await quality_and_selection(framework, lot)


async def moderation_sheet(
    user: CurrentUser, reference: str, lot_number: int, *, offset: int = 0, limit: int | None = None,
) -> tuple[Framework, Lot, list[Criterion], list[SheetRow], LotModeration | None]:
    """The lot's tenders (those from `offset`, at most `limit`, in the bidders' order) with every
    evaluator's marks and the consensus so far."""
    framework, lot, lot_criteria = await _moderated_lot(user, reference, lot_number)
    shown = await bidders(lot.id, offset=offset, limit=limit)  # one page of a lot of thousands: only its rows are read
    rows = await _sheet_rows(lot, shown)
    completed = await LotModeration.objects().where(LotModeration.lot == lot.id).first()
    return framework, lot, lot_criteria, rows, completed


def consensus_open(framework: Framework, completed: LotModeration | None) -> bool:
    """Whether consensus marks may be recorded for a lot: in moderation, until the lot is complete."""
    return framework.state == State.MODERATION and completed is None


async def lot_open_for_consensus(framework: Framework, lot: Lot) -> bool:
    return consensus_open(framework, await LotModeration.objects().where(LotModeration.lot == lot.id).first())


@dataclass(frozen=True)
class TenderModeration:
    """One tender of a lot under moderation, with its neighbours in the bidders' order."""

    framework: Framework
    lot: Lot
    criteria: list[Criterion]
    row: SheetRow
    completed: LotModeration | None
    position: int  # from 1
    tenders: int
    previous: SheetRow | None
    next: SheetRow | None  # each with its supplier's name; marks only for `row`

    @property
    def open(self) -> bool:
        return consensus_open(self.framework, self.completed)


async def moderation_of_tender(user: CurrentUser, reference: str, lot_number: int, tender_id: int) -> TenderModeration:
    """Every evaluator's marks and the consensus so far for one tender of the lot."""
    framework, lot, lot_criteria = await _moderated_lot(user, reference, lot_number)
    everyone = await bidders(lot.id)
    index = next((i for i, bidder in enumerate(everyone) if bidder["tender_id"] == tender_id), None)
    if index is None:
        raise Missing("There is no such tender in this lot")
    (row,) = await _sheet_rows(lot, [everyone[index]])
    neighbour = lambda i: SheetRow(everyone[i]["tender_id"], everyone[i]["supplier"], {}, {}) if 0 <= i < len(everyone) else None  # noqa: E731
    return TenderModeration(
        framework=framework, lot=lot, criteria=lot_criteria, row=row,
        completed=await LotModeration.objects().where(LotModeration.lot == lot.id).first(),
        position=index + 1, tenders=len(everyone), previous=neighbour(index - 1), next=neighbour(index + 1),
    )


async def supplier_of_tender(lot: Lot, tender_id: int) -> str | None:
    """The name of the organisation that made one of the lot's tenders that count."""
    return next((bidder["supplier"] for bidder in await bidders(lot.id) if bidder["tender_id"] == tender_id), None)


async def next_to_moderate(framework: Framework, lot: Lot, after_tender_id: int) -> int | None:
    """The first tender after `after_tender_id` in the bidders' order (coming round to the start)
    that has no consensus on every criterion yet; None when every tender has one."""
    order = [bidder["tender_id"] for bidder in await bidders(lot.id)]
    agreed = await _agreed(framework, lot, order)
    start = order.index(after_tender_id) + 1 if after_tender_id in order else 0
    return next((tender for tender in order[start:] + order[:start] if tender not in agreed), None)


async def _agreed(framework: Framework, lot: Lot, tender_ids: list[int]) -> set[int]:
    """Which of the tenders have a consensus mark for every criterion."""
    needed = len(await quality_and_selection(framework, lot))
    marked = await ModeratedScore.select(ModeratedScore.tender, Count().as_alias("n")).where(
        ModeratedScore.tender.is_in(tender_ids or [-1])
    ).group_by(ModeratedScore.tender)
    return {row["tender"] for row in marked if row["n"] >= needed}


async def _sheet_rows(lot: Lot, shown: list[dict]) -> list[SheetRow]:
    tender_ids = [bidder["tender_id"] for bidder in shown] or [-1]
    submitted_marks = await Score.select(
        Score.criterion, Score.score, Score.passed, Score.justification, Score.evaluation.tender.as_alias("tender"),
        Score.evaluation.assignment.evaluator.full_name.as_alias("name"),
    ).where(
        (Score.evaluation.assignment.lot == lot.id) & Score.evaluation.tender.is_in(tender_ids) & Score.evaluation.submitted_at.is_not_null()
    ).order_by(Score.evaluation.assignment.evaluator.full_name)
    consensus = await ModeratedScore.select(
        ModeratedScore.tender, ModeratedScore.criterion, ModeratedScore.score, ModeratedScore.passed, ModeratedScore.rationale,
    ).where(ModeratedScore.tender.is_in(tender_ids))
    marks_by_tender: dict[int, dict[int, list[dict]]] = {}
    for mark in submitted_marks:
        marks_by_tender.setdefault(mark["tender"], {}).setdefault(mark["criterion"], []).append(mark)
    consensus_by_tender: dict[int, dict[int, Consensus]] = {}
    for moderated in consensus:
        consensus_by_tender.setdefault(moderated["tender"], {})[moderated["criterion"]] = Consensus(
            score=moderated["score"], passed=moderated["passed"], rationale=moderated["rationale"],
        )
    return [
        SheetRow(
            tender_id=bidder["tender_id"], supplier=bidder["supplier"], marks=marks_by_tender.get(bidder["tender_id"], {}),
            consensus=consensus_by_tender.get(bidder["tender_id"], {}),
        )
        for bidder in shown
    ]


async def moderation_progress(framework: Framework, lot: Lot) -> Progress:
    """How many of the lot's tenders have a consensus mark for every criterion."""
    needed = len(await quality_and_selection(framework, lot))
    tenders = await TenderSubmission.count().where(_counting_in(lot.id))
    (agreed,) = await ModeratedScore.raw(_AGREED_IN_LOT, lot.id, needed)
    return Progress(tenders=tenders, agreed=agreed["n"])


# How many of a lot's tenders that count have a consensus mark for every criterion (counted in the
# database: a lot may have thousands of tenders, each with a dozen marks).
_AGREED_IN_LOT = """
SELECT COUNT(*) AS n FROM (
    SELECT moderated_score.tender FROM moderated_score
    JOIN tender ON tender.id = moderated_score.tender
    JOIN tender_submission ON tender_submission.tender = tender.id
        AND tender_submission.superseded_at IS NULL AND tender_submission.withdrawn_at IS NULL
    WHERE tender.lot = {}
    GROUP BY moderated_score.tender
    HAVING COUNT(*) >= {}
) AS agreed
"""


async def save_consensus(user: CurrentUser, reference: str, lot_number: int, tender_id: int, marks: list[Mark]) -> None:
    """The moderating officer's consensus mark and rationale for each criterion of one tender."""
    async with audit.action("save consensus"):
        framework = await frameworks.for_officer(user, reference)
        if framework.state != State.MODERATION:
            raise EvaluationError("Consensus scores are recorded while the framework is in moderation")
        lot = await lot_of(framework, lot_number)
        if await LotModeration.exists().where(LotModeration.lot == lot.id):
            raise EvaluationError(f"Moderation of lot {lot_number} is complete; its scores are final")
        await check_tender_in_lot(lot, tender_id)
        scale_max = (await criteria.scheme_of(framework.id)).scale_max
        checked = check_marks(await quality_and_selection(framework, lot), marks, scale_max, complete=True)
        now = clock.now()
        await ModeratedScore.delete().where(ModeratedScore.tender == tender_id)
        for criterion_id, stored in checked.items():
            await ModeratedScore.insert(ModeratedScore(
                tender=tender_id, criterion=criterion_id, score=stored["score"], passed=stored["passed"], rationale=stored["reason"],
                moderated_by=user.id, moderated_at=now,
            ))
        await audit.record(
            "moderation.consensus_recorded", actor=user.actor, object_type="tender", object_id=tender_id,
            payload={"framework": reference, "lot": lot_number, "marks": {str(cid): s["score"] if s["score"] is not None else s["passed"] for cid, s in checked.items()}},
        )


async def complete_moderation(user: CurrentUser, reference: str, lot_number: int) -> LotModeration:
    async with audit.action("complete moderation"):
        framework = await frameworks.for_officer(user, reference)
        if framework.state != State.MODERATION:
            raise EvaluationError("Moderation can be completed only while the framework is in moderation")
        lot = await lot_of(framework, lot_number)
        if await LotModeration.exists().where(LotModeration.lot == lot.id):
            raise EvaluationError(f"Moderation of lot {lot_number} is already complete")
        tenders = [row["tender_id"] for row in await bidders(lot.id)]
        lot_criteria = await quality_and_selection(framework, lot)
        recorded = await ModeratedScore.count().where(ModeratedScore.tender.is_in(tenders or [-1]))
        if recorded < len(tenders) * len(lot_criteria):
            raise EvaluationError(f"Record a consensus mark for every criterion of every tender in lot {lot_number} first")
        record = LotModeration(lot=lot.id, completed_by=user.id, completed_at=clock.now())
        await record.save()
        await audit.record("moderation.completed", actor=user.actor, object_type="framework", object_id=reference, payload={"lot": lot_number})
    return record

