"""API tokens that expire and are revoked when their user changes, and the sessions page
(docs/security.md finding 14)."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest

from registry.accounts import api_tokens, session_list, tokens
from registry.accounts import service as accounts
from registry.accounts.browsers import browser_family
from registry.accounts.tables import AccountToken, ApiToken, OrganisationKind, Role, SessionRecord, TokenPurpose, User
from registry.audit import service as audit
from registry.audit.tables import AuditEvent
from registry.notifications.tables import Notification
from registry.tenders.tables import Tender
from tests.api_support import bearer
from tests.conftest import app_for, serving
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
    return await post_form(client, "/sign-in", {"email": email, "password": password})


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
