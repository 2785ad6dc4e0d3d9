"""Officers building the request for information (/manage/frameworks/{reference}/rfi)."""

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.frameworks import service as frameworks
from registry.frameworks.lifecycle import IllegalTransition
from registry.frameworks.tables import State
from registry.accounts.schemas import ORGANISATION_TYPES
from registry.accounts.tables import OrganisationSize
from registry.reference import taxonomies
from registry.surveys import analysis, service
from registry.surveys.schemas import QuestionForm, ReasonedEntryForm, SectionForm, SurveyForm
from registry.surveys.tables import QuestionKind, Survey
from registry.web.forms import FormResult, add_error, add_problem, read_form
from registry.web.downloads import csv_file
from registry.web.pages import page
from registry.web.dependencies import AppSettings
from registry.frameworks.dependencies import OFFICER_FRAMEWORK, OfficersFramework

KIND_NAMES = {
    QuestionKind.SHORT_TEXT: "Short text",
    QuestionKind.LONG_TEXT: "Long text",
    QuestionKind.SINGLE_CHOICE: "Choose one option",
    QuestionKind.MULTIPLE_CHOICE: "Choose any options",
    QuestionKind.SCALE: "A scale",
    QuestionKind.YES_NO: "Yes or no",
    QuestionKind.NUMBER: "A number",
}


class SurveyBuilderController(Controller):
    path = "/manage/frameworks/{reference:str}/rfi"
    include_in_schema = False
    guards = [requires_role(Role.PROCUREMENT_OFFICER)]
    dependencies = OFFICER_FRAMEWORK

    async def _overview(self, request: Request, framework: OfficersFramework, problems: list[str] | None = None, section_result: FormResult | None = None) -> Template:
        survey = await service.current_survey(framework.id)
        if survey is None:
            return page(
                "surveys/survey_form.html", FormResult(data=None, values={"close_time": "17:00"}), framework=framework, survey=None,
                problems=problems or [], status_code=400 if problems else 200,
            )
        return page(
            "surveys/builder.html", section_result, framework=framework, survey=survey, structure=await service.structure(survey.id),
            fixed=await service.has_submissions(survey.id), kinds=KIND_NAMES, problems=problems or [],
            can_open=framework.state == State.PIN_PUBLISHED, reasoned=await service.reasoned_entries(survey.id),
            status_code=400 if problems or (section_result and section_result.errors) else 200,
        )

    @get("/")
    async def overview(self, request: Request, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return await self._overview(request, framework)

    @get("/details")
    async def details_form(self, reference: FromPath[str], framework: OfficersFramework, settings: AppSettings) -> Template:
        survey = await service.current_survey(framework.id)
        values = {"close_time": "17:00"}
        if survey is not None:
            local = survey.closes_at.astimezone(settings.zone)
            values = {"title": survey.title, "introduction": survey.introduction, "close_day": local.day, "close_month": local.month,
                      "close_year": local.year, "close_time": f"{local:%H:%M}"}
            if survey.opens_at:
                opens = survey.opens_at.astimezone(settings.zone)
                values |= {"open_day": opens.day, "open_month": opens.month, "open_year": opens.year, "open_time": f"{opens:%H:%M}"}
        return page("surveys/survey_form.html", FormResult(data=None, values=values), framework=framework, survey=survey)

    @post("/details")
    async def save_details(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        result = await read_form(request, SurveyForm)
        survey = await service.current_survey(framework.id)
        if result.ok:
            form = result.data
            try:
                await service.save_survey(
                    user, reference, title=form.title, introduction=form.introduction,
                    opens_at=form.opens_at(settings.zone), closes_at=form.closes_at(settings.zone),
                )
                return Redirect(f"/manage/frameworks/{reference}/rfi", status_code=303)
            except service.SurveyError as problem:
                result = add_problem(result, problem, settings.zone, field_name="closes_on")
        return page("surveys/survey_form.html", result, framework=framework, survey=survey)

    @post("/sections")
    async def add_section(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        survey = await self._survey(framework)
        result = await read_form(request, SectionForm)
        if result.ok:
            try:
                await service.add_section(user, survey.id, result.data.section_title)
                return Redirect(f"/manage/frameworks/{reference}/rfi", status_code=303)
            except service.SurveyError as problem:
                result = add_problem(result, problem, settings.zone, field_name="section_title")
        return await self._overview(request, framework, section_result=result)

    async def _survey(self, framework: OfficersFramework) -> Survey:
        survey = await service.current_survey(framework.id)
        if survey is None:
            raise NotFoundException("Write the survey's details first")
        return survey

    @get("/questions/new")
    async def new_question(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        survey = await self._survey(framework)
        return page("surveys/question_form.html", FormResult(data=None, values={"required": "yes"}), framework=framework,
                    sections=await service.sections(survey.id), kinds=KIND_NAMES)

    @post("/questions/new")
    async def add_question(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        survey = await self._survey(framework)
        result = await read_form(request, QuestionForm)
        if result.ok:
            spec = result.data.spec()
            problems = spec.problems()
            if problems:
                for name, message in problems.items():
                    result = add_error(result, name, message)
            else:
                try:
                    await service.add_question(user, survey.id, result.data.section_id, spec)
                    return Redirect(f"/manage/frameworks/{reference}/rfi", status_code=303)
                except service.SurveyError as problem:
                    result = add_problem(result, problem, settings.zone, field_name="text")
        return page("surveys/question_form.html", result, framework=framework, sections=await service.sections(survey.id), kinds=KIND_NAMES)

    @post("/questions/{question_id:int}/move")
    async def move_question(self, request: Request, reference: FromPath[str], question_id: FromPath[int], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        survey = await self._survey(framework)
        up = (await request.form()).get("direction") == "up"
        try:
            await service.move_question(user, survey.id, question_id, up=up)
        except service.SurveyError as problem:
            return await self._overview(request, framework, [str(problem)])
        return Redirect(f"/manage/frameworks/{reference}/rfi", status_code=303)

    @post("/questions/{question_id:int}/remove")
    async def remove_question(self, request: Request, reference: FromPath[str], question_id: FromPath[int], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        survey = await self._survey(framework)
        try:
            await service.remove_question(user, survey.id, question_id)
        except service.SurveyError as problem:
            return await self._overview(request, framework, [str(problem)])
        return Redirect(f"/manage/frameworks/{reference}/rfi", status_code=303)

    @post("/new-version")
    async def new_version(self, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Redirect:
        await service.new_version(user, (await self._survey(framework)).id)
        return Redirect(f"/manage/frameworks/{reference}/rfi", status_code=303)

    @post("/open")
    async def open_rfi(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        try:
            await service.open_rfi(user, reference)
        except frameworks.TransitionBlocked as blocked:
            return await self._overview(request, framework, blocked.problems)
        except IllegalTransition as problem:
            return await self._overview(request, framework, [str(problem)])
        return Redirect(f"/manage/frameworks/{reference}", status_code=303)

    @post("/reasoned")
    async def add_reasoned(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        survey = await self._survey(framework)
        result = await read_form(request, ReasonedEntryForm)
        if not result.ok:
            return await self._overview(request, framework, section_result=result)
        form = result.data
        await service.add_reasoned_entry(user, survey.id, theme=form.theme, what_we_heard=form.what_we_heard, what_we_will_do=form.what_we_will_do)
        return Redirect(f"/manage/frameworks/{reference}/rfi#reasoned-response", status_code=303)

    @post("/reasoned/publish")
    async def publish_reasoned(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        survey = await self._survey(framework)
        try:
            await service.publish_reasoned_response(user, survey.id)
        except service.SurveyError as problem:
            return await self._overview(request, framework, [str(problem)])
        return Redirect(f"/frameworks/{reference}#reasoned-response", status_code=303)

    @get("/analysis")
    async def analysis(
        self, framework: OfficersFramework, size: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None, organisation_type: FromQuery[str | None] = None,
    ) -> Template:
        survey = await self._survey(framework)
        filters = analysis.Filters(size=size or None, region=region or None, organisation_type=organisation_type or None)
        people, results = await analysis.analyse(survey.id, filters)
        everyone = await analysis.respondents(survey.id)
        submitted, interested = await analysis.response_rate(survey, len(everyone))
        return page(
            "surveys/analysis.html", framework=framework, survey=survey, people=people, results=results,
            submitted=submitted, interested=interested, filters=filters, regions=taxonomies.terms("regions"),
            sizes=[s.value for s in OrganisationSize], types=ORGANISATION_TYPES, region_names={t.code: t.name for t in taxonomies.terms("regions")},
        )

    @get("/responses.csv")
    async def responses_csv(self, reference: FromPath[str], framework: OfficersFramework) -> Response:
        survey = await self._survey(framework)
        return csv_file(await analysis.as_csv(survey.id), f"{reference}-rfi-responses.csv")

    @get("/preview")
    async def preview(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        survey = await self._survey(framework)
        return page("surveys/preview.html", framework=framework, survey=survey, structure=await service.structure(survey.id), now=clock.now())
