"""The security review's tests (docs/security.md): OWASP ASVS 4.0.3 level 2 properties that no other
test covered, each asserted as a user or an attacker would notice it (status codes, headers, cookies,
what a page shows). A test marked xfail(strict=True) demonstrates an open finding of docs/security.md:
the fix makes it pass, and then its mark must go."""

import asyncio
import hashlib
import io
import re
import tracemalloc
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest

from registry.accounts import api_tokens
from registry.accounts import service as accounts
from registry.accounts import throttling, tokens
from registry.accounts.tables import AccountToken, ApiToken, OrganisationKind, Role, TokenPurpose, User
from registry.audit.tables import AuditEvent
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.notifications.tables import Notification
from registry.settings import Environment, Settings
from registry.tenders import service as tenders
from registry.tenders.tables import TenderDocument
from registry.files import storage
from tests.api_support import bearer
from tests.conftest import app_for, serving
from tests import support
from tests.support import PASSWORD, csrf_from, current, make_user, officer_and_supplier, post_form
from tests.tendering import TENDER_DEADLINE, open_for_tenders, registered
from tests.test_frameworks import draft_with_lots

PRODUCTION_SECRET = "a-long-random-production-secret-only-for-these-tests-0123456789"
PRODUCTION_AUDIT_KEYS = {  # not the development defaults, which production refuses
    "audit_key": "an-audit-key-only-for-these-production-tests-0123456789", "audit_key_id": "prod-test",
    "audit_signing_key": "7Yd8ZbXhZy3m0T4t9n7qkq3r3m0fF3eM6J8k2cN1pQs=",
}
PDF = b"%PDF-1.4\nA method statement\n%%EOF\n"
HTML = {"Accept": "text/html"}


def production(settings: Settings) -> Settings:
    return settings.model_copy(update={"environment": Environment.PRODUCTION, "secret_key": PRODUCTION_SECRET, **PRODUCTION_AUDIT_KEYS})


@asynccontextmanager
async def browser(settings: Settings, *, https: bool = False) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app for `settings`, over https when asked (a browser keeps Secure cookies only there)."""
    app = app_for(settings)
    async with serving(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        base_url = f"{'https' if https else 'http'}://testserver.local"
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD, **fields: str) -> httpx.Response:
    response = await support.sign_in(client, email, password, **fields)
    assert response.status_code == 303, response.text
    return response


def set_cookies(response: httpx.Response) -> dict[str, tuple[str, set[str]]]:
    """Each cookie the response sets: its value and its attributes (lower-cased, as `name=value` or a flag)."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        first, *attributes = [part.strip() for part in header.split(";")]
        name, _, value = first.partition("=")
        found[name] = (value, {attribute.lower() for attribute in attributes})
    return found


def assert_security_headers(response: httpx.Response) -> None:
    headers = response.headers
    csp = headers.get("content-security-policy", "")
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'"):
        assert directive in csp, f"{response.request.url}: CSP lacks {directive}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("x-frame-options") == "DENY"
    assert headers.get("referrer-policy") == "strict-origin-when-cross-origin"
    assert headers.get("cross-origin-opener-policy") == "same-origin"
    for revealing in ("server", "x-powered-by"):
        assert revealing not in headers, f"{response.request.url}: {revealing} header reveals the software"


# --- V2 Authentication: passwords used whole, password managers, secrets stored as digests ----------


async def test_a_long_password_of_any_characters_is_used_whole(client, database):
    user = await make_user()
    long_password = "córrect hörse 🐎 battery staple, ✓ " * 5 + "and the end"  # 181 characters: spaces, accents, emoji
    await sign_in(client, user.email)
    changed = await post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": long_password})
    assert "Your password has been changed" in changed.text
    client.cookies.clear()
    for cut_short in (long_password[:72], long_password[:128], long_password[:-1]):
        refused = await support.sign_in(client, user.email, cut_short)
        assert refused.status_code == 400 and "Enter the email address and password for your account" in refused.text
    await sign_in(client, user.email, long_password)


async def test_password_fields_let_password_managers_fill_them_and_offer_to_show_the_password(client, database):
    await make_user()
    pages = {"/sign-in": "current-password", "/register": "new-password"}
    for path, autocomplete in pages.items():
        page = await client.get(path)
        field = re.search(r'<input[^>]*name="password"[^>]*>', page.text).group(0)
        assert 'type="password"' in field and f'autocomplete="{autocomplete}"' in field, path
        assert "onpaste" not in page.text and "govuk-password-input" in page.text, path  # pasting allowed; a show button
    await sign_in(client, "officer@authority.example")
    change = await client.get("/account/password")
    assert 'autocomplete="current-password"' in change.text and 'autocomplete="new-password"' in change.text


async def test_emailed_links_and_api_tokens_are_stored_only_as_sha256_digests(client, database):
    officer = await make_user()
    await post_form(client, "/password-reset", {"email": officer.email})
    message = await Notification.objects().where(Notification.subject == "Reset your password").first()
    token = re.search(r"/password-reset/(\S+)", message.body).group(1)
    stored = await AccountToken.select(AccountToken.token_hash)
    assert [row["token_hash"] for row in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    assert len(token) >= 43  # 32 random bytes
    _, api_token = await api_tokens.create(user_id=officer.id, name="Nightly export", actor=(await current(officer)).actor)
    assert [row["token_hash"] for row in await ApiToken.select(ApiToken.token_hash)] == [hashlib.sha256(api_token.encode()).hexdigest()]


# --- V3 Sessions: cookie attributes, rotation, ending ------------------------------------------------


async def test_session_and_csrf_cookies_are_httponly_samesite_and_not_secure_only_for_local_http(client, database):
    await make_user()
    form = await client.get("/sign-in")
    csrf_value, csrf_attributes = set_cookies(form)["registry_csrf"]
    assert {"httponly", "samesite=lax", "path=/"} <= csrf_attributes and "secure" not in csrf_attributes
    signed_in = await sign_in(client, "officer@authority.example", PASSWORD)
    session_id, attributes = set_cookies(signed_in)["registry_session"]
    assert re.fullmatch(r"[0-9a-f]{64}", session_id)  # 256 random bits
    assert {"httponly", "samesite=lax", "path=/", "max-age=1800"} <= attributes
    assert not any(attribute.startswith("domain=") for attribute in attributes)  # this host only
    assert "secure" not in attributes  # development serves plain http on 127.0.0.1


async def test_in_production_the_session_and_csrf_cookies_are_secure(database, settings):
    await make_user()
    async with browser(production(settings), https=True) as client:
        form = await client.get("/sign-in")
        csrf = next(attributes for name, (_, attributes) in set_cookies(form).items() if name.endswith("registry_csrf"))
        assert {"secure", "httponly", "samesite=lax"} <= csrf
        signed_in = await sign_in(client, "officer@authority.example")
        session = next(attributes for name, (_, attributes) in set_cookies(signed_in).items() if name.endswith("registry_session"))
        assert {"secure", "httponly", "samesite=lax"} <= session
        assert (await client.get("/account")).status_code == 200


async def test_changing_the_password_signs_out_every_other_session_but_this_one(database, settings):
    user = await make_user()
    async with browser(settings) as here, browser(settings) as elsewhere:
        await sign_in(here, user.email)
        await sign_in(elsewhere, user.email)
        changed = await post_form(here, "/account/password", {"current_password": PASSWORD, "new_password": "a different long pass phrase"})
        assert "Your password has been changed" in changed.text
        assert (await here.get("/account")).status_code == 200
        other = await elsewhere.get("/account")
        assert other.status_code == 303 and other.headers["location"].startswith("/sign-in")


async def test_a_deactivated_users_session_and_api_tokens_stop_working_at_once(client, database):
    user = await make_user()
    headers = await bearer(await current(user))
    await sign_in(client, user.email)
    assert (await client.get("/account")).status_code == 200
    await User.update({User.is_active: False}).where(User.id == user.id)
    assert (await client.get("/account")).status_code == 303
    client.cookies.clear()
    assert (await client.get("/api/me", headers=headers)).status_code == 401


async def test_a_role_taken_away_by_an_admin_is_refused_on_the_users_next_request(client, database):
    admin = await current(await make_user(email="admin@authority.example", roles=(Role.ADMIN,)))
    officer = await make_user()
    await sign_in(client, officer.email)
    assert (await client.get("/manage/frameworks")).status_code == 200
    await accounts.change_roles(admin=admin.actor, user_id=officer.id, roles=[Role.EVALUATOR])
    assert (await client.get("/manage/frameworks", headers=HTML)).status_code == 403


# --- V4 Access control: object level, CSRF ---------------------------------------------------------

MANAGE_PAGES = (
    "", "/check", "/amend", "/cancel", "/interest", "/interest.csv", "/documents", "/rfi", "/criteria", "/itt", "/tenders",
    "/evaluation", "/award", "/award/challenges", "/clarifications",
)


async def test_another_authoritys_officer_is_refused_every_page_of_a_framework_and_each_refusal_is_audited(client, database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    outsider = await make_user(email="officer@elsewhere.example")
    await sign_in(client, outsider.email)
    base = f"/manage/frameworks/{framework.reference}"
    statuses = {page: (await client.get(base + page, headers=HTML)).status_code for page in MANAGE_PAGES}
    assert statuses == dict.fromkeys(MANAGE_PAGES, 403)
    moved = await post_form(client, base + "/stage", {"state": "cancelled"}, form_page="/sign-out")
    assert moved.status_code == 403
    assert (await Framework.objects().get(Framework.id == framework.id)).state == State.PIN_PUBLISHED
    refusals = await AuditEvent.count().where((AuditEvent.action == "access.denied") & (AuditEvent.actor_email == outsider.email))
    assert refusals == len(MANAGE_PAGES) + 1


async def test_a_supplier_downloads_its_own_tender_document_as_an_attachment_and_a_rival_cannot(database, settings, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    rival = await current(await make_user(email="rival@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER))
    for bidder in (supplier, rival):
        await registered(bidder, framework.reference)
    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=10))
    document = await tenders.attach_document(
        supplier, framework.reference, 1, title="Method", filename='..\\..\\"method".exe.pdf', data=PDF, files_dir=settings.files_dir,
    )
    url = f"/frameworks/{framework.reference}/tenders/1/documents/{document.id}"
    async with browser(settings) as owner, browser(settings) as other:
        await sign_in(owner, supplier.email)
        download = await owner.get(url)
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"] == 'attachment; filename="method.exe.pdf"'
        assert download.headers["cache-control"] == "no-store"
        assert_security_headers(download)
        await sign_in(other, rival.email)
        refused = await other.get(url, headers=HTML)
        assert refused.status_code == 404 and PDF not in refused.content


async def test_state_changing_account_forms_need_this_browsers_csrf_token(database, settings):
    user = await make_user()
    async with browser(settings) as victim, browser(settings) as attacker:
        await sign_in(victim, user.email)
        foreign_token = csrf_from((await attacker.get("/sign-in")).text)  # a valid token, of another browser
        attempts = {
            "/account/password": {"current_password": PASSWORD, "new_password": "attacker chosen pass phrase"},
            "/account/api-tokens": {"name": "attacker"},
            "/sign-out": {},
        }
        for path, data in attempts.items():
            for token in (None, foreign_token):
                form = data | ({"_csrf_token": token} if token else {})
                response = await victim.post(path, data=form, headers=HTML)
                assert response.status_code == 403, path
        assert (await victim.get("/account")).status_code == 200  # still signed in
    assert await ApiToken.count() == 0
    await accounts.authenticate(user.email, PASSWORD, remote_address="127.0.0.1")  # the password did not change


# --- V5 Output encoding and redirects -----------------------------------------------------------------

XSS = '<script>alert("pfr")</script>'


async def test_text_people_typed_is_shown_escaped_never_as_markup(client, database):
    organisation = await accounts.create_organisation(kind=OrganisationKind.SUPPLIER, legal_name=XSS)
    from registry.accounts.passwords import hash_password

    await accounts.create_user(
        email="lead@xss.example", full_name=f"Mallory {XSS}", organisation=organisation, roles=[Role.SUPPLIER],
        password_hash=await hash_password(PASSWORD), email_confirmed=True, is_organisation_admin=True,
    )
    await sign_in(client, "lead@xss.example")
    escaped = "&lt;script&gt;alert("
    for path in ("/account", "/organisation/users"):
        page = await client.get(path)
        assert page.status_code == 200 and XSS not in page.text and escaped in page.text, path
    client.cookies.clear()
    reflected = await client.get("/frameworks", params={"q": XSS})
    assert reflected.status_code == 200 and XSS not in reflected.text and escaped in reflected.text
    next_field = await client.get("/sign-in", params={"next": '/account"><script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in next_field.text


async def test_a_suppliers_public_profile_shows_its_text_escaped_and_links_only_to_web_addresses(client, database):
    from registry.suppliers.tables import SupplierProfile
    from tests.commissioning import Supplier, live_framework

    live = await live_framework([Supplier("Mallory Ltd", {1: 1}, description=f"We {XSS} run panels")])
    organisation = live.organisations["Mallory Ltd"]
    await SupplierProfile.update({SupplierProfile.website: "javascript:alert(document.cookie)//.example"}).where(
        SupplierProfile.organisation == organisation
    )
    for path in (f"/suppliers/{organisation}", "/suppliers?seed=1&q=panels"):
        page = await client.get(path)
        assert page.status_code == 200 and "Mallory Ltd" in page.text, path
        assert XSS not in page.text and 'href="javascript:' not in page.text, path
    assert "&lt;script&gt;alert(" in (await client.get(f"/suppliers/{organisation}")).text


@pytest.mark.parametrize("target", ["/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example/", "//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "evil.example"])
async def test_signing_in_never_redirects_to_another_site(client, database, target):
    await make_user()
    response = await sign_in(client, "officer@authority.example", PASSWORD, next=target)
    location = response.headers["location"]
    assert response.status_code == 303
    assert not re.search(r"[\x00-\x20\\]", location)  # nothing a browser strips or turns into a slash
    assert httpx.URL("https://testserver.local/sign-in").join(location).host == "testserver.local", location


# --- V7 Logging: no secrets --------------------------------------------------------------------------


async def test_passwords_typed_at_sign_in_are_in_neither_the_audit_log_nor_the_application_log(client, database, caplog):
    caplog.set_level("DEBUG")
    user = await make_user()
    wrong = "a-mistyped-but-nearly-right pass phrase"
    assert (await support.sign_in(client, user.email, wrong)).status_code == 400
    await sign_in(client, user.email)
    stored = " ".join(str(row) for row in await AuditEvent.select())
    assert "user.sign_in_failed" in stored and "user.signed_in" in stored
    for secret in (wrong, PASSWORD):
        assert secret not in stored and secret not in caplog.text


# --- V8 Data protection: caching ----------------------------------------------------------------------


async def test_nothing_shown_to_a_signed_in_user_or_api_token_may_be_cached(client, database):
    officer = await make_user()
    for path in ("/sign-in", "/register", "/password-reset", "/password-reset/not-a-real-token"):
        assert (await client.get(path)).headers.get("cache-control") == "no-store", path
    headers = await bearer(await current(officer))
    for path in ("/api/me", "/api/v1/frameworks"):
        assert (await client.get(path, headers=headers)).headers.get("cache-control") == "no-store", path
    await sign_in(client, officer.email)
    for path in ("/manage/frameworks", "/account/api-tokens", "/account/notifications", "/frameworks", "/api/me"):
        response = await client.get(path)
        assert response.status_code == 200 and response.headers.get("cache-control") == "no-store", path


# --- V13 API and V14 configuration: headers, CORS, files ---------------------------------------------


async def test_security_headers_are_on_pages_api_answers_downloads_and_static_files(client, database):
    responses = [
        await client.get("/"),
        await client.get("/frameworks/NO-SUCH-FRAMEWORK", headers=HTML),  # a 404 from a route
        await client.get("/api/v1/frameworks"),
        await client.get("/api/me"),
        await client.get("/static/govuk/govuk-frontend.min.css"),
        await client.get("/open-data/notices.csv"),
    ]
    assert [r.status_code for r in responses] == [200, 404, 200, 401, 200, 200]
    for response in responses:
        assert_security_headers(response)
    for page in responses[:2]:
        assert page.headers["content-type"] == "text/html; charset=utf-8"


async def test_other_sites_are_granted_no_cross_origin_access(client, database):
    origin = {"Origin": "https://evil.example"}
    read = await client.get("/api/v1/frameworks", headers=origin)
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
    preflight = await client.options(
        "/api/v1/frameworks", headers=origin | {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"},
    )
    assert "access-control-allow-origin" not in preflight.headers and "access-control-allow-headers" not in preflight.headers


@pytest.mark.parametrize("path", [
    "/static/app/", "/static/govuk/", "/assets/", "/static/app/..%2f..%2fsettings.py", "/static/govuk/..%2f..%2f..%2f..%2fpyproject.toml",
    "/assets/%2e%2e/%2e%2e/package.json",
])
async def test_static_files_list_no_directories_and_serve_nothing_outside_their_folder(client, path):
    response = await client.get(path, headers=HTML)
    assert response.status_code == 404


def test_the_app_never_runs_in_debug_mode(settings):
    from registry.app import create_app

    assert not create_app(settings).debug
    assert not create_app(production(settings)).debug


# --- Open findings (docs/security.md, "Findings"): each fails until its fix is in --------------------


def odt_bomb(inflated_bytes: int) -> bytes:
    """A zip of well under 1 MB whose `mimetype` entry inflates to `inflated_bytes`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("mimetype", "w", force_zip64=True) as entry:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(inflated_bytes // len(chunk)):
                entry.write(chunk)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def test_a_small_upload_cannot_make_the_server_inflate_a_huge_zip_entry():
    bomb = odt_bomb(64 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    try:
        kind = storage.sniff(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kind is None  # not an OpenDocument text: refused as a type not allowed
    assert peak < 8 * 1024 * 1024, f"checking the type of a {len(bomb):,}-byte upload took {peak:,} bytes of memory"


async def test_the_admin_outbox_never_shows_a_link_that_signs_someone_else_in(client, database):
    admin = await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    officer = await make_user()
    await accounts.request_password_reset(officer.email)
    message = await Notification.objects().where(Notification.recipient == officer.email).first()
    token = re.search(r"/password-reset/(\S+)", message.body).group(1)
    await sign_in(client, admin.email)
    outbox = await client.get("/admin/outbox")
    assert outbox.status_code == 200 and "Reset your password" in outbox.text and officer.email in outbox.text
    assert token not in outbox.text  # else the admin can set the officer's password and act as them


async def test_in_production_emailed_one_time_links_are_not_written_to_the_application_log(database, settings, caplog):
    caplog.set_level("DEBUG")
    user = await make_user()
    async with browser(production(settings), https=True) as client:
        sent = await post_form(client, "/password-reset", {"email": user.email})
        assert sent.status_code == 200 and "If there is an account for" in sent.text
        message = await Notification.objects().where(Notification.subject == "Reset your password").first()
    token = re.search(r"/password-reset/(\S+)", message.body).group(1)
    assert token not in caplog.text


async def test_in_production_every_response_tells_browsers_to_use_https_only(database, settings):
    async with browser(production(settings), https=True) as client:
        for path in ("/", "/sign-in", "/api/v1/frameworks", "/static/govuk/govuk-frontend.min.css"):
            hsts = (await client.get(path)).headers.get("strict-transport-security", "")
            max_age = re.search(r"max-age=(\d+)", hsts)
            assert max_age and int(max_age.group(1)) >= 31_536_000 and "includesubdomains" in hsts.lower(), f"{path}: {hsts!r}"
    async with browser(settings) as local:
        assert "strict-transport-security" not in (await local.get("/")).headers  # development: plain http on 127.0.0.1


async def test_a_supplier_cannot_fill_the_servers_disk_with_tender_documents(database, settings, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    controlled_clock.set(TENDER_DEADLINE - timedelta(hours=1))

    async def attach(n: int) -> TenderDocument | None:
        try:
            return await tenders.attach_document(
                supplier, framework.reference, 1, title=f"Document {n}", filename=f"d{n}.pdf", data=PDF + str(n).encode(), files_dir=settings.files_dir,
            )
        except tenders.TenderError as refused:
            assert refused.field == "file"
            return None

    attached = [document for n in range(101) if (document := await attach(n))]
    assert len(list(settings.files_dir.iterdir())) <= 100
    for document in attached:
        await tenders.remove_document(supplier, framework.reference, 1, document.id)
    for n in range(101, 202):  # attached and removed at once: a removed document's file is kept
        if document := await attach(n):
            await tenders.remove_document(supplier, framework.reference, 1, document.id)
    assert len(list(settings.files_dir.iterdir())) <= 100


async def test_guessing_the_current_password_on_the_change_form_is_throttled_and_audited(client, database):
    user = await make_user()
    await sign_in(client, user.email)
    for n in range(throttling.FREE_FAILURES_PER_CLIENT):
        guess = await post_form(client, "/account/password", {"current_password": f"guess number {n} of many", "new_password": "attacker chosen pass phrase"})
        assert guess.status_code == 400
    assert await AuditEvent.count().where(AuditEvent.action.like("%fail%")) >= throttling.FREE_FAILURES_PER_CLIENT
    right = await post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "attacker chosen pass phrase"})
    assert right.status_code == 429
    await accounts.authenticate(user.email, PASSWORD, remote_address="198.51.100.1")  # unchanged


async def test_people_are_emailed_when_their_password_is_changed_or_reset(client, database):
    user = await make_user()
    await sign_in(client, user.email)
    await post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "another long pass phrase"})
    changed = await Notification.objects().where(Notification.recipient == user.email)
    assert len(changed) == 1 and "password" in changed[0].subject.lower() and "another long pass phrase" not in changed[0].body
    await accounts.request_password_reset(user.email)
    reset = (await Notification.objects().where(Notification.recipient == user.email).order_by(Notification.id))[-1]
    link = re.search(r"http://[^/]+(/password-reset/\S+)", reset.body).group(1)
    client.cookies.clear()
    assert "Your password has been changed" in (await post_form(client, link, {"password": "yet another long pass phrase"})).text
    assert await Notification.count().where(Notification.recipient == user.email) == 3  # changed, the reset link, reset


async def test_security_headers_are_on_not_found_and_wrong_method_answers_too(client, database):
    for method, path in (("GET", "/no-such-page"), ("GET", "/api/v1/no-such-thing"), ("DELETE", "/"), ("POST", "/healthz")):
        response = await client.request(method, path, headers=HTML)
        assert response.status_code in (404, 405)
        assert_security_headers(response)
        assert response.headers.get("x-request-id"), path


async def test_in_production_the_cookies_are_locked_to_this_host_by_their_names(database, settings):
    await make_user()
    async with browser(production(settings), https=True) as client:
        form = await client.get("/sign-in")
        assert "__Host-registry_csrf" in set_cookies(form)
        cookies = set_cookies(await sign_in(client, "officer@authority.example"))
        _, attributes = cookies["__Host-registry_session"]
        assert {"secure", "path=/"} <= attributes and not any(a.startswith("domain=") for a in attributes)
        assert (await client.get("/account")).status_code == 200


async def test_password_reset_emails_to_one_address_are_limited(client, database):
    user = await make_user()
    for _ in range(10):
        response = await post_form(client, "/password-reset", {"email": user.email})
        assert response.status_code == 200 and "If there is an account for" in response.text  # the same answer every time
    assert await Notification.count().where(Notification.recipient == user.email) <= 3


async def test_an_admin_cannot_give_their_own_account_more_roles(client, database):
    admin = await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    await sign_in(client, admin.email)
    form = await client.get(f"/admin/users/{admin.id}")
    response = await client.post(f"/admin/users/{admin.id}", data={"_csrf_token": csrf_from(form.text), "roles": ["admin", "procurement_officer"]})
    assert response.status_code in (400, 403)
    assert (await User.objects().get(User.id == admin.id)).roles == ["admin"]


async def test_a_one_time_link_works_once_even_when_used_twice_at_the_same_moment(database, monkeypatch):
    user = await make_user(confirmed=False)
    token = await tokens.issue(user.id, TokenPurpose.PASSWORD_RESET)
    find_usable = tokens.find_usable
    both_read = asyncio.Barrier(2)

    async def read_then_wait_for_the_other(token: str, purpose: TokenPurpose):
        found = await find_usable(token, purpose)
        try:  # where the database lets both read before either writes, they do
            await asyncio.wait_for(both_read.wait(), timeout=0.5)
        except (TimeoutError, asyncio.BrokenBarrierError):
            pass
        return found

    monkeypatch.setattr(tokens, "find_usable", read_then_wait_for_the_other)
    spent = await asyncio.gather(tokens.use(token, TokenPurpose.PASSWORD_RESET), tokens.use(token, TokenPurpose.PASSWORD_RESET))
    assert sorted(user_id is not None for user_id in spent) == [False, True]


async def test_a_second_authorization_header_does_not_switch_off_the_csrf_check(client, database):
    user = await make_user()
    await sign_in(client, user.email)
    headers = [("Authorization", "Basic Zm9vOmJhcg=="), ("Authorization", "Bearer pfr_not-a-token"), ("Accept", "text/html")]
    response = await client.post("/account/api-tokens", data={"name": "made without the CSRF token"}, headers=headers)
    assert response.status_code == 400  # more than one Authorization header is refused outright
    assert await ApiToken.count() == 0


async def test_a_stolen_password_hash_cannot_be_checked_without_the_servers_secret(client, database):
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError

    user = await make_user()
    await sign_in(client, user.email)
    await post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "a pass phrase set on the page"})
    stolen = (await User.objects().get(User.id == user.id)).password_hash  # as a copy of the database would have it
    with pytest.raises(VerificationError):
        PasswordHasher().verify(stolen, "a pass phrase set on the page")
