import re

import pytest

from registry.accounts import service
from registry.accounts.passwords import hash_password
from registry.accounts.passwords_policy import password_problem
from registry.accounts.tables import OrganisationKind, Role, SessionRecord, User
from registry.audit import service as audit
from registry.audit.tables import AuditEvent
from registry.notifications.tables import Notification

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


def test_password_policy_is_length_and_commonness_not_composition():
    assert password_problem("short") == "Password must be 12 characters or more"
    assert password_problem("password1234") == "Password is too common and easy to guess. Choose a different password"
    assert password_problem("aaaaaaaaaaaaaaa") is not None
    assert password_problem("x" * 257) == "Password must be 256 characters or fewer"
    assert password_problem("lowercase words only here") is None
    assert password_problem("a" * 2 + "b" * 126) is not None
    assert password_problem("correct horse " * 9) is None  # 126 characters is fine


async def test_sign_in_then_out_with_a_new_session_id_each_time(client, database):
    await make_user()
    await client.get("/sign-in")
    set_session_cookie(client, "attacker-chosen-session-id")
    response = await post_form(client, "/sign-in", {"email": "Officer@Authority.example", "password": PASSWORD, "next": "/account"})
    assert response.status_code == 303 and response.headers["location"] == "/account"
    session_id = client.cookies.get("registry_session")
    assert session_id and session_id != "attacker-chosen-session-id"
    account = await client.get("/account")
    assert account.status_code == 200 and "officer@authority.example" in account.text
    assert account.headers["cache-control"] == "no-store"

    signed_out = await post_form(client, "/sign-out", {})
    assert "You have signed out" in signed_out.text
    assert await SessionRecord.count().where(SessionRecord.key == session_id) == 0
    set_session_cookie(client, session_id)
    assert (await client.get("/account")).status_code == 303  # the old session no longer works
    actions = await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.sequence).output(as_list=True)
    assert "user.signed_in" in actions and "user.signed_out" in actions


async def test_a_failed_sign_in_is_generic_keeps_the_email_and_is_audited(client, database):
    await make_user()
    for email in ("officer@authority.example", "nobody@authority.example"):
        response = await post_form(client, "/sign-in", {"email": email, "password": "wrong password entirely"})
        assert response.status_code == 400
        assert "There is a problem" in response.text
        assert "Enter the email address and password for your account" in response.text
        assert f'value="{email}"' in response.text
        assert "<title>Error: Sign in" in response.text
    assert await AuditEvent.count().where(AuditEvent.action == "user.sign_in_failed") == 2


async def test_empty_sign_in_fields_get_their_own_messages(client, database):
    response = await post_form(client, "/sign-in", {"email": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your email address" in response.text and "Enter your password" in response.text
    assert 'href="#email"' in response.text and 'href="#password"' in response.text


async def test_repeated_failures_are_rate_limited_per_account(client, database):
    await make_user()
    for _ in range(service.MAX_FAILURES_PER_ACCOUNT):
        await post_form(client, "/sign-in", {"email": "officer@authority.example", "password": "not the right one"})
    response = await post_form(client, "/sign-in", {"email": "officer@authority.example", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts to sign in" in response.text


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(client, database):
    await client.get("/register")
    response = await client.post("/register", data={"legal_name": "Sneaky Ltd"}, headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "did not come from this service" in response.text


async def test_a_forged_session_cookie_is_treated_as_signed_out(client, database):
    set_session_cookie(client, "f" * 64)
    response = await client.get("/account")
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in?next=")


async def test_supplier_registration_confirmation_and_sign_in(client, database):
    form = {
        "legal_name": "Bright Futures Engagement Ltd", "registration_number": "SC700001",
        "organisation_type": "Private limited company", "size": "small",
        "full_name": "Ada Lovelace", "email": "ada@brightfutures.example", "password": PASSWORD,
    }
    response = await post_form(client, "/register", form)
    assert response.status_code == 200 and "Check your email" in response.text
    early = await post_form(client, "/sign-in", {"email": form["email"], "password": PASSWORD})
    assert "Confirm your email address before you sign in" in early.text

    message = await Notification.objects().where(Notification.recipient == form["email"]).order_by(Notification.id).first()
    link = re.search(r"http://[^/]+(/confirm-email/\S+)", message.body).group(1)
    confirmed = await post_form(client, link, {})
    assert "Email address confirmed" in confirmed.text
    used_again = await client.get(link)
    assert used_again.status_code == 400 and "expired or been used" in used_again.text

    signed_in = await post_form(client, "/sign-in", {"email": form["email"], "password": PASSWORD})
    assert signed_in.status_code == 303
    user = await User.objects().get(User.email == form["email"])
    assert user.roles == ["supplier"] and user.is_organisation_admin


async def test_registration_errors_keep_what_was_typed(client, database):
    await make_user(email="taken@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    response = await post_form(client, "/register", {
        "legal_name": "Kept Name Ltd", "organisation_type": "Charity", "full_name": "", "email": "not-an-email", "password": "password1234",
    })
    assert response.status_code == 400
    for message in ("Select the size of your organisation", "Enter your full name", "Enter an email address in the correct format", "Password is too common"):
        assert message in response.text
    assert 'value="Kept Name Ltd"' in response.text and 'value="not-an-email"' in response.text
    assert "password1234" not in response.text

    duplicate = await post_form(client, "/register", {
        "legal_name": "Another Ltd", "organisation_type": "Charity", "size": "micro", "full_name": "A Person",
        "email": "TAKEN@supplier.example", "password": PASSWORD,
    })
    assert duplicate.status_code == 400 and "An account already exists for this email address" in duplicate.text
    assert await User.count().where(User.email == "taken@supplier.example") == 1


async def test_password_reset_link_works_once_expires_and_ends_other_sessions(client, database):
    from datetime import timedelta

    from registry import clock

    user = await make_user()
    await post_form(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    old_session = client.cookies.get("registry_session")
    unknown = await post_form(client, "/password-reset", {"email": "nobody@authority.example"})
    known = await post_form(client, "/password-reset", {"email": user.email})
    assert "If there is an account for" in unknown.text and "If there is an account for" in known.text
    message = await Notification.objects().where(Notification.subject == "Reset your password").first()
    link = re.search(r"http://[^/]+(/password-reset/\S+)", message.body).group(1)

    weak = await post_form(client, link, {"password": "short"})
    assert weak.status_code == 400 and "12 characters or more" in weak.text
    done = await post_form(client, link, {"password": "a brand new pass phrase"})
    assert "Your password has been changed" in done.text
    assert (await client.get(link)).status_code == 400  # single use

    set_session_cookie(client, old_session)
    assert (await client.get("/account")).status_code == 303  # signed out everywhere
    with pytest.raises(service.SignInRefused):
        await service.authenticate(user.email, PASSWORD, remote_address="127.0.0.1")

    previous = clock.use(clock.ControlledClock())
    try:
        await service.request_password_reset(user.email)
        latest = await Notification.objects().where(Notification.subject == "Reset your password").order_by(Notification.id, ascending=False).first()
        later_link = re.search(r"http://[^/]+(/password-reset/\S+)", latest.body).group(1)
        clock.current().advance(timedelta(hours=1, seconds=1))
        assert (await client.get(later_link)).status_code == 400  # expired
    finally:
        clock.use(previous)


async def test_change_password_needs_the_current_one(client, database):
    user = await make_user()
    await post_form(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    wrong = await post_form(client, "/account/password", {"current_password": "not my password", "new_password": "another long pass phrase"})
    assert wrong.status_code == 400 and "Your current password is not correct" in wrong.text
    right = await post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "another long pass phrase"})
    assert "Your password has been changed" in right.text
    assert (await client.get("/account")).status_code == 200  # this browser stays signed in


async def test_admin_creates_an_authority_user_who_is_emailed_a_link(client, database):
    admin = await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    await post_form(client, "/sign-in", {"email": admin.email, "password": PASSWORD})
    authority = await service.find_organisation("Org of admin@authority.example")
    bad = await post_form(client, "/admin/users/new", {"full_name": "New Evaluator", "email": "eval@authority.example"}, form_page="/admin/users/new")
    assert bad.status_code == 400 and "Select at least one role" in bad.text and "Select their organisation" in bad.text
    page = await client.get("/admin/users/new")
    response = await client.post("/admin/users/new", data={
        "_csrf_token": csrf_from(page.text), "full_name": "New Evaluator", "email": "eval@authority.example",
        "organisation_id": str(authority.id), "roles": ["evaluator", "commissioner"],
    })
    assert response.status_code == 303
    user = await User.objects().get(User.email == "eval@authority.example")
    assert sorted(user.roles) == ["commissioner", "evaluator"] and user.password_hash is None
    assert await Notification.count().where(Notification.recipient == "eval@authority.example") == 1
    created = await AuditEvent.objects().where(AuditEvent.action == "user.created").first()
    assert created.actor_email == "admin@authority.example"


async def test_security_headers_are_on_every_response(client, database):
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-request-id"]
