import re

import pytest

from tests.support import PASSWORD, csrf_from, make_user, post_form, set_session_cookie, sign_in

from registry.accounts.errors import TooManyAttempts
from registry.accounts import service, throttling
from registry.accounts.passwords_policy import password_problem
from registry.accounts.tables import OrganisationKind, Role, SessionRecord, User
from registry.audit.tables import AuditEvent
from registry.notifications.tables import Notification

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
    response = await sign_in(client, "Officer@Authority.example", PASSWORD, next="/account")
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
        response = await sign_in(client, email, "wrong password entirely")
        assert response.status_code == 400
        assert "There is a problem" in response.text
        assert "Enter the email address and password for your account" in response.text
        assert f'value="{email}"' in response.text
        assert "<title>Error: Sign in" in response.text
    assert await AuditEvent.count().where(AuditEvent.action == "user.sign_in_failed") == 2


async def test_empty_sign_in_fields_get_their_own_messages(client, database):
    response = await sign_in(client, "", "")
    assert response.status_code == 400
    assert "Enter your email address" in response.text and "Enter your password" in response.text
    assert 'href="#email"' in response.text and 'href="#password"' in response.text


async def test_repeated_failures_from_one_address_make_it_wait_before_trying_that_account_again(client, database):
    await make_user()
    for _ in range(throttling.FREE_FAILURES_PER_CLIENT):
        await sign_in(client, "officer@authority.example", "not the right one")
    response = await sign_in(client, "officer@authority.example", PASSWORD)
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert "Too many failed attempts to sign in from this device. Wait 1 minute" in response.text


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
    early = await sign_in(client, form["email"], PASSWORD)
    assert "Confirm your email address before you sign in" in early.text

    message = await Notification.objects().where(Notification.recipient == form["email"]).order_by(Notification.id).first()
    link = re.search(r"http://[^/]+(/confirm-email/\S+)", message.body).group(1)
    confirmed = await post_form(client, link, {})
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/home?welcome=1"  # signed in, on to the first steps
    home = await client.get(confirmed.headers["location"])
    assert "Your email address is confirmed and you are signed in" in home.text and 'href="/organisation/profile"' in home.text
    used_again = await client.get(link)
    assert used_again.status_code == 400 and "expired or been used" in used_again.text

    await post_form(client, "/sign-out", {})
    signed_in = await sign_in(client, form["email"], PASSWORD)
    assert signed_in.status_code == 303
    user = await User.objects().get(User.email == form["email"])
    assert user.roles == ["supplier"] and user.is_organisation_admin


async def test_signing_in_unconfirmed_sends_at_most_three_new_links_an_hour_with_the_same_answer(client, database, controlled_clock):
    from datetime import timedelta

    user = await make_user(email="new@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER, confirmed=False)
    for _ in range(5):
        early = await sign_in(client, user.email, PASSWORD)
        assert early.status_code == 400 and "Confirm your email address before you sign in" in early.text
    assert await Notification.count().where(Notification.subject == "Confirm your email address") == service.MAX_LINK_EMAILS_PER_HOUR
    controlled_clock.advance(timedelta(hours=1, seconds=1))
    await sign_in(client, user.email, PASSWORD)
    assert await Notification.count().where(Notification.subject == "Confirm your email address") == service.MAX_LINK_EMAILS_PER_HOUR + 1


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
    await sign_in(client, user.email, PASSWORD)
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
    await sign_in(client, user.email, PASSWORD)
    wrong = await post_form(client, "/account/password", {"current_password": "not my password", "new_password": "another long pass phrase"})
    assert wrong.status_code == 400 and "Your current password is not correct" in wrong.text
    right = await post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "another long pass phrase"})
    assert "Your password has been changed" in right.text
    assert (await client.get("/account")).status_code == 200  # this browser stays signed in


async def test_admin_creates_an_authority_user_who_is_emailed_a_link(client, database):
    admin = await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    await sign_in(client, admin.email, PASSWORD)
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
    assert user.roles == ["commissioner"] and user.password_hash is None  # the evaluator role waits for approval
    assert await Notification.count().where(Notification.recipient == "eval@authority.example") == 1
    outbox = await client.get("/admin/outbox")
    assert "Delivery" in outbox.text and "Queued" in outbox.text
    created = await AuditEvent.objects().where(AuditEvent.action == "user.created").first()
    assert created.actor_email == "admin@authority.example"


async def test_security_headers_are_on_every_response(client, database):
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-request-id"]


async def test_api_tokens_are_shown_once_act_as_their_user_and_can_be_revoked(client, database):
    officer = await make_user()
    await sign_in(client, officer.email, PASSWORD)
    empty = await post_form(client, "/account/api-tokens", {"name": ""})
    assert empty.status_code == 400 and "Enter a name for the token" in empty.text
    created = await post_form(client, "/account/api-tokens", {"name": "Nightly export"})
    token = re.search(r'<code id="api-token"[^>]*>([^<]+)</code>', created.text).group(1)
    listing = await client.get("/account/api-tokens")
    assert "Nightly export" in listing.text and token not in listing.text  # shown once only
    from registry.accounts.tables import ApiToken
    stored = await ApiToken.objects().first()
    assert stored.token_hash != token and token not in stored.token_hash

    client.cookies.clear()
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["email"] == officer.email and me.json()["roles"] == ["procurement_officer"]
    assert (await client.get("/api/me")).status_code == 401
    wrong = await client.get("/api/me", headers={"Authorization": "Bearer pfr_not-a-token"})
    assert wrong.status_code == 401 and "not valid" in wrong.json()["detail"]

    await sign_in(client, officer.email, PASSWORD)
    page = await client.get("/account/api-tokens")
    revoked = await client.post(f"/account/api-tokens/{stored.id}/revoke", data={"_csrf_token": csrf_from(page.text)})
    assert "Token revoked" in revoked.text
    client.cookies.clear()
    assert (await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_suppliers_cannot_have_api_tokens(client, database):
    supplier = await make_user(email="bids@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    await sign_in(client, supplier.email, PASSWORD)
    assert (await client.get("/account/api-tokens")).status_code == 403
    denied = await AuditEvent.objects().where(AuditEvent.action == "access.denied").first()
    assert denied.object_id == "GET /account/api-tokens" and denied.actor_email == supplier.email


async def test_a_supplier_admin_invites_a_colleague_but_a_colleague_cannot(client, database):
    admin = await make_user(email="lead@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    await User.update({User.is_organisation_admin: True}).where(User.id == admin.id)
    await sign_in(client, admin.email, PASSWORD)
    response = await post_form(client, "/organisation/users", {"full_name": "Sam Colleague", "email": "sam@supplier.example"})
    assert response.status_code == 303
    colleague = await User.objects().get(User.email == "sam@supplier.example")
    assert colleague.organisation == admin.organisation and colleague.roles == ["supplier"]
    invitation = await Notification.objects().where(Notification.recipient == "sam@supplier.example").first()
    link = re.search(r"http://[^/]+(/password-reset/\S+)", invitation.body).group(1)

    client.cookies.clear()
    await post_form(client, link, {"password": "colleague pass phrase"})
    await sign_in(client, "sam@supplier.example", "colleague pass phrase")
    page = await client.get("/organisation/users")
    assert page.status_code == 200 and "Sam Colleague" in page.text and "Invite a colleague" not in page.text
    refused = await post_form(client, "/organisation/users", {"full_name": "X", "email": "x@supplier.example"}, form_page="/sign-out")
    assert refused.status_code == 403
    assert await User.count().where(User.email == "x@supplier.example") == 0


async def test_admin_changes_roles_and_the_change_is_audited(client, database):
    admin = await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    officer = await make_user(email="officer@authority.example")
    await sign_in(client, admin.email, PASSWORD)
    form = await client.get(f"/admin/users/{officer.id}")
    assert form.status_code == 200 and 'value="procurement_officer" checked' in form.text
    none = await client.post(f"/admin/users/{officer.id}", data={"_csrf_token": csrf_from(form.text)})
    assert none.status_code == 400 and "Select at least one role" in none.text
    supplier_role = await client.post(f"/admin/users/{officer.id}", data={"_csrf_token": csrf_from(form.text), "roles": ["supplier"]})
    assert supplier_role.status_code == 400 and "cannot have the supplier role" in supplier_role.text
    changed = await client.post(f"/admin/users/{officer.id}", data={"_csrf_token": csrf_from(form.text), "roles": ["commissioner", "evaluator", "procurement_officer"]})
    assert changed.status_code == 303
    # The commissioner role at once; the evaluator role waits for someone else's approval (accounts.duties).
    assert sorted((await User.objects().get(User.id == officer.id)).roles) == ["commissioner", "procurement_officer"]
    assert "The evaluator role waits for approval" in (await client.get(changed.headers["location"])).text
    form = await client.get(f"/admin/users/{officer.id}")
    assert 'value="evaluator" checked' in form.text and "Waiting for approval" in form.text
    event = await AuditEvent.objects().where(AuditEvent.action == "user.roles_changed").first()
    assert event.payload and "before" in str(event.payload) and event.actor_email == admin.email
    own = await client.post(f"/admin/users/{admin.id}", data={"_csrf_token": csrf_from(form.text), "roles": ["evaluator"]})
    assert own.status_code == 400 and "You cannot change your own roles" in own.text  # finding 12: not even to remove admin
    assert (await client.get("/admin/users/999999")).status_code == 404


async def test_a_session_ends_after_30_idle_minutes(client, database, controlled_clock):
    from datetime import timedelta

    user = await make_user()
    await sign_in(client, user.email, PASSWORD)
    controlled_clock.advance(timedelta(minutes=29))
    assert (await client.get("/account")).status_code == 200  # activity renews the idle timeout
    controlled_clock.advance(timedelta(minutes=29))
    assert (await client.get("/account")).status_code == 200
    controlled_clock.advance(timedelta(minutes=31))
    assert (await client.get("/account")).status_code == 303


async def test_a_session_ends_12_hours_after_sign_in_however_active(client, database, controlled_clock):
    from datetime import timedelta

    user = await make_user()
    await sign_in(client, user.email, PASSWORD)
    for _ in range(28):  # active every 25 minutes, to 11 hours 40 minutes
        controlled_clock.advance(timedelta(minutes=25))
        assert (await client.get("/account")).status_code == 200
    controlled_clock.advance(timedelta(minutes=25))  # within the idle limit, but past 12 hours
    response = await client.get("/account")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?next=%2Faccount"


async def test_many_failures_from_one_address_are_rate_limited_across_accounts(database):
    for n in range(throttling.FREE_FAILURES_PER_ADDRESS):
        with pytest.raises(service.SignInRefused):
            await service.authenticate(f"guess{n}@authority.example", "wrong password guess", remote_address="203.0.113.9")
    with pytest.raises(TooManyAttempts):
        await service.authenticate("another@authority.example", "wrong password guess", remote_address="203.0.113.9")
    with pytest.raises(service.SignInRefused):  # another address is not affected
        await service.authenticate("another@authority.example", "wrong password guess", remote_address="198.51.100.7")
