from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Organisation, Role
from registry.reference import taxonomies
from registry.suppliers import sections, service
from registry.suppliers.schemas import ProfileForm
from registry.web.forms import FormResult, read_form, validate
from registry.web.pages import page

TAXONOMIES = ("regions", "engagement_methods", "groups", "languages", "accessible_formats")


def _choices() -> dict:
    return {name: taxonomies.terms(name) for name in TAXONOMIES}


class ProfileController(Controller):
    path = "/organisation/profile"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/", name="supplier_profile")
    async def show(self, request: Request, user: SignedInUser) -> Template:
        organisation_id = user.organisation_id
        profile = await service.profile_of(organisation_id)
        names = {name: {t.code: t.name for t in taxonomies.terms(name)} for name in TAXONOMIES}
        organisation = await Organisation.objects().get(Organisation.id == organisation_id)
        return page(
            "suppliers/profile.html", profile=profile, missing=service.missing(profile), names=names, organisation=organisation,
            sections=sections.SECTIONS, saved=sections.BY_SLUG.get(request.query_params.get("saved", "")),
        )

    @get("/edit")
    async def edit(self) -> Redirect:
        """The profile's first page (the address the whole profile form had)."""
        return Redirect(f"/organisation/profile/{sections.SECTIONS[0].slug}", status_code=303)

    @get("/{part:str}")
    async def section_form(self, part: FromPath[str], user: SignedInUser) -> Template:
        section = _section(part)
        return self._section_page(section, FormResult(data=None, values=_values(await service.profile_of(user.organisation_id))))

    @post("/{part:str}")
    async def save_section(self, request: Request, part: FromPath[str], user: SignedInUser) -> Template | Redirect:
        """This page's answers over what is saved: the rest of the profile stays as it is."""
        section = _section(part)
        submitted = await read_form(request, ProfileForm)
        values = {**_values(await service.profile_of(user.organisation_id)), **{name: submitted.values.get(name) for name in section.fields}}
        result = validate(ProfileForm, values)
        errors = {name: message for name, message in result.errors.items() if name in section.fields}
        if section.slug == "about" and not (values.get("description") or "").strip():
            errors["description"] = "Describe your organisation and the participation work you do"
        if errors or not result.ok:
            return self._section_page(section, FormResult(data=None, errors=errors or result.errors, values=values))
        await service.save(user, result.data.profile())
        following = sections.after(section)
        if following is not None and (await request.form()).get("action") == "continue":
            return Redirect(f"/organisation/profile/{following.slug}", status_code=303)
        return Redirect(f"/organisation/profile?saved={section.slug}", status_code=303)

    def _section_page(self, section: sections.Section, result: FormResult) -> Template:
        return page(
            "suppliers/profile_section.html", result, section=section, position=sections.SECTIONS.index(section) + 1,
            count=len(sections.SECTIONS), following=sections.after(section), choices=_choices(),
        )


def _section(slug: str) -> sections.Section:
    if slug not in sections.BY_SLUG:
        raise NotFoundException("There is no such part of the profile")
    return sections.BY_SLUG[slug]


def _values(profile) -> dict:
    """A saved profile as the form's values."""
    if profile is None:
        return {}
    values = {name: getattr(profile, name) for name in ProfileForm.model_fields}
    values["capacity"] = "" if profile.capacity is None else str(profile.capacity)
    return values
