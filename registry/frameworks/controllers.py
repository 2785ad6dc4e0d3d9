"""Procurement officers creating and running frameworks (/manage/frameworks)."""

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.frameworks import calendar, documents, eligibility, lifecycle, periods, service, terms
from registry.frameworks.dependencies import OFFICER_FRAMEWORK, OfficersFramework
from registry.frameworks.schemas import AmendmentForm, CancelForm, FrameworkForm, LotForm
from registry.errors import RuleBroken
from registry.frameworks.tables import Framework, State
from registry.reference import cpv, taxonomies
from registry.web.forms import FormResult, add_error, add_problem, read_form
from registry.web.pages import confirmed, page
from registry.web.remembered import Rendered, users_copy
from registry.web.dependencies import AppSettings
from registry.files import storage


def details_values(framework: Framework) -> dict:
    start = framework.start_date
    return {
        "title": framework.title, "summary": framework.summary, "description": framework.description,
        "estimated_value": "" if framework.estimated_value is None else str(framework.estimated_value),
        "start_day": start.day if start else "", "start_month": start.month if start else "", "start_year": start.year if start else "",
        "duration_months": framework.duration_months or "", "regime": framework.regime, "call_off_routes": list(framework.call_off_routes or []),
        "contact_name": framework.contact_name, "contact_email": framework.contact_email, "contact_telephone": framework.contact_telephone,
        "cpv_codes": [code for code in framework.cpv_codes or [] if code in cpv.PARTICIPATION_CODES],
        "other_cpv_codes": ", ".join(code.label for code in cpv.in_order(framework.cpv_codes or []) if code.code not in cpv.PARTICIPATION_CODES),
        "community_benefits": framework.community_benefits or "", "community_benefits_none_reason": framework.community_benefits_none_reason or "",
    }


def details_page(template: str, result: FormResult | None = None, **context) -> Template:
    """The details or amendment form, with the participation services offered first in its CPV picker."""
    return page(template, result, cpv_choices=cpv.participation_codes(), **context)


def frozen_explanation(framework: Framework) -> str | None:
    """What the forms say once the tender deadline has passed and the terms are frozen; None before."""
    return terms.EXPLANATION if terms.terms_frozen(framework, clock.now()) else None


def refused(result: FormResult, problems: dict[str, str]) -> FormResult:
    """The form again, with each field the service refused to change marked with its reason."""
    for field_name, message in problems.items():
        result = add_error(result, field_name, message)
    return result


class ManageFrameworksController(Controller):
    path = "/manage/frameworks"
    include_in_schema = False
    guards = [requires_role(Role.PROCUREMENT_OFFICER)]
    dependencies = OFFICER_FRAMEWORK

    @get("/", name="manage_frameworks")
    async def index(self, request: Request, user: SignedInUser) -> Template | Response:
        async def build() -> Rendered:
            frameworks = await service.managed_by(user.organisation_id)
            listed = page("frameworks/manage_index.html", frameworks=frameworks, labels=lifecycle.LABELS)
            return Rendered(listed, until=calendar.next_key_date_of_any(frameworks, clock.received()))  # each one's stage is read with the clock

        return await users_copy(request, build)

    @get("/new")
    async def new(self) -> Template:
        return details_page("frameworks/details_form.html", FormResult(data=None, values={"regime": "scotland"}), framework=None)

    @post("/new")
    async def create(self, request: Request, user: SignedInUser) -> Template | Redirect:
        result = await read_form(request, FrameworkForm)
        if not result.ok:
            return details_page("frameworks/details_form.html", result, framework=None)
        framework = await service.create(user, result.data.details())
        return Redirect(f"/manage/frameworks/{framework.reference}", status_code=303)

    @get("/{reference:str}")
    async def task_list(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Template | Response:
        async def build() -> Rendered:
            current = await service.for_officer(user, reference)  # read after the change token, as the copy is kept by it
            listed = await self._task_list(current, done=request.query_params.get("done"))
            return Rendered(listed, until=calendar.next_turn_of_moves(current, clock.received()))

        return await users_copy(request, build)

    async def _task_list(self, framework: OfficersFramework, problems: list[str] | None = None, status_code: int = 200, done: str | None = None) -> Template:
        procedure = lifecycle.lifecycle_of(framework)
        forward = procedure.forward_steps(framework.state)
        facts = await service.facts_for(framework, [t.target for t in forward])  # the next steps' checks, not the cancellation's
        lots = await service.lots(framework.id)
        steps = [(t, procedure.problems_blocking(framework.state, t.target, facts, clock.received()), procedure.stages[t.target].page) for t in forward]
        reached = State(done) if done == framework.state else None  # the confirmation of a move just made
        return page(
            "frameworks/task_list.html",
            framework=framework, lots=lots, labels=procedure.labels, steps=steps, problems=problems or [],
            reached=reached, reached_meaning=procedure.stages[reached].meaning if reached else None,
            pin_problems=lifecycle.pin_problems(facts), timeline=await service.timeline(framework.id),
            can_cancel=procedure.cancellable(framework.state), notices=await service.notices(framework.id),
            light_touch=periods.light_touch_of(framework), status_code=status_code,
        )

    @get("/{reference:str}/details")
    async def edit_details(self, reference: FromPath[str], framework: OfficersFramework) -> Template | Redirect:
        if framework.state != State.DRAFT:
            return Redirect(f"/manage/frameworks/{reference}/amend", status_code=303)
        return details_page(
            "frameworks/details_form.html", FormResult(data=None, values=details_values(framework)), framework=framework,
            terms_frozen=frozen_explanation(framework),
        )

    @post("/{reference:str}/details")
    async def save_details(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        result = await read_form(request, FrameworkForm)
        frozen = frozen_explanation(framework)
        if not result.ok:
            return details_page("frameworks/details_form.html", result, framework=framework, terms_frozen=frozen)
        try:
            await service.update_details(user, reference, result.data.details())
        except service.TermsFrozen as refusal:
            return details_page("frameworks/details_form.html", refused(result, refusal.problems), framework=framework, terms_frozen=terms.EXPLANATION)
        except RuleBroken as problem:
            return details_page("frameworks/details_form.html", add_problem(result, problem, settings.zone, field_name="title"), framework=framework, terms_frozen=frozen)
        return Redirect(f"/manage/frameworks/{reference}", status_code=303)

    @get("/{reference:str}/lots/new")
    async def new_lot(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return page(
            "frameworks/lot_form.html", framework=framework, lot_number=None, subjects=taxonomies.terms("lot_subjects"),
            terms_frozen=frozen_explanation(framework),
        )

    @get("/{reference:str}/lots/{number:int}")
    async def edit_lot(self, reference: FromPath[str], number: FromPath[int], framework: OfficersFramework) -> Template:
        lot = await service.lot_numbered(framework.id, number)
        if lot is None:
            raise NotFoundException(f"There is no lot {number}")
        values = {"title": lot.title, "scope": lot.scope, "subject": lot.subject or "", "max_suppliers": lot.max_suppliers or "",
                  "estimated_value": "" if lot.estimated_value is None else str(lot.estimated_value)}
        return page(
            "frameworks/lot_form.html", FormResult(data=None, values=values), framework=framework, lot_number=number,
            subjects=taxonomies.terms("lot_subjects"), terms_frozen=frozen_explanation(framework),
        )

    @post("/{reference:str}/lots/new")
    async def add_lot(self, request: Request, framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        return await self._save_lot(request, framework, user, settings, None)

    @post("/{reference:str}/lots/{number:int}")
    async def change_lot(self, request: Request, number: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        return await self._save_lot(request, framework, user, settings, number)

    async def _save_lot(self, request: Request, framework: OfficersFramework, user: SignedInUser, settings: AppSettings, number: int | None) -> Template | Redirect:
        reference = framework.reference
        result = await read_form(request, LotForm)
        if result.ok:
            form = result.data
            try:
                await service.save_lot(
                    user, reference, number=number, title=form.title, scope=form.scope,
                    subject=form.subject, max_suppliers=int(form.max_suppliers), estimated_value=form.value_in_pounds(),
                )
                return Redirect(f"/manage/frameworks/{reference}", status_code=303)
            except service.TermsFrozen as refusal:  # adding a lot is told beside its title
                result = refused(result, {("title" if name == terms.LOTS else name): message for name, message in refusal.problems.items()})
            except RuleBroken as problem:
                result = add_problem(result, problem, settings.zone, field_name="title")
        return page(
            "frameworks/lot_form.html", result, framework=framework, lot_number=number, subjects=taxonomies.terms("lot_subjects"),
            terms_frozen=frozen_explanation(framework),
        )

    @post("/{reference:str}/lots/{number:int}/remove")
    async def remove_lot(self, reference: FromPath[str], number: FromPath[int], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        try:
            await service.remove_lot(user, reference, number)
        except service.FrameworkError as problem:
            return await self._task_list(framework, [str(problem)], status_code=400)
        return Redirect(f"/manage/frameworks/{reference}", status_code=303)

    @get("/{reference:str}/check")
    async def check_answers(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        facts = await service.facts_for(framework)
        return page(
            "frameworks/check_answers.html", framework=framework, lots=await service.lots(framework.id),
            problems=lifecycle.pin_problems(facts), subjects={t.code: t.name for t in taxonomies.terms("lot_subjects")},
        )

    @post("/{reference:str}/stage")
    async def move(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        target = (await request.form()).get("target", "")
        if target not in {state.value for state in State} or State(target) == State.CANCELLED:
            return await self._task_list(framework, ["Choose the stage to move to"], status_code=400)
        if framework.state == target:  # sent again (Back, then the same button): it is done already
            return Redirect(f"/manage/frameworks/{reference}?done={target}", status_code=303)
        guide = lifecycle.lifecycle_of(framework).stages.get(State(target))
        guide = guide.page if guide else None
        from_its_check_page = guide is not None and guide.once_ready and await confirmed(request)
        if guide and not from_its_check_page:
            return Redirect(f"/manage/frameworks/{reference}/{guide.path}", status_code=303)
        try:
            await service.move(user, reference, State(target))
        except (service.TransitionBlocked, lifecycle.IllegalTransition) as problem:
            problems = problem.problems if isinstance(problem, service.TransitionBlocked) else [str(problem)]
            return await self._task_list(await service.get(reference), problems, status_code=400)
        return Redirect(f"/manage/frameworks/{reference}?done={target}", status_code=303)

    @get("/{reference:str}/amend")
    async def amend_form(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return details_page(
            "frameworks/amend_form.html", FormResult(data=None, values=details_values(framework)), framework=framework,
            terms_frozen=frozen_explanation(framework),
        )

    @post("/{reference:str}/amend")
    async def amend(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        result = await read_form(request, AmendmentForm)
        frozen = frozen_explanation(framework)
        if not result.ok:
            return details_page("frameworks/amend_form.html", result, framework=framework, terms_frozen=frozen)
        try:
            await service.amend_notice(user, reference, result.data.details(), result.data.change_summary)
        except service.TermsFrozen as refusal:
            return details_page("frameworks/amend_form.html", refused(result, refusal.problems), framework=framework, terms_frozen=terms.EXPLANATION)
        except RuleBroken as problem:
            return details_page("frameworks/amend_form.html", add_problem(result, problem, settings.zone, field_name="change_summary"), framework=framework, terms_frozen=frozen)
        return Redirect(f"/frameworks/{reference}", status_code=303)

    @get("/{reference:str}/cancel")
    async def cancel_form(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return page("frameworks/cancel_form.html", framework=framework)

    @post("/{reference:str}/cancel")
    async def cancel(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        result = await read_form(request, CancelForm)
        if not result.ok:
            return page("frameworks/cancel_form.html", result, framework=framework)
        try:
            await service.move(user, reference, State.CANCELLED, note=result.data.reason)
        except lifecycle.IllegalTransition as problem:
            return page("frameworks/cancel_form.html", add_error(result, "reason", str(problem)), framework=framework)
        return Redirect(f"/manage/frameworks/{reference}", status_code=303)

    @get("/{reference:str}/documents")
    async def documents_form(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return page(
            "frameworks/documents.html", framework=framework, documents=await documents.for_framework(framework.id), document_types=documents.DOCUMENT_TYPES,
        )

    @post("/{reference:str}/documents")
    async def upload(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        form = await request.form()
        title, upload, errors = storage.read_upload(form)
        document_type, type_errors = documents.read_document_type(form)
        errors = {name: message for name in ("title", "document_type", "file") if (message := {**errors, **type_errors}.get(name))}
        if not errors:
            try:
                await documents.attach(
                    user, reference, title=title, filename=upload.filename,
                    data=await upload.read(), files_dir=settings.files_dir, document_type=document_type,
                )
                return Redirect(f"/manage/frameworks/{reference}/documents", status_code=303)
            except service.FrameworkError as problem:
                errors["file"] = str(problem)
        return page(
            "frameworks/documents.html", FormResult(data=None, errors=errors, values={"title": title, "document_type": document_type}),
            framework=framework, documents=await documents.for_framework(framework.id), document_types=documents.DOCUMENT_TYPES,
        )

    # --- Who may use the framework ----------------------------------------------------------------

    OTHER_ROWS = 3  # blank rows for authorities that are not registered, beyond those already named

    async def _eligibility_page(self, framework: Framework, result: FormResult | None = None) -> Template:
        named = [a for a in await eligibility.listed(framework.id) if a.organisation is None]
        if result is None:
            values = {"organisations": [str(a.organisation) for a in await eligibility.listed(framework.id) if a.organisation]}
            for n, authority in enumerate(named, start=1):
                values |= {f"other_{n}_name": authority.name, f"other_{n}_identifier": authority.identifier}
            result = FormResult(data=None, values=values)
        authorities = [o for o in await service.registered_authorities() if o.id != framework.authority]
        return page(
            "frameworks/eligible_authorities.html", result, framework=framework, authorities=authorities, authority=await service.authority_name(framework),
            rows=range(1, len(named) + self.OTHER_ROWS + 1), may_change=eligibility.may_change(framework), law=eligibility.source(framework),
        )

    @get("/{reference:str}/eligible-authorities")
    async def eligibility_form(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return await self._eligibility_page(framework)

    @post("/{reference:str}/eligible-authorities")
    async def save_eligibility(
        self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings,
    ) -> Template | Redirect:
        form = await request.form()
        chosen = [str(v) for v in form.getall("organisations", [])]
        others, values = [], {"organisations": chosen}
        for n in range(1, service.MAX_ELIGIBLE + 1):
            name, identifier = str(form.get(f"other_{n}_name") or ""), str(form.get(f"other_{n}_identifier") or "")
            if f"other_{n}_name" not in form and f"other_{n}_identifier" not in form:
                break
            others.append((name, identifier))
            values |= {f"other_{n}_name": name, f"other_{n}_identifier": identifier}
        try:
            ids = [int(v) for v in chosen if v.isdigit() and len(v) < 10]
            if len(ids) != len(chosen):
                raise service.FrameworkError("Choose contracting authorities from the list", "organisations")
            await service.set_eligible_authorities(user, reference, organisations=ids, others=others)
        except service.FrameworkError as problem:
            return await self._eligibility_page(framework, add_problem(FormResult(data=None, values=values), problem, settings.zone))
        return Redirect(f"/manage/frameworks/{reference}", status_code=303)
