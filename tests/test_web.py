import re
from collections.abc import AsyncIterator

import pytest
from litestar import get
from litestar.testing import AsyncTestClient

from registry import clock, db
from registry.app import create_app
from registry.settings import Settings
from tests.conftest import app_client

JSON = {"Accept": "application/json"}


async def test_start_page_explains_the_service_with_govuk_styling(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert re.search(r'<link rel="stylesheet" href="/static/govuk/govuk-frontend\.min\.[0-9a-f]{12}\.css">', response.text)
    assert "<title>Run and use a participation services framework – Participation Framework Registry</title>" in response.text
    for audience in ("If you are a supplier", "If you are a procurement officer", "If you work in a policy team", "If you want to follow a framework"):
        assert audience in response.text
    assert 'class="govuk-phase-banner' in response.text and "Beta" in response.text


async def test_govuk_frontend_assets_are_served(client):
    css = await client.get("/static/govuk/govuk-frontend.min.css")
    assert css.status_code == 200 and ".govuk-" in css.text
    assert (await client.get("/assets/images/favicon.ico")).status_code == 200
    assert (await client.get("/static/app/init.mjs")).status_code == 200


async def test_browsers_keep_the_stylesheet_scripts_and_fonts_instead_of_asking_on_every_page(client):
    for path in ("/static/govuk/govuk-frontend.min.css", "/static/govuk/govuk-frontend.min.js", "/static/app/init.mjs", "/assets/images/favicon.ico"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert set(response.headers["cache-control"].split(", ")) == {"public", "max-age=3600"}, path
        assert response.headers["etag"], path
    page = await client.get("/")
    assert "max-age" not in page.headers.get("cache-control", ""), "pages themselves are not cached"


async def test_health_reports_the_database_engine(client, engine_kind):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == engine_kind


async def test_health_is_503_with_a_reason_when_the_database_cannot_be_reached(client, monkeypatch):
    async def unreachable(engine=None):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(db, "ping", unreachable)
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": db.kind(), "reason": "database unreachable: ConnectionRefusedError"}


async def test_unknown_page_is_a_404_page_for_browsers_and_json_for_api_clients(client):
    page = await client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "<h1 class=\"govuk-heading-l\">Page not found</h1>" in page.text
    assert "Page not found – Participation Framework Registry" in page.text

    api = await client.get("/no-such-page", headers=JSON)
    assert api.status_code == 404
    assert api.json() == {"status_code": 404, "detail": "Page not found"}

    under_api = await client.get("/api/no-such-thing")
    assert under_api.status_code == 404
    assert under_api.headers["content-type"].startswith("application/json")


async def test_wrong_method_is_405_in_both_forms(client):
    page = await client.post("/healthz", headers={"Accept": "text/html"})
    assert page.status_code == 405 and "You cannot do that here" in page.text
    api = await client.delete("/", headers=JSON)
    assert api.status_code == 405 and api.json()["status_code"] == 405


@pytest.fixture
async def clock_client(database, settings: Settings) -> AsyncIterator[AsyncTestClient]:
    previous = clock.current()
    app = create_app(settings.model_copy(update={"clock_control": True}))
    async with AsyncTestClient(app=app) as client:
        yield client
    clock.use(previous)


async def test_malformed_json_is_a_400_with_a_message(clock_client):
    response = await clock_client.post("/_test/clock", content=b'{"now": ', headers={"Content-Type": "application/json", **JSON})
    assert response.status_code == 400
    assert "malformed" in response.json()["detail"].lower()


async def test_invalid_json_fields_are_named_in_the_error(clock_client):
    response = await clock_client.post("/_test/clock", json={"now": "not a time"}, headers=JSON)
    assert response.status_code == 400
    body = response.json()
    assert any(error["key"] == "now" for error in body["errors"])


async def test_a_test_can_move_the_live_server_clock(clock_client):
    response = await clock_client.post("/_test/clock", json={"now": "2027-06-30T11:59:58Z"})
    assert response.status_code == 200
    assert response.json()["now"].startswith("2027-06-30T11:59:5")
    moved = await clock_client.post("/_test/clock", json={"advance_seconds": 3600})
    assert moved.json()["now"].startswith("2027-06-30T12:59:5")
    reset = await clock_client.delete("/_test/clock")
    assert not reset.json()["now"].startswith("2027")


async def test_clock_control_does_not_exist_unless_switched_on(client):
    response = await client.post("/_test/clock", json={"advance_seconds": 60}, headers=JSON)
    assert response.status_code == 404


async def test_an_unexpected_error_shows_the_standard_page_without_a_stack_trace(database, settings, caplog):
    @get("/explode", include_in_schema=False)
    async def explode() -> str:
        raise RuntimeError("secret internal detail")

    app = create_app(settings)
    app.register(explode)
    async with AsyncTestClient(app=app) as client:
        page = await client.get("/explode")
        api = await client.get("/explode", headers=JSON)
    assert page.status_code == 500
    assert "Sorry, there is a problem with the service" in page.text
    assert "secret internal detail" not in page.text and "Traceback" not in page.text
    assert api.status_code == 500
    assert api.json() == {"status_code": 500, "detail": "Sorry, there is a problem with the service"}
    assert "secret internal detail" in caplog.text  # kept for the operators, in the log


async def test_openapi_describes_the_json_api_and_leaves_out_html_pages(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/healthz" in paths
    assert "/" not in paths


@pytest.mark.parametrize("path", ["/suppliers/99999999999", "/suppliers/999999999999999999999999", "/frameworks/%00", "/frameworks/%00/calendar.ics"])
async def test_a_value_no_database_can_hold_in_the_address_is_not_found_not_a_server_error(client, path):
    response = await client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Page not found" in response.text


IGNORED_IN_HEAD = {"date", "x-request-id", "set-cookie", "content-security-policy"}  # differ between any two requests
FRESH_SEED = ("/suppliers", "/api/v1/suppliers")  # the directory's fair order: each first visit gets its own seed


@pytest.mark.parametrize("role", ["anonymous", "procurement_officer", "commissioner"])
async def test_every_page_and_download_answers_head_as_it_answers_get_without_the_body(database, settings, role):
    from tests.support import sign_in
    from tests.test_access_control import PASSWORD, app_routes, concrete, seed_users

    ids = await seed_users()
    paths = [route.split(" ", 1)[1] for route in app_routes(create_app(settings)) if route.startswith("GET ")]
    paths += ["/static/govuk/govuk-frontend.min.css", "/no-such-page"]
    async with app_client(settings) as client:
        if role != "anonymous":
            signed = await sign_in(client, f"{role}@matrix.example", PASSWORD)
            assert signed.status_code == 303 and not signed.headers["location"].startswith("/sign-in")
        different, downloads = [], 0
        for path in paths:
            url = concrete(path, ids)
            get_response, head = await client.get(url), await client.head(url)
            if head.status_code != get_response.status_code or head.content:
                different.append(f"{url}: GET {get_response.status_code}, HEAD {head.status_code} with {len(head.content)} bytes")
                continue
            got, headed = ({k: v for k, v in r.headers.items() if k not in IGNORED_IN_HEAD} for r in (get_response, head))
            if url in FRESH_SEED:
                got, headed = set(got), set(headed)
            if got != headed:
                different.append(f"{url}: headers {sorted(set(got.items()) ^ set(headed.items()))}")
            if get_response.headers.get("content-type", "").startswith("text/csv"):
                downloads += 1
                assert get_response.headers["content-type"] == "text/csv; charset=utf-8", url
                assert get_response.content.startswith(b"\xef\xbb\xbf"), f"{url}: no byte-order mark"
    assert different == []
    assert downloads >= 3  # the open data's CSVs, at least


async def test_pages_data_and_the_stylesheet_go_compressed_brotli_or_gzip_as_the_browser_takes(client, database):
    for path in ("/frameworks", "/schema/openapi.json", "/static/govuk/govuk-frontend.min.css"):
        brotli = await client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert brotli.status_code == 200 and brotli.headers.get("content-encoding") == "br", path
        gzipped = await client.get(path, headers={"Accept-Encoding": "gzip"})
        assert gzipped.headers.get("content-encoding") == "gzip" and gzipped.content == brotli.content, path
    plain = await client.get("/frameworks", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    small = await client.get("/healthz", headers={"Accept-Encoding": "br, gzip"})
    assert "content-encoding" not in small.headers  # under 1 kB: not worth it


async def test_a_services_refusal_no_controller_caught_is_403_and_recorded_not_a_server_error(monkeypatch):
    """registry.errors.Refused is a PermissionError, so an OSError: it was answered as an outage (503)."""
    from litestar import Litestar

    from registry.errors import Refused
    from registry.web import api
    from registry.web.errors import EXCEPTION_HANDLERS

    recorded = []

    async def record(request, user, reason):
        recorded.append((user, reason))

    monkeypatch.setattr(api.refusals, "_callbacks", [record])

    @get("/refused")
    async def refusing() -> None:
        raise Refused("Only the authority's commissioners may see this engagement")

    def signed_in(app):
        async def middleware(scope, receive, send):
            scope["user"] = "someone"
            await app(scope, receive, send)
        return middleware

    app = Litestar(route_handlers=[refusing], exception_handlers=EXCEPTION_HANDLERS, middleware=[signed_in])
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/refused", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the authority's commissioners may see this engagement"
    assert recorded == [("someone", "Only the authority's commissioners may see this engagement")]
