"""Accounts switched off and on (deactivation, removal from an organisation), API tokens that expire
and are revoked when their user changes, and the sessions page (docs/security.md finding 14)."""

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from registry.accounts import api_tokens, deactivation, session_list, tokens
from registry.accounts import service as accounts
from registry.accounts.browsers import browser_family
from registry.accounts.tables import ApiToken, OrganisationKind, Role, SessionRecord, TokenPurpose, User
from registry.audit import service as audit
from registry.audit.tables import AuditEvent
from registry.notifications.tables import Notification
from registry.tenders.tables import Tender
from tests.api_support import bearer
from tests.conftest import app_for, serving
from tests import support
from tests.support import PASSWORD, csrf_from, current, make_user, post_form
from tests.tendering import complete_draft, open_for_tenders, registered

FAILED_SIGN_IN = "Enter the email address and password for your account"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
HTML = {"Accept": "text/html"}


@asynccontextmanager
async def browser(settings, *, user_agent: str = FIREFOX, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own (cookies, User-Agent, client address) on the test's app."""
    app = app_for(settings)
    async with serving(app):
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local", headers={"User-Agent": user_agent}) as client:
            yield client


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await support.sign_in(client, email, password)


async def confirm(client: httpx.AsyncClient, path: str) -> httpx.Response:
    """Answer a confirmation page (web/confirm.html) with its one button."""
    check = await client.get(path, headers=HTML)
    assert check.status_code == 200, check.text
    return await client.post(path, data={"_csrf_token": csrf_from(check.text), "confirmed": "yes"})


async def colleague_of(user: User, email: str, roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER) -> User:
    person = await make_user(email=email, roles=roles, kind=kind)
    await User.update({User.organisation: user.organisation}).where(User.id == person.id)
    return await User.objects().get(User.id == person.id)


async def emails_to(address: str) -> list[str]:
    return await Notification.select(Notification.subject).where(Notification.recipient == address).output(as_list=True)


# --- Deactivation: the service rules, without HTTP -----------------------------------------------
async def test_the_officers_are_told_when_an_account_was_switched_off_as_their_clock_reads(database, controlled_clock):
    controlled_clock.set(datetime(2027, 7, 1, 8, 30, tzinfo=UTC))  # British Summer Time: 9:30am in London
    admin = await current(await make_user(email="admin@authority.example", roles=(Role.ADMIN,)))
    evaluator = await make_user(email="evaluator@authority.example", roles=(Role.EVALUATOR,))
    officer = await colleague_of(evaluator, "officer@authority.example", roles=(Role.PROCUREMENT_OFFICER,), kind=OrganisationKind.AUTHORITY)
    await deactivation.deactivate(actor=admin.actor, user_id=evaluator.id, by=deactivation.By.SERVICE_ADMIN, zone=ZoneInfo("Europe/London"))
    told = await Notification.objects().where(Notification.recipient == officer.email).first()
    assert "was deactivated by admin@authority.example on 1 July 2027, 9:30am." in told.body, told.body




async def test_deactivating_an_official_ends_everything_at_once_keeps_the_account_and_tells_the_authoritys_officers(database):
    admin = await current(await make_user(email="admin@authority.example", roles=(Role.ADMIN,)))
    evaluator = await make_user(email="evaluator@authority.example", roles=(Role.EVALUATOR,))
    officer = await colleague_of(evaluator, "officer@authority.example", roles=(Role.PROCUREMENT_OFFICER,), kind=OrganisationKind.AUTHORITY)
    await api_tokens.create(user_id=evaluator.id, name="marks export", actor=(await current(evaluator)).actor)
    await SessionRecord.insert(SessionRecord(key="a" * 64, value=b"{}", user=evaluator.id, started_at=None))
    link = await tokens.issue(evaluator.id, TokenPurpose.PASSWORD_RESET)

    done = await deactivation.deactivate(actor=admin.actor, user_id=evaluator.id, by=deactivation.By.SERVICE_ADMIN)

    assert (done.sessions_ended, done.tokens_revoked) == (1, 1)
    kept = await User.objects().get(User.id == evaluator.id)
    assert not kept.is_active and kept.session_stamp != evaluator.session_stamp and kept.email == evaluator.email  # the row stays
    assert await SessionRecord.count().where(SessionRecord.user == evaluator.id) == 0
    assert await ApiToken.count().where((ApiToken.user == evaluator.id) & ApiToken.revoked_at.is_null()) == 0
    assert await tokens.use(link, TokenPurpose.PASSWORD_RESET) is None  # a link sent before no longer works
    assert await emails_to(evaluator.email) == ["Your account has been deactivated"]
    assert await emails_to(officer.email) == ["An account at Org of evaluator@authority.example has been deactivated"]
    event = await AuditEvent.objects().where(AuditEvent.action == "user.deactivated").first()
    assert event.actor_email == admin.email and event.object_id == str(evaluator.id) and "service_admin" in str(event.payload)
    assert await AuditEvent.count().where(AuditEvent.action == "api_token.revoked_all") == 1

    with pytest.raises(accounts.SignInRefused, match=FAILED_SIGN_IN):  # the right password: the same words as a wrong one
        await accounts.authenticate(evaluator.email, PASSWORD, remote_address="127.0.0.1")
    failed = await AuditEvent.objects().where(AuditEvent.action == "user.sign_in_failed").order_by(AuditEvent.sequence, ascending=False).first()
    assert json.loads(failed.payload)["reason"] == "deactivated account"  # the log tells it apart from a wrong password
    await accounts.request_password_reset(evaluator.email)
    assert await emails_to(evaluator.email) == ["Your account has been deactivated"]  # no reset link
    with pytest.raises(accounts.AccountError, match="already deactivated"):
        await deactivation.deactivate(actor=admin.actor, user_id=evaluator.id, by=deactivation.By.SERVICE_ADMIN)

    await deactivation.reactivate(actor=admin.actor, user_id=evaluator.id, by=deactivation.By.SERVICE_ADMIN)
    assert (await accounts.authenticate(evaluator.email, PASSWORD, remote_address="127.0.0.1")).id == evaluator.id
    assert await ApiToken.count().where((ApiToken.user == evaluator.id) & ApiToken.revoked_at.is_null()) == 0  # tokens stay revoked
    assert "Your account has been reactivated" in await emails_to(evaluator.email)
    assert await AuditEvent.count().where(AuditEvent.action == "user.reactivated") == 1


async def test_the_last_service_admin_and_an_organisations_last_admin_cannot_be_switched_off(database):
    admin = await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    with pytest.raises(accounts.AccountError, match="the service's only admin"):
        await deactivation.deactivate(actor=audit.Actor.system("command_line"), user_id=admin.id, by=deactivation.By.COMMAND_LINE)
    second = await current(await colleague_of(admin, "second.admin@authority.example", roles=(Role.ADMIN,), kind=OrganisationKind.AUTHORITY))
    with pytest.raises(accounts.AccountError, match="cannot deactivate your own account"):
        await deactivation.deactivate(actor=second.actor, user_id=second.id, by=deactivation.By.SERVICE_ADMIN)
    await deactivation.deactivate(actor=second.actor, user_id=admin.id, by=deactivation.By.SERVICE_ADMIN)  # another admin remains

    lead = await make_user(email="lead@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    await User.update({User.is_organisation_admin: True}).where(User.id == lead.id)
    employee = await colleague_of(lead, "employee@supplier.example")
    with pytest.raises(accounts.AccountError, match="only administrator of Org of lead@supplier.example"):
        await deactivation.deactivate(actor=second.actor, user_id=lead.id, by=deactivation.By.SERVICE_ADMIN)
    with pytest.raises(accounts.AccountError, match="cannot remove yourself"):
        await deactivation.remove_colleague(admin=(await current(lead)).actor, organisation_id=lead.organisation, user_id=lead.id)
    with pytest.raises(accounts.AccountError, match="no such user"):  # only one's own organisation's people
        await deactivation.remove_colleague(admin=(await current(lead)).actor, organisation_id=lead.organisation, user_id=second.id)
    await deactivation.remove_colleague(admin=(await current(lead)).actor, organisation_id=lead.organisation, user_id=employee.id)
    # now alone in the organisation: the service admin may switch it off, nobody is left unadministered
    await deactivation.deactivate(actor=second.actor, user_id=lead.id, by=deactivation.By.SERVICE_ADMIN)
    assert not (await User.objects().get(User.id == lead.id)).is_active
    assert await AuditEvent.count().where(AuditEvent.action == "user.deactivated") == 3


# --- Deactivation over HTTP: the attack of issue 22 -------------------------------------------------


async def test_a_removed_supplier_employee_loses_the_firms_tender_at_once_and_cannot_come_back(database, settings, controlled_clock):
    officer = await current(await make_user(email="officer@authority.example", roles=(Role.PROCUREMENT_OFFICER,)))
    lead = await make_user(email="lead@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    await User.update({User.is_organisation_admin: True}).where(User.id == lead.id)
    employee = await colleague_of(lead, "leaver@supplier.example")
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(await current(lead), framework.reference)
    await complete_draft(await current(employee), framework.reference, 1, found)
    tender_page = f"/frameworks/{framework.reference}/tenders/1"
    api = await bearer(await current(employee))

    async with browser(settings) as leaver, browser(settings) as admin:
        assert (await sign_in(leaver, employee.email)).status_code == 303
        assert (await leaver.get(tender_page, headers=HTML)).status_code == 200
        assert (await leaver.get("/api/v1/tenders", headers=api)).status_code == 200

        await sign_in(admin, lead.email)
        people = await admin.get("/organisation/users")
        assert f'href="/organisation/users/{employee.id}/remove"' in people.text
        assert f'href="/organisation/users/{lead.id}/remove"' not in people.text  # not themselves
        check = await admin.get(f"/organisation/users/{employee.id}/remove")
        assert "Remove Test Person from Org of lead@supplier.example" in check.text and 'name="confirmed" value="yes"' in check.text
        unconfirmed = await post_form(admin, f"/organisation/users/{employee.id}/remove", {}, form_page="/organisation/users")
        assert unconfirmed.status_code == 303 and (await User.objects().get(User.id == employee.id)).is_active  # nothing without the check
        removed = await confirm(admin, f"/organisation/users/{employee.id}/remove")
        assert removed.status_code == 303 and removed.headers["location"] == f"/organisation/users?removed={employee.email}"
        assert "Removed" in (await admin.get(removed.headers["location"])).text

        # at once, with the session and the token they already had
        signed_out = await leaver.get(tender_page, headers=HTML)
        assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/sign-in")
        withdrawn = await leaver.post(f"{tender_page}/withdraw", data={"confirmed": "yes"}, headers=HTML)
        assert withdrawn.status_code in (303, 403)
        refused = await leaver.get("/api/v1/tenders", headers=api)
        assert refused.status_code == 401 and "not valid" in refused.json()["detail"]
        assert await Tender.count().where(Tender.organisation == lead.organisation) == 1  # the firm's tender is as it was

        leaver.cookies.clear()
        again = await sign_in(leaver, employee.email)
        assert again.status_code == 400 and FAILED_SIGN_IN in again.text  # as for any failed sign-in
        reset = await post_form(leaver, "/password-reset", {"email": employee.email})
        assert "If there is an account for" in reset.text

    assert await emails_to(employee.email) == ["Your account has been deactivated"]  # and no reset link
    event = await AuditEvent.objects().where(AuditEvent.action == "user.deactivated").first()
    assert event.actor_email == lead.email and "organisation_admin" in str(event.payload)
    assert await AuditEvent.count().where(AuditEvent.action == "api_token.revoked_all") == 1


async def test_a_colleague_who_is_not_an_admin_cannot_remove_anyone_and_the_last_admin_is_refused_on_the_page(client, database):
    service_admin = await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    lead = await make_user(email="lead@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    await User.update({User.is_organisation_admin: True}).where(User.id == lead.id)
    employee = await colleague_of(lead, "employee@supplier.example")
    outsider = await make_user(email="other@elsewhere.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)

    await sign_in(client, employee.email)
    assert (await client.get(f"/organisation/users/{lead.id}/remove")).status_code == 403
    assert await AuditEvent.count().where((AuditEvent.action == "access.denied") & (AuditEvent.actor_email == employee.email)) == 1
    await post_form(client, "/sign-out", {})

    await sign_in(client, lead.email)
    assert (await client.get(f"/organisation/users/{outsider.id}/remove")).status_code == 404  # another firm's person
    await post_form(client, "/sign-out", {})

    await sign_in(client, service_admin.email)
    page = await client.get(f"/admin/users/{lead.id}")
    assert f'href="/admin/users/{lead.id}/deactivate"' in page.text
    refused = await confirm(client, f"/admin/users/{lead.id}/deactivate")
    assert refused.status_code == 400 and "There is a problem" in refused.text and 'href="#account"' in refused.text
    assert "Test Person is the only administrator of Org of lead@supplier.example" in refused.text
    assert (await User.objects().get(User.id == lead.id)).is_active
    own = await confirm(client, f"/admin/users/{service_admin.id}/deactivate")
    assert own.status_code == 400 and "You cannot deactivate your own account" in own.text


async def test_the_last_admin_makes_a_colleague_admin_then_can_be_removed(client, database):
    lead = await make_user(email="lead@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)
    await User.update({User.is_organisation_admin: True}).where(User.id == lead.id)
    employee = await colleague_of(lead, "employee@supplier.example")
    await sign_in(client, employee.email)
    assert (await client.get(f"/organisation/users/{employee.id}/admin")).status_code == 403  # not an admin: cannot make one
    await post_form(client, "/sign-out", {})

    await sign_in(client, lead.email)
    listing = await client.get("/organisation/users")
    assert f'href="/organisation/users/{employee.id}/admin"' in listing.text
    check = await client.get(f"/organisation/users/{employee.id}/admin")
    assert "Make Test Person an administrator" in check.text and "including you" in check.text
    unconfirmed = await post_form(client, f"/organisation/users/{employee.id}/admin", {}, form_page=f"/organisation/users/{employee.id}/admin")
    assert unconfirmed.status_code == 303 and not (await User.objects().get(User.id == employee.id)).is_organisation_admin
    done = await confirm(client, f"/organisation/users/{employee.id}/admin")
    assert done.status_code == 303
    assert "employee@supplier.example is now an administrator" in (await client.get(done.headers["location"])).text
    assert (await User.objects().get(User.id == employee.id)).is_organisation_admin
    assert await AuditEvent.count().where(AuditEvent.action == "user.made_organisation_admin") == 1
    assert await Notification.count().where(
        (Notification.recipient == employee.email) & (Notification.subject == "You are now an administrator of your organisation")
    ) == 1
    await post_form(client, "/sign-out", {})

    await sign_in(client, employee.email)  # the new admin removes the one who made them
    removed = await confirm(client, f"/organisation/users/{lead.id}/remove")
    assert removed.status_code == 303 and not (await User.objects().get(User.id == lead.id)).is_active


async def test_the_service_admin_deactivates_and_reactivates_an_account_after_checking(client, database):
    admin = await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    officer = await colleague_of(admin, "officer@authority.example", roles=(Role.PROCUREMENT_OFFICER,), kind=OrganisationKind.AUTHORITY)
    evaluator = await colleague_of(admin, "evaluator@authority.example", roles=(Role.EVALUATOR,), kind=OrganisationKind.AUTHORITY)
    await sign_in(client, admin.email)
    check = await client.get(f"/admin/users/{evaluator.id}/deactivate")
    assert "Deactivate Test Person&#39;s account" in check.text and "evaluator@authority.example" in check.text
    done = await confirm(client, f"/admin/users/{evaluator.id}/deactivate")
    assert done.status_code == 303
    listing = await client.get(done.headers["location"])
    assert f"Account deactivated for {evaluator.email}" in listing.text and "Deactivated" in listing.text
    assert (await client.get(f"/admin/users/{evaluator.id}/deactivate")).status_code == 303  # nothing left to deactivate
    assert "An account at Org of admin@authority.example has been deactivated" in await emails_to(officer.email)

    again = await confirm(client, f"/admin/users/{evaluator.id}/reactivate")
    assert again.status_code == 303 and f"Account reactivated for {evaluator.email}" in (await client.get(again.headers["location"])).text
    assert (await User.objects().get(User.id == evaluator.id)).is_active
    assert "An account at Org of admin@authority.example has been reactivated" in await emails_to(officer.email)


async def test_the_command_line_deactivates_and_reactivates_by_email_and_refuses_the_last_admin(database, database_url):
    from tests.test_cli import run_registry

    env = {"REGISTRY_DATABASE_URL": database_url}
    admin = await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    officer = await colleague_of(admin, "officer@authority.example", roles=(Role.PROCUREMENT_OFFICER,), kind=OrganisationKind.AUTHORITY)
    await api_tokens.create(user_id=officer.id, name="script", actor=(await current(officer)).actor)

    done = run_registry("deactivate-user", "Officer@Authority.example", env=env)
    assert done.returncode == 0, done.stderr
    assert "Deactivated officer@authority.example: 0 session(s) ended, 1 API token(s) revoked" in done.stdout
    assert not (await User.objects().get(User.id == officer.id)).is_active
    event = await AuditEvent.objects().where(AuditEvent.action == "user.deactivated").first()
    assert event.actor_email is None and "command_line" in event.actor_roles and "command_line" in str(event.payload)

    last = run_registry("deactivate-user", admin.email, env=env)
    assert last.returncode == 1 and "the service's only admin" in last.stderr
    unknown = run_registry("deactivate-user", "nobody@authority.example", env=env)
    assert unknown.returncode == 1 and "no account has the email address" in unknown.stderr
    back = run_registry("reactivate-user", officer.email, env=env)
    assert back.returncode == 0, back.stderr
    assert (await User.objects().get(User.id == officer.id)).is_active


# --- API tokens: expiry and revocation ------------------------------------------------------------


async def test_a_password_change_or_reset_or_a_lost_role_revokes_the_users_api_tokens(client, database):
    admin = await current(await make_user(email="admin@authority.example", roles=(Role.ADMIN,)))
    officer = await make_user(roles=(Role.PROCUREMENT_OFFICER, Role.EVALUATOR))
    live = await current(officer)

    headers = await bearer(live)
    await accounts.change_password(officer.id, PASSWORD, "a second long pass phrase", remote_address="127.0.0.1")
    assert (await client.get("/api/me", headers=headers)).status_code == 401

    headers = await bearer(live)
    link = await tokens.issue(officer.id, TokenPurpose.PASSWORD_RESET)
    await accounts.reset_password(link, "a third long pass phrase")
    assert (await client.get("/api/me", headers=headers)).status_code == 401

    headers = await bearer(live)
    await accounts.change_roles(admin=admin.actor, user_id=officer.id, roles=[Role.PROCUREMENT_OFFICER, Role.EVALUATOR, Role.COMMISSIONER])
    assert (await client.get("/api/me", headers=headers)).status_code == 200  # a role added takes nothing away
    await accounts.change_roles(admin=admin.actor, user_id=officer.id, roles=[Role.PROCUREMENT_OFFICER])
    assert (await client.get("/api/me", headers=headers)).status_code == 401
    reasons = await AuditEvent.select(AuditEvent.payload).where(AuditEvent.action == "api_token.revoked_all").order_by(AuditEvent.sequence).output(as_list=True)
    assert [re.search(r'"reason": ?"([^"]+)"', str(payload).replace("'", '"')).group(1) for payload in reasons] == [
        "password changed", "password reset", "role removed",
    ]


async def test_a_token_expires_when_chosen_and_the_list_shows_expiry_and_last_use(client, database, controlled_clock):
    officer = await make_user()
    await sign_in(client, officer.email)
    for typed, status in (("0", 400), ("366", 400), ("ninety", 400)):
        refused = await post_form(client, "/account/api-tokens", {"name": "Nightly export", "lifetime_days": typed})
        assert refused.status_code == status and "There is a problem" in refused.text
        assert "Enter how many days the token should last, as a whole number from 1 to 365" in refused.text
        assert f'value="{typed}"' in refused.text and 'value="Nightly export"' in refused.text
    default = await client.get("/account/api-tokens")
    assert 'name="lifetime_days"' in default.text and 'value="90"' in default.text

    created = await post_form(client, "/account/api-tokens", {"name": "Nightly export", "lifetime_days": "7"})
    token = re.search(r'<code id="api-token"[^>]*>([^<]+)</code>', created.text).group(1)
    assert "It stops working on" in created.text
    stored = await ApiToken.objects().first()
    assert stored.expires_at - stored.created_at == timedelta(days=7)
    listing = await client.get("/account/api-tokens")
    assert "Expires" in listing.text and "Never" in listing.text  # not used yet

    client.cookies.clear()
    assert (await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    used = (await ApiToken.objects().first()).last_used_at
    assert used is not None
    controlled_clock.advance(timedelta(seconds=30))
    assert (await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    assert (await ApiToken.objects().first()).last_used_at == used  # written at most once a minute, not on every call

    controlled_clock.advance(timedelta(days=7))
    expired = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401 and expired.json()["detail"] == "The API token is not valid: it is unknown, expired, revoked, or its user is deactivated"
    await sign_in(client, officer.email)
    listing = await client.get("/account/api-tokens")
    assert "Expired" in listing.text and 'aria-label="Revoke Nightly export"' not in listing.text

    with pytest.raises(api_tokens.TokenLifetimeError):
        await api_tokens.create(user_id=officer.id, name="too long", actor=(await current(officer)).actor, lifetime=timedelta(days=366))


async def test_tokens_made_before_expiry_existed_expire_90_days_after_they_were_made(database):
    from importlib import import_module

    officer = await current(await make_user())
    record, _ = await api_tokens.create(user_id=officer.id, name="old", actor=officer.actor)
    old = record.created_at - timedelta(days=200)
    await ApiToken.update({ApiToken.created_at: old, ApiToken.expires_at: old}).where(ApiToken.id == record.id)
    migration = import_module("registry.accounts.piccolo_migrations.accounts_2026_12_06t10_00_01_000000")
    await migration.expire_old_tokens()
    assert (await ApiToken.objects().get(ApiToken.id == record.id)).expires_at == old + timedelta(days=90)


# --- The sessions page (finding 14) ---------------------------------------------------------------


def test_a_browser_is_named_by_its_family_and_system():
    assert browser_family(FIREFOX) == "Firefox on Windows"
    assert browser_family(SAFARI_IPHONE) == "Safari on iOS"
    chrome_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    assert browser_family(chrome_mac) == "Chrome on macOS"
    assert browser_family(chrome_mac + " Edg/131.0.0.0") == "Edge on macOS"
    assert browser_family("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0 Mobile Safari/537.36") == "Samsung Internet on Android"
    assert browser_family("curl/8.5.0") == "curl"
    assert browser_family("") == browser_family("<script>") == "Unknown browser"


async def test_the_sessions_page_lists_each_signed_in_browser_and_ends_one_or_all_others(database, settings, controlled_clock):
    user = await make_user()
    other = await make_user(email="someone@else.example")
    async with (
        browser(settings) as laptop,
        browser(settings, user_agent=SAFARI_IPHONE, address="203.0.113.7") as phone,
        browser(settings, user_agent="curl/8.5.0", address="198.51.100.2") as stranger,
        browser(settings) as someone_else,
    ):
        await sign_in(laptop, user.email)
        controlled_clock.advance(timedelta(minutes=5))
        await sign_in(phone, user.email)
        await sign_in(stranger, user.email)
        await sign_in(someone_else, other.email)

        account = await laptop.get("/account")
        assert 'href="/account/sessions"' in account.text
        page = await laptop.get("/account/sessions")
        assert page.status_code == 200 and "3 signed-in sessions" in page.text
        assert "Firefox on Windows" in page.text and "This browser" in page.text and "127.0.0.1" in page.text
        assert "Safari on iOS" in page.text and "203.0.113.7" in page.text and "curl" in page.text and "198.51.100.2" in page.text
        assert laptop.cookies.get("registry_session") not in page.text  # a session's id is never shown
        first_row = page.text.index("<tbody")
        assert page.text.index("This browser", first_row) < page.text.index("Safari on iOS", first_row)  # this one first

        # last seen: moved on by the renewal (at most once a minute), never by a write of its own
        phone_row = await SessionRecord.objects().where(SessionRecord.address == "203.0.113.7").first()
        assert phone_row.started_at == phone_row.last_seen_at and phone_row.user == user.id
        controlled_clock.advance(timedelta(seconds=30))
        await phone.get("/account")
        assert (await SessionRecord.objects().get(SessionRecord.id == phone_row.id)).last_seen_at == phone_row.last_seen_at
        controlled_clock.advance(timedelta(seconds=40))
        await phone.get("/account")
        seen = (await SessionRecord.objects().get(SessionRecord.id == phone_row.id)).last_seen_at - phone_row.last_seen_at
        assert timedelta(seconds=70) <= seen < timedelta(seconds=71)

        stranger_row = await SessionRecord.objects().where(SessionRecord.address == "198.51.100.2").first()
        someone_elses = await SessionRecord.objects().where(SessionRecord.user == other.id).first()
        not_mine = await post_form(laptop, f"/account/sessions/{someone_elses.id}/end", {}, form_page="/account/sessions")
        assert not_mine.status_code == 404 and (await someone_else.get("/account")).status_code == 200
        ended = await post_form(laptop, f"/account/sessions/{stranger_row.id}/end", {}, form_page="/account/sessions")
        assert ended.status_code == 303 and "Signed out of 1 other session" in (await laptop.get(ended.headers["location"])).text
        assert (await stranger.get("/account")).status_code == 303  # signed out at once
        assert (await phone.get("/account")).status_code == 200

        all_others = await post_form(laptop, "/account/sessions/end-others", {}, form_page="/account/sessions")
        assert all_others.status_code == 303 and all_others.headers["location"] == "/account/sessions?ended=1"
        assert (await phone.get("/account")).status_code == 303
        left = await laptop.get("/account/sessions")
        assert left.status_code == 200 and "1 signed-in session" in left.text and "Sign out of every other session" not in left.text
        assert (await someone_else.get("/account")).status_code == 200  # another user's sessions are not touched
    actions = await AuditEvent.select(AuditEvent.action).where(AuditEvent.actor_email == user.email).output(as_list=True)
    assert "user.session_ended" in actions and "user.other_sessions_ended" in actions


async def test_a_new_password_ends_the_other_sessions_rows_and_keeps_this_browser_listed(database, settings):
    user = await make_user()
    async with browser(settings) as here, browser(settings, user_agent=SAFARI_IPHONE) as elsewhere:
        await sign_in(here, user.email)
        await sign_in(elsewhere, user.email)
        await post_form(here, "/account/password", {"current_password": PASSWORD, "new_password": "a different long pass phrase"})
        assert await SessionRecord.count().where(SessionRecord.user == user.id) == 1
        listed = await session_list.sessions_of(user.id, this_key=here.cookies.get("registry_session"))
        assert [(s.browser, s.is_this_one) for s in listed] == [("Firefox on Windows", True)]
