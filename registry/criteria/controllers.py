"""Procurement officers writing the assessment criteria and publishing the invitation to tender
(/manage/frameworks/{reference}/criteria and /itt)."""

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.conflicts import service as conflicts
from registry.criteria import invitation, service
from registry.criteria.schemas import CriterionForm, InvitationForm, SchemeForm
from registry.criteria.tables import Criterion, CriterionKind
from registry.frameworks import documents as framework_documents
from registry.frameworks import lifecycle, periods, terms
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework
from registry.interest import service as interest
from registry.numbers import is_whole_number
from registry.web.forms import FormResult, add_error, add_problem, read_form
from registry.web.pages import page
from registry.web.dependencies import AppSettings
from registry.frameworks.dependencies import OFFICER_FRAMEWORK, OfficersFramework


async def _overview_context(framework: Framework) -> dict:
    all_criteria = await service.criteria_of(framework.id)
    lots = await frameworks.lots(framework.id)
    return {
        "framework": framework, "scheme": await service.scheme_of(framework.id), "criteria": all_criteria, "lots": lots,
        "lot_numbers": {lot.id: lot.number for lot in lots}, "problems": service.problems(all_criteria, lots),
        "kinds": service.KIND_NAMES, "amending": not lifecycle.before_itt(framework.state),
        "changeable": service.changeable(framework, clock.now()),
        "terms_frozen": terms.EXPLANATION if terms.terms_frozen(framework, clock.now()) else None,
    }


def criterion_values(criterion: Criterion, lot_numbers: dict[int, int]) -> dict:
    return {
        "kind": criterion.kind, "title": criterion.title, "guidance": criterion.guidance,
        "lot": str(lot_numbers.get(criterion.lot, "")) if criterion.lot else "",
        "weight": "" if criterion.weight is None else str(criterion.weight),
        "minimum_score": "" if criterion.minimum_score is None else str(criterion.minimum_score),
        "word_limit": "" if criterion.word_limit is None else str(criterion.word_limit),
    }


class CriteriaController(Controller):
    path = "/manage/frameworks/{reference:str}"
    include_in_schema = False
    guards = [requires_role(Role.PROCUREMENT_OFFICER)]
    dependencies = OFFICER_FRAMEWORK

    @get("/criteria")
    async def overview(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return page("criteria/overview.html", **await _overview_context(framework))

    # --- The split and the scale ----------------------------------------------------------------

    @get("/criteria/scheme")
    async def scheme_form(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        scheme = await service.scheme_of(framework.id)
        values = {"quality_share": str(scheme.quality_share), "scale": "\n".join(scheme.scale)}
        return page("criteria/scheme_form.html", FormResult(data=None, values=values), framework=framework, amending=scheme.locked)

    @post("/criteria/scheme")
    async def save_scheme(
        self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings,
    ) -> Template | Redirect:
        result = await read_form(request, SchemeForm)
        if result.ok:
            try:
                await service.save_scheme(
                    user, reference, quality_share=int(result.data.quality_share), scale=result.data.scale_labels(),
                    change_summary=result.data.change_summary,
                )
                return Redirect(f"/manage/frameworks/{reference}/criteria", status_code=303)
            except service.CriteriaError as problem:
                result = add_problem(result, problem, settings.zone)
        return page("criteria/scheme_form.html", result, framework=framework, amending=not lifecycle.before_itt(framework.state))

    # --- Criteria -------------------------------------------------------------------------------

    async def _criterion_page(self, framework: OfficersFramework, result: FormResult, criterion_id: int | None) -> Template:
        return page(
            "criteria/criterion_form.html", result, framework=framework, criterion_id=criterion_id,
            lots=await frameworks.lots(framework.id), scheme=await service.scheme_of(framework.id),
            amending=not lifecycle.before_itt(framework.state), kinds=service.KIND_NAMES, default_word_limit=service.DEFAULT_WORD_LIMIT,
        )

    @get("/criteria/new")
    async def new_criterion(self, framework: OfficersFramework, reference: FromPath[str], kind: FromQuery[str | None] = None) -> Template:
        values = {"kind": kind if kind in set(CriterionKind) else ""}
        return await self._criterion_page(framework, FormResult(data=None, values=values), None)

    @post("/criteria/new")
    async def add_criterion(self, request: Request, framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        return await self._save(request, framework, user, settings, None)

    @get("/criteria/{criterion_id:int}")
    async def edit_criterion(self, reference: FromPath[str], criterion_id: FromPath[int], framework: OfficersFramework) -> Template:
        criterion = next((c for c in await service.criteria_of(framework.id) if c.id == criterion_id), None)
        if criterion is None:
            raise NotFoundException("There is no such criterion")
        lot_numbers = {lot.id: lot.number for lot in await frameworks.lots(framework.id)}
        return await self._criterion_page(framework, FormResult(data=None, values=criterion_values(criterion, lot_numbers)), criterion_id)

    @post("/criteria/{criterion_id:int}")
    async def change_criterion(
        self, request: Request, criterion_id: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings,
    ) -> Template | Redirect:
        return await self._save(request, framework, user, settings, criterion_id)

    async def _save(
        self, request: Request, framework: OfficersFramework, user: SignedInUser, settings: AppSettings, criterion_id: int | None,
    ) -> Template | Redirect:
        reference = framework.reference
        if criterion_id is not None and not await Criterion.exists().where((Criterion.id == criterion_id) & (Criterion.framework == framework.id)):
            raise NotFoundException("There is no such criterion")
        result = await read_form(request, CriterionForm)
        if result.ok:
            try:
                await service.save_criterion(user, reference, criterion_id, result.data.spec(), change_summary=result.data.change_summary)
                return Redirect(f"/manage/frameworks/{reference}/criteria", status_code=303)
            except service.CriteriaError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._criterion_page(framework, result, criterion_id)

    @post("/criteria/{criterion_id:int}/remove")
    async def remove_criterion(self, request: Request, reference: FromPath[str], criterion_id: FromPath[int], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        change_summary = (await request.form()).get("change_summary")
        try:
            await service.remove_criterion(user, reference, criterion_id, change_summary=change_summary)
        except service.CriteriaError as problem:
            context = await _overview_context(framework)
            return page("criteria/overview.html", status_code=400, **{**context, "refusal": str(problem)})
        return Redirect(f"/manage/frameworks/{reference}/criteria", status_code=303)

    @get("/criteria/weights")
    async def weights_form(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        quality = [c for c in await service.criteria_of(framework.id) if c.kind == CriterionKind.QUALITY]
        values = {f"weight-{c.id}": str(c.weight) for c in quality}
        return page("criteria/weights_form.html", FormResult(data=None, values=values), **await _overview_context(framework), quality=quality)

    @post("/criteria/weights")
    async def save_weights(
        self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings,
    ) -> Template | Redirect:
        quality = [c for c in await service.criteria_of(framework.id) if c.kind == CriterionKind.QUALITY]
        form = await request.form()
        values = {f"weight-{c.id}": str(form.get(f"weight-{c.id}", "")).strip() for c in quality}
        values["change_summary"] = str(form.get("change_summary") or "")
        errors = {name: "Enter a whole number from 1 to 100" for name, value in values.items() if name.startswith("weight-") and not is_whole_number(value)}
        result = FormResult(data=None, errors=errors, values=values)
        if not errors:
            try:
                weights = {c.id: int(values[f"weight-{c.id}"]) for c in quality}
                await service.save_weights(user, reference, weights, change_summary=values["change_summary"])
                return Redirect(f"/manage/frameworks/{reference}/criteria", status_code=303)
            except service.CriteriaError as problem:
                result = add_problem(result, problem, settings.zone, field_name="weights" if problem.field == "title" else None)
        return page("criteria/weights_form.html", result, **await _overview_context(framework), quality=quality)

    # --- The invitation to tender ---------------------------------------------------------------

    async def _invitation_page(self, framework: OfficersFramework, result: FormResult | None = None) -> Template:
        context = await _overview_context(framework)
        conflicts_problems = await conflicts.prepared_problems(framework)
        ready = lifecycle.capabilities(framework, clock.received()).may_publish_itt and not context["problems"] and not conflicts_problems
        minimum = await periods.minimum_for(framework, clock.received())  # were it published now
        return page("criteria/itt.html", result, ready=ready, labels=lifecycle.LABELS, minimum=minimum, conflicts_problems=conflicts_problems, **context)

    async def _check_invitation(self, framework: OfficersFramework, result: FormResult, clarification_deadline, tender_deadline) -> Template:
        return page(
            "criteria/itt_check.html", result, clarification_deadline=clarification_deadline, tender_deadline=tender_deadline,
            warnings=invitation.warnings(tender_deadline, clock.now(), len(await framework_documents.for_framework(framework.id))),
            interested=len(await interest.interested_user_emails(framework.id)), **await _overview_context(framework),
        )

    @get("/itt")
    async def invitation_form(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return await self._invitation_page(framework)

    @post("/itt")
    async def publish_invitation(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        """The deadlines, then a check page with what publishing will do and any warnings; publishing
        happens only from that page (`confirmed`)."""
        result = await read_form(request, InvitationForm)
        if not lifecycle.capabilities(framework, clock.received()).may_publish_itt and framework.tender_deadline is not None:  # sent again after publishing
            return Redirect(f"/manage/frameworks/{reference}?done=itt_published", status_code=303)
        if result.ok:
            clarification_deadline, tender_deadline = result.data.deadlines(settings.zone)
            problems = await invitation.deadline_problems(framework, clarification_deadline, tender_deadline, clock.now())
            if not problems and (await request.form()).get("confirmed") != "yes":
                return await self._check_invitation(framework, result, clarification_deadline, tender_deadline)
            try:
                await invitation.publish(user, reference, clarification_deadline=clarification_deadline, tender_deadline=tender_deadline)
                return Redirect(f"/manage/frameworks/{reference}?done=itt_published", status_code=303)
            except service.CriteriaError as problem:
                result = add_problem(result, problem, settings.zone)
            except (frameworks.TransitionBlocked, lifecycle.IllegalTransition) as problem:
                result = add_error(result, "publish", str(problem))
        return await self._invitation_page(framework, result)
