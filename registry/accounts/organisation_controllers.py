from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from registry.accounts import deactivation, service, two_factor
from registry.accounts.auth import SignedInUser, deny, requires_role
from registry.accounts.schemas import InviteColleagueForm
from registry.accounts.tables import Role
from registry.web.pages import Confirmation, confirmation, confirmed, page
from registry.web.forms import FormResult, add_problem, read_form
from registry.web.dependencies import AppSettings


class OrganisationUsersController(Controller):
    """A supplier organisation's people, and its admins inviting and removing colleagues."""

    path = "/organisation/users"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/", name="organisation_users")
    async def list_colleagues(
        self, user: SignedInUser, invited: FromQuery[str | None] = None, removed: FromQuery[str | None] = None,
        made_admin: FromQuery[str | None] = None,
    ) -> Template:
        return await self._page(user, invited=invited, removed=removed, made_admin=made_admin)

    @post("/")
    async def invite(self, request: Request, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        if not user.is_organisation_admin:
            await deny(request, user, "only the organisation's admins invite colleagues")
        result = await read_form(request, InviteColleagueForm)
        if not result.ok:
            return await self._page(user, result)
        try:
            colleague = await service.invite_colleague(
                inviter=user.actor, organisation_id=user.organisation_id, email=result.data.email, full_name=result.data.full_name
            )
        except service.AccountError as problem:
            return await self._page(user, add_problem(result, problem, settings.zone, field_name="email"))
        return Redirect(f"/organisation/users?invited={colleague.email}", status_code=303)

    @get("/{user_id:int}/remove")
    async def confirm_removal(self, request: Request, user_id: FromPath[int], user: SignedInUser) -> Template | Redirect:
        colleague = await self._colleague(request, user, user_id)
        if not colleague["is_active"]:
            return Redirect("/organisation/users", status_code=303)
        return confirmation(Confirmation(
            title=f"Remove {colleague['full_name']} from {user.organisation_name}",
            rows=[{"key": {"text": "Name"}, "value": {"text": colleague["full_name"]}},
                  {"key": {"text": "Email address"}, "value": {"text": colleague["email"]}}],
            warning="They are signed out at once and can no longer sign in, see or change your organisation's tenders, or reset "
                    "their password. What they did stays, in their name. They are emailed. To bring them back, ask the "
                    "service's administrators.",
            action=f"/organisation/users/{user_id}/remove", button="Remove from your organisation", button_classes="govuk-button--warning",
            back="/organisation/users",
        ))

    @post("/{user_id:int}/remove")
    async def remove(self, request: Request, user_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        colleague = await self._colleague(request, user, user_id)
        if not await confirmed(request):
            return Redirect(f"/organisation/users/{user_id}/remove", status_code=303)
        try:
            await deactivation.remove_colleague(admin=user.actor, organisation_id=user.organisation_id, user_id=user_id, zone=settings.zone)
        except service.AccountError as problem:
            return await self._page(user, add_problem(FormResult(data=None), problem, settings.zone, field_name="people"))
        return Redirect(f"/organisation/users?removed={colleague['email']}", status_code=303)

    @get("/{user_id:int}/admin")
    async def confirm_making_admin(self, request: Request, user_id: FromPath[int], user: SignedInUser) -> Template | Redirect:
        colleague = await self._colleague(request, user, user_id)
        if not colleague["is_active"] or colleague["is_organisation_admin"]:
            return Redirect("/organisation/users", status_code=303)
        return confirmation(Confirmation(
            title=f"Make {colleague['full_name']} an administrator of {user.organisation_name}",
            rows=[{"key": {"text": "Name"}, "value": {"text": colleague["full_name"]}},
                  {"key": {"text": "Email address"}, "value": {"text": colleague["email"]}}],
            warning="They will be able to invite and remove your organisation's people, including you. They are emailed.",
            action=f"/organisation/users/{user_id}/admin", button="Make them an administrator", back="/organisation/users",
        ))

    @post("/{user_id:int}/admin")
    async def make_admin(self, request: Request, user_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        colleague = await self._colleague(request, user, user_id)
        if not await confirmed(request):
            return Redirect(f"/organisation/users/{user_id}/admin", status_code=303)
        try:
            await service.make_colleague_admin(admin=user.actor, organisation_id=user.organisation_id, user_id=user_id)
        except service.AccountError as problem:
            return await self._page(user, add_problem(FormResult(data=None), problem, settings.zone, field_name="people"))
        return Redirect(f"/organisation/users?made_admin={colleague['email']}", status_code=303)

    async def _colleague(self, request: Request, user: SignedInUser, user_id: int) -> dict:
        """Someone of the admin's own organisation: anyone else is not found."""
        if not user.is_organisation_admin:
            await deny(request, user, "only the organisation's admins remove colleagues or make them admins")
        colleague = next((person for person in await service.colleagues(user.organisation_id) if person["id"] == user_id), None)
        if colleague is None:
            raise NotFoundException("There is no such person in your organisation")
        return colleague

    async def _page(
        self, user: SignedInUser, result: FormResult | None = None, invited: str | None = None, removed: str | None = None,
        made_admin: str | None = None,
    ) -> Template:
        people = await service.colleagues(user.organisation_id)
        with_two_factor = await two_factor.enrolled_among([person["id"] for person in people]) if user.is_organisation_admin else set()
        return page(
            "accounts/organisation_users.html", result, people=people, invited=invited, removed=removed, made_admin=made_admin,
            can_invite=user.is_organisation_admin, me=user.id, with_two_factor=with_two_factor,
        )
