"""The stylesheets, scripts, fonts and images (registry.web.static): pages name them by content, so
browsers keep them a year without asking again; the plain names still work; no file, and no health
check, hands out a cookie; pages with forms still get their CSRF cookie."""

import re

from tests.support import csrf_from

FOR_EVER = {"public", "max-age=31536000", "immutable"}
HTML = {"Accept": "text/html"}


def linked_files(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/(?:static|assets)/[^"]+)"', html)


def cache_control(response) -> set[str]:
    return set(response.headers.get("cache-control", "").split(", "))


async def test_pages_link_every_file_by_a_name_that_changes_with_its_content_and_is_kept_a_year(client):
    page = await client.get("/", headers=HTML)
    files = linked_files(page.text)
    assert {re.sub(r"\.[0-9a-f]{12}\.", ".", path) for path in files} >= {
        "/static/govuk/govuk-frontend.min.css", "/static/app/registry.css", "/static/app/init.mjs", "/assets/images/favicon.ico",
    }
    for path in files:
        assert re.search(r"\.[0-9a-f]{12}\.[a-z0-9]+$", path), path
        response = await client.get(path)
        assert response.status_code == 200, path
        assert cache_control(response) == FOR_EVER, path
        assert "set-cookie" not in response.headers, path
    plain = await client.get("/static/govuk/govuk-frontend.min.css")
    hashed = await client.get(next(path for path in files if "govuk-frontend.min." in path))
    assert hashed.content == plain.content and hashed.headers["content-type"] == "text/css; charset=utf-8"


async def test_the_fonts_and_images_the_stylesheet_uses_and_the_script_imports_resolve_and_are_kept_a_year(client):
    page = await client.get("/", headers=HTML)
    stylesheet = await client.get(next(path for path in linked_files(page.text) if "govuk-frontend.min." in path))
    used = re.findall(r"url\(([^)]+)\)", stylesheet.text)
    assert any("/assets/fonts/bold-" in path for path in used) and any("/assets/images/govuk-crest" in path for path in used)
    script = await client.get(next(path for path in linked_files(page.text) if "/init." in path))
    used += re.findall(r"from '([^']+)'", script.text)
    assert any("govuk-frontend.min." in path for path in used)
    for path in set(used):
        assert re.search(r"\.[0-9a-f]{12}\.[a-z0-9]+$", path), path
        response = await client.get(path)
        assert response.status_code == 200 and response.content, path
        assert cache_control(response) == FOR_EVER, path


async def test_the_plain_names_are_still_served_for_an_hour_and_an_earlier_deployments_name_is_redirected(client):
    plain = await client.get("/static/govuk/govuk-frontend.min.css")
    assert plain.status_code == 200 and ".govuk-" in plain.text
    assert cache_control(plain) == {"public", "max-age=3600"} and plain.headers["etag"]
    unchanged = await client.get("/static/govuk/govuk-frontend.min.css", headers={"If-None-Match": plain.headers["etag"]})
    assert unchanged.status_code == 304 and not unchanged.content
    earlier = await client.get("/static/govuk/govuk-frontend.min.0123456789ab.css")
    assert earlier.status_code == 302
    current = await client.get(earlier.headers["location"])
    assert current.status_code == 200 and current.content == plain.content and cache_control(current) == FOR_EVER
    assert (await client.get("/static/govuk/no-such-file.0123456789ab.css", headers=HTML)).status_code == 404


async def test_files_and_health_checks_set_no_cookie_but_a_page_with_a_form_sets_its_csrf_cookie(client):
    for path in ("/static/govuk/govuk-frontend.min.css", "/assets/images/favicon.ico", "/static/app/init.mjs", "/healthz", "/readyz"):
        client.cookies.clear()
        response = await client.get(path)
        assert response.status_code in (200, 503), path
        assert "set-cookie" not in response.headers, f"{path}: {response.headers.get('set-cookie')}"
    client.cookies.clear()
    sign_in = await client.get("/sign-in", headers=HTML)
    token = csrf_from(sign_in.text)
    assert token and sign_in.cookies.get("registry_csrf") == token


async def test_files_go_compressed_once_and_answer_head_without_a_body(client):
    brotli = await client.get("/static/govuk/govuk-frontend.min.js", headers={"Accept-Encoding": "br"})
    gzipped = await client.get("/static/govuk/govuk-frontend.min.js", headers={"Accept-Encoding": "gzip"})
    plain = await client.get("/static/govuk/govuk-frontend.min.js", headers={"Accept-Encoding": "identity"})
    assert brotli.headers["content-encoding"] == "br" and gzipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert brotli.content == gzipped.content == plain.content
    assert "Accept-Encoding" in brotli.headers["vary"]
    refused = await client.get("/static/govuk/govuk-frontend.min.js", headers={"Accept-Encoding": "br;q=0, gzip"})
    assert refused.headers["content-encoding"] == "gzip"
    head = await client.head("/static/govuk/govuk-frontend.min.js")
    assert head.status_code == 200 and not head.content and head.headers["etag"] == plain.headers["etag"]


async def test_addresses_where_there_is_no_file_are_not_kept(client):
    from registry.web import static

    for n in range(50):
        assert (await client.get(f"/static/app/no-such-file-{n}.css", headers=HTML)).status_code == 404
    assert not any("no-such-file" in path for path in static._current._files)
