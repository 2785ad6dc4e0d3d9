"""The pages about the service: the accessibility statement, privacy, cookies and feedback, linked
from every page, and the landmarks every page has."""

import re

from registry.notifications.tables import Notification
from tests.support import csrf_from, post_form

FOOTER_LINKS = {"/accessibility": "Accessibility statement", "/privacy": "Privacy", "/cookies": "Cookies", "/feedback": "Feedback"}


async def test_every_page_has_header_main_and_footer_landmarks_and_links_to_the_pages_about_the_service(client, database):
    for path in ("/", "/frameworks", "/sign-in"):
        page = (await client.get(path)).text
        assert re.search(r"<header[ >]", page) and re.search(r"<main[ >]", page) and re.search(r"<footer[ >]", page), path
        footer = page[page.index("<footer"):]
        for href, text in FOOTER_LINKS.items():
            assert f'href="{href}">{text}</a>' in footer, (path, href)
        assert 'href="/feedback">feedback</a>' in page, "the Beta banner links to the feedback form"


async def test_the_accessibility_statement_says_how_the_service_was_tested_and_how_to_report_a_problem(client, database, settings):
    page = (await client.get("/accessibility")).text
    assert "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018" in page
    assert "axe-core" in page and "320 CSS pixels" in page and "by keyboard" in page
    assert f"mailto:{settings.support_email}" in page and 'href="/feedback?from=/accessibility"' in page
    assert "Equality Advisory and Support Service" in page


async def test_the_cookies_page_names_each_cookie_the_service_sets(client, database):
    page = (await client.get("/cookies")).text
    sign_in_page = await client.get("/sign-in")
    for cookie in sign_in_page.cookies:
        assert cookie in page, cookie
    assert "registry_session" in page and "30 minutes" in page


async def test_feedback_is_checked_kept_as_typed_and_sent_to_the_team(client, database, settings):
    form = await client.get("/feedback", headers={"Referer": "http://testserver.local/frameworks"})
    assert 'name="page" value="/frameworks"' in form.text  # the page the visitor came from
    empty = await post_form(client, "/feedback", {"doing": "Looking for a framework", "email": "not an address", "page": "/frameworks"})
    assert empty.status_code == 400 and "Tell us what went wrong or what could be better" in empty.text
    assert "Enter an email address in the correct format" in empty.text and "Looking for a framework" in empty.text
    sent = await client.post("/feedback", data={
        "_csrf_token": csrf_from(empty.text), "doing": "Looking for a framework", "feedback": "The search box is hard to find", "email": "", "page": "/frameworks",
    })
    assert sent.status_code == 200 and "Thank you for your feedback" in sent.text
    message = await Notification.objects().where(Notification.recipient == settings.support_email).first()
    assert "The search box is hard to find" in message.body and "Page: /frameworks" in message.body
