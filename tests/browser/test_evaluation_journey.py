"""From independent scoring to the appointment of suppliers, in a real browser: in the demo data the
Deliberative Democracy Framework is in evaluation, with one evaluator's scores submitted. Two evaluators
score, an officer reviews the conflicts assessment at the moderation stage (with the second evaluator's
declaration in it), moderates and proposes, another approves, bidders read their debriefs, and after
the standstill the suppliers are appointed and shown on the public page."""

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import assert_accessible, set_clock, sign_in

FRAMEWORK = "Deliberative Democracy Framework 2027"
BIDDERS = ("Common Ground Engagement Ltd", "Deliberata Partners LLP", "Voices Together CIC")
INSURANCE = "Do you hold public liability insurance of at least £5 million?"
DESIGN = "Designing and running a citizens' assembly"
RECRUITMENT = "Recruiting a representative membership"


def mark(page: Page | Locator, criterion: str, value: str, reason: str, reason_label: str = "Reason") -> None:
    page.get_by_role("group", name=criterion).locator(f"input[value='{value}']").check()
    page.get_by_label(f"{reason_label}: {criterion}").fill(reason)


def save_consensus(page: Page, bidder: str, marks: dict[str, str]) -> None:
    """The moderating officer's consensus mark, with its rationale, on each criterion of one bidder's
    tender, on that tender's own page: one form a page, so nothing typed for another tender is lost."""
    if page.get_by_role("heading", level=1).inner_text() != bidder:
        back = page.get_by_role("link", name=re.compile("^Back to the tenders in lot"))
        if back.count():
            back.click()
        page.get_by_role("link", name=bidder, exact=True).click()
    expect(page.get_by_role("button", name=re.compile("^Save the consensus for"))).to_have_count(1)
    for criterion, value in marks.items():
        mark(page, criterion, value, f"The panel agreed {value}.", reason_label="Rationale")
    page.get_by_role("button", name=f"Save the consensus for {bidder}").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Consensus saved for {bidder}")


def second_evaluator_scores(browser: Browser, live_server: str) -> str:
    page = browser.new_context().new_page()
    sign_in(page, live_server, "evaluator.two@civic-participation.example")
    page.get_by_role("link", name="Your evaluations").click()
    page.get_by_role("row", name=re.compile("Deliberative Democracy Framework 2027")).get_by_role("link").click()
    reference = page.locator(".govuk-caption-l").inner_text().split(" ")[0]
    expect(page.get_by_text("Deliberata Partners LLP")).to_be_visible()  # the bidders, before any tender is shown
    page.get_by_role("button", name="Make the declaration").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say whether you have a conflict of interest")
    assert_accessible(page)
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_role("button", name="Make the declaration").click()
    assert_accessible(page)
    scores = {BIDDERS[0]: ("4", "3"), BIDDERS[1]: ("2", "3"), BIDDERS[2]: ("3", "1")}
    for bidder, (design, recruitment) in scores.items():
        page.get_by_role("link", name=bidder).click()
        if bidder == BIDDERS[0]:
            expect(page.get_by_text("over four weekends")).to_be_visible()
            page.get_by_role("button", name="Submit your marks").click()
            expect(page.locator(".govuk-error-summary")).to_contain_text("choose pass or fail")
            assert_accessible(page)
        mark(page, INSURANCE, "pass", "Insurer named in the tender.")
        mark(page, DESIGN, design, f"Scored {design} against the guidance.")
        mark(page, RECRUITMENT, recruitment, f"Scored {recruitment} against the guidance.")
        page.get_by_role("button", name="Submit your marks").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Check your marks for {bidder}")  # final: checked first
        page.get_by_role("button", name="Submit your marks").click()
    expect(page.locator(".govuk-task-list__status", has_text="Submitted")).to_have_count(3)
    expect(page.locator(".govuk-panel")).to_contain_text("Every tender is marked")
    return reference


def review_the_conflicts_assessment(page: Page, evaluators: tuple[str, ...]) -> None:
    """From the framework's task list at the moderation stage: the award decision waits for an officer's
    review of the conflicts assessment at this stage (Procurement Act 2023 s.83(5); PCSR 2015 reg. 24),
    with the evaluators' declarations in it. Back on the task list, nothing of it blocks the award."""
    waiting = page.locator("main li", has_text=re.compile(r"Review the conflicts assessment and confirm it at this stage \(moderation\)"))
    expect(waiting).to_have_count(1)
    page.get_by_role("link", name="Conflicts assessment", exact=True).click()
    for name in evaluators:
        expect(page.locator("#people tr", has_text=name)).to_contain_text("Lot 1 panel: no conflict with the bidders")
    confirmed = page.locator(".govuk-inset-text")
    before = confirmed.inner_text()
    page.get_by_role("button", name="Confirm the assessment reviewed").click()
    expect(confirmed).not_to_have_text(before)  # confirmed now
    expect(confirmed).to_contain_text("Last confirmed")
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_role("link", name=re.compile("^Evaluation panels"))).to_be_visible()
    expect(waiting).to_have_count(0)


def officer_moderates(page: Page, live_server: str, reference: str) -> None:
    sign_in(page, live_server, "officer@civic-participation.example")
    page.goto(f"{live_server}/manage/frameworks/{reference}")
    page.get_by_role("button", name="Start moderation").click()
    expect(page.locator("main .govuk-tag").first).to_have_text("Moderation")
    review_the_conflicts_assessment(page, ("Tomasz Nowak",))
    page.get_by_role("link", name=re.compile("^Evaluation panels")).click()
    page.get_by_role("link", name="Moderate lot 1").click()
    expect(page.get_by_text("Discuss").first).to_be_visible()  # the evaluators differ by 2 on a design score
    assert_accessible(page)
    consensus = {BIDDERS[0]: ("4", "3"), BIDDERS[1]: ("3", "3"), BIDDERS[2]: ("3", "1")}
    for bidder, (design, recruitment) in consensus.items():
        save_consensus(page, bidder, {INSURANCE: "pass", DESIGN: design, RECRUITMENT: recruitment})
    page.get_by_role("button", name="Complete moderation of lot 1").click()
    expect(page.get_by_text("The consensus marks become final")).to_be_visible()  # the check before it cannot be undone
    page.get_by_role("button", name="Complete moderation of lot 1").click()
    expect(page.get_by_text("Moderation of this lot was completed")).to_be_visible()
    assert_accessible(page)


def officers_propose_and_approve(page: Page, browser: Browser, live_server: str, reference: str) -> None:
    page.goto(f"{live_server}/manage/frameworks/{reference}/award")
    page.get_by_role("link", name="Results and proposal for lot 1").click()
    expect(page.locator("main")).to_contain_text("Voices Together CIC")  # excluded: a score under the minimum
    assert_accessible(page)
    page.get_by_role("button", name="Propose these suppliers").click()
    expect(page.get_by_text("You proposed this award, so a different procurement officer must approve it")).to_be_visible()
    withhold_a_sensitive_reason(page)

    second = browser.new_context().new_page()
    sign_in(second, live_server, "second.officer@civic-participation.example")
    second.goto(f"{live_server}/manage/frameworks/{reference}/award/lots/1")
    second.get_by_role("button", name="Approve the proposal for lot 1").click()
    expect(second.locator("main .govuk-tag").first).to_be_visible()
    assert_accessible(second)
    second.get_by_role("button", name="Notify bidders and start the standstill period").click()
    expect(second.get_by_text("You can appoint the suppliers once the standstill period has ended")).to_be_visible()
    assert_accessible(second)


SENSITIVE = "It names the venue hire rates Deliberata negotiated, which its competitors would use"


def withhold_a_sensitive_reason(page: Page) -> None:
    """Before the letters go, the officer withholds the reasons on one criterion for a supplier to be
    appointed (Scotland: PCSR 2015 reg. 56(4)); without a reason it is refused, the choice kept."""
    part = page.get_by_label(re.compile(re.escape(f"Deliberata Partners LLP: the reasoning on “{DESIGN}”")))
    part.check()
    page.get_by_role("button", name="Withhold from the letters").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why disclosing it would prejudice the supplier's commercial interests")
    expect(page.get_by_label(re.compile(re.escape(f"Deliberata Partners LLP: the reasoning on “{DESIGN}”")))).to_be_checked()
    assert_accessible(page)
    page.get_by_label("Why disclosing it would prejudice the supplier's commercial interests").fill(SENSITIVE)
    page.get_by_role("button", name="Withhold from the letters").click()
    expect(page.locator("main")).to_contain_text(f"Withheld: commercially sensitive ({SENSITIVE})")


def bidders_read_their_debriefs(browser: Browser, live_server: str, reference: str) -> None:
    for email, expected in (("hello@voicestogether.example", "Outcome: Excluded"), ("bids@commonground.example", "Outcome: Successful")):
        page = browser.new_context().new_page()
        sign_in(page, live_server, email)
        page.goto(f"{live_server}/frameworks/{reference}/debrief/1")
        expect(page.locator("main")).to_contain_text(expected)
        if expected == "Outcome: Excluded":  # its letter gives the successful tenders' reasons, the withheld one replaced
            expect(page.locator("main")).to_contain_text(f"Withheld: commercially sensitive ({SENSITIVE})")
        assert_accessible(page)


def officer_appoints(page: Page, live_server: str, reference: str) -> None:
    sign_in(page, live_server, "officer@civic-participation.example")  # weeks on, sessions have timed out
    page.goto(f"{live_server}/manage/frameworks/{reference}/award")
    page.get_by_role("button", name="Appoint the suppliers").click()
    expect(page.locator("main .govuk-tag").first).to_have_text("Live")
    page.goto(f"{live_server}/frameworks/{reference}")
    expect(page.locator("main")).to_contain_text("Common Ground Engagement Ltd")
    expect(page.locator("main")).to_contain_text("Deliberata Partners LLP")
    assert_accessible(page)


def test_from_independent_scores_to_appointment(page: Page, browser: Browser, live_server: str):
    set_clock(live_server, None)  # the demo data's own dates: evaluation started 58 days ago
    reference = second_evaluator_scores(browser, live_server)
    officer_moderates(page, live_server, reference)
    officers_propose_and_approve(page, browser, live_server, reference)
    bidders_read_their_debriefs(browser, live_server, reference)
    set_clock(live_server, (datetime.now(UTC) + timedelta(days=30)).isoformat())  # past the standstill period
    try:
        officer_appoints(page, live_server, reference)
    finally:
        set_clock(live_server, None)
