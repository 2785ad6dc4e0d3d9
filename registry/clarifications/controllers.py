"""Suppliers asking clarification questions (/frameworks/{reference}/clarifications) and officers
answering and publishing them (/manage/frameworks/{reference}/clarifications)."""

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.clarifications import service
from registry.clarifications.schemas import AnswerForm, QuestionForm
from registry.frameworks.public_controllers import published_framework
from registry.frameworks.tables import Framework
from registry.interest import service as interest
from registry.web.forms import FormResult, add_problem, read_form
from registry.web.pages import page
from registry.web.dependencies import AppSettings
from registry.frameworks.dependencies import OFFICER_FRAMEWORK, OfficersFramework


class ClarificationsController(Controller):
    path = "/frameworks/{reference:str}/clarifications"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/")
    async def index(self, request: Request, reference: FromPath[str], user: SignedInUser) -> Template:
        framework = await published_framework(reference)
        return await self._page(request, user, framework, FormResult(data=None))

    @post("/")
    async def ask(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        framework = await published_framework(reference)
        result = await read_form(request, QuestionForm)
        if result.ok:
            try:
                asked = await service.ask(user, reference, result.data.question)
                return Redirect(f"/frameworks/{reference}/clarifications?asked={asked.number}", status_code=303)
            except service.ClarificationError as problem:
                result = add_problem(result, problem, settings.zone, field_name="question")
        return await self._page(request, user, framework, result)

    async def _page(self, request: Request, user: SignedInUser, framework: Framework, result: FormResult) -> Template:
        organisation_id = user.organisation_id
        return page(
            "clarifications/ask.html", result, framework=framework,
            registered=await interest.current(organisation_id, framework.id) is not None,
            is_open=service.is_open(framework, clock.now()), own=await service.asked_by(organisation_id, framework.id),
            published=await service.published(framework.id), asked=request.query_params.get("asked"), limit=service.QUESTION_LIMIT,
        )


class ManageClarificationsController(Controller):
    path = "/manage/frameworks/{reference:str}/clarifications"
    include_in_schema = False
    guards = [requires_role(Role.PROCUREMENT_OFFICER)]
    dependencies = OFFICER_FRAMEWORK

    @get("/")
    async def index(self, request: Request, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return page(
            "clarifications/manage_index.html", framework=framework, rows=await service.all_for_officers(framework.id),
            published=request.query_params.get("published"), saved=request.query_params.get("saved"),
        )

    @get("/{clarification_id:int}")
    async def answer_form(self, clarification_id: FromPath[int], framework: OfficersFramework) -> Template:
        clarification = await self._clarification(framework, clarification_id)
        values = {"published_question": clarification.published_question or clarification.question, "answer": clarification.answer or ""}
        return await self._form(framework, clarification, FormResult(data=None, values=values))

    @post("/{clarification_id:int}")
    async def save_answer(
        self, request: Request, reference: FromPath[str], clarification_id: FromPath[int], framework: OfficersFramework, user: SignedInUser,
        settings: AppSettings,
    ) -> Template | Redirect:
        clarification = await self._clarification(framework, clarification_id)
        result = await read_form(request, AnswerForm)
        if result.ok:
            form = result.data
            try:
                await service.answer(
                    user, reference, clarification.id,
                    published_question=form.published_question, answer=form.answer, publish=form.publish,
                )
                outcome = "published" if form.publish else "saved"
                return Redirect(f"/manage/frameworks/{reference}/clarifications?{outcome}={clarification.number}", status_code=303)
            except service.ClarificationError as problem:
                result = add_problem(result, problem, settings.zone, field_name="answer")
        return await self._form(framework, clarification, result)

    async def _clarification(self, framework: OfficersFramework, clarification_id: int):
        clarification = await service.find(framework.id, clarification_id)
        if clarification is None:
            raise NotFoundException("There is no such question")
        return clarification

    async def _form(self, framework: OfficersFramework, clarification, result: FormResult) -> Template:
        return page(
            "clarifications/answer.html", result, framework=framework, clarification=clarification,
            organisation=await service.organisation_name(clarification), label=service.label(clarification),
            question_limit=service.QUESTION_LIMIT, answer_limit=service.ANSWER_LIMIT,
        )
