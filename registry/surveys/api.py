"""The request for information in the JSON API: the survey (for the authority's officers, and for
suppliers while it runs) and the responses each may read (officers every submitted one, a supplier
its own organisation's)."""

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get
from pydantic import BaseModel, Field

from registry import clock
from registry.accounts.auth import SignedInUser, signed_in
from registry.frameworks.api import Reference
from registry.surveys import service
from registry.surveys.tables import QuestionKind, ResponseStatus
from registry.web import api
from registry.frameworks.service import readable_framework


class QuestionOut(BaseModel):
    id: int = Field(examples=[12])
    kind: QuestionKind = Field(examples=[QuestionKind.SINGLE_CHOICE])
    text: str = Field(examples=["Which regions could you work in?"])
    help_text: str = ""
    required: bool = True
    options: list[str] = Field(default_factory=list, examples=[["Yes", "No"]])
    allow_other: bool = False
    max_length: int | None = None
    scale_points: int | None = None
    scale_low_label: str = ""
    scale_high_label: str = ""
    minimum: int | None = None
    maximum: int | None = None


class SectionOut(BaseModel):
    title: str = Field(examples=["About your organisation"])
    questions: list[QuestionOut]


class SurveyOut(BaseModel):
    framework: str = Field(examples=["PF-2026-001"])
    version: int = Field(examples=[1])
    title: str = Field(examples=["Market questions"])
    introduction: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    is_open: bool = Field(description="Whether suppliers can answer now")
    sections: list[SectionOut]


class AnswerOut(BaseModel):
    question: int = Field(examples=[12])
    value: Any = Field(description="Text, a number, an option, or a list of options, by the question's kind", examples=["Yes"])
    other_text: str = ""


class SurveyResponseOut(BaseModel):
    reference: str = Field(examples=["RFI-1A2B3C4D"])
    organisation: str = Field(examples=["Common Ground Engagement Ltd"])
    status: ResponseStatus = Field(examples=[ResponseStatus.SUBMITTED])
    started_at: datetime
    submitted_at: datetime | None = None
    answers: list[AnswerOut]


class SurveysApi(Controller):
    path = f"{api.PREFIX}/frameworks/{{reference:str}}/survey"
    tags = ["surveys"]
    guards = [signed_in]
    security = api.SIGNED_IN

    @get("/", summary="The request for information's questions", responses=api.errors(403, 404))
    async def show(self, request: Request, reference: Reference, user: SignedInUser) -> SurveyOut:
        framework = await readable_framework(user, reference)
        survey = await service.survey_for_reader(user, framework)
        return SurveyOut(
            framework=reference, version=survey.version, title=survey.title, introduction=survey.introduction, opens_at=survey.opens_at,
            closes_at=survey.closes_at, is_open=service.is_open(survey, framework, clock.now()),
            sections=[
                SectionOut(title=section.title, questions=[
                    QuestionOut(**{name: getattr(q, name) for name in QuestionOut.model_fields}) for q in questions
                ])
                for section, questions in await service.structure(survey.id)
            ],
        )

    @get(
        "/responses", summary="Responses: every submitted one for the authority's officers, a supplier's own",
        responses=api.errors(403, 404),
    )
    async def responses(
        self, request: Request, reference: Reference, user: SignedInUser, page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE,
    ) -> api.Page[SurveyResponseOut]:
        framework = await readable_framework(user, reference)
        survey = await service.survey_for_reader(user, framework)
        rows = await service.responses_for_reader(user, framework, survey)
        paging = api.paging(request, page, page_size)
        items = []
        for row in paging.window(rows):
            given = await service.answers_of(row["id"])
            items.append(SurveyResponseOut(
                reference=row["reference"], organisation=row["organisation_name"], status=row["status"], started_at=row["started_at"],
                submitted_at=row["submitted_at"],
                answers=[AnswerOut(question=q, value=service.answer_value(a), other_text=a.other_text) for q, a in sorted(given.items())],
            ))
        return paging.result(items, len(rows))
