"""The accounts part of the JSON API."""

from litestar import Controller, get
from pydantic import BaseModel

from registry.accounts.auth import SignedInUser, signed_in
from registry.web import api


class Me(BaseModel):
    id: int
    email: str
    full_name: str
    organisation: str
    organisation_kind: str
    roles: list[str]


class MeController(Controller):
    path = "/api/me"
    tags = ["accounts"]
    guards = [signed_in]
    security = api.SIGNED_IN

    @get("/", summary="The signed-in user, or the user whose API token this is", responses=api.errors())
    async def me(self, user: SignedInUser) -> Me:
        return Me(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            organisation=user.organisation_name,
            organisation_kind=user.organisation_kind.value,
            roles=sorted(user.roles),
        )
