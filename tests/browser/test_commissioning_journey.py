"""A commissioner finds suppliers in the directory, writes a brief, runs a mini-competition that two
appointed suppliers answer, awards it, and records delivery and a review that the supplier reads:
on the demo data's live framework, in a real browser, checked by axe-core at each step."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, set_clock, sign_in

COMMISSIONER = "commissioner@civic-participation.example"
THISTLE = ("team@thistleyouth.example", "Thistle Youth Voice CIC")
HEARTH = ("office@hearthandharbour.example", "Hearth and Harbour Community Trust")
TITLE = "Young carers' views on school support"


def commissioner_finds_a_supplier(page: Page, live_server: str) -> None:
    sign_in(page, live_server, COMMISSIONER)
    page.get_by_role("link", name="Find suppliers").click()
    page.get_by_role("checkbox", name=re.compile(r"^Stirling \(\d+\)$")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Children and young people \(\d+\)$")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"region=stirling"))
    expect(page).to_have_url(re.compile(r"group=children-and-young-people"))
    results = page.locator(".govuk-summary-card__title a")
    expect(results).to_have_count(1)
    expect(results).to_have_text(THISTLE[1])
    assert_accessible(page)
    results.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(THISTLE[1])
    expect(page.get_by_text("Places left now")).to_be_visible()
    assert_accessible(page)


def commissioner_writes_a_brief_and_invites(page: Page, live_server: str, deadline: datetime) -> str:
    page.get_by_role("link", name="Commissioning").click()
    page.get_by_role("button", name="Create a brief").click()
    page.get_by_role("button", name="Save the brief").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the framework and lot")
    assert_accessible(page)
    page.get_by_role("radio", name=re.compile(r"lot 2: Children and young people's participation")).check()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Objectives").fill("Hear from young carers aged 11 to 18 about the support their schools give them.")
    page.locator("input[name=groups][value=children-and-young-people]").check()
    page.locator("input[name=groups][value=unpaid-carers]").check()
    page.get_by_label("Budget (optional)").fill("30000")
    page.get_by_role("button", name="Save the brief").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    reference = page.locator(".govuk-caption-l").first.inner_text().split(":")[0].strip()
    assert_accessible(page)

    page.get_by_role("link", name="Set up a mini-competition").click()
    page.locator("#criterion_1_source").select_option(label="Approach to inclusive engagement")
    page.locator("#criterion_1_name").fill("Approach to involving young carers")
    page.locator("#criterion_1_weight").fill("56")
    page.locator("#criterion_2_source").select_option(label="Team and experience")
    page.locator("#criterion_2_name").fill("Experience with young people")
    page.locator("#criterion_2_weight").fill("24")
    page.locator("#price_weight").fill("20")
    local = deadline.astimezone(ZoneInfo("Europe/London"))
    page.locator("#deadline").fill(str(local.day))
    page.locator("#deadline-month").fill(str(local.month))
    page.locator("#deadline-year").fill(str(local.year))
    page.locator("#deadline_time").fill(local.strftime("%H:%M"))
    assert_accessible(page)
    page.get_by_role("button", name="Save the mini-competition").click()
    page.get_by_role("button", name=re.compile(r"^Invite the \d+ appointed suppliers$")).click()
    expect(page.locator("main")).to_contain_text("Responses are sealed until the deadline")
    assert_accessible(page)
    return reference


def supplier_responds(browser: Browser, live_server: str, reference: str, email: str, proposal: str, price: str) -> None:
    page = browser.new_context().new_page()
    sign_in(page, live_server, email)
    page.get_by_role("link", name="Your engagements").click()
    page.get_by_role("link", name=reference, exact=True).click()
    assert_accessible(page)
    page.get_by_label("Your proposal").fill(proposal)
    page.get_by_label("Your price").fill(price)
    page.get_by_role("button", name=re.compile(r"^Submit your")).click()
    expect(page.locator("main")).to_contain_text(proposal)
    page.context.close()


def commissioner_scores_and_awards(page: Page, live_server: str, reference: str) -> None:
    sign_in(page, live_server, COMMISSIONER)  # a week on: the session has timed out
    page.goto(f"{live_server}/commissioning/{reference}")
    page.get_by_role("link", name="Score the responses and award").click()
    assert_accessible(page)
    responses = page.url
    for name, scores in ((THISTLE[1], ("5", "4")), (HEARTH[1], ("3", "3"))):
        page.goto(responses)
        page.get_by_role("link", name=name, exact=True).click()  # each response on its own page, with its one form
        expect(page.get_by_role("button", name=re.compile("^Save the scores for"))).to_have_count(1)
        if name == THISTLE[1]:
            expect(page.locator("main")).to_contain_text("Young carers' groups in every school")
            assert_accessible(page)
        fields = page.get_by_role("textbox", name=re.compile(f"^Score for {name}"))
        for field, score in zip(fields.all(), scores, strict=True):
            field.fill(score)
        page.get_by_role("button", name=f"Save the scores for {name}").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Scores saved for {name}")
    expect(page.get_by_role("table", name="Ranking")).to_contain_text(THISTLE[1])
    page.get_by_role("radio", name=re.compile(f"^{THISTLE[1]} \\(ranked 1")).check()
    page.get_by_role("button", name="Award the engagement").click()
    expect(page.locator("main")).to_contain_text("An award cannot be undone")  # the check first
    assert_accessible(page)
    page.get_by_role("button", name="Award the engagement").click()
    expect(page.locator("main")).to_contain_text("Awarded")
    assert_accessible(page)


def commissioner_records_delivery_and_review(page: Page) -> None:
    page.get_by_role("button", name="Start delivery").click()
    page.get_by_role("button", name="Record completion").click()
    page.get_by_label("Children and young people").fill("46")
    page.get_by_label("Unpaid carers").fill("-3")
    page.get_by_label("Deliverables").fill("Six school focus groups and a report with young carers' recommendations.")
    page.get_by_role("button", name="Record completion").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("Deliverables")).to_have_value("Six school focus groups and a report with young carers' recommendations.")
    assert_accessible(page)
    page.get_by_label("Unpaid carers").fill("31")
    page.get_by_role("button", name="Record completion").click()
    review_the_supplier(page, "Young carers shaped the questions and the report; schools have acted on it.")


def review_the_supplier(page: Page, comments: str) -> None:
    """From a completed engagement's page: rate the supplier on each measure and comment."""
    page.get_by_role("button", name="Review the supplier's performance").click()
    for legend, rating in (("Quality", "5"), ("Timeliness", "4"), ("Inclusion", "5"), ("Value for money", "4")):
        page.get_by_role("group", name=legend).get_by_label(rating, exact=True).check()
    page.get_by_label("Comments").fill(comments)
    assert_accessible(page)
    page.get_by_role("button", name="Save the review").click()
    expect(page.locator("main")).to_contain_text(comments)


def supplier_reads_the_review(browser: Browser, live_server: str, reference: str) -> None:
    page = browser.new_context().new_page()
    sign_in(page, live_server, THISTLE[0])
    page.goto(f"{live_server}/organisation/engagements/{reference}")
    expect(page.locator("main")).to_contain_text("Young carers shaped the questions")
    assert_accessible(page)
    page.get_by_label("Reply to the review").fill("Thank you: the young carers were proud to see the schools act.")
    page.get_by_role("button", name="Send your reply").click()
    expect(page.locator("main")).to_contain_text("the young carers were proud")
    page.context.close()


def test_a_commissioner_finds_commissions_and_reviews_a_supplier(page: Page, browser: Browser, live_server: str, screenshots):
    set_clock(live_server, None)
    deadline = (datetime.now(UTC) + timedelta(days=7)).replace(hour=12, minute=0, second=0, microsecond=0)
    try:
        commissioner_finds_a_supplier(page, live_server)
        reference = commissioner_writes_a_brief_and_invites(page, live_server, deadline)
        supplier_responds(browser, live_server, reference, THISTLE[0], "Young carers' groups in every school, run by young facilitators.", "28500")
        supplier_responds(browser, live_server, reference, HEARTH[0], "A creative programme with young carers over six weeks.", "27000")
        set_clock(live_server, (deadline + timedelta(hours=1)).isoformat())
        commissioner_scores_and_awards(page, live_server, reference)
        commissioner_records_delivery_and_review(page)
        supplier_reads_the_review(browser, live_server, reference)
    except Exception:
        page.screenshot(path=str(screenshots / "commissioning-journey-failure.png"), full_page=True)
        raise
    finally:
        set_clock(live_server, None)
