"""Two-factor sign-in (issue 22 item 3; docs/security.md finding 5): officials reach nothing with
their password alone, set an authenticator up at their first sign-in, enter a code that works once
(or a recovery code, once), and a lost device is reset by their organisation's admin or a service
admin. Sessions from before setting up end."""

import html
import json
import re
from datetime import UTC, datetime

import pyotp
import pytest

from registry.accounts.errors import TooManyAttempts
from registry.accounts import service, two_factor
from registry.accounts.auth import load_user
from registry.accounts.tables import OrganisationKind, RecoveryCode, Role, SessionRecord, TwoFactor, User
from registry.app import create_app
from registry.audit.tables import AuditEvent
from registry.notifications.tables import Notification
from tests.conftest import app_client
from tests.support import PASSWORD, TWO_FACTOR_SECRET, csrf_from, fresh_code, make_user, post_form, sign_in
from tests.test_access_control import EXPECTED, app_routes, concrete, seed_users
from tests.test_access_control import PASSWORD as MATRIX_PASSWORD

ADDRESS = "127.0.0.1"  # the test client's


def code_now(secret: str = TWO_FACTOR_SECRET) -> str:
    return pyotp.TOTP(secret).generate_otp(two_factor.step_at(datetime.now(UTC)))


async def enrolled_officer(email: str = "officer@authority.example") -> User:
    user = await make_user(email=email)
    await two_factor.enrol_with_secret(user.id, TWO_FACTOR_SECRET)
    return user


def shown_key(page: str) -> str:
    return re.search(r'id="two-factor-key"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


async def actions() -> list[str]:
    return await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.sequence).output(as_list=True)


def test_officials_and_authority_admins_must_use_it_and_suppliers_may():
    for role in (Role.PROCUREMENT_OFFICER, Role.EVALUATOR, Role.COMMISSIONER, Role.ADMIN):
        assert two_factor.required_for([role], organisation_kind=OrganisationKind.AUTHORITY, is_organisation_admin=False)
    assert not two_factor.required_for([Role.SUPPLIER], organisation_kind=OrganisationKind.SUPPLIER, is_organisation_admin=True)
    assert two_factor.required_for([], organisation_kind=OrganisationKind.AUTHORITY, is_organisation_admin=True)


@pytest.mark.parametrize("enrolled", [True, False], ids=["enrolled", "not-yet-set-up"])
async def test_an_official_reaches_no_page_with_the_password_alone(database, settings, enrolled):
    """After the right password, and before the code (or before setting an authenticator up), the
    browser is answered on every route exactly as a browser that never signed in."""
    ids = await seed_users()
    if enrolled:
        await two_factor.enrol_with_secret(ids["procurement_officer"], TWO_FACTOR_SECRET)
    second_step = {"GET /sign-in/code", "POST /sign-in/code", "GET /sign-in/set-up-two-factor", "POST /sign-in/set-up-two-factor"}
    routes = sorted(set(app_routes(create_app(settings))) - second_step, key=lambda r: r == "POST /sign-out")
    async with app_client(settings) as client:
        password = await post_form(client, "/sign-in", {"email": "procurement_officer@matrix.example", "password": MATRIX_PASSWORD})
        step = "/sign-in/code" if enrolled else "/sign-in/set-up-two-factor"
        assert password.status_code == 303 and password.headers["location"] == step
        assert (await client.get(step)).status_code == 200
        token = csrf_from((await client.get("/sign-in")).text)
        mismatches = []
        for route in routes:
            method, path = route.split(" ", 1)
            response = await client.request(method, concrete(path, ids), data={"_csrf_token": token} if method != "GET" else None, headers={"Accept": "text/html"})
            if response.status_code != EXPECTED[route]["anonymous"]:
                mismatches.append(f"{route}: {response.status_code}, not {EXPECTED[route]['anonymous']} as for anyone not signed in")
        assert mismatches == []
    assert "user.password_accepted" in await actions() and "user.signed_in" not in await actions()


async def test_the_code_signs_in_and_a_wrong_or_used_code_is_refused_and_audited(client, database):
    user = await enrolled_officer()
    await post_form(client, "/sign-in", {"email": user.email, "password": PASSWORD, "next": "/account"})
    wrong = await post_form(client, "/sign-in/code", {"code": "000000" if code_now() != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "There is a problem" in wrong.text and 'href="#code"' in wrong.text
    assert "Enter the 6-digit code your authenticator app shows now, or one of your recovery codes" in html.unescape(wrong.text)
    assert (await client.get("/account")).status_code == 303  # still not signed in

    code = code_now()
    right = await post_form(client, "/sign-in/code", {"code": code})
    assert right.status_code == 303 and right.headers["location"] == "/account"
    assert (await client.get("/account")).status_code == 200

    await post_form(client, "/sign-out", {})
    await post_form(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    replayed = await post_form(client, "/sign-in/code", {"code": code})
    assert replayed.status_code == 400 and (await client.get("/home")).status_code == 303
    assert (await actions()).count("user.two_factor_failed") == 2
    signed_in = await AuditEvent.objects().where(AuditEvent.action == "user.signed_in").first()
    assert signed_in.payload and json.loads(signed_in.payload)["second_factor"] == "totp"


async def test_setting_up_at_first_sign_in_with_the_qr_code_or_the_key_and_recovery_codes_shown_once(client, database):
    user = await make_user()  # an official who has never set up an authenticator
    password = await sign_in_password_only(client, user.email, next_path="/account")
    assert password.headers["location"] == "/sign-in/set-up-two-factor"
    page = await client.get("/sign-in/set-up-two-factor")
    assert page.status_code == 200
    assert re.search(r'<img src="data:image/svg\+xml[^"]+" alt="QR code', page.text)
    key = shown_key(page.text)
    assert shown_key((await client.get("/sign-in/set-up-two-factor")).text) == key  # the same key on reload
    assert not await TwoFactor.exists().where(TwoFactor.user == user.id)  # showing the page writes nothing

    wrong = await post_form(client, "/sign-in/set-up-two-factor", {"code": "12345"})
    assert wrong.status_code == 400 and 'href="#code"' in wrong.text and 'value="12345"' in wrong.text
    done = await post_form(client, "/sign-in/set-up-two-factor", {"code": code_now(key)})
    assert done.status_code == 200 and "Two-factor sign-in is on" in done.text
    codes = re.findall(r"<code[^>]*>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.text)
    assert len(set(codes)) == 10 and 'href="/account"' in done.text
    stored = await TwoFactor.objects().get(TwoFactor.user == user.id)
    assert key not in stored.secret and stored.confirmed_at is not None  # kept once confirmed, sealed at rest
    assert (await client.get("/account")).status_code == 200
    assert await RecoveryCode.count().where(RecoveryCode.user == user.id) == 10
    assert not any(code in row["code_hash"] for row in await RecoveryCode.select(RecoveryCode.code_hash) for code in codes)
    assert "user.two_factor_enrolled" in await actions()
    assert await Notification.exists().where((Notification.recipient == user.email) & (Notification.subject == "Two-factor sign-in is on for your account"))
    assert "two-factor-key" not in (await client.get("/account/two-factor")).text  # the secret is not shown again


async def sign_in_password_only(client, email: str, next_path: str | None = None):
    fields = {"email": email, "password": PASSWORD, **({"next": next_path} if next_path else {})}
    response = await post_form(client, "/sign-in", fields)
    assert response.status_code == 303
    return response


async def test_a_recovery_code_signs_in_once(client, database):
    user = await make_user()
    secret = (await two_factor.pending_set_up(user.id)).secret
    codes, _ = await two_factor.confirm_set_up(user.id, code_now(secret), remote_address=ADDRESS)

    await sign_in_password_only(client, user.email)
    used = await post_form(client, "/sign-in/code", {"code": codes[3].upper().replace("-", " ")})  # as it may be typed
    assert used.status_code == 303 and used.headers["location"] == "/account/two-factor?recovery_code_used=1"
    assert "You have 9 left" in (await client.get(used.headers["location"])).text
    await post_form(client, "/sign-out", {})

    await sign_in_password_only(client, user.email)
    again = await post_form(client, "/sign-in/code", {"code": codes[3]})
    assert again.status_code == 400
    with pytest.raises(two_factor.TwoFactorError):
        await two_factor.check_code(user.id, codes[3], remote_address=ADDRESS)
    assert await two_factor.check_code(user.id, codes[4], remote_address=ADDRESS) == "recovery_code"


async def test_new_recovery_codes_replace_the_old_ones(database):
    user = await enrolled_officer()
    first = await two_factor.renew_recovery_codes(user.id, code_now(), remote_address=ADDRESS)
    second = await two_factor.renew_recovery_codes(user.id, await fresh_code(user.id), remote_address=ADDRESS)
    assert len(second) == 10 and not set(first) & set(second)
    with pytest.raises(two_factor.TwoFactorError):
        await two_factor.check_code(user.id, first[0], remote_address=ADDRESS)
    assert await two_factor.check_code(user.id, second[0], remote_address=ADDRESS) == "recovery_code"


async def test_a_session_from_before_the_rule_or_before_setting_up_ends(database, settings):
    """An official's session begun without a code (before two-factor sign-in applied to them) ends
    at its next request; a supplier who turns it on is signed out everywhere else."""
    await enrolled_officer()
    async with app_client(settings) as official:
        await sign_in(official, "officer@authority.example")
        key = official.cookies.get("registry_session")
        row = await SessionRecord.objects().get(SessionRecord.key == key)
        data = json.loads(bytes(row.value))
        data["second_factor"] = False  # as every session was made before this change
        await SessionRecord.update({SessionRecord.value: json.dumps(data).encode()}).where(SessionRecord.key == key)
        assert (await official.get("/account")).status_code == 303

    supplier = await make_user(email="bids@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    async with app_client(settings) as elsewhere, app_client(settings) as here:
        await sign_in(elsewhere, supplier.email)
        await sign_in(here, supplier.email)
        assert (await elsewhere.get("/account")).status_code == 200
        page = await here.get("/account/two-factor")
        key = shown_key(page.text)
        turned_on = await post_form(here, "/account/two-factor", {"code": code_now(key)})
        assert turned_on.status_code == 200 and len(re.findall(r"<code[^>]*>([a-z2-9]{5}-[a-z2-9]{5})</code>", turned_on.text)) == 10
        assert (await here.get("/account")).status_code == 200
        assert (await elsewhere.get("/account")).status_code == 303
    # From now on the supplier is asked for a code too.
    async with app_client(settings) as later:
        response = await post_form(later, "/sign-in", {"email": supplier.email, "password": PASSWORD})
        assert response.headers["location"] == "/sign-in/code"


async def test_wrong_codes_are_slowed_down_like_wrong_passwords_and_from_every_address_together(database, controlled_clock):
    user = await enrolled_officer()
    for _ in range(5):
        with pytest.raises(two_factor.TwoFactorError):
            await two_factor.check_code(user.id, "000000" if code_now() != "000000" else "111111", remote_address="203.0.113.1")
    with pytest.raises(TooManyAttempts) as waited:
        await two_factor.check_code(user.id, code_now(), remote_address="203.0.113.1")
    assert waited.value.retry_after == 30
    # Wrong codes come after the right password, so they also count from every address together.
    for n in range(5):
        with pytest.raises(two_factor.TwoFactorError):
            await two_factor.check_code(user.id, "abcde-fghij", remote_address=f"198.51.100.{n}")
    with pytest.raises(TooManyAttempts):
        await two_factor.check_code(user.id, code_now(), remote_address="192.0.2.99")
    assert "user.attempt_throttled" in await actions()


async def test_an_organisation_admin_resets_a_colleagues_lost_device(client, database, settings):
    admin = await make_user(email="lead@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    await User.update({User.is_organisation_admin: True}).where(User.id == admin.id)
    colleague = await service.create_user(
        email="sam@supplier.example", full_name="Sam Colleague", organisation=await service.find_organisation("Org of lead@supplier.example"),
        roles=[Role.SUPPLIER], password_hash=admin.password_hash, email_confirmed=True,
    )
    await two_factor.enrol_with_secret(colleague.id, TWO_FACTOR_SECRET)
    async with app_client(settings) as colleagues_browser:
        await sign_in(colleagues_browser, colleague.email)
        assert (await colleagues_browser.get("/account")).status_code == 200
        refused = await post_form(colleagues_browser, f"/organisation/users/{admin.id}/two-factor-reset", {}, form_page="/account/two-factor")
        assert refused.status_code == 403  # not an admin of the organisation

        await sign_in(client, admin.email)
        people = await client.get("/organisation/users")
        assert f'action="/organisation/users/{colleague.id}/two-factor-reset"' in people.text
        check = await post_form(client, f"/organisation/users/{colleague.id}/two-factor-reset", {}, form_page="/organisation/users")
        assert check.status_code == 200 and "Reset two-factor sign-in for Sam Colleague" in check.text
        assert await two_factor.enrolled(colleague.id)  # nothing yet: the confirmation page first
        done = await post_form(client, f"/organisation/users/{colleague.id}/two-factor-reset", {"confirmed": "yes"}, form_page="/organisation/users")
        assert done.status_code == 200 and "Two-factor sign-in reset" in done.text
        assert not await two_factor.enrolled(colleague.id) and await RecoveryCode.count().where(RecoveryCode.user == colleague.id) == 0
        assert (await colleagues_browser.get("/account")).status_code == 303  # signed out everywhere
    email = await Notification.objects().where((Notification.recipient == colleague.email) & (Notification.subject == "Your two-factor sign-in was reset")).first()
    assert email and "lead@supplier.example" in email.body
    reset = await AuditEvent.objects().where(AuditEvent.action == "user.two_factor_reset").first()
    assert reset.actor_email == admin.email and reset.object_id == str(colleague.id)
    assert "access.denied" in await actions()


async def test_a_service_admin_resets_an_officials_device_but_not_their_own_and_no_organisation_admin_resets_an_admins(client, database):
    officer = await enrolled_officer()
    admin = await enrolled_officer(email="admin@authority.example")
    await User.update({User.roles: [Role.ADMIN]}).where(User.id == admin.id)
    await sign_in(client, admin.email)
    assert "Reset two-factor sign-in" in (await client.get(f"/admin/users/{officer.id}")).text
    listed = await client.get("/admin/users")
    assert re.search(rf"{re.escape(officer.email)}</td>.*?<td[^>]*>On</td>", listed.text, re.S)  # who has it on, at a glance
    done = await post_form(client, f"/admin/users/{officer.id}/two-factor-reset", {"confirmed": "yes"}, form_page=f"/admin/users/{officer.id}")
    assert done.status_code == 200 and not await two_factor.enrolled(officer.id)
    assert re.search(rf"{re.escape(officer.email)}</td>.*?<td[^>]*>Not set up</td>", (await client.get("/admin/users")).text, re.S)
    own = await post_form(client, f"/admin/users/{admin.id}/two-factor-reset", {"confirmed": "yes"}, form_page=f"/admin/users/{admin.id}")
    assert own.status_code == 403 and await two_factor.enrolled(admin.id)

    organisation_admin = (await load_user(officer.id))[0]
    organisation_admin = type(organisation_admin)(**{**organisation_admin.__dict__, "is_organisation_admin": True, "organisation_id": admin.organisation})
    assert not two_factor.may_reset(organisation_admin, await two_factor.person(admin.id))

    # The officer, reset, sets a new authenticator up at their next sign-in.
    client.cookies.clear()
    response = await post_form(client, "/sign-in", {"email": officer.email, "password": PASSWORD})
    assert response.headers["location"] == "/sign-in/set-up-two-factor"


async def test_a_secret_is_sealed_for_its_user_under_the_pepper(database):
    user = await enrolled_officer()
    sealed = (await TwoFactor.objects().get(TwoFactor.user == user.id)).secret
    assert TWO_FACTOR_SECRET not in sealed and two_factor.unseal(sealed, user.id) == TWO_FACTOR_SECRET
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.unseal(sealed, user.id + 1)  # not another user's


async def test_a_supplier_turns_two_factor_sign_in_off_with_a_code_and_an_official_cannot(client, database):
    supplier = await make_user(email="bids@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    await two_factor.enrol_with_secret(supplier.id, TWO_FACTOR_SECRET)
    await sign_in(client, supplier.email)
    page = await client.get("/account/two-factor")
    assert "Turn off two-factor sign-in" in page.text
    wrong = await post_form(client, "/account/two-factor/turn-off", {"off_code": "000000"}, form_page="/account/two-factor")
    assert wrong.status_code == 400 and 'href="#off_code"' in wrong.text and await two_factor.enrolled(supplier.id)
    done = await post_form(client, "/account/two-factor/turn-off", {"off_code": await fresh_code(supplier.id)}, form_page="/account/two-factor")
    assert done.status_code == 303
    assert "Two-factor sign-in is off" in (await client.get(done.headers["location"])).text
    assert not await two_factor.enrolled(supplier.id) and await RecoveryCode.count().where(RecoveryCode.user == supplier.id) == 0
    assert "user.two_factor_turned_off" in await actions()
    assert await Notification.exists().where((Notification.recipient == supplier.email) & (Notification.subject == "Two-factor sign-in is off for your account"))
    await post_form(client, "/sign-out", {})
    assert (await post_form(client, "/sign-in", {"email": supplier.email, "password": PASSWORD})).headers["location"] == "/home"  # the password alone

    official = await make_user()
    await two_factor.enrol_with_secret(official.id, TWO_FACTOR_SECRET)
    with pytest.raises(two_factor.TwoFactorError, match="Your role requires two-factor sign-in"):
        await two_factor.turn_off(official.id, await fresh_code(official.id), remote_address="127.0.0.1")
    assert await two_factor.enrolled(official.id)
    await sign_in(client, official.email)
    assert "Turn off two-factor sign-in" not in (await client.get("/account/two-factor")).text
