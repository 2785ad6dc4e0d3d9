"""Engagements (call-offs) in the JSON API: a commissioner's organisation's, a supplier's own. Whether,
when and how an invited supplier answered a mini-competition (its proposal and price) reaches the
commissioner only once the response deadline has passed (registry.engagements.sealing), as on the pages."""

from datetime import date, datetime
from typing import Annotated

from litestar import Controller, Request, get
from litestar.openapi.spec import Example
from litestar.params import PathParameter, QueryParameter
from pydantic import BaseModel, Field

from registry.accounts.auth import SignedInUser, signed_in
from registry.engagements import service
from registry.engagements.tables import Engagement, EngagementState, InvitationStatus
from registry.frameworks.tables import CallOffRoute, Framework, Lot
from registry.web import api

EngagementReference = Annotated[str, PathParameter(description="The engagement's reference", max_length=50, pattern=api.TEXT, examples=[Example(value="PF-2026-001-E001")])]


class EngagementSummary(BaseModel):
    reference: str = Field(examples=["PF-2026-001-E001"])
    title: str = Field(examples=["Citizens' panel on active travel"])
    framework: str = Field(examples=["PF-2026-001"])
    lot: int = Field(examples=[1])
    buyer: str = Field(examples=["Department for Civic Participation"])
    state: EngagementState = Field(examples=[EngagementState.INVITED])
    route: CallOffRoute | None = Field(examples=[CallOffRoute.MINI_COMPETITION])
    response_deadline: datetime | None = None
    supplier: str | None = Field(description="Who it is awarded to", examples=[None])
    updated_at: datetime
    href: str = Field(examples=["/api/v1/engagements/PF-2026-001-E001"])


class InvitationOut(BaseModel):
    supplier: str = Field(examples=["Common Ground Engagement Ltd"])
    status: InvitationStatus | None = Field(
        description="Sealed (null) from the commissioner until the response deadline has passed, like when and what", examples=[InvitationStatus.RESPONDED],
    )
    responded_at: datetime | None = Field(description="Sealed like the status", default=None)
    proposal: str | None = Field(description="Sealed (null) from the commissioner until the response deadline has passed", examples=[None])
    price_pence: int | None = Field(description="Sealed like the proposal", examples=[None])


class EngagementOut(EngagementSummary):
    objectives: str = ""
    groups: list[str] = Field(description="groups codes: the people to reach", examples=[["young-carers"]])
    regions: list[str] = Field(examples=[["glasgow-city"]])
    methods: list[str] = Field(examples=[["citizens-panels"]])
    participants_target: int | None = None
    budget_pence: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    price_weight: int | None = Field(description="Mini-competition: price's share of 100", default=None)
    awarded_price_pence: int | None = None
    awarded_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    responses: list[InvitationOut] = Field(description="Invitations and responses: all for the commissioner, a supplier's own")


async def _summaries(engagements: list[Engagement]) -> list[EngagementSummary]:
    framework_ids = {e.framework for e in engagements}
    references = {f.id: f.reference for f in await Framework.objects().where(Framework.id.is_in(list(framework_ids) or [0]))}
    lots = {lot.id: lot.number for lot in await Lot.objects().where(Lot.id.is_in([e.lot for e in engagements] or [0]))}
    names = await service.organisation_names([i for e in engagements for i in (e.buyer, e.supplier) if i])
    return [
        EngagementSummary(
            reference=e.reference, title=e.title, framework=references[e.framework], lot=lots[e.lot], buyer=names[e.buyer], state=e.state,
            route=e.route, response_deadline=e.response_deadline, supplier=names.get(e.supplier), updated_at=e.updated_at,
            href=f"{api.PREFIX}/engagements/{e.reference}",
        )
        for e in engagements
    ]


class EngagementsApi(Controller):
    path = f"{api.PREFIX}/engagements"
    tags = ["engagements"]
    guards = [signed_in]
    security = api.SIGNED_IN

    @get("/", summary="A commissioner's organisation's engagements, or a supplier's own", responses=api.errors(403))
    async def index(
        self, request: Request, user: SignedInUser,
        status: Annotated[EngagementState | None, QueryParameter(description="Only engagements in this state")] = None,
        page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE,
    ) -> api.Page[EngagementSummary]:
        found = await service.visible_to(user)
        paging = api.paging(request, page, page_size)
        chosen = [e for e in found if status is None or e.state == status]
        return paging.result(await _summaries(paging.window(chosen)), len(chosen))

    @get("/{reference:str}", summary="An engagement: its brief, where it is, and the responses as you may see them", responses=api.errors(403, 404))
    async def show(self, reference: EngagementReference, user: SignedInUser) -> EngagementOut:
        engagement = await service.readable(user, reference)
        summary = (await _summaries([engagement]))[0]
        names = ("objectives", "groups", "regions", "methods", "participants_target", "budget_pence", "starts_on", "ends_on", "price_weight",
                 "awarded_price_pence", "awarded_at", "completed_at", "cancelled_at", "cancel_reason")
        return EngagementOut(
            **summary.model_dump(), **{name: getattr(engagement, name) for name in names},
            responses=[
                InvitationOut(supplier=v.supplier, status=v.status, responded_at=v.responded_at, proposal=v.proposal, price_pence=v.price_pence)
                for v in await service.responses_for(user, engagement)
            ],
        )
