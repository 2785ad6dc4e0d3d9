"""Tenders in the JSON API, sealed as the pages are (registry.tenders.sealing decides every read of
another organisation's tender): a supplier lists its own and reads what it submitted; after the
deadline and the two-officer opening the authority's procurement officers list and read every
tender, and an evaluator the tenders of a lot it may evaluate. Everyone else gets 403."""

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get
from pydantic import BaseModel, Field

from registry.accounts.auth import SignedInUser, requires_role, signed_in
from registry.accounts.tables import Role
from registry.frameworks.api import Reference
from registry.tenders import sealing
from registry.tenders import service as tenders
from registry.tenders.tables import TenderStatus, TenderSubmission
from registry.web import api
from registry.frameworks.service import readable_framework

TenderId = Annotated[int, api.number("The tender's id")]


class SubmissionOut(BaseModel):
    """A submission's receipt: when the server received it and the SHA-256 of what was sent."""

    number: int = Field(examples=[1])
    received_at: datetime
    sha256: str = Field(examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"])


class TenderSummary(BaseModel):
    id: int = Field(examples=[41])
    framework: str = Field(examples=["PF-2026-001"])
    lot: int = Field(examples=[1])
    supplier: str = Field(examples=["Common Ground Engagement Ltd"])
    status: TenderStatus = Field(examples=[TenderStatus.SUBMITTED])
    submission: SubmissionOut | None = Field(description="The submission that counts; none for a draft or a withdrawn tender")
    href: str = Field(examples=["/api/v1/frameworks/PF-2026-001/tenders/41"])


class TenderOut(BaseModel):
    id: int = Field(examples=[41])
    framework: str = Field(examples=["PF-2026-001"])
    lot: int = Field(examples=[1])
    submission: SubmissionOut
    content: dict[str, Any] = Field(description="Exactly what was submitted (the receipt's SHA-256 is of its canonical JSON), but without `price`, and without the documents "
                                                 "marked `priced`, when they are withheld")
    price_withheld: bool = Field(
        description="True for an evaluator who has not yet submitted final marks for every tender of its lot: `content` has no `price` (scored by formula, "
                    "never by the panel) nor any document marked `priced`, and so no longer matches the receipt's SHA-256",
        examples=[False],
    )


def receipt(submission: TenderSubmission | dict | None) -> SubmissionOut | None:
    if submission is None:
        return None
    row = submission if isinstance(submission, dict) else submission.to_dict()
    return SubmissionOut(number=row["number"], received_at=row["received_at"], sha256=row["sha256"])


def href(reference: str, tender_id: int) -> str:
    return f"{api.PREFIX}/frameworks/{reference}/tenders/{tender_id}"


class TendersApi(Controller):
    path = api.PREFIX
    tags = ["tenders"]
    security = api.SIGNED_IN

    @get(
        "/tenders", summary="The supplier organisation's own tenders, on every framework", guards=[requires_role(Role.SUPPLIER)],
        responses=api.errors(403),
    )
    async def own(self, user: SignedInUser, request: Request, page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE) -> api.Page[TenderSummary]:
        found = await tenders.tenders_of_organisation(user)
        return api.paging(request, page, page_size).slice([
            TenderSummary(
                id=row["id"], framework=row["framework"], lot=row["lot"], supplier=user.organisation_name, status=row["status"],
                submission=receipt(counting), href=href(row["framework"], row["id"]),
            )
            for row, counting in found
        ])

    @get(
        "/frameworks/{reference:str}/tenders", guards=[signed_in], responses=api.errors(403, 404),
        summary="Every tender received, once the tenders are opened (the authority's procurement officers)",
    )
    async def received(
        self, request: Request, reference: Reference, user: SignedInUser, page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE,
    ) -> api.Page[TenderSummary]:
        framework = await readable_framework(user, reference)
        rows = await sealing.tenders_received(user, framework)
        return api.paging(request, page, page_size).slice([
            TenderSummary(
                id=row["tender_id"], framework=reference, lot=row["lot"], supplier=row["supplier"], status=TenderStatus.SUBMITTED,
                submission=receipt(row), href=href(reference, row["tender_id"]),
            )
            for row in rows
        ])

    @get(
        "/frameworks/{reference:str}/tenders/{tender_id:int}", guards=[signed_in], responses=api.errors(403, 404),
        summary="What a tender submitted: its own supplier at any time; once opened, the officers and the lot's evaluators",
    )
    async def show(self, request: Request, reference: Reference, tender_id: TenderId, user: SignedInUser) -> TenderOut:
        framework = await readable_framework(user, reference)
        tender, submission, content = await sealing.readable_tender(user, framework, tender_id)
        return TenderOut(
            id=tender.id, framework=reference, lot=content["lot"], submission=receipt(submission), content=content, price_withheld="price" not in content,
        )
