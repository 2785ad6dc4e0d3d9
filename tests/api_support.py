"""Helpers for the JSON API's tests: an API token's header, and a mini-competition under way."""

from datetime import datetime

from registry.accounts import api_tokens
from registry.engagements import service as engagements
from registry.engagements.tables import Engagement
from tests.commissioning import picks

BRIEF = {
    "title": "Young people's views on transport", "objectives": "Hear what young people in Glasgow need from buses.",
    "groups": ("children-and-young-people",), "regions": ("glasgow-city",), "methods": ("deliberative-workshops",), "budget_pence": 4_000_000,
}


async def bearer(user) -> dict[str, str]:
    """The Authorization header of a new API token of `user` (a CurrentUser)."""
    _, token = await api_tokens.create(user_id=user.id, name="tests", actor=user.actor)
    return {"Authorization": f"Bearer {token}"}


async def competing(live, deadline: datetime) -> Engagement:
    """A mini-competition on lot 1 of `live` (tests.commissioning), its invitations sent."""
    engagement = await engagements.create_brief(live.commissioner, engagements.Brief(lot_id=live.lots[1].id, **BRIEF))
    await engagements.set_up_competition(live.commissioner, engagement.reference, criteria=picks(live, ("Approach", 70)), price_weight=30, deadline=deadline)
    await engagements.invite(live.commissioner, engagement.reference)
    return engagement
