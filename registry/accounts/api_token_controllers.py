from datetime import timedelta
from typing import ClassVar

from pydantic import Field

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from registry.accounts import api_tokens
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.web.pages import page
from registry.web.forms import Form, read_form

OFFICIAL_ROLES = (Role.PROCUREMENT_OFFICER, Role.EVALUATOR, Role.COMMISSIONER, Role.ADMIN)


class NewTokenForm(Form):
    messages: ClassVar = {
        "name": "Enter a name for the token, such as the script that will use it",
        "name:invalid": "Name must be 100 characters or fewer",
        "lifetime_days:invalid": f"Enter how many days the token should last, as a whole number from 1 to {api_tokens.MAX_LIFETIME.days}",
    }
    name: str = Field(max_length=100)
    lifetime_days: int = Field(default=api_tokens.DEFAULT_LIFETIME.days, ge=1, le=api_tokens.MAX_LIFETIME.days)


class ApiTokensController(Controller):
    path = "/account/api-tokens"
    include_in_schema = False
    guards = [requires_role(*OFFICIAL_ROLES)]

    @get("/", name="api_tokens")
    async def list_tokens(self, user: SignedInUser) -> Template:
        return await self._page(user)

    @post("/")
    async def create(self, request: Request, user: SignedInUser) -> Template:
        result = await read_form(request, NewTokenForm)
        if not result.ok:
            return await self._page(user, result)
        record, token = await api_tokens.create(
            user_id=user.id, name=result.data.name, actor=user.actor, lifetime=timedelta(days=result.data.lifetime_days)
        )
        return page("accounts/api_token_created.html", token=token, name=record.name, expires_at=record.expires_at)

    @post("/{token_id:int}/revoke")
    async def revoke(self, token_id: FromPath[int], user: SignedInUser) -> Template:
        revoked = await api_tokens.revoke(user_id=user.id, token_id=token_id, actor=user.actor)
        return await self._page(user, notice="Token revoked" if revoked else None, status_code=200 if revoked else 404)

    async def _page(self, user: SignedInUser, result=None, notice: str | None = None, status_code: int = 200) -> Template:
        tokens = await api_tokens.for_user(user.id)
        return page(
            "accounts/api_tokens.html", result, tokens=tokens, notice=notice, status_code=status_code, is_expired=api_tokens.is_expired,
            default_days=api_tokens.DEFAULT_LIFETIME.days, max_days=api_tokens.MAX_LIFETIME.days,
        )
