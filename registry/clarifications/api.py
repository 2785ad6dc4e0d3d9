"""Published clarifications in the JSON API: each question as the authority published it, with its
answer, never who asked (public, as the framework's page)."""

from datetime import datetime

from litestar import Controller, Request, get
from pydantic import BaseModel, Field

from registry.clarifications import service
from registry.frameworks.api import Reference
from registry.web import api
from registry.accounts.auth import OptionalUser
from registry.frameworks.service import readable_framework


class ClarificationOut(BaseModel):
    label: str = Field(examples=["Q3"])
    question: str = Field(examples=["Can a consortium bid for lot 2?"])
    answer: str = Field(examples=["Yes: name the lead organisation in your tender."])
    published_at: datetime


class ClarificationsApi(Controller):
    path = f"{api.PREFIX}/frameworks/{{reference:str}}/clarifications"
    tags = ["clarifications"]

    @get("/", summary="Published clarification questions and answers", responses=api.errors(404))
    async def index(
        self, request: Request, reference: Reference, user: OptionalUser, page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE,
    ) -> api.Page[ClarificationOut]:
        framework = await readable_framework(user, reference)
        rows = await service.published(framework.id)
        return api.paging(request, page, page_size).slice([
            ClarificationOut(label=f"Q{row['number']}", question=row["published_question"], answer=row["answer"], published_at=row["published_at"])
            for row in rows
        ])
