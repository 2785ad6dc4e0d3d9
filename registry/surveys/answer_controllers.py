"""Suppliers answering the request for information (/frameworks/{reference}/rfi)."""

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.interest import service as interest
from registry.surveys import service

from registry.web.pages import page
from registry.web.dependencies import AppSettings


async def _context(user: SignedInUser, reference: str) -> dict:
    framework, survey = await service.open_survey_for(reference)
    response = await service.response_of(user.organisation_id, survey.id)
    given = await service.answers_of(response.id) if response else {}
    return {
        "framework": framework, "survey": survey, "response": response, "given": given,
        "structure": await service.structure(survey.id), "is_open": service.is_open(survey, framework, clock.now()), "now": clock.now(),
    }


def section_status(section_questions, given) -> str:
    answered = [q for q in section_questions if service.answer_value(given.get(q.id)) is not None]
    if not answered:
        return "Not yet started"
    missing = [q for q in section_questions if q.required and q not in answered]
    return "In progress" if missing else "Completed"


class AnswerSurveyController(Controller):
    path = "/frameworks/{reference:str}/rfi"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/")
    async def overview(self, reference: FromPath[str], user: SignedInUser, saved: FromQuery[str | None] = None) -> Template:
        context = await _context(user, reference)
        statuses = {section.id: section_status(qs, context["given"]) for section, qs in context["structure"]}
        return page("surveys/answer_overview.html", statuses=statuses, saved=saved, **context)

    @get("/sections/{section_id:int}")
    async def section(self, reference: FromPath[str], section_id: FromPath[int], user: SignedInUser) -> Template:
        context = await _context(user, reference)
        return self._section_page(context, section_id, values=None, errors={})

    def _section_page(self, context: dict, section_id: int, values: dict | None, errors: dict, status_code: int = 200) -> Template:
        position = next((i for i, (s, _) in enumerate(context["structure"]) if s.id == section_id), None)
        if position is None:
            raise NotFoundException("There is no such section")
        section, section_questions = context["structure"][position]
        if values is None:
            values = {f"q{q.id}": service.answer_value(context["given"].get(q.id)) for q in section_questions}
            values |= {f"q{q.id}-other": context["given"][q.id].other_text for q in section_questions if q.id in context["given"]}
        return page(
            "surveys/answer_section.html", section=section, questions=section_questions, values=values, errors=errors,
            position=position, count=len(context["structure"]), status_code=400 if errors else status_code, **context,
        )

    @post("/sections/{section_id:int}")
    async def save(self, request: Request, reference: FromPath[str], section_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        context = await _context(user, reference)
        form = await request.form()
        section_questions = next((qs for s, qs in context["structure"] if s.id == section_id), None)
        if section_questions is None:
            raise NotFoundException("There is no such section")
        submitted = {
            q.id: ([str(v) for v in form.getall(f"q{q.id}")] if f"q{q.id}" in form else [], str(form.get(f"q{q.id}-other") or ""))
            for q in section_questions
        }
        draft = form.get("action") == "draft"
        values = {f"q{q.id}": (raw if q.kind == "multiple_choice" else (raw[0] if raw else "")) for q, (raw, _) in zip(section_questions, submitted.values())}
        values |= {f"q{q_id}-other": other for q_id, (_, other) in submitted.items()}
        try:
            result = await service.save_section(user, reference, section_id, submitted, require_all=not draft)
        except service.SurveyClosed as closed:
            return self._section_page(context, section_id, values, {"__all__": closed.explain(settings.zone)}, status_code=400)
        if result.errors:
            return self._section_page(context, section_id, values, result.errors)
        if draft:
            return Redirect(f"/frameworks/{reference}/rfi?saved=1", status_code=303)
        ids = [s.id for s, _ in context["structure"]]
        following = ids.index(section_id) + 1
        if following < len(ids):
            return Redirect(f"/frameworks/{reference}/rfi/sections/{ids[following]}", status_code=303)
        return Redirect(f"/frameworks/{reference}/rfi/check", status_code=303)

    @get("/check")
    async def check(self, reference: FromPath[str], user: SignedInUser) -> Template:
        context = await _context(user, reference)
        missing = await service.unanswered_required(context["survey"].id, context["response"].id if context["response"] else None)
        return page("surveys/answer_check.html", missing=missing, display=service.display, **context)

    @post("/submit")
    async def submit(self, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template:
        context = await _context(user, reference)
        try:
            response = await service.submit(user, reference)
        except service.SurveyError as problem:
            missing = await service.unanswered_required(context["survey"].id, context["response"].id if context["response"] else None)
            return page("surveys/answer_check.html", missing=missing, display=service.display, problem=problem.explain(settings.zone), status_code=400, **context)
        following = await interest.current(user.organisation_id, context["framework"].id) is not None
        return page("surveys/answer_submitted.html", framework=context["framework"], response=response, email=user.email, following=following)


