"""Evaluation in the JSON API (rule 3 of docs/design.md): an evaluator reads its own
assignments and its own marks only; the authority's procurement officers read every evaluator's
submitted marks side by side once moderation has started."""

from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from pydantic import BaseModel, Field

from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.criteria.tables import CriterionKind
from registry.evaluation import service
from registry.frameworks.api import Reference
from registry.frameworks.tables import State
from registry.web import api
from registry.frameworks.dependencies import OFFICER_FRAMEWORK_IN_API, OfficersFramework

AssignmentId = Annotated[int, api.number("The assignment's id")]
LotNumber = Annotated[int, api.number("The lot's number")]


class MarkOut(BaseModel):
    criterion: int = Field(examples=[7])
    score: int | None = Field(description="Quality: on the framework's scale", examples=[3])
    passed: bool | None = Field(description="Selection: pass or fail", examples=[None])
    justification: str = Field(examples=["Clear examples of outreach to young carers."])


class AssignmentOut(BaseModel):
    id: int = Field(examples=[5])
    framework: str = Field(examples=["PF-2026-001"])
    framework_title: str = Field(examples=["Community Engagement Services Framework 2026"])
    state: State = Field(examples=[State.EVALUATION])
    lot: int = Field(examples=[1])
    lot_title: str = Field(examples=["Deliberative engagement"])
    assigned_at: datetime
    declared_at: datetime | None = Field(description="When the evaluator declared (no) conflict of interest")
    conflict_declared: bool = Field(examples=[False])
    on_panel: bool = Field(description="False once removed, by a declared conflict or an officer", examples=[True])
    href: str = Field(examples=["/api/v1/evaluations/5"])


class BidderMarks(BaseModel):
    tender_id: int = Field(examples=[41])
    supplier: str = Field(examples=["Common Ground Engagement Ltd"])
    progress: str | None = Field(description="Your assessment: draft, submitted, or not started (null)", examples=["submitted"])
    marks: list[MarkOut]


class AssignmentDetail(AssignmentOut):
    may_score: bool = Field(description="Declared no conflict and still on the panel: may read the lot's tenders")
    bidders: list[BidderMarks] = Field(description="The lot's bidders, once the tenders are opened, with your own marks only")


class PanelMark(MarkOut):
    evaluator: str = Field(examples=["Evaluator One"])


class ConsensusOut(BaseModel):
    criterion: int = Field(examples=[7])
    score: int | None = Field(examples=[3])
    passed: bool | None = Field(examples=[None])
    rationale: str = Field(examples=["The panel agreed the examples were strong."])


class SheetTender(BaseModel):
    tender_id: int = Field(examples=[41])
    supplier: str = Field(examples=["Common Ground Engagement Ltd"])
    marks: list[PanelMark] = Field(description="Every evaluator's submitted marks")
    consensus: list[ConsensusOut]


class SheetCriterion(BaseModel):
    id: int = Field(examples=[7])
    kind: CriterionKind = Field(examples=[CriterionKind.QUALITY])
    title: str = Field(examples=["Reaching seldom-heard groups"])


class ModerationOut(BaseModel):
    framework: str = Field(examples=["PF-2026-001"])
    lot: int = Field(examples=[1])
    completed_at: datetime | None = Field(description="When moderation of the lot was completed: its consensus is final")
    criteria: list[SheetCriterion]
    tenders: list[SheetTender]


def assignment_out(row: dict) -> AssignmentOut:
    return AssignmentOut(
        id=row["id"], framework=row["reference"], framework_title=row["framework_title"], state=row["state"], lot=row["lot_number"],
        lot_title=row["lot_title"], assigned_at=row["assigned_at"], declared_at=row["declared_at"],
        conflict_declared=row["conflict_details"] is not None, on_panel=row["removed_at"] is None, href=f"{api.PREFIX}/evaluations/{row['id']}",
    )


class EvaluationsApi(Controller):
    path = api.PREFIX
    tags = ["evaluations"]
    security = api.SIGNED_IN
    dependencies = OFFICER_FRAMEWORK_IN_API

    @get("/evaluations", summary="The evaluator's own assignments", guards=[requires_role(Role.EVALUATOR)], responses=api.errors(403))
    async def index(self, user: SignedInUser, request: Request, page: api.PageNumber = 1, page_size: api.PageSize = api.DEFAULT_PAGE_SIZE) -> api.Page[AssignmentOut]:
        rows = await service.my_assignments(user)
        return api.paging(request, page, page_size).slice([assignment_out(row) for row in rows])

    @get(
        "/evaluations/{assignment_id:int}", summary="One of the evaluator's assignments, with its own marks on each tender",
        guards=[requires_role(Role.EVALUATOR)], responses=api.errors(403),
    )
    async def show(self, assignment_id: AssignmentId, user: SignedInUser) -> AssignmentDetail:
        assignment, framework, lot = await service.own_assignment(user, assignment_id)
        row = next(row for row in await service.my_assignments(user) if row["id"] == assignment.id)
        progress = await service.own_progress(assignment.id)
        bidders = []
        for bidder in await service.bidders_for_evaluator(framework, lot, on_panel=assignment.removed_at is None):
            _, marks = await service.own_marks(assignment.id, bidder["tender_id"])
            bidders.append(BidderMarks(
                tender_id=bidder["tender_id"], supplier=bidder["supplier"], progress=progress.get(bidder["tender_id"]),
                marks=[MarkOut(criterion=m.criterion, score=m.score, passed=m.passed, justification=m.justification) for m in marks.values()],
            ))
        return AssignmentDetail(**assignment_out(row).model_dump(), may_score=service.may_read_lot(assignment), bidders=bidders)

    @get(
        "/frameworks/{reference:str}/moderation/{lot:int}", guards=[requires_role(Role.PROCUREMENT_OFFICER)], responses=api.errors(403, 404),
        summary="A lot's moderation sheet: every evaluator's marks and the consensus (the authority's officers, from moderation on)",
    )
    async def moderation(self, reference: Reference, lot: LotNumber, framework: OfficersFramework, user: SignedInUser) -> ModerationOut:
        try:
            framework, lot_record, criteria, rows, completed = await service.moderation_sheet(user, reference, lot)
        except service.EvaluationError as problem:
            raise NotFoundException(str(problem)) from None
        return ModerationOut(
            framework=reference, lot=lot_record.number, completed_at=completed.completed_at if completed else None,
            criteria=[SheetCriterion(id=c.id, kind=c.kind, title=c.title) for c in criteria],
            tenders=[
                SheetTender(
                    tender_id=row.tender_id, supplier=row.supplier,
                    marks=[
                        PanelMark(criterion=criterion, evaluator=m["name"], score=m["score"], passed=m["passed"], justification=m["justification"])
                        for criterion, marks in row.marks.items() for m in marks
                    ],
                    consensus=[ConsensusOut(criterion=c, score=m.score, passed=m.passed, rationale=m.rationale) for c, m in row.consensus.items()],
                )
                for row in rows
            ],
        )
