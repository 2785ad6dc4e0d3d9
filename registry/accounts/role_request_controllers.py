from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from registry.accounts import duties
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.web.pages import page


class RoleRequestsController(Controller):
    """Grants of guarded roles waiting for someone other than the admin who asked (accounts.duties)."""

    path = "/role-requests"
    include_in_schema = False
    guards = [requires_role(Role.PROCUREMENT_OFFICER, Role.ADMIN)]

    @get("/", name="role_requests")
    async def waiting(self, user: SignedInUser, decided: FromQuery[str | None] = None) -> Template:
        return await self._page(user, decided=decided)

    @post("/{grant_id:int}/approve")
    async def approve(self, user: SignedInUser, grant_id: FromPath[int]) -> Template | Redirect:
        return await self._decide(user, grant_id, approve=True)

    @post("/{grant_id:int}/refuse")
    async def refuse(self, user: SignedInUser, grant_id: FromPath[int]) -> Template | Redirect:
        return await self._decide(user, grant_id, approve=False)

    async def _decide(self, user: SignedInUser, grant_id: int, *, approve: bool) -> Template | Redirect:
        try:
            await duties.decide(user, grant_id, approve=approve)
        except duties.GrantError as problem:
            return await self._page(user, problem=str(problem))
        return Redirect(f"/role-requests?decided={'approved' if approve else 'refused'}", status_code=303)

    async def _page(self, user: SignedInUser, *, decided: str | None = None, problem: str | None = None) -> Template:
        grants = await duties.waiting_for(user)
        return page(
            "accounts/role_requests.html", grants=grants, decided=decided if decided in ("approved", "refused") else None,
            problem=problem, status_code=400 if problem else 200,
        )
