"""The one rule for who may read a mini-competition response (its proposal and price), as tenders
are sealed: the responding supplier always; the buyer only once the response deadline has passed
by the server clock; no one else, ever. Everyone else who may see the engagement sees only who
responded."""

from datetime import datetime

from registry.engagements.tables import Engagement, Invitation


def deadline_passed(engagement: Engagement, now: datetime) -> bool:
    return engagement.response_deadline is not None and now >= engagement.response_deadline


def may_read_response(engagement: Engagement, invitation: Invitation, organisation_id: int, now: datetime) -> bool:
    if invitation.organisation == organisation_id:
        return True
    return organisation_id == engagement.buyer and deadline_passed(engagement, now)
