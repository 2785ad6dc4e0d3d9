from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from registry.accounts.auth import current_user, requires_role
from registry.accounts.tables import Organisation, Role
from registry.reference import taxonomies
from registry.suppliers import service
from registry.suppliers.schemas import ProfileForm
from registry.web.forms import FormResult, read_form
from registry.web.pages import page

TAXONOMIES = ("regions", "engagement_methods", "groups", "languages", "accessible_formats")


def _choices() -> dict:
    return {name: taxonomies.terms(name) for name in TAXONOMIES}


class ProfileController(Controller):
    path = "/organisation/profile"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/", name="supplier_profile")
    async def show(self, request: Request) -> Template:
        organisation_id = current_user(request).organisation_id
        profile = await service.profile_of(organisation_id)
        names = {name: {t.code: t.name for t in taxonomies.terms(name)} for name in TAXONOMIES}
        organisation = await Organisation.objects().get(Organisation.id == organisation_id)
        return page("suppliers/profile.html", profile=profile, missing=service.missing(profile), names=names, organisation=organisation)

    @get("/edit")
    async def edit(self, request: Request) -> Template:
        profile = await service.profile_of(current_user(request).organisation_id)
        values = {} if profile is None else {
            name: getattr(profile, name)
            for name in ProfileForm.model_fields
        }
        if profile is not None:
            values["capacity"] = "" if profile.capacity is None else str(profile.capacity)
        return page("suppliers/profile_form.html", FormResult(data=None, values=values), choices=_choices())

    @post("/edit")
    async def save(self, request: Request) -> Template | Redirect:
        result = await read_form(request, ProfileForm)
        if not result.ok:
            return page("suppliers/profile_form.html", result, choices=_choices())
        await service.save(current_user(request), result.data.profile())
        return Redirect("/organisation/profile", status_code=303)
