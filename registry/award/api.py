"""Appointments in the JSON API: the suppliers appointed to each lot, with their rank (public once
appointed, as the award notice)."""

from datetime import datetime

from litestar import Controller, Request, get
from litestar.params import FromQuery
from pydantic import BaseModel, Field

from registry.award import service
from registry.frameworks.api import Reference
from registry.web import api
from registry.accounts.auth import OptionalUser
from registry.frameworks.service import readable_framework


class AppointmentOut(BaseModel):
    lot: int = Field(examples=[1])
    rank: int = Field(examples=[1])
    supplier: str = Field(examples=["Common Ground Engagement Ltd"])
    appointed_at: datetime
    href: str = Field(description="The supplier in the directory", examples=["/api/v1/suppliers/12"])


class AppointmentsApi(Controller):
    path = f"{api.PREFIX}/frameworks/{{reference:str}}/appointments"
    tags = ["appointments"]

    @get("/", summary="The suppliers appointed to each lot, best ranked first", responses=api.errors(404))
    async def index(
        self, request: Request, reference: Reference, user: OptionalUser, lot: FromQuery[int | None] = None,
        page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE,
    ) -> api.Page[AppointmentOut]:
        framework = await readable_framework(user, reference)
        rows = [row for row in await service.appointments(framework.id) if lot is None or row["lot"] == lot]
        return api.paging(request, page, page_size).slice([
            AppointmentOut(
                lot=row["lot"], rank=row["rank"], supplier=row["supplier"], appointed_at=row["appointed_at"],
                href=f"{api.PREFIX}/suppliers/{row['organisation']}",
            )
            for row in rows
        ])
