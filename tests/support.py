"""Helpers for tests that drive the app over HTTP as a signed-in user."""

import re

from registry.accounts import service
from registry.accounts.passwords import hash_password
from registry.accounts.tables import OrganisationKind, Role

PASSWORD = "correct horse battery staple"


def set_session_cookie(client, value: str) -> None:
    client.cookies.delete("registry_session")
    client.cookies.set("registry_session", value, domain="testserver.local")


def csrf_from(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


async def post_form(client, path: str, data: dict, *, form_page: str | None = None):
    page = await client.get(form_page or path)
    return await client.post(path, data={**data, "_csrf_token": csrf_from(page.text)})


async def make_user(email="officer@authority.example", roles=(Role.PROCUREMENT_OFFICER,), kind=OrganisationKind.AUTHORITY, confirmed=True):
    organisation = await service.create_organisation(kind=kind, legal_name=f"Org of {email}")
    return await service.create_user(
        email=email, full_name="Test Person", organisation=organisation, roles=roles,
        password_hash=await hash_password(PASSWORD), email_confirmed=confirmed,
    )




async def current(user):
    """The signed-in form of a user, as the service functions receive it."""
    from registry.accounts.auth import load_user

    loaded, _ = await load_user(user.id)
    return loaded


async def officer_and_supplier():
    from registry.accounts.tables import User

    officer = await make_user(email="officer@authority.example", roles=(Role.PROCUREMENT_OFFICER,))
    supplier = await make_user(email="bids@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    await User.update({User.is_organisation_admin: True}).where(User.id == supplier.id)
    return await current(officer), await current(supplier)
