from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from registry.accounts import service, two_factor
from registry.accounts.auth import current_user, deny, requires_role
from registry.accounts.schemas import InviteColleagueForm
from registry.accounts.tables import Role
from registry.web.pages import page
from registry.web.forms import FormResult, add_error, read_form


class OrganisationUsersController(Controller):
    """A supplier organisation's people, and its admins inviting colleagues."""

    path = "/organisation/users"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/", name="organisation_users")
    async def list_colleagues(self, request: Request, invited: FromQuery[str | None] = None) -> Template:
        return await self._page(request, invited=invited)

    @post("/")
    async def invite(self, request: Request) -> Template | Redirect:
        user = current_user(request)
        if not user.is_organisation_admin:
            await deny(request, user, "only the organisation's admins invite colleagues")
        result = await read_form(request, InviteColleagueForm)
        if not result.ok:
            return await self._page(request, result)
        try:
            colleague = await service.invite_colleague(
                inviter=user.actor, organisation_id=user.organisation_id, email=result.data.email, full_name=result.data.full_name
            )
        except service.AccountError as problem:
            return await self._page(request, add_error(result, "email", str(problem)))
        return Redirect(f"/organisation/users?invited={colleague.email}", status_code=303)

    async def _page(self, request: Request, result: FormResult | None = None, invited: FromQuery[str | None] = None) -> Template:
        user = current_user(request)
        people = await service.colleagues(user.organisation_id)
        with_two_factor = await two_factor.enrolled_among([person["id"] for person in people]) if user.is_organisation_admin else set()
        return page(
            "accounts/organisation_users.html", result, people=people, invited=invited, can_invite=user.is_organisation_admin, with_two_factor=with_two_factor,
        )
