"""The officers' conflicts assessment of a framework (/manage/frameworks/{reference}/conflicts):
internal to the authority, never public nor in open data."""

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.conflicts import service
from registry.errors import RuleBroken
from registry.frameworks import lifecycle
from registry.frameworks.dependencies import OFFICER_FRAMEWORK, OfficersFramework
from registry.frameworks.tables import Framework
from registry.web.dependencies import AppSettings
from registry.web.forms import FormResult, add_problem
from registry.web.pages import page

CONFLICT_CHOICES = {"yes": True, "no": False}


async def _assessment_page(framework: Framework, result: FormResult | None = None, *, confirmed: bool = False) -> Template:
    assessment = await service.assessment_of(framework)
    return page(
        "conflicts/assessment.html", result or FormResult(data=None), framework=framework, assessment=assessment, confirmed=confirmed,
        stage_labels=lifecycle.lifecycle_of(framework).labels,
        problems=service.completeness(assessment), law=service.source(framework, "prepared"), review_law=service.source(framework, "reviewed"),
    )


async def _person_page(framework: Framework, person_key: str, result: FormResult | None = None) -> Template:
    assessment = await service.assessment_of(framework)
    person = assessment.person(person_key)
    if result is None:
        current = person.current
        values = {"conflict": ("yes" if current.conflict else "no"), "details": current.details, "mitigation": current.mitigation} if current else {}
        result = FormResult(data=None, values=values)
    return page("conflicts/declaration.html", result, framework=framework, person=person, law=service.source(framework, "prepared"))


class ConflictsController(Controller):
    path = "/manage/frameworks/{reference:str}/conflicts"
    include_in_schema = False
    guards = [requires_role(Role.PROCUREMENT_OFFICER)]
    dependencies = OFFICER_FRAMEWORK

    @get("/")
    async def assessment(self, request: Request, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return await _assessment_page(framework, confirmed="confirmed" in request.query_params)

    @get("/people/{person:str}")
    async def declaration_form(self, reference: FromPath[str], person: FromPath[str], framework: OfficersFramework) -> Template:
        return await _person_page(framework, person)

    @post("/people/{person:str}")
    async def record(
        self, request: Request, reference: FromPath[str], person: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings,
    ) -> Template | Redirect:
        form = await request.form()
        values = {name: str(form.get(name) or "") for name in ("conflict", "details", "mitigation")}
        try:
            await service.record(
                user, reference, person, conflict=CONFLICT_CHOICES.get(values["conflict"]), details=values["details"], mitigation=values["mitigation"],
            )
        except RuleBroken as problem:
            return await _person_page(framework, person, add_problem(FormResult(data=None, values=values), problem, settings.zone))
        return Redirect(f"/manage/frameworks/{reference}/conflicts", status_code=303)

    @post("/people")
    async def name_person(
        self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings,
    ) -> Template | Redirect:
        form = await request.form()
        values = {name: str(form.get(name) or "") for name in ("name", "role", "organisation")}
        try:
            named = await service.name_person(user, reference, **values)
        except RuleBroken as problem:
            return await _assessment_page(framework, add_problem(FormResult(data=None, values=values), problem, settings.zone))
        return Redirect(f"/manage/frameworks/{reference}/conflicts/people/named-{named.id}", status_code=303)

    @post("/confirm")
    async def confirm(self, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        try:
            await service.confirm_reviewed(user, reference)
        except RuleBroken as problem:
            return await _assessment_page(framework, add_problem(FormResult(data=None), problem, settings.zone))
        return Redirect(f"/manage/frameworks/{reference}/conflicts?confirmed", status_code=303)
