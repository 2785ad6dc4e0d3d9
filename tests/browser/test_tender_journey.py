"""From the assessment criteria to the opening of sealed tenders, in a real browser, as the people who
do it: an officer publishes the invitation to tender, a supplier asks a clarification question and
the officer publishes the answer, the supplier prepares and submits a tender and keeps the receipt,
and after the deadline two officers open the tenders."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_rfi_journey import set_clock

FRAMEWORK = "Youth Voice and Participation Framework 2027"  # its request for information has closed, in the demo data


def publish_the_invitation(page: Page, live_server: str) -> str:
    sign_in(page, live_server, "officer@civic-participation.example")
    page.goto(live_server + "/manage/frameworks")
    page.get_by_role("row", name=re.compile(FRAMEWORK)).get_by_role("link").click()
    reference = page.url.rsplit("/", 1)[1]
    page.get_by_role("link", name="Prepare and publish the invitation to tender").click()
    assert_accessible(page)
    page.get_by_role("link", name="Check the assessment criteria").click()
    expect(page.get_by_role("heading", name="Assessment criteria", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Change the weights together").click()
    page.get_by_label("Safeguarding in practice (every lot)").fill("40")
    page.get_by_role("button", name="Save weights").click()
    expect(page.locator(".govuk-error-summary")).to_be_hidden()
    expect(page.get_by_text("the quality weights add up to 110; they must add up to 100").first).to_be_visible()
    page.get_by_role("link", name="Change the weights together").click()
    page.get_by_label("Accessibility and inclusion (every lot)").fill("10")
    page.get_by_role("button", name="Save weights").click()
    assert_accessible(page)
    page.get_by_role("button", name="Continue to the invitation to tender").click()
    page.locator("#clarification_deadline").fill("25")
    page.locator("#clarification_deadline-month").fill("1")
    page.locator("#clarification_deadline-year").fill("2027")
    page.get_by_label("Clarification deadline: time").fill("17:00")
    page.locator("#tender_deadline").fill("20")
    page.locator("#tender_deadline-month").fill("1")
    page.locator("#tender_deadline-year").fill("2027")
    page.get_by_label("Tender deadline: time").fill("12:00")
    page.get_by_role("button", name="Publish the invitation to tender").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The tender deadline must be after the clarification deadline")
    expect(page.locator("#tender_deadline")).to_have_value("20")
    assert_accessible(page)
    page.locator("#tender_deadline").fill("1")
    page.locator("#tender_deadline-month").fill("2")
    page.get_by_role("button", name="Publish the invitation to tender").click()
    expect(page.locator("main .govuk-tag").first).to_have_text("Open for tenders")
    return reference


def ask_a_question(browser: Browser, live_server: str, reference: str) -> Page:
    page = browser.new_context().new_page()
    sign_in(page, live_server, "tenders@deliberata.example")
    page.goto(f"{live_server}/frameworks/{reference}")
    page.get_by_role("link", name="Ask a question or see your organisation's questions").click()
    page.get_by_label("Your question").fill("Can a tender for lot 1 include a partner organisation led by young people?")
    page.get_by_role("button", name="Send question").click()
    expect(page.get_by_text("Awaiting an answer")).to_be_visible()
    assert_accessible(page)
    return page


def answer_the_question(page: Page, live_server: str, reference: str) -> None:
    page.goto(f"{live_server}/manage/frameworks/{reference}/clarifications")
    expect(page.get_by_text("Deliberata Partners LLP")).to_be_visible()  # officers see who asked
    page.get_by_role("link", name=re.compile("^Q1")).click()
    assert_accessible(page)
    page.get_by_label("Answer", exact=True).fill("Yes. Name the partner and its role in your answer on approach.")
    page.get_by_role("button", name="Publish to all bidders").click()


def prepare_and_submit(page: Page, live_server: str, reference: str) -> str:
    page.goto(f"{live_server}/frameworks/{reference}")
    expect(page.get_by_text("Name the partner and its role")).to_be_visible()  # the published answer, for every bidder
    expect(page.get_by_text("Open for tenders until 1 February 2027, 12:00pm")).to_be_visible()
    expect(page.get_by_role("heading", name="How tenders will be assessed")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Prepare your tender").click()
    page.get_by_role("link", name="Start your tender for lot 1").click()
    expect(page.get_by_text("Cannot start yet")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Selection questions").click()
    expect(page.get_by_role("heading", name="Selection questions", level=1)).to_be_visible()  # before listing its groups
    for group in page.get_by_role("group").all():
        group.get_by_label("Yes", exact=True).check()
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()

    answers = {
        "Approach to participation with children and young people": "Young people co-design each panel with us and see in writing what changed because of them.",
        "Safeguarding in practice": "Every session has a named safeguarding lead and a quiet space.",
        "Accessibility and inclusion": "We budget for British Sign Language, easy read and travel for every participant.",
    }
    for title, text in answers.items():
        page.get_by_role("link", name=title).click()
        page.get_by_label(title).fill(text)
        if title.startswith("Approach"):
            assert_accessible(page)
        page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Price", exact=True).click()
    page.get_by_label("Price for the sample engagement").fill("-400")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The price cannot be negative")
    expect(page).to_have_title(re.compile("^Error: "))
    assert_accessible(page)
    page.get_by_label("Price for the sample engagement").fill("38,750")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Declarations").click()
    expect(page.get_by_role("heading", name="Declarations", level=1)).to_be_visible()  # before listing its checkboxes
    for checkbox in page.get_by_role("checkbox").all():
        checkbox.check()
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Check and submit").click()
    expect(page.get_by_text("£38,750.00")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Submit your tender").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Tender received")
    assert_accessible(page)
    return page.locator("main code").first.inner_text()


def open_the_tenders(page: Page, browser: Browser, live_server: str, reference: str, receipt_hash: str) -> None:
    sign_in(page, live_server, "officer@civic-participation.example")  # weeks on, sessions have timed out
    page.goto(f"{live_server}/manage/frameworks/{reference}/tenders")
    expect(page.get_by_role("row", name=re.compile("Lot 1"))).to_contain_text("1")
    page.get_by_role("button", name="Request the opening").click()
    expect(page.get_by_text("A different procurement officer must confirm it")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm the opening")).to_have_count(0)
    assert_accessible(page)

    second = browser.new_context().new_page()
    sign_in(second, live_server, "second.officer@civic-participation.example")
    second.goto(f"{live_server}/manage/frameworks/{reference}/tenders")
    second.get_by_role("button", name="Confirm the opening").click()
    second.get_by_role("link", name="Deliberata Partners LLP").click()
    expect(second.get_by_text("Young people co-design each panel")).to_be_visible()
    assert_accessible(second)
    second.go_back()
    second.get_by_role("link", name="Opening report (printable)").click()
    expect(second.locator("main")).to_contain_text(receipt_hash)
    assert_accessible(second)


def test_from_the_invitation_to_tender_to_the_opening(page: Page, browser: Browser, live_server: str):
    set_clock(live_server, "2027-01-11T09:00:00Z")
    try:
        reference = publish_the_invitation(page, live_server)
        supplier = ask_a_question(browser, live_server, reference)
        answer_the_question(page, live_server, reference)
        receipt_hash = prepare_and_submit(supplier, live_server, reference)
        assert re.fullmatch(r"[0-9a-f]{64}", receipt_hash)
        set_clock(live_server, "2027-02-01T12:05:00Z")
        open_the_tenders(page, browser, live_server, reference, receipt_hash)
    finally:
        set_clock(live_server, None)
