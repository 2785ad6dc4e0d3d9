"""Helpers for tests that drive the app over HTTP as a signed-in user."""

import re
from datetime import UTC, datetime

import pyotp

from registry.accounts import service, two_factor
from registry.accounts.passwords import hash_password
from registry.accounts.tables import OrganisationKind, Role, TwoFactor, User

PASSWORD = "correct horse battery staple"
# The tests' authenticator app: every test user who signs in with a second factor has this secret.
TWO_FACTOR_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def set_session_cookie(client, value: str) -> None:
    client.cookies.delete("registry_session")
    client.cookies.set("registry_session", value, domain="testserver.local")


def csrf_from(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


async def post_form(client, path: str, data: dict, *, form_page: str | None = None):
    page = await client.get(form_page or path)
    return await client.post(path, data={**data, "_csrf_token": csrf_from(page.text)})


async def fresh_code(user_id: int, secret: str = TWO_FACTOR_SECRET) -> str:
    """A code of the test's authenticator that the service has not accepted yet. A code works once,
    and a test may sign one user in several times within 30 seconds: then it is as if the test had
    waited for the next step (the user's last used step is wound back).
    The code is of the current step where it can be, so that the step moving on before the service
    reads it (the service takes one step either side) does not make it too old."""
    last = (await TwoFactor.select(TwoFactor.last_used_step).where(TwoFactor.user == user_id).first())["last_used_step"]
    now = two_factor.step_at(datetime.now(UTC))
    step = max(now, last + 1)
    if step > now + 1:
        await TwoFactor.update({TwoFactor.last_used_step: now - 1}).where(TwoFactor.user == user_id)
        step = now
    return pyotp.TOTP(secret).generate_otp(step)


async def sign_in(client, email: str, password: str = PASSWORD, **fields: str):
    """Sign in over HTTP, as a browser does: the password, then (for a user who must use one) a code
    from the test's authenticator. A user who has not set one up yet gets TWO_FACTOR_SECRET set up for
    them at the service (the set-up pages have tests of their own). The last response is returned."""
    response = await post_form(client, "/sign-in", {"email": email, "password": password, **fields})
    location = response.headers.get("location") if response.status_code == 303 else None
    if location not in ("/sign-in/code", "/sign-in/set-up-two-factor"):
        return response
    user = await User.objects().get(User.email == email.strip().lower())
    if location == "/sign-in/set-up-two-factor":
        await two_factor.enrol_with_secret(user.id, TWO_FACTOR_SECRET)
    return await post_form(client, "/sign-in/code", {"code": await fresh_code(user.id)})


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
