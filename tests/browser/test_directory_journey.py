import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in


def test_anyone_finds_suppliers_by_filter_and_text_and_a_commissioner_sees_their_record(page: Page, live_server: str, screenshots):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Find suppliers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find suppliers")
    expect(page).to_have_url(re.compile(r"/suppliers\?seed=\d+$"))
    everyone = int(re.match(r"(\d+)", page.get_by_role("status").inner_text()).group(1))
    assert everyone > 1
    assert_accessible(page)

    page.get_by_role("checkbox", name=re.compile(r"Fife \(\d+\)")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"region=fife"))
    in_fife = int(re.match(r"(\d+)", page.get_by_role("status").inner_text()).group(1))
    assert 0 < in_fife < everyone
    expect(page.get_by_role("checkbox", name=re.compile(r"Fife \(\d+\)"))).to_be_checked()
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "directory-search.png"), full_page=True)

    page.get_by_label("Search suppliers").fill("x" * 201)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Search text must be 200 characters or fewer")
    assert_accessible(page)

    page.get_by_role("link", name="Clear filters").click()
    page.locator(".govuk-summary-card__title a").first.click()
    expect(page.get_by_role("heading", name="Appointed to")).to_be_visible()
    expect(page.get_by_text("Places left now")).to_have_count(0)
    assert_accessible(page)
    supplier_page = page.url

    sign_in(page, live_server, "commissioner@civic-participation.example")
    page.goto(supplier_page)
    expect(page.get_by_text("Places left now")).to_be_visible()
    assert_accessible(page)
