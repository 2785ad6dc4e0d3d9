"""A supplier organisation's expressions of interest in the JSON API: the frameworks it follows, and
registering or withdrawing interest (suppliers only, as the pages)."""

from litestar import Controller, Request, delete, get, post
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.frameworks.api import Reference
from registry.frameworks.tables import State
from registry.interest import service
from registry.web import api
from registry.frameworks.service import readable_framework


class InterestOut(BaseModel):
    framework: str = Field(examples=["PF-2026-001"])
    title: str = Field(examples=["Community Engagement Services Framework 2026"])
    state: State = Field(examples=[State.ITT_PUBLISHED])
    all_lots: bool = Field(examples=[False])
    lots: list[int] = Field(description="The lots chosen, when not all", examples=[[1, 3]])
    href: str = Field(examples=["/api/v1/frameworks/PF-2026-001"])


class InterestIn(BaseModel):
    lots: list[int] | None = Field(default=None, description="The lot numbers; leave out (or null) for every lot", examples=[[1, 3]])


def interest_out(row: dict) -> InterestOut:
    return InterestOut(
        framework=row["reference"], title=row["title"], state=row["state"], all_lots=row["all_lots"],
        lots=[] if row["all_lots"] else list(row["lot_numbers"]), href=f"{api.PREFIX}/frameworks/{row['reference']}",
    )


class InterestApi(Controller):
    path = api.PREFIX
    tags = ["interests"]
    guards = [requires_role(Role.SUPPLIER)]
    security = api.SIGNED_IN

    @get("/interests", summary="The frameworks the supplier's organisation has registered interest in", responses=api.errors(403))
    async def index(self, user: SignedInUser, request: Request, page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE) -> api.Page[InterestOut]:
        rows = await service.frameworks_of(user.organisation_id)
        return api.paging(request, page, page_size).slice([interest_out(row) for row in sorted(rows, key=lambda r: r["reference"])])

    @post(
        "/frameworks/{reference:str}/interest", status_code=200, responses=api.errors(403, 404, 422),
        summary="Register the organisation's interest in all lots or some (again: replaces the choice of lots)",
    )
    async def register(self, request: Request, reference: Reference, data: JSONBody[InterestIn], user: SignedInUser) -> InterestOut:
        await readable_framework(user, reference)
        try:
            await service.register(user, reference, lot_numbers=data.lots)
        except service.InterestError as problem:
            api.invalid({"lots": str(problem)})
        return next(interest_out(row) for row in await service.frameworks_of(user.organisation_id) if row["reference"] == reference)

    @delete("/frameworks/{reference:str}/interest", summary="Withdraw the organisation's interest", responses=api.errors(403, 404, 422))
    async def withdraw(self, request: Request, reference: Reference, user: SignedInUser) -> None:
        await readable_framework(user, reference)
        try:
            await service.withdraw(user, reference)
        except service.InterestError as problem:
            api.invalid({None: str(problem)})
