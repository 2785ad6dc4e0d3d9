"""The one rule for who may learn of a mini-competition response, as tenders are sealed: whether a
supplier has answered the invitation (accepted, declined or responded), when, and its proposal and
price. The responding supplier always knows its own; the buyer learns all of it only once the
response deadline has passed by the server clock; no one else, ever. Until then the buyer sees only
whom it invited, and the admin's audit log leaves the suppliers' answers out."""

from datetime import datetime

from registry import clock
from registry.audit import service as audit
from registry.engagements.tables import Engagement, Invitation

SEALED_EVENTS = frozenset({"engagement.invitation_accepted", "engagement.invitation_declined", "engagement.responded"})


def deadline_passed(engagement: Engagement, now: datetime) -> bool:
    return engagement.response_deadline is not None and now >= engagement.response_deadline


def may_read_response(engagement: Engagement, invitation: Invitation, organisation_id: int, now: datetime) -> bool:
    """Whether `organisation_id` may learn if, when and how the invited supplier answered."""
    if invitation.organisation == organisation_id:
        return True
    return organisation_id == engagement.buyer and deadline_passed(engagement, now)


async def sealed_events() -> audit.Sealed:
    """The suppliers' answers to mini-competitions whose response deadline has not passed."""
    references = await Engagement.select(Engagement.reference).where(Engagement.response_deadline > clock.now()).output(as_list=True)
    return audit.Sealed(object_type="engagement", actions=SEALED_EVENTS, object_ids=frozenset(references))


audit.add_sealer(sealed_events)
