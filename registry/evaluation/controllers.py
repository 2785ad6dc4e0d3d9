"""Evaluation: officers set the panels and moderate (/manage/frameworks/{reference}/evaluation);
evaluators declare conflicts and score on their own (/evaluation)."""

from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.criteria import service as criteria
from registry.criteria.tables import Criterion
from registry.evaluation import service
from registry.frameworks import calendar, lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework
from registry.tenders import opening, sealing
from registry.tenders import service as tenders
from registry import paging
from registry.numbers import is_whole_number
from registry.web.forms import FormResult, add_problem
from registry.web.pages import Confirmation, confirmation, confirmed, page
from registry.web.remembered import Rendered, users_copy
from registry.web.dependencies import AppSettings
from registry.frameworks.dependencies import OFFICER_FRAMEWORK, OfficersFramework

MODERATION_PAGE_SIZE = 25  # tenders on one page of the moderation sheet


def marks_from(form, lot_criteria: list[Criterion]) -> tuple[list[service.Mark], dict[str, str]]:
    """The marks typed on a scoring or moderation form, and the same as form values to show again."""
    marks = [service.Mark(c.id, str(form.get(f"c{c.id}") or ""), str(form.get(f"c{c.id}-reason") or "")) for c in lot_criteria]
    values = {f"c{m.criterion_id}": m.value for m in marks} | {f"c{m.criterion_id}-reason": m.reason for m in marks}
    return marks, values


def shown_mark(score: int | None, passed: bool | None) -> str:
    """A stored mark as the form's field holds it: "pass", "fail", a score, or nothing yet."""
    if passed is not None:
        return "pass" if passed else "fail"
    return "" if score is None else str(score)


class EvaluationPanelController(Controller):
    path = "/manage/frameworks/{reference:str}/evaluation"
    include_in_schema = False
    guards = [requires_role(Role.PROCUREMENT_OFFICER)]
    dependencies = OFFICER_FRAMEWORK

    async def _panel_page(self, framework: OfficersFramework, errors: dict | None = None, values: dict | None = None) -> Template:
        lots = await frameworks.lots(framework.id)
        return page(
            "evaluation/panel.html", FormResult(data=None, errors=errors or {}, values=values or {}), framework=framework, lots=lots,
            panel=await service.panel(framework.id), evaluators=await service.evaluators_of(framework.authority),
            received=await sealing.received_per_lot(framework), labels=lifecycle.LABELS,
            changeable=lifecycle.capabilities(framework, clock.received()).may_change_panels, minimum=service.MIN_EVALUATORS,
        )

    @get("/")
    async def index(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return await self._panel_page(framework)

    @post("/assign")
    async def assign(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        form = await request.form()
        values = {"lot": str(form.get("lot") or ""), "evaluator": str(form.get("evaluator") or "")}
        errors = {}
        if not is_whole_number(values["lot"]):
            errors["lot"] = "Choose the lot"
        if not is_whole_number(values["evaluator"]):
            errors["evaluator"] = "Choose the evaluator"
        if not errors:
            try:
                await service.assign(user, reference, int(values["lot"]), int(values["evaluator"]))
                return Redirect(f"/manage/frameworks/{reference}/evaluation", status_code=303)
            except service.EvaluationError as problem:
                field = problem.field if problem.field in ("lot", "evaluator") else "evaluator"
                errors = add_problem(FormResult(data=None, values=values), problem, settings.zone, field_name=field).errors
        return await self._panel_page(framework, errors, values)

    @post("/assignments/{assignment_id:int}/remove")
    async def remove(self, reference: FromPath[str], assignment_id: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        try:
            await service.remove(user, reference, assignment_id)
        except service.EvaluationError as problem:
            return await self._panel_page(framework, add_problem(FormResult(data=None), problem, settings.zone, field_name="evaluator").errors)
        return Redirect(f"/manage/frameworks/{reference}/evaluation", status_code=303)

    # --- Moderation: the lot's sheet, then one tender per page -------------------------------------

    @get("/moderation/{lot:int}")
    async def moderation(self, request: Request, lot: FromPath[int], framework: OfficersFramework, user: SignedInUser) -> Template | Response:
        return await users_copy(request, lambda: self._sheet(request, framework, user, lot, asked_page=request.query_params.get("page")))

    async def _sheet(self, request: Request, framework: Framework, user: SignedInUser, lot: int, errors: dict | None = None, asked_page: str | None = None) -> Rendered:
        """Every tender of the lot in pages, each with how many criteria to discuss and whether the
        consensus is recorded; the consensus itself is recorded on each tender's own page."""
        reference = framework.reference
        lot_record = await service.lot_of(framework, lot)
        progress = await service.moderation_progress(framework, lot_record)
        shown = paging.page_of(asked_page, progress.tenders, MODERATION_PAGE_SIZE)
        try:
            framework, lot_record, lot_criteria, rows, completed = await service.moderation_sheet(
                user, reference, lot, offset=shown.offset, limit=shown.size,
            )
        except service.EvaluationError as problem:
            raise NotFoundException(str(problem)) from None
        address = f"/manage/frameworks/{reference}/evaluation/moderation/{lot}"
        return Rendered(page(
            "evaluation/moderation.html", FormResult(data=None, errors=errors or {}), framework=framework, lot=lot_record,
            criteria=lot_criteria, rows=rows, completed=completed, open=service.consensus_open(framework, completed), progress=progress, sheet_page=shown,
            pagination=paging.pagination(shown.number, shown.pages, lambda n: f"{address}?page={n}"),
            saved=await _saved_supplier(request, lot_record),
        ), until=calendar.next_key_date(framework, clock.received()))

    @get("/moderation/{lot:int}/tenders/{tender_id:int}")
    async def moderate_tender(self, request: Request, reference: FromPath[str], lot: FromPath[int], tender_id: FromPath[int], framework: OfficersFramework, user: SignedInUser) -> Template:
        return await self._tender_page(request, user, reference, lot, tender_id)

    async def _tender_page(
        self, request: Request, user: SignedInUser, reference: str, lot: int, tender_id: int, errors: dict | None = None, values: dict | None = None,
    ) -> Template:
        """The moderation of one tender (for a handler given the officer's framework, which checks the officer)."""
        try:
            moderation = await service.moderation_of_tender(user, reference, lot, tender_id)
        except service.EvaluationError as problem:
            raise NotFoundException(str(problem)) from None
        if values is None:
            values = {}
            for criterion_id, mark in moderation.row.consensus.items():
                values[f"c{criterion_id}"] = shown_mark(mark.score, mark.passed)
                values[f"c{criterion_id}-reason"] = mark.rationale
        return page(
            "evaluation/moderate_tender.html", FormResult(data=None, errors=errors or {}, values=values), moderation=moderation,
            framework=moderation.framework, lot=moderation.lot, criteria=moderation.criteria, row=moderation.row,
            scheme=await criteria.scheme_of(moderation.framework.id),
            saved=await _saved_supplier(request, moderation.lot),
        )

    @post("/moderation/{lot:int}/tenders/{tender_id:int}")
    async def save_consensus(self, request: Request, reference: FromPath[str], lot: FromPath[int], tender_id: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        lot_record = await service.lot_of(framework, lot)
        form = await request.form()
        marks, values = marks_from(form, await service.quality_and_selection(framework, lot_record))
        try:
            await service.save_consensus(user, reference, lot, tender_id, marks)
        except service.EvaluationError as problem:
            return await self._tender_page(request, user, reference, lot, tender_id, _problems(problem, "moderation", settings.zone), values)
        address = f"/manage/frameworks/{reference}/evaluation/moderation/{lot}"
        following = await service.next_to_moderate(framework, lot_record, tender_id)
        if following is None:  # every tender has its consensus: back to the sheet, to complete the lot
            return Redirect(f"{address}?saved={tender_id}", status_code=303)
        return Redirect(f"{address}/tenders/{following}?saved={tender_id}", status_code=303)

    @get("/moderation/{lot:int}/complete")
    async def confirm_completion(self, reference: FromPath[str], lot: FromPath[int], framework: OfficersFramework) -> Template:
        lot_record = await service.lot_of(framework, lot)
        if not await service.lot_open_for_consensus(framework, lot_record):
            raise NotFoundException(f"Moderation of lot {lot} cannot be completed now")
        progress = await service.moderation_progress(framework, lot_record)
        sheet = f"/manage/frameworks/{reference}/evaluation/moderation/{lot}"
        return confirmation(Confirmation(
            title=f"Complete moderation of lot {lot}", caption=f"{reference}, lot {lot}: {lot_record.title}",
            rows=[{"key": {"text": "Consensus recorded"}, "value": {"text": f"{progress.agreed} of {progress.tenders} tenders"}}],
            warning="The consensus marks become final: no one can change them afterwards. They decide the lot's results, and each "
                    "bidder's debrief letter quotes them with their rationale.",
            action=f"{sheet}/complete", button=f"Complete moderation of lot {lot}", back=sheet,
        ))

    @post("/moderation/{lot:int}/complete")
    async def complete(self, request: Request, reference: FromPath[str], lot: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        if not await confirmed(request) and await service.lot_open_for_consensus(framework, await service.lot_of(framework, lot)):
            return Redirect(f"/manage/frameworks/{reference}/evaluation/moderation/{lot}/complete", status_code=303)
        try:
            await service.complete_moderation(user, reference, lot)
        except service.EvaluationError as problem:
            return (await self._sheet(request, framework, user, lot, add_problem(FormResult(data=None), problem, settings.zone, field_name="moderation").errors)).response
        return Redirect(f"/manage/frameworks/{reference}/evaluation/moderation/{lot}", status_code=303)


async def _saved_supplier(request: Request, lot) -> str | None:
    """The supplier whose consensus was just saved (the `saved` tender), for the confirmation."""
    saved = request.query_params.get("saved", "")
    return await service.supplier_of_tender(lot, int(saved)) if is_whole_number(saved) else None


def _problems(problem: service.EvaluationError, general: str, zone: ZoneInfo) -> dict[str, str]:
    """A refusal as the form's errors: every rejected mark by its field, or one general problem."""
    if isinstance(problem, service.MarksRejected):
        return problem.problems
    return add_problem(FormResult(data=None), problem, zone, field_name=problem.field if problem.field.startswith("c") else general).errors


class EvaluatorController(Controller):
    path = "/evaluation"
    include_in_schema = False
    guards = [requires_role(Role.EVALUATOR)]

    @get("/", name="evaluation")
    async def index(self, user: SignedInUser) -> Template:
        return page("evaluation/mine.html", assignments=await service.my_assignments(user), labels=lifecycle.LABELS)

    @get("/{assignment_id:int}")
    async def assignment(self, request: Request, assignment_id: FromPath[int], user: SignedInUser) -> Template:
        assignment, framework, lot = await service.own_assignment(user, assignment_id)
        return await self._assignment_page(request, assignment, framework, lot)

    async def _assignment_page(self, request: Request, assignment, framework, lot, errors: dict | None = None, values: dict | None = None) -> Template:
        opened = await opening.is_opened(framework.id)
        bidders = await service.bidders_for_evaluator(framework, lot, on_panel=assignment.removed_at is None)
        progress = await service.own_progress(assignment.id)
        just = request.query_params.get("submitted") or request.query_params.get("saved") or ""
        return page(
            "evaluation/assignment.html", FormResult(data=None, errors=errors or {}, values=values or {}), assignment=assignment,
            framework=framework, lot=lot, bidders=bidders, opened=opened, progress=progress,
            just_supplier=next((b["supplier"] for b in bidders if str(b["tender_id"]) == just), None),
            just_submitted="submitted" in request.query_params,
            all_submitted=bool(bidders) and all(progress.get(b["tender_id"]) == "submitted" for b in bidders),
            may_read=service.may_read_lot(assignment), labels=lifecycle.LABELS,
        )

    @post("/{assignment_id:int}/declaration")
    async def declare(self, request: Request, assignment_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        assignment, framework, lot = await service.own_assignment(user, assignment_id)
        form = await request.form()
        values = {"conflict": str(form.get("conflict") or ""), "details": str(form.get("details") or "")}
        if values["conflict"] not in ("no", "yes"):
            return await self._assignment_page(request, assignment, framework, lot, {"conflict": "Say whether you have a conflict of interest with any bidder"}, values)
        try:
            await service.declare(user, assignment_id, conflicted=values["conflict"] == "yes", details=values["details"])
        except service.EvaluationError as problem:
            field = problem.field if problem.field == "details" else "conflict"
            return await self._assignment_page(request, assignment, framework, lot, add_problem(FormResult(data=None), problem, settings.zone, field_name=field).errors, values)
        return Redirect(f"/evaluation/{assignment_id}", status_code=303)

    async def _tender_of_lot(self, user: SignedInUser, assignment_id: int, tender_id: int):
        """The assignment, once the evaluator may read its lot's tenders (refused alike for every tender
        id until then: sealing), and the tender asked for, which must be one of them."""
        assignment, framework, lot = await service.own_assignment(user, assignment_id)
        await sealing.check_evaluator(user, framework, tender_id, reads_lot=service.may_read_lot(assignment))
        await service.check_tender_in_lot(lot, tender_id)
        return assignment, framework, lot

    async def _scoring_page(self, user: SignedInUser, assignment_id: int, tender_id: int, errors: dict | None = None, values: dict | None = None) -> Template:
        assignment, framework, lot = await self._tender_of_lot(user, assignment_id, tender_id)
        tender, submission, content = await sealing.readable_tender(user, framework, tender_id, as_evaluator=True)  # no price before final marks
        evaluation, marks = await service.own_marks(assignment.id, tender_id)
        if values is None:
            values = {}
            for criterion_id, mark in marks.items():
                values[f"c{criterion_id}"] = shown_mark(mark.score, mark.passed)
                values[f"c{criterion_id}-reason"] = mark.justification
        bidders = await service.bidders(lot.id)
        index = next(i for i, b in enumerate(bidders) if b["tender_id"] == tender_id)
        return page(
            "evaluation/score.html", FormResult(data=None, errors=errors or {}, values=values), assignment=assignment, framework=framework,
            lot=lot, content=content, tender_id=tender_id, evaluation=evaluation, price_envelope=True, criteria=await service.quality_and_selection(framework, lot),
            scheme=await criteria.scheme_of(framework.id), open_for_scoring=framework.state == "evaluation",
            position=index + 1, tenders=len(bidders),
            previous=bidders[index - 1] if index > 0 else None, next=bidders[index + 1] if index + 1 < len(bidders) else None,
        )

    @get("/{assignment_id:int}/tenders/{tender_id:int}/documents/{sha256:str}")
    async def document(self, assignment_id: FromPath[int], tender_id: FromPath[int], sha256: FromPath[str], user: SignedInUser, settings: AppSettings) -> Response:
        assignment, framework, lot = await self._tender_of_lot(user, assignment_id, tender_id)
        document = await sealing.readable_document(user, framework, tender_id, sha256, as_evaluator=True)  # no priced document before the lot's marks
        return Response(
            tenders.read_document(document, settings.files_dir), media_type=document.content_type,
            headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
        )

    @get("/{assignment_id:int}/tenders/{tender_id:int}")
    async def score_form(self, assignment_id: FromPath[int], tender_id: FromPath[int], user: SignedInUser) -> Template:
        # Built every time, never a kept copy: each reading of a tender is recorded (registry.tenders.sealing).
        return await self._scoring_page(user, assignment_id, tender_id)

    @post("/{assignment_id:int}/tenders/{tender_id:int}")
    async def save_scores(self, request: Request, assignment_id: FromPath[int], tender_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        """Save a draft (incomplete marks are kept), or, to submit, save the draft and check that every
        criterion is marked with its reason, then ask for confirmation: submitted marks are final."""
        assignment, framework, lot = await service.own_assignment(user, assignment_id)
        form = await request.form()
        lot_criteria = await service.quality_and_selection(framework, lot)
        marks, values = marks_from(form, lot_criteria)
        submitting = form.get("action") == "submit"
        final = submitting and form.get("confirmed") == "yes"
        try:
            await service.save_marks(user, assignment_id, tender_id, marks, submit=final)
            if submitting and not final:
                service.check_marks(lot_criteria, marks, (await criteria.scheme_of(framework.id)).scale_max, complete=True)
                return await self._confirm_submission(user, assignment_id, tender_id, lot_criteria, values)
        except service.EvaluationError as problem:
            return await self._scoring_page(user, assignment_id, tender_id, _problems(problem, "evaluation", settings.zone), values)
        return Redirect(f"/evaluation/{assignment_id}?{'submitted' if final else 'saved'}={tender_id}", status_code=303)

    async def _confirm_submission(self, user: SignedInUser, assignment_id: int, tender_id: int, lot_criteria: list[Criterion], values: dict) -> Template:
        assignment, framework, lot = await self._tender_of_lot(user, assignment_id, tender_id)
        supplier = await service.supplier_of_tender(lot, tender_id)
        scoring = f"/evaluation/{assignment_id}/tenders/{tender_id}"
        return confirmation(Confirmation(
            title=f"Check your marks for {supplier}", caption=f"{framework.reference}, lot {lot.number}: {lot.title}",
            rows=[
                {"key": {"text": c.title}, "value": {"text": f"{values[f'c{c.id}'].capitalize()}: {values[f'c{c.id}-reason']}"},
                 "actions": {"items": [{"href": scoring, "text": "Change", "visuallyHiddenText": c.title}]}}
                for c in lot_criteria
            ],
            warning="Submitted marks are final: you cannot change them afterwards. Your draft is saved: you can go back and change it first.",
            action=scoring, button="Submit your marks", back=scoring, fields={**values, "action": "submit"},
        ))
