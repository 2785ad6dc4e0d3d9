from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from registry.accounts import deactivation, duties, service, two_factor
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.schemas import NewAuthorityUserForm, RolesForm
from registry.accounts.tables import OrganisationKind, Role
from registry.web.pages import Confirmation, confirmation, confirmed, page
from registry.web.forms import FormResult, add_problem, read_form
from registry.web.dependencies import AppSettings

AUTHORITY_ROLES = [Role.PROCUREMENT_OFFICER, Role.EVALUATOR, Role.COMMISSIONER, Role.ADMIN]


class UsersAdminController(Controller):
    path = "/admin/users"
    include_in_schema = False
    guards = [requires_role(Role.ADMIN)]

    @get("/", name="admin_users")
    async def list_users(
        self, created: FromQuery[str | None] = None, changed: FromQuery[str | None] = None, waiting: FromQuery[str | None] = None,
        deactivated: FromQuery[str | None] = None, reactivated: FromQuery[str | None] = None,
    ) -> Template:
        users = await service.list_users()
        return page(
            "accounts/admin_users.html", users=users, created=created, changed=changed, waiting=_named_roles(waiting),
            waiting_roles=await duties.waiting_roles_of(user["id"] for user in users), deactivated=deactivated, reactivated=reactivated,
            with_two_factor=await two_factor.enrolled_among([user["id"] for user in users]),
        )

    @get("/new")
    async def new_user_form(self) -> Template:
        return await self._form()

    @post("/new")
    async def create(self, request: Request, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        result = await read_form(request, NewAuthorityUserForm)
        if not result.ok:
            return await self._form(result)
        form = result.data
        try:
            user, waiting = await service.create_authority_user(
                admin=user.actor,
                email=form.email,
                full_name=form.full_name,
                organisation_id=form.organisation_id,
                roles=form.roles,
            )
        except service.AccountError as problem:
            return await self._form(add_problem(result, problem, settings.zone))
        return Redirect(f"/admin/users?{_query(created=user.email, waiting=waiting)}", status_code=303)

    @get("/{user_id:int}")
    async def edit_roles_form(self, user_id: FromPath[int]) -> Template:
        return await self._roles_page(user_id)

    @post("/{user_id:int}")
    async def change_roles(self, request: Request, user_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        result = await read_form(request, RolesForm)
        if not result.ok:
            return await self._roles_page(user_id, result)
        try:
            user, waiting = await service.change_roles(admin=user.actor, user_id=user_id, roles=result.data.roles)
        except service.AccountError as problem:
            return await self._roles_page(user_id, add_problem(result, problem, settings.zone, field_name="roles"))
        return Redirect(f"/admin/users?{_query(changed=user.email, waiting=waiting)}", status_code=303)

    @get("/{user_id:int}/deactivate")
    async def confirm_deactivation(self, user_id: FromPath[int]) -> Template | Redirect:
        user = await self._user(user_id)
        if not user["is_active"]:
            return Redirect(f"/admin/users/{user_id}", status_code=303)
        return confirmation(Confirmation(
            title=f"Deactivate {user['full_name']}'s account", caption=user["organisation_name"], rows=_rows(user),
            warning="They are signed out everywhere at once, their API tokens stop working, and they can no longer sign in or "
                    "reset their password. What they did stays, in their name. They are emailed, and so are their authority's "
                    "procurement officers. You can reactivate the account later.",
            action=f"/admin/users/{user_id}/deactivate", button="Deactivate account", button_classes="govuk-button--warning",
            back=f"/admin/users/{user_id}",
        ))

    @post("/{user_id:int}/deactivate")
    async def deactivate(self, request: Request, user_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        if not await confirmed(request):
            return Redirect(f"/admin/users/{user_id}/deactivate", status_code=303)
        try:
            done = await deactivation.deactivate(actor=user.actor, user_id=user_id, by=deactivation.By.SERVICE_ADMIN, zone=settings.zone)
        except service.AccountError as problem:
            return await self._roles_page(user_id, add_problem(FormResult(data=None), problem, settings.zone, field_name="account"))
        return Redirect(f"/admin/users?deactivated={done.user.email}", status_code=303)

    @get("/{user_id:int}/reactivate")
    async def confirm_reactivation(self, user_id: FromPath[int]) -> Template | Redirect:
        user = await self._user(user_id)
        if user["is_active"]:
            return Redirect(f"/admin/users/{user_id}", status_code=303)
        return confirmation(Confirmation(
            title=f"Reactivate {user['full_name']}'s account", caption=user["organisation_name"], rows=_rows(user),
            warning="They can sign in again with their password, with the roles shown. Their old API tokens stay revoked. "
                    "They are emailed, and so are their authority's procurement officers.",
            action=f"/admin/users/{user_id}/reactivate", button="Reactivate account", back=f"/admin/users/{user_id}",
        ))

    @post("/{user_id:int}/reactivate")
    async def reactivate(self, request: Request, user_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        if not await confirmed(request):
            return Redirect(f"/admin/users/{user_id}/reactivate", status_code=303)
        try:
            user = await deactivation.reactivate(actor=user.actor, user_id=user_id, by=deactivation.By.SERVICE_ADMIN, zone=settings.zone)
        except service.AccountError as problem:
            return await self._roles_page(user_id, add_problem(FormResult(data=None), problem, settings.zone, field_name="account"))
        return Redirect(f"/admin/users?reactivated={user.email}", status_code=303)

    async def _user(self, user_id: int) -> dict:
        user = await service.get_user(user_id)
        if user is None:
            raise NotFoundException("There is no such user")
        return user

    async def _roles_page(self, user_id: int, result: FormResult | None = None) -> Template:
        user = await self._user(user_id)
        roles = [Role.SUPPLIER] if user["organisation_kind"] == OrganisationKind.SUPPLIER else AUTHORITY_ROLES
        waiting = await duties.waiting_roles(user_id)
        if result is None:
            result = FormResult(data=None, values={"roles": [*user["roles"], *(str(role) for role in waiting)]})
        result.values.setdefault("roles", user["roles"])
        return page("accounts/admin_user_roles.html", result, user=user, roles=roles, waiting=waiting, guarded=duties.GUARDED_ROLES,
                    two_factor_on=await two_factor.enrolled(user_id))

    async def _form(self, result: FormResult | None = None) -> Template:
        authorities = await service.organisations_of_kind(OrganisationKind.AUTHORITY)
        return page("accounts/admin_new_user.html", result, authorities=authorities, roles=AUTHORITY_ROLES)


def _query(*, waiting: set[Role], **done: str) -> str:
    """The users page's banner: what was done, and which roles now wait for approval."""
    return urlencode({**done, **({"waiting": ",".join(sorted(duties.role_name(role) for role in waiting))} if waiting else {})})


def _named_roles(text: str | None) -> list[str]:
    names = {duties.role_name(role) for role in duties.GUARDED_ROLES}
    return [name for name in (text or "").split(",") if name in names]


def _rows(user: dict) -> list[dict]:
    return [
        {"key": {"text": "Name"}, "value": {"text": user["full_name"]}},
        {"key": {"text": "Email address"}, "value": {"text": user["email"]}},
        {"key": {"text": "Organisation"}, "value": {"text": user["organisation_name"]}},
        {"key": {"text": "Roles"}, "value": {"text": ", ".join(role.replace("_", " ") for role in sorted(user["roles"]))}},
    ]
