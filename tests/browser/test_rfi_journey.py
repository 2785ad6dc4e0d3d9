import re

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, sign_in

FRAMEWORK = "Public Participation Services Framework 2027"  # published in the demo data


def set_clock(live_server: str, moment: str | None) -> None:
    if moment is None:
        httpx.delete(f"{live_server}/_test/clock").raise_for_status()
    else:
        httpx.post(f"{live_server}/_test/clock", json={"now": moment}).raise_for_status()


def add_question(page: Page, text: str, kind: str, **extra: str) -> None:
    page.get_by_role("button", name="Add a question").click()
    if kind == "Short text":  # once is enough: the form is the same each time
        assert_accessible(page)
    page.get_by_label("Section").select_option(label="About your organisation")
    page.get_by_label("Question", exact=True).fill(text)
    page.get_by_label(kind, exact=True).check()
    for label, value in extra.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_role("heading", name=text)).to_be_visible()


def answer_as(browser: Browser, live_server: str, email: str, reference: str, *, draft_first: bool) -> str:
    page = browser.new_context().new_page()
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/frameworks/{reference}")
    page.get_by_role("link", name="Answer the request for information").click()
    assert_accessible(page)
    page.get_by_role("link", name="About your organisation").click()
    page.get_by_label("Who should we contact?").fill("A. Person")
    page.get_by_label("How many people work for you?").fill("12")
    if draft_first:
        page.get_by_role("button", name="Save as draft").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Your answers have been saved")
        expect(page.get_by_text("In progress")).to_be_visible()
        page.get_by_role("link", name="About your organisation").click()
        expect(page.get_by_label("How many people work for you?")).to_have_value("12")
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Select an answer")
        assert_accessible(page)
    page.get_by_label("Adults").check()
    page.get_by_label("Citizens' panels").check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    assert_accessible(page)
    page.get_by_role("button", name="Submit response").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Response submitted")
    assert_accessible(page)
    return page.locator(".govuk-panel strong").inner_text()


def publish_a_reasoned_response(page: Page, theme: str, heard: str, will_do: str) -> None:
    """From the officer's RFI page once it has closed: one theme of the reasoned response, published."""
    page.get_by_label("Question or theme").fill(theme)
    page.get_by_label("What we heard").fill(heard)
    page.get_by_label("What we will do and why").fill(will_do)
    page.get_by_role("button", name="Add to the reasoned response").click()
    page.get_by_role("button", name="Publish the reasoned response").click()
    expect(page.get_by_role("heading", name="What we heard and what we will do")).to_be_visible()
    expect(page.get_by_text(will_do)).to_be_visible()


def test_an_rfi_from_survey_to_reasoned_response(page: Page, browser: Browser, live_server: str):
    set_clock(live_server, "2027-02-01T09:00:00Z")
    try:
        sign_in(page, live_server, "officer@civic-participation.example")
        page.goto(live_server + "/manage/frameworks")
        page.get_by_role("row", name=re.compile(FRAMEWORK)).get_by_role("link").click()
        reference = page.url.rsplit("/", 1)[1]
        page.get_by_role("link", name="Prepare and open the request for information").click()
        assert_accessible(page)
        page.get_by_label("Survey title").fill("Shaping the participation framework")
        page.get_by_label("Introduction").fill("Tell us how the framework should work for you.")
        page.locator("#closes_on").fill("1")
        page.locator("#closes_on-month").fill("3")
        page.locator("#closes_on-year").fill("2027")
        page.get_by_label("Closing time").fill("17:00")
        page.get_by_role("button", name="Save and continue").click()
        page.get_by_label("Add a section").fill("About your organisation")
        page.get_by_role("button", name="Add the section").click()
        add_question(page, "Who should we contact?", "Short text")
        add_question(page, "How many people work for you?", "A number", **{"Smallest number allowed (number)": "1"})
        add_question(page, "Which lot suits you best?", "Choose one option", **{"Options (choose one, choose any)": "Adults\nChildren and young people\nDigital"})
        add_question(page, "Which methods do you use?", "Choose any options", **{"Options (choose one, choose any)": "Citizens' panels\nSurveys\nWorkshops"})
        add_question(page, "Are three lots the right number?", "Yes or no")
        assert_accessible(page)
        page.get_by_role("link", name="Preview the survey as suppliers see it").click()
        assert_accessible(page)
        page.go_back()
        page.get_by_role("button", name="Open the request for information").click()
        expect(page.locator("main .govuk-tag").first).to_have_text("Request for information open")

        first = answer_as(browser, live_server, "bids@commonground.example", reference, draft_first=True)
        second = answer_as(browser, live_server, "hello@voicestogether.example", reference, draft_first=False)
        assert first.startswith("RFI-") and second.startswith("RFI-") and first != second

        set_clock(live_server, "2027-03-01T17:05:00Z")
        sign_in(page, live_server, "officer@civic-participation.example")  # a month on, sessions have timed out
        page.goto(f"{live_server}/manage/frameworks/{reference}/rfi/analysis")
        expect(page.get_by_text("2 submitted responses")).to_be_visible()
        expect(page.locator("svg[role=img]").first).to_be_visible()
        assert_accessible(page)
        page.goto(f"{live_server}/manage/frameworks/{reference}/rfi")
        publish_a_reasoned_response(page, "The number of lots", "Both respondents think three lots are right.", "We will keep three lots.")
        assert_accessible(page)
    finally:
        set_clock(live_server, None)
