"""Publishing the invitation to tender: the deadlines are set, the criteria locked and published with
the tender notice, and the framework opens for tenders, in one transaction."""

from datetime import datetime

from registry import clock, db
from registry.accounts.auth import CurrentUser
from registry.criteria import service as criteria
from registry.criteria.service import CriteriaError
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


async def publish(user: CurrentUser, reference: str, *, clarification_deadline: datetime | None, tender_deadline: datetime | None) -> Framework:
    if found := check_deadlines(clarification_deadline, tender_deadline, clock.now()):
        field, message = next(iter(found.items()))
        raise CriteriaError(message, field=field)
    async with db.transaction():
        framework = await frameworks.get(reference)
        if framework is None:
            raise CriteriaError(f"There is no framework {reference}")
        frameworks.check_officer(user, framework)
        await Framework.update({Framework.clarification_deadline: clarification_deadline, Framework.tender_deadline: tender_deadline}).where(
            Framework.id == framework.id
        )
        framework = await frameworks.move(user, reference, State.ITT_PUBLISHED)
        await criteria.lock(framework.id)
        await frameworks.publish_notice(framework, NoticeKind.TENDER, user, change_summary=None, extra=await criteria.tender_notice_content(framework))
    return framework
