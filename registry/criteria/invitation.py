"""Publishing the invitation to tender: the deadlines are set, the criteria locked and published with
the tender notice, and the framework opens for tenders, in one transaction."""

from datetime import datetime, timedelta

from registry import clock
from registry.audit import service as audit
from registry.accounts.auth import CurrentUser
from registry.criteria import service as criteria
from registry.criteria.service import CriteriaError
from registry.frameworks import lifecycle, periods
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, NoticeKind, State


def check_deadlines(clarification_deadline: datetime | None, tender_deadline: datetime | None, now: datetime) -> dict[str, str]:
    found = {}
    if clarification_deadline is None:
        found["clarification_deadline"] = "Enter the clarification deadline"
    elif clarification_deadline <= now:
        found["clarification_deadline"] = "The clarification deadline must be in the future"
    if tender_deadline is None:
        found["tender_deadline"] = "Enter the tender deadline"
    elif clarification_deadline is not None and tender_deadline <= clarification_deadline:
        found["tender_deadline"] = "The tender deadline must be after the clarification deadline, so that answers reach bidders in time"
    return found


async def deadline_problems(
    framework: Framework, clarification_deadline: datetime | None, tender_deadline: datetime | None, now: datetime,
) -> dict[str, str]:
    """Each deadline's problem: the order of the two, then the minimum tendering period the regime's
    law sets for an invitation published `now` (registry.frameworks.periods)."""
    found = check_deadlines(clarification_deadline, tender_deadline, now)
    if "tender_deadline" not in found and (problem := periods.deadline_problem(await periods.minimum_for(framework, now), tender_deadline)):
        found["tender_deadline"] = problem
    return found


SHORT_TENDER_PERIOD = timedelta(days=30)  # the shortest usual period for an open procedure with electronic tenders


def warnings(tender_deadline: datetime, now: datetime, documents: int) -> list[str]:
    """What an officer should think twice about before publishing: not refused here (the regimes set
    the legal minimum periods), but said plainly on the check page."""
    found = []
    period = tender_deadline - now
    if period < SHORT_TENDER_PERIOD:
        found.append(
            f"Suppliers would have {period.days} day{'s' if period.days != 1 else ''} to tender. Small organisations need time to write a good "
            "tender: the minimum the law sets is on the invitation to tender page, and a short period may still be too short for the "
            "work asked (Procurement Act 2023 s.54(1); Public Contracts (Scotland) Regulations 2015 reg. 28)."
        )
    if documents == 0:
        found.append(
            "No tender documents are attached. Suppliers are asked to accept the framework's terms and conditions and to price the "
            "specification: attach both before publishing."
        )
    return found


async def publish(user: CurrentUser, reference: str, *, clarification_deadline: datetime | None, tender_deadline: datetime | None) -> Framework:
    async with audit.action("publish"):
        framework = await frameworks.for_officer(user, reference)
        if found := await deadline_problems(framework, clarification_deadline, tender_deadline, clock.now()):
            field, message = next(iter(found.items()))
            raise CriteriaError(message, field=field)
        await Framework.update({Framework.clarification_deadline: clarification_deadline, Framework.tender_deadline: tender_deadline}).where(
            Framework.id == framework.id
        )
        if framework.state == State.RFI_OPEN and lifecycle.stage_of(framework, clock.now()) == State.RFI_CLOSED:  # closed by the clock: recorded now
            await frameworks.move(user, reference, State.RFI_CLOSED)
        framework = await frameworks.move(user, reference, State.ITT_PUBLISHED)
        await criteria.lock(framework.id)
        await frameworks.publish_notice(framework, NoticeKind.TENDER, user, change_summary=None, extra=await criteria.tender_notice_content(framework))
    return framework
