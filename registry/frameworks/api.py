"""Frameworks, their lots and notices in the JSON API (/api/v1/frameworks). Published frameworks are
public; a draft only its authority's procurement officers see (404 for anyone else, as the pages)."""

from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel, Field

from registry import clock
from registry.accounts.auth import OptionalUser, SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.frameworks import calendar, service
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import CallOffRoute, Framework, Lot, Notice, NoticeKind, State
from registry.reference import taxonomies
from registry.web import api
from registry.web.remembered import Rendered, visitors_copy
from registry.frameworks.dependencies import OFFICER_FRAMEWORK_IN_API, OfficersFramework, Reference
from registry.frameworks.service import readable_framework



class LotOut(BaseModel):
    number: int = Field(examples=[1])
    title: str = Field(examples=["Deliberative engagement"])
    scope: str = Field(examples=["Citizens' panels, juries and assemblies"])
    subject: str | None = Field(description="A lot_subjects code", examples=["deliberation"])
    max_suppliers: int | None = Field(examples=[8])
    estimated_value: int | None = Field(description="Whole pounds sterling", examples=[750000])

    @classmethod
    def of(cls, lot: Lot) -> "LotOut":
        return cls(number=lot.number, title=lot.title, scope=lot.scope, subject=lot.subject, max_suppliers=lot.max_suppliers, estimated_value=lot.estimated_value)


class FrameworkSummary(BaseModel):
    reference: str = Field(examples=["PF-2026-001"])
    title: str = Field(examples=["Community Engagement Services Framework 2026"])
    summary: str = Field(examples=["Participation services for public bodies across Scotland"])
    state: State = Field(examples=[State.LIVE])
    authority: str = Field(examples=["Department for Civic Participation"])
    estimated_value: int | None = Field(description="Whole pounds sterling", examples=[2500000])
    rfi_closes_at: datetime | None = None
    tender_deadline: datetime | None = None
    next_deadline: datetime | None = Field(description="The soonest deadline still to come", default=None)
    href: str = Field(examples=["/api/v1/frameworks/PF-2026-001"])


class FrameworkOut(FrameworkSummary):
    description: str = Field(examples=["A framework for participation services."])
    start_date: date | None = Field(examples=["2026-04-01"])
    duration_months: int | None = Field(examples=[36])
    regime: Regime = Field(examples=[Regime.SCOTLAND])
    call_off_routes: list[CallOffRoute] = Field(examples=[["direct_award", "mini_competition"]])
    clarification_deadline: datetime | None = None
    standstill_ends_at: datetime | None = None
    lots: list[LotOut]


class NoticeOut(BaseModel):
    kind: NoticeKind = Field(examples=[NoticeKind.PIN])
    version: int = Field(examples=[1])
    title: str = Field(examples=["Community Engagement Services Framework 2026"])
    change_summary: str | None = Field(description="What an amendment changed", examples=[None])
    published_at: datetime
    content: dict[str, Any] = Field(description="The notice as published: the framework's details, lots and what the stage adds")
    href: str = Field(examples=["/api/v1/frameworks/PF-2026-001/notices/pin/1"])

    @classmethod
    def of(cls, reference: str, notice: Notice) -> "NoticeOut":
        return cls(
            kind=notice.kind, version=notice.version, title=notice.title, change_summary=notice.change_summary, published_at=notice.published_at,
            content=service.notice_content(notice), href=f"{api.PREFIX}/frameworks/{reference}/notices/{notice.kind}/{notice.version}",
        )


class FrameworkIn(BaseModel):
    """A draft framework: it may be incomplete; what is given must be right."""

    title: str = Field(examples=["Community Engagement Services Framework 2027"])
    summary: str = Field(default="", examples=["Participation services for public bodies"])
    description: str = ""
    estimated_value: int | None = Field(default=None, description="Whole pounds sterling", examples=[2500000])
    start_date: date | None = Field(default=None, examples=["2027-04-01"])
    duration_months: int | None = Field(default=None, examples=[36])
    regime: Regime = Regime.SCOTLAND
    call_off_routes: list[CallOffRoute] = Field(default_factory=list, examples=[["direct_award"]])


class LotIn(BaseModel):
    title: str = Field(examples=["Deliberative engagement"])
    scope: str = Field(examples=["Citizens' panels, juries and assemblies"])
    subject: str | None = Field(default=None, description="A lot_subjects code", examples=["deliberation"])
    max_suppliers: int = Field(examples=[8])
    estimated_value: int | None = Field(default=None, description="Whole pounds sterling", examples=[750000])


def summary_of(row: dict, now: datetime) -> FrameworkSummary:
    return FrameworkSummary(
        reference=row["reference"], title=row["title"], summary=row["summary"], state=row["state"], authority=row["authority_name"],
        estimated_value=row["estimated_value"], rfi_closes_at=row["rfi_closes_at"], tender_deadline=row["tender_deadline"],
        next_deadline=service.next_deadline(row, now), href=f"{api.PREFIX}/frameworks/{row['reference']}",
    )


async def published_page(request: Request, search: service.Search, page: int, page_size: int) -> Rendered:
    """A page of published frameworks, holding until the first key date of one it lists; "closing
    within" moves with the clock itself, and is not kept."""
    rows = await service.published(search)
    now = clock.received()  # the moment the list is built as of (web.remembered)
    found = api.paging(request, page, page_size).slice([summary_of(row, now) for row in rows])
    return Rendered(
        Response(found.model_dump(mode="json"), media_type=MediaType.JSON),
        until=calendar.next_key_date_of_any(rows, now), kept=search.closing_within_days is None,
    )


async def framework_out(framework: Framework) -> FrameworkOut:
    row = {**framework.to_dict(), "authority_name": await service.authority_name(framework)}
    return FrameworkOut(
        **summary_of(row, clock.now()).model_dump(), description=framework.description, start_date=framework.start_date,
        duration_months=framework.duration_months, regime=framework.regime, call_off_routes=list(framework.call_off_routes or []),
        clarification_deadline=framework.clarification_deadline, standstill_ends_at=framework.standstill_ends_at,
        lots=[LotOut.of(lot) for lot in await service.lots(framework.id)],
    )


class FrameworksApi(Controller):
    path = f"{api.PREFIX}/frameworks"
    tags = ["frameworks"]
    dependencies = OFFICER_FRAMEWORK_IN_API

    @get("/", summary="Published frameworks, searched and filtered", responses=api.errors())
    async def index(
        self, request: Request,
        q: Annotated[str | None, QueryParameter(description="Words in the title, summary or reference", max_length=200, pattern=api.TEXT)] = None,
        status: Annotated[list[State] | None, QueryParameter(description="Only frameworks in these states (repeat for several)")] = None,
        subject: Annotated[str | None, QueryParameter(description="Only frameworks with a lot of this lot_subjects code")] = None,
        closing_within_days: Annotated[int | None, QueryParameter(ge=1, le=366, description="Only frameworks with a deadline within this many days")] = None,
        page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE,
    ) -> api.Page[FrameworkSummary]:
        if subject is not None and subject not in taxonomies.codes("lot_subjects"):
            api.bad_parameter("subject", "Use a lot_subjects code")
        search = service.Search(text=q, states=tuple(status or ()), lot_subject=subject, closing_within_days=closing_within_days)
        # The same for everyone: kept (registry.web.remembered), and given as the same JSON
        return await visitors_copy(request, lambda: published_page(request, search, page, page_size), everyone=True)  # type: ignore[return-value]

    @get("/{reference:str}", summary="A framework and its lots (a draft for its authority's officers only)", security=api.OPTIONAL, responses=api.errors(404))
    async def show(self, request: Request, reference: Reference, user: OptionalUser) -> FrameworkOut:
        return await framework_out(await readable_framework(user, reference))

    @post(
        "/", summary="Create a draft framework (procurement officers)", guards=[requires_role(Role.PROCUREMENT_OFFICER)],
        security=api.SIGNED_IN, responses=api.errors(403, 422),
    )
    async def create(self, request: Request, data: JSONBody[FrameworkIn], user: SignedInUser) -> FrameworkOut:
        framework = await service.create(user, data.model_dump())  # its rules broken: 422 naming each field
        return await framework_out(framework)

    @post(
        "/{reference:str}/lots", summary="Add a lot to a draft framework (its procurement officers)",
        guards=[requires_role(Role.PROCUREMENT_OFFICER)], security=api.SIGNED_IN, responses=api.errors(403, 404, 422),
    )
    async def add_lot(self, reference: Reference, data: JSONBody[LotIn], framework: OfficersFramework, user: SignedInUser) -> LotOut:
        # A rule broken (its values', a frozen term's, the framework's stage): 422 naming each field.
        return LotOut.of(await service.save_lot(user, reference, number=None, **data.model_dump()))


class NoticesApi(Controller):
    path = f"{api.PREFIX}/frameworks/{{reference:str}}/notices"
    tags = ["notices"]

    @get("/", summary="A framework's notices, every version", responses=api.errors(404))
    async def notices(
        self, request: Request, reference: Reference, user: OptionalUser, kind: FromQuery[NoticeKind | None] = None,
        page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE,
    ) -> api.Page[NoticeOut]:
        framework = await readable_framework(user, reference)
        found = [NoticeOut.of(reference, n) for n in await service.notices(framework.id) if kind is None or n.kind == kind]
        return api.paging(request, page, page_size).slice(found)

    @get("/{kind:str}/{version:int}", summary="One version of a notice", responses=api.errors(404))
    async def notice(self, request: Request, reference: Reference, user: OptionalUser, kind: FromPath[NoticeKind], version: Annotated[int, api.number("The notice's version")]) -> NoticeOut:
        framework = await readable_framework(user, reference)
        found = next((n for n in await service.notices(framework.id) if n.kind == kind and n.version == version), None)
        if found is None:
            raise NotFoundException(f"There is no version {version} of the {kind} notice")
        return NoticeOut.of(reference, found)
