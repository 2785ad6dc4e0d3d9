"""Assessment criteria in the JSON API: public once the invitation to tender publishes them; the
authority's procurement officers read the current ones, drafts included."""

from datetime import datetime

from litestar import Controller, Request, get
from pydantic import BaseModel, Field

from registry.criteria import service
from registry.criteria.tables import CriterionKind
from registry.frameworks.api import Reference
from registry.web import api
from registry.accounts.auth import OptionalUser
from registry.frameworks.service import readable_framework


class CriterionOut(BaseModel):
    kind: CriterionKind = Field(examples=[CriterionKind.QUALITY])
    lot: int | None = Field(description="The lot number; null for every lot", examples=[None])
    title: str = Field(examples=["Reaching seldom-heard groups"])
    guidance: str = Field(examples=["Describe your approach, with examples."])
    weight: int | None = Field(description="Quality: per cent of the quality score", examples=[60])
    minimum_score: int | None = Field(examples=[2])
    word_limit: int | None = Field(examples=[500])


class CriteriaOut(BaseModel):
    framework: str = Field(examples=["PF-2026-001"])
    quality_share: int = Field(description="Per cent of the total", examples=[60])
    price_share: int = Field(examples=[40])
    scale: list[str] = Field(description="What each score means, from 0 up", examples=[["Unacceptable", "Poor", "Acceptable", "Good", "Excellent"]])
    clarification_deadline: datetime | None = None
    tender_deadline: datetime | None = None
    criteria: list[CriterionOut]


class CriteriaApi(Controller):
    path = f"{api.PREFIX}/frameworks/{{reference:str}}/criteria"
    tags = ["criteria"]

    @get(
        "/", summary="The assessment criteria, the quality/price split and the scale",
        description="Public once the invitation to tender is published; before that, only the authority's procurement officers.",
        security=api.OPTIONAL, responses=api.errors(403, 404),
    )
    async def show(self, request: Request, reference: Reference, user: OptionalUser) -> CriteriaOut:
        framework = await readable_framework(user, reference)
        content = await service.readable(user, framework)
        return CriteriaOut(
            framework=reference, **{name: content[name] for name in ("quality_share", "price_share", "scale", "clarification_deadline", "tender_deadline")},
            criteria=[CriterionOut(**criterion) for criterion in content["criteria"]],
        )
