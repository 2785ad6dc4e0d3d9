"""A signed-in user's home: what each of their roles has to do next, gathered from every stage of
the frameworks and engagements they take part in. It composes the domains' own reads, so it sits
above them all; it decides nothing itself."""

from dataclasses import dataclass, field
from datetime import datetime

from registry import clock
from registry.accounts import duties
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Role
from registry.award import service as award
from registry.award.tables import AwardProposal, Debrief
from registry.clarifications.tables import Clarification
from registry.engagements import service as engagements
from registry.engagements.tables import Engagement, EngagementState, InvitationStatus, PerformanceReview
from registry.evaluation import service as evaluation
from registry.evaluation.tables import Evaluation
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.interest.tables import ExpressionOfInterest
from registry.tenders import service as tenders



@dataclass(frozen=True)
class Task:
    """One thing to do or to know, with where to do it."""

    text: str
    href: str
    status: str  # a short state, shown as a tag
    due: datetime | None = None  # the deadline it is bound by, if any
    urgent: bool = False  # the user must act for the work to go on


@dataclass
class Section:
    title: str
    tasks: list[Task] = field(default_factory=list)
    none: str = "Nothing at the moment."


async def home(user: CurrentUser) -> list[Section]:
    """The sections of the user's home page, one or more for each of their roles."""
    now = clock.now()
    sections: list[Section] = []
    if user.has_role(Role.SUPPLIER):
        sections += await _supplier(user, now)
    if user.has_role(Role.PROCUREMENT_OFFICER):
        sections.append(await _officer(user, now))
    if user.has_role(Role.EVALUATOR):
        sections.append(await _evaluator(user))
    if user.has_role(Role.COMMISSIONER):
        sections.append(await _commissioner(user, now))
    if grants := await duties.waiting_for(user):
        sections.append(_role_requests(grants))
    return sections


def _role_requests(grants: list[duties.WaitingGrant]) -> Section:
    return Section("Role requests", tasks=[
        Task(f"{grant.user_name} ({grant.organisation_name}): the {duties.role_name(grant.role)} role", "/role-requests", "To decide", urgent=True)
        for grant in grants
    ])


# --- Suppliers ----------------------------------------------------------------------------------


async def _supplier(user: CurrentUser, now: datetime) -> list[Section]:
    return [await _deadlines(user, now), await _tenders(user, now), await _invitations(user, now), await _debriefs(user)]


async def _deadlines(user: CurrentUser, now: datetime) -> Section:
    followed = await ExpressionOfInterest.select(
        ExpressionOfInterest.framework.reference.as_alias("reference"), ExpressionOfInterest.framework.title.as_alias("title"),
        ExpressionOfInterest.framework.state.as_alias("state"), ExpressionOfInterest.framework.rfi_closes_at.as_alias("rfi_closes_at"),
        ExpressionOfInterest.framework.clarification_deadline.as_alias("clarification_deadline"),
        ExpressionOfInterest.framework.tender_deadline.as_alias("tender_deadline"),
    ).where((ExpressionOfInterest.organisation == user.organisation_id) & ExpressionOfInterest.withdrawn_at.is_null())
    section = Section("Deadlines for the frameworks you follow", none="No deadline is coming up on the frameworks you follow.")
    for row in followed:
        framework_page = f"/frameworks/{row['reference']}"
        moments = [  # (what closes, its tag, when, where to act, whether it is running)
            ("the request for information closes", "Answers", row["rfi_closes_at"], framework_page + "/rfi", row["state"] == State.RFI_OPEN),
            ("clarification questions close", "Questions", row["clarification_deadline"], framework_page + "/clarifications", row["state"] == State.ITT_PUBLISHED),
            ("tenders close", "Tenders", row["tender_deadline"], framework_page + "/tenders", row["state"] == State.ITT_PUBLISHED),
        ]
        for what, tag, moment, href, running in moments:
            if running and moment is not None and moment > now:
                section.tasks.append(Task(f"{row['title']} ({row['reference']}): {what}", href, tag, due=moment))
    section.tasks.sort(key=lambda task: task.due)
    return section


async def _tenders(user: CurrentUser, now: datetime) -> Section:
    section = Section("Your tenders", none="Your organisation has not started a tender.")
    rows = await tenders.tenders_of_organisation(user)
    deadlines = await _tender_deadlines([row["framework"] for row, _ in rows])
    for row, counting in rows:
        deadline = deadlines.get(row["framework"])
        still_open = deadline is not None and now < deadline
        if counting is not None:
            status = "Submitted"
        elif row["status"] == "withdrawn":
            status = "Withdrawn"
        else:
            status = "Not submitted"
        section.tasks.append(Task(
            f"{row['framework']} lot {row['lot']}", f"/frameworks/{row['framework']}/tenders/{row['lot']}", status,
            due=deadline if still_open else None, urgent=still_open and counting is None,
        ))
    return section


async def _tender_deadlines(references: list[str]) -> dict[str, datetime | None]:
    rows = await Framework.select(Framework.reference, Framework.tender_deadline).where(Framework.reference.is_in(references or [""]))
    return {row["reference"]: row["tender_deadline"] for row in rows}


async def _invitations(user: CurrentUser, now: datetime) -> Section:
    section = Section("Invitations to mini-competitions", none="No invitation is waiting for an answer.")
    for engagement, invitation in (await engagements.supplier_engagements(user))["invitations"]:
        deadline = engagement.response_deadline
        if deadline is not None and deadline <= now:
            continue
        answered = invitation is not None and invitation.status == InvitationStatus.RESPONDED
        section.tasks.append(Task(
            f"{engagement.reference}: {engagement.title}", f"/organisation/engagements/{engagement.reference}",
            "Responded" if answered else "Respond", due=deadline, urgent=not answered,
        ))
    return section


async def _debriefs(user: CurrentUser) -> Section:
    rows = await Debrief.select(
        Debrief.framework.reference.as_alias("reference"), Debrief.lot.number.as_alias("lot"), Debrief.outcome,
    ).where(Debrief.organisation == user.organisation_id).order_by(Debrief.written_at, ascending=False)
    section = Section("Decisions on your tenders", none="No decision on your tenders yet.")
    for row in rows:
        section.tasks.append(Task(
            f"{row['reference']} lot {row['lot']}: read your debrief", award.debrief_path(row["reference"], row["lot"]), row["outcome"].capitalize(),
        ))
    return section


# --- Procurement officers -----------------------------------------------------------------------


async def _officer(user: CurrentUser, now: datetime) -> Section:
    """For each of the authority's frameworks still running: the steps it is ready for, questions
    waiting for an answer, and award proposals waiting for another officer's approval."""
    section = Section("Your authority's frameworks", none="Your authority has no framework in progress.")
    running = [f for f in await frameworks.managed_by(user.organisation_id) if f.state not in lifecycle.lifecycle_of(f).finished]
    ids = [f.id for f in running] or [-1]
    unanswered = await _count_by_framework(Clarification.select(Clarification.framework).where(
        Clarification.framework.is_in(ids) & Clarification.published_at.is_null()
    ))
    waiting = await AwardProposal.select(AwardProposal.framework, AwardProposal.lot.number.as_alias("lot"), AwardProposal.proposed_by).where(
        AwardProposal.framework.is_in(ids) & AwardProposal.approved_at.is_null() & AwardProposal.superseded_at.is_null()
    )
    for framework in running:
        manage = f"/manage/frameworks/{framework.reference}"
        name = f"{framework.title} ({framework.reference})"
        if count := unanswered.get(framework.id):
            section.tasks.append(Task(
                f"{name}: answer {count} clarification question{'s' if count != 1 else ''}", manage + "/clarifications", "To answer", urgent=True,
            ))
        for proposal in (p for p in waiting if p["framework"] == framework.id):
            approver = proposal["proposed_by"] != user.id
            section.tasks.append(Task(
                f"{name}: the award for lot {proposal['lot']} " + ("is waiting for your approval" if approver else "is waiting for another officer's approval"),
                f"{manage}/award/lots/{proposal['lot']}", "To approve" if approver else "Proposed", urgent=approver,
            ))
        procedure = lifecycle.lifecycle_of(framework)
        forward = procedure.forward_steps(framework.state)
        facts = await frameworks.facts_for(framework, [t.target for t in forward])
        ready = [t for t in forward if not procedure.problems_blocking(framework.state, t.target, facts, now)]
        for step in ready:
            section.tasks.append(Task(f"{name}: {step.action.lower()}", manage, "Ready", urgent=True))
        if not ready:
            section.tasks.append(Task(name, manage, procedure.labels[State(framework.state)], due=frameworks.next_deadline(framework, now)))
    return section


async def _count_by_framework(query) -> dict[int, int]:
    counts: dict[int, int] = {}
    for row in await query:
        counts[row["framework"]] = counts.get(row["framework"], 0) + 1
    return counts


# --- Evaluators ---------------------------------------------------------------------------------


async def _evaluator(user: CurrentUser) -> Section:
    section = Section("Lots to evaluate", none="You are not on any evaluation panel.")
    for assignment in await evaluation.my_assignments(user):
        if assignment["removed_at"] is not None or assignment["state"] in lifecycle.lifecycle_of(assignment).finished:
            continue
        href = f"/evaluation/{assignment['id']}"
        name = f"{assignment['framework_title']} ({assignment['reference']}), lot {assignment['lot_number']}: {assignment['lot_title']}"
        lot = await frameworks.lot_by_id(assignment["lot"])
        bidders = await evaluation.bidders_for_evaluator(
            await frameworks.by_id(assignment["framework"]), lot, on_panel=assignment["removed_at"] is None,
        )
        if not bidders:
            section.tasks.append(Task(f"{name}: you can declare and mark once the tenders are opened", href, "Waiting"))
            continue
        if assignment["declared_at"] is None:
            section.tasks.append(Task(f"{name}: declare any conflict of interest with the bidders", href, "Declare", urgent=True))
            continue
        submitted = await Evaluation.count().where((Evaluation.assignment == assignment["id"]) & Evaluation.submitted_at.is_not_null())
        done = submitted >= len(bidders)
        section.tasks.append(Task(
            f"{name}: {submitted} of {len(bidders)} tenders marked", href, "Done" if done else "To mark", urgent=not done,
        ))
    return section


# --- Commissioners ------------------------------------------------------------------------------


async def _commissioner(user: CurrentUser, now: datetime) -> Section:
    section = Section("Your authority's engagements", none="Nothing is waiting for you. Start a brief to commission a supplier.")
    rows = await Engagement.objects().where(
        (Engagement.buyer == user.organisation_id) & Engagement.state.is_in([EngagementState.DRAFT, EngagementState.INVITED, EngagementState.COMPLETED])
    ).order_by(Engagement.updated_at, ascending=False)
    reviewed = set(await PerformanceReview.select(PerformanceReview.engagement).where(
        PerformanceReview.engagement.is_in([e.id for e in rows] or [-1])
    ).output(as_list=True))
    for engagement in rows:
        base = f"/commissioning/{engagement.reference}"
        name = f"{engagement.reference}: {engagement.title}"
        if engagement.state == EngagementState.DRAFT:
            section.tasks.append(Task(f"{name}: finish the brief and choose how to award it", base, "Draft"))
        elif engagement.state == EngagementState.INVITED:
            closed = engagement.response_deadline is not None and engagement.response_deadline <= now
            if closed:
                section.tasks.append(Task(f"{name}: score the responses and award it", base + "/responses", "To score", urgent=True))
            else:
                section.tasks.append(Task(f"{name}: responses are sealed until the deadline", base, "Invited", due=engagement.response_deadline))
        elif engagement.id not in reviewed:
            section.tasks.append(Task(f"{name}: review how it went", base + "/review", "Review due", urgent=True))
    return section
