import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible


def test_start_page_is_styled_accessible_and_its_links_work(page: Page, live_server: str, screenshots):
    page.goto(live_server + "/")
    expect(page).to_have_title("Run and use a participation services framework – Participation Framework Registry")
    expect(page.get_by_role("heading", level=1)).to_have_text("Run and use a participation services framework")
    # GOV.UK Frontend's stylesheet is applied (the heading's size and weight come only from it) and its script ran.
    expect(page.get_by_role("heading", level=1)).to_have_css("font-weight", "700")
    expect(page.get_by_role("heading", level=1)).to_have_css("font-size", "48px")
    expect(page.locator("body")).to_have_class(re.compile(r"govuk-frontend-supported"))
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "start-page.png"), full_page=True)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/#main-content")

    page.goto(live_server + "/frameworks-that-do-not-exist")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
    page.get_by_role("link", name="Go to the start page").click()
    expect(page).to_have_url(live_server + "/")
