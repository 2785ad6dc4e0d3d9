"""The accredited-supplier directory in the JSON API: the one search (registry.directory.search),
with the same filters as the page, and each appointed supplier's profile. Public; commissioners and
procurement officers also see availability and each supplier's record, as the pages show them."""

import secrets
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, QueryParameter
from pydantic import BaseModel, Field

from registry.accounts.auth import OptionalUser
from registry.directory import profiles, search
from registry.web import api

Values = list[str] | None


def _filter(group: str, what: str) -> object:
    combined = "all of them: a supplier must work with each" if group in search.ALL_OF else "any of them"
    return QueryParameter(name=group, description=f"{what} (repeat for several: {combined})")


class LotPlaceOut(BaseModel):
    framework: str = Field(examples=["PF-2026-001"])
    framework_title: str = Field(examples=["Community Engagement Services Framework 2026"])
    lot: int = Field(examples=[1])
    lot_title: str = Field(examples=["Deliberative engagement"])
    rank: int = Field(examples=[2])


class SupplierSummary(BaseModel):
    organisation_id: int = Field(examples=[12])
    name: str = Field(examples=["Common Ground Engagement Ltd"])
    size: str | None = Field(examples=["small"])
    regions: list[str] = Field(description="regions codes", examples=[["glasgow-city"]])
    methods: list[str] = Field(description="engagement_methods codes", examples=[["deliberative-workshops"]])
    lots: list[LotPlaceOut]
    places_left: int | None = Field(description="Commissioners and procurement officers only: engagements it can take on now", examples=[None])
    href: str = Field(examples=["/api/v1/suppliers/12"])


class SupplierPage(api.Page[SupplierSummary]):
    seed: int = Field(description="The fair order of results that tie; the links keep it from page to page", examples=[1234567])


class ProfileOut(BaseModel):
    trading_name: str = Field(examples=["Common Ground"])
    description: str = Field(examples=["We run participation work with communities."])
    town: str = Field(examples=["Glasgow"])
    website: str = Field(examples=["https://commonground.example"])
    regions: list[str]
    engagement_methods: list[str]
    groups: list[str]
    languages: list[str]
    accessible_formats: list[str]
    capacity: int | None = Field(description="Engagements it can run at once", examples=[3])


class PastEngagementOut(BaseModel):
    reference: str = Field(examples=["PF-2026-001-E3"])
    title: str
    framework: str
    lot: int
    outcome: str = Field(examples=["Completed"])
    participants: int | None = None
    rating: float | None = Field(default=None, description="The review's mean, 1 to 5")
    comments: str = ""
    completed_at: datetime | None = None


class RecordOut(BaseModel):
    places_left: int | None = Field(examples=[1])
    participants: int = Field(description="People reached by its completed engagements", examples=[340])
    reviews: int = Field(examples=[2])
    averages: dict[str, float] = Field(description="Mean rating by measure", examples=[{"quality": 4.5}])
    engagements: list[PastEngagementOut]


class SupplierOut(BaseModel):
    organisation_id: int = Field(examples=[12])
    name: str = Field(examples=["Common Ground Engagement Ltd"])
    size: str | None = Field(examples=["small"])
    profile: ProfileOut | None
    lots: list[LotPlaceOut]
    completed_engagements: int = Field(examples=[4])
    record: RecordOut | None = Field(description="Commissioners and procurement officers only")


def _place(place: search.LotPlace) -> LotPlaceOut:
    return LotPlaceOut(framework=place.framework, framework_title=place.framework_title, lot=place.lot, lot_title=place.lot_title, rank=place.rank)


class DirectoryApi(Controller):
    path = f"{api.PREFIX}/suppliers"
    tags = ["suppliers"]
    security = api.OPTIONAL

    @get(
        "/", summary="Search the suppliers appointed to live frameworks", responses=api.errors(),
        description=(
            "Text and filters; filters combine with AND across parameters. Within one: what a supplier works with (method, group, "
            "region, language, format) must include every value given, as a direct award's check of a brief does; what it is "
            "(framework, lot, size, availability) may be any. Results that tie are in a fair order set by `seed`."
        ),
    )
    async def index(
        self, request: Request, user: OptionalUser,
        q: Annotated[str | None, QueryParameter(description=f"Words to find (at most {search.MAX_TEXT} characters)")] = None,
        framework: Annotated[Values, _filter("framework", "Framework reference")] = None,
        lot: Annotated[Values, _filter("lot", "Lot, as REFERENCE:NUMBER")] = None,
        method: Annotated[Values, _filter("method", "engagement_methods code")] = None,
        group: Annotated[Values, _filter("group", "groups code")] = None,
        region: Annotated[Values, _filter("region", "regions code")] = None,
        language: Annotated[Values, _filter("language", "languages code")] = None,
        formats: Annotated[Values, _filter("format", "accessible_formats code")] = None,
        size: Annotated[Values, _filter("size", "micro, small, medium, large or sme")] = None,
        availability: Annotated[Values, _filter("availability", "available or not-stated (commissioners and procurement officers)")] = None,
        sort: FromQuery[Literal["relevance", "rank", "name"]] = "relevance",
        seed: Annotated[int | None, QueryParameter(ge=0, lt=search.PRIME, description="Keeps the order of ties; given in the links")] = None,
        page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE,
    ) -> SupplierPage:
        text = (q or "").strip()
        if problem := search.text_problem(text):
            api.bad_parameter("q", problem)
        chosen = {
            "framework": framework, "lot": lot, "method": method, "group": group, "region": region, "language": language,
            "format": formats, "size": size, "availability": availability,
        }
        seed = secrets.randbelow(search.PRIME) if seed is None else seed
        paging = api.paging(request, page, page_size)
        results = await search.search(search.Query(
            text=text, filters={group: values for group, values in chosen.items() if values}, sort=sort, page=page, seed=seed,
            official=search.is_official(user), page_size=paging.size,
        ))
        if results.ignored:
            groups = {legend: group for group, legend in search.GROUPS.items()}
            api.invalid({groups[legend]: f"{value!r} is not one of the values this search offers" for legend, value in results.ignored}, source="query", status_code=400)
        items = [
            SupplierSummary(
                organisation_id=r.organisation_id, name=r.name, size=r.size, regions=r.regions, methods=r.methods, lots=[_place(p) for p in r.lots],
                places_left=r.places_left, href=f"{api.PREFIX}/suppliers/{r.organisation_id}",
            )
            for r in (results.results if results.page == page else [])  # past the last page: nothing
        ]
        return SupplierPage(**dict(paging.result(items, results.total, seed=seed)), seed=seed)

    @get("/{organisation_id:int}", summary="An appointed supplier's profile", responses=api.errors(404))
    async def show(
        self, organisation_id: Annotated[int, api.number("The supplier organisation's id")], user: OptionalUser,
    ) -> SupplierOut:
        found = await profiles.supplier_page(organisation_id, official=search.is_official(user))
        if found is None:
            raise NotFoundException("There is no appointed supplier here")
        profile = found.profile
        record = found.record
        return SupplierOut(
            organisation_id=found.organisation_id, name=found.name, size=found.size,
            profile=ProfileOut(**{name: getattr(profile, name) for name in ProfileOut.model_fields}) if profile else None,
            lots=[_place(place) for places in found.lots.values() for place in places], completed_engagements=found.completed,
            record=RecordOut(
                places_left=record.places_left, participants=record.participants, reviews=record.reviews,
                averages={measure: float(mean) for measure, mean in record.averages.items()},
                engagements=[PastEngagementOut(**{**asdict(e), "rating": None if e.rating is None else float(e.rating)}) for e in record.engagements],
            ) if record else None,
        )
