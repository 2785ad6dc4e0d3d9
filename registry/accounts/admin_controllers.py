from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from registry.accounts import service, two_factor
from registry.accounts.auth import current_user, requires_role
from registry.accounts.schemas import NewAuthorityUserForm, RolesForm
from registry.accounts.tables import OrganisationKind, Role
from registry.web.pages import page
from registry.web.forms import FormResult, add_error, read_form

AUTHORITY_ROLES = [Role.PROCUREMENT_OFFICER, Role.EVALUATOR, Role.COMMISSIONER, Role.ADMIN]


class UsersAdminController(Controller):
    path = "/admin/users"
    include_in_schema = False
    guards = [requires_role(Role.ADMIN)]

    @get("/", name="admin_users")
    async def list_users(self, created: FromQuery[str | None] = None, changed: FromQuery[str | None] = None) -> Template:
        return page("accounts/admin_users.html", users=await service.list_users(), created=created, changed=changed)

    @get("/new")
    async def new_user_form(self) -> Template:
        return await self._form()

    @post("/new")
    async def create(self, request: Request) -> Template | Redirect:
        result = await read_form(request, NewAuthorityUserForm)
        if not result.ok:
            return await self._form(result)
        form = result.data
        try:
            user = await service.create_authority_user(
                admin=current_user(request).actor,
                email=form.email,
                full_name=form.full_name,
                organisation_id=form.organisation_id,
                roles=form.roles,
            )
        except service.AccountError as problem:
            return await self._form(add_error(result, "email" if "account" in str(problem).lower() else "organisation_id", str(problem)))
        return Redirect(f"/admin/users?created={user.email}", status_code=303)

    @get("/{user_id:int}")
    async def edit_roles_form(self, user_id: FromPath[int]) -> Template:
        return await self._roles_page(user_id)

    @post("/{user_id:int}")
    async def change_roles(self, request: Request, user_id: FromPath[int]) -> Template | Redirect:
        result = await read_form(request, RolesForm)
        if not result.ok:
            return await self._roles_page(user_id, result)
        try:
            user = await service.change_roles(admin=current_user(request).actor, user_id=user_id, roles=result.data.roles)
        except service.AccountError as problem:
            return await self._roles_page(user_id, add_error(result, "roles", str(problem)))
        return Redirect(f"/admin/users?changed={user.email}", status_code=303)

    async def _roles_page(self, user_id: int, result: FormResult | None = None) -> Template:
        user = await service.get_user(user_id)
        if user is None:
            raise NotFoundException("There is no such user")
        roles = [Role.SUPPLIER] if user["organisation_kind"] == OrganisationKind.SUPPLIER else AUTHORITY_ROLES
        if result is None:
            result = FormResult(data=None, values={"roles": user["roles"]})
        return page("accounts/admin_user_roles.html", result, user=user, roles=roles, two_factor_on=await two_factor.enrolled(user_id))

    async def _form(self, result: FormResult | None = None) -> Template:
        authorities = await service.organisations_of_kind(OrganisationKind.AUTHORITY)
        return page("accounts/admin_new_user.html", result, authorities=authorities, roles=AUTHORITY_ROLES)
