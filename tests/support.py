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


