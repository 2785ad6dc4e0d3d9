"""The whole life of a new framework, in a real browser, as the people who do each step: an officer
creates it with two lots and publishes its prior information notice; three suppliers register
interest and answer the request for information (the first saves a draft and comes back to it),
whose answers the officer reads in charts before publishing a reasoned response; the officer
records each officer's declaration of interests in the conflicts assessment and confirms it, then
publishes the assessment criteria and the invitation to tender; a supplier asks a clarification
question that the officer answers for every bidder; the suppliers submit sealed tenders; past the
deadline (the server's test clock) two officers open them, two evaluators score them on their own,
the officer reviews the conflicts assessment at the moderation stage, moderates, proposes and a second officer approves and notifies the bidders (the one that
missed out reads its debrief); after the standstill the suppliers are appointed and the framework is
live (every official signs in with a code from their authenticator app after the password, computed
from the demo's fixed secret). A commissioner then finds an appointed supplier, awards it an engagement directly and sees it
through delivery to completion and a review, which the supplier answers; and the public open data
shows the framework's award and the engagement (its own contracting process, related to the
framework's) completed.

Every step is the user interface a person uses (forms, links, buttons), checked by axe-core on each
kind of page the first time it is seen. On the way, people make the mistakes forms must catch:
required RFI answers left out, quality weights that do not add up to 100, a tender deadline before
the clarification deadline, a negative price. On failure the stage's page is saved as
test-results/screenshots/lifecycle-<engine>-<nn>-<stage>.png."""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import add_question, assert_accessible, publish_a_reasoned_response, set_clock, sign_in
from tests.browser.test_evaluation_journey import mark, review_the_conflicts_assessment, save_consensus
from tests.browser.test_commissioning_journey import review_the_supplier

LONDON = ZoneInfo("Europe/London")
OFFICER = "officer@civic-participation.example"
SECOND_OFFICER = "second.officer@civic-participation.example"
OFFICERS = ("Aileen Murray", "Rahul Mehta")  # the authority's procurement officers: each acts in its procurements
EVALUATORS = {
    "evaluator.one@civic-participation.example": "Fiona Campbell",
    "evaluator.two@civic-participation.example": "Tomasz Nowak",
}
COMMISSIONER = "commissioner@civic-participation.example"
COMMON_GROUND = ("bids@commonground.example", "Common Ground Engagement Ltd")
VOICES = ("hello@voicestogether.example", "Voices Together CIC")
DELIBERATA = ("tenders@deliberata.example", "Deliberata Partners LLP")
SUPPLIERS = (COMMON_GROUND, VOICES, DELIBERATA)

LOTS = (("Community conversations", "Face-to-face engagement with communities across Scotland", "2"),
        ("Digital participation", "Online consultation and participation platforms", "3"))
SELECTION = "Public liability insurance of at least £5 million"
REACH = "Reaching seldom-heard groups"
VALUE = "Social value in the community"
PRICE = "Price for the sample engagement"
# Each bidder's answers and price, and the evaluators' marks (reach, value): Common Ground ranks first,
# Voices Together second, Deliberata third, outside lot 1's two places. The evaluators differ by 2
# on Deliberata's reach, for the panel to discuss.
TENDERS = {
    COMMON_GROUND[1]: ("Panels recruited in every island community, with travel and care costs paid.", "40000"),
    VOICES[1]: ("Peer researchers with lived experience lead every conversation, in BSL and Easy Read.", "36000"),
    DELIBERATA[1]: ("Sortition-recruited assemblies, facilitated in five community languages.", "45000"),
}
MARKS = {
    "evaluator.one@civic-participation.example": {COMMON_GROUND[1]: ("4", "3"), VOICES[1]: ("3", "3"), DELIBERATA[1]: ("2", "2")},
    "evaluator.two@civic-participation.example": {COMMON_GROUND[1]: ("4", "3"), VOICES[1]: ("3", "2"), DELIBERATA[1]: ("4", "2")},
}
CONSENSUS = {COMMON_GROUND[1]: ("4", "3"), VOICES[1]: ("3", "3"), DELIBERATA[1]: ("2", "2")}


class Journey:
    """The shared state of the walk: the live server, the dates, a browser of their own for each person
    (signed in again only once the clock has moved past their session), and numbered stages that keep
    a screenshot of the page when they fail."""

    def __init__(self, browser: Browser, officer: Page, live_server: str, engine: str, screenshots: Path) -> None:
        self.browser, self.live_server = browser, live_server
        self.engine, self.screenshots = engine, screenshots
        self.pages: dict[str, Page] = {OFFICER: officer}
        self.signed_in: dict[str, int] = {}  # each person's sign-in, by the clock's epoch
        self.epoch = 0  # moved on by each jump of the clock: every session has timed out
        self.stage_number = 0
        suffix = uuid.uuid4().hex[:6]
        self.title = f"Lifecycle participation framework {suffix}"
        self.engagement_title = f"Island voices on ferry timetables {suffix}"
        self.reference = ""
        today = datetime.now(UTC).astimezone(LONDON).date()
        self.rfi_closes = at_london(today + timedelta(days=7), time(17, 0))
        self.clarification_deadline = at_london(today + timedelta(days=14), time(17, 0))
        self.tender_deadline = at_london(today + timedelta(days=40), time(12, 0))  # over the 30 days PCSR 2015 reg. 28 asks after the ITT (day 7)
        self.start_date = (today + timedelta(days=120)).replace(day=1)

    def page_of(self, email: str) -> Page:
        if email not in self.pages:
            self.pages[email] = self.browser.new_context().new_page()
        page = self.pages[email]
        if self.signed_in.get(email) != self.epoch:
            entered_a_code = sign_in(page, self.live_server, email)  # officials: the password, then their app's code
            assert entered_a_code == (email not in {supplier for supplier, _ in SUPPLIERS}), email
            expect(page.get_by_role("heading", level=1)).to_have_text("Your home")  # each role lands on its next steps
            expect(page.get_by_role("link", name="Sign out")).to_be_visible()
            self.signed_in[email] = self.epoch
        return page

    @contextmanager
    def stage(self, name: str, email: str | None) -> Iterator[Page]:
        """A numbered stage, acted by `email` in their own browser, or by the public (no one signed in)."""
        self.stage_number += 1
        started = monotonic()
        public = self.browser.new_context().new_page() if email is None else None
        try:
            yield public if public is not None else self.page_of(email)
        except BaseException:
            page = public if public is not None else self.pages.get(email)
            path = self.screenshots / f"lifecycle-{self.engine}-{self.stage_number:02d}-{name}.png"
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(path), full_page=True)
            except Exception:  # the page may be gone: the original failure is what matters
                pass
            raise
        finally:
            if public is not None:
                public.context.close()
            print(f"stage {self.stage_number:02d} {name}: {monotonic() - started:.1f}s")

    def close(self) -> None:
        for email, page in self.pages.items():
            if email != OFFICER:  # the officer's is the test's own page, which pytest-playwright closes
                page.context.close()

    def url(self, path: str) -> str:
        return self.live_server + path

    def move_clock(self, moment: datetime) -> None:
        set_clock(self.live_server, moment.astimezone(UTC).isoformat())
        self.epoch += 1


def at_london(day: date, clock_time: time) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=LONDON)


def fill_date(page: Page, first_id: str, moment: date) -> None:
    """A GOV.UK date input whose day field has the id `first_id` (month and year follow its pattern)."""
    page.locator(f"#{first_id}").fill(str(moment.day))
    page.locator(f"#{first_id}-month").fill(str(moment.month))
    page.locator(f"#{first_id}-year").fill(str(moment.year))


def stage_tag(page: Page):
    return page.locator("main .govuk-tag").first


# --- The framework and its notice -----------------------------------------------------------------


def officer_creates_and_publishes(journey: Journey, page: Page) -> None:
    page.get_by_role("link", name="Manage frameworks").click()
    assert_accessible(page)
    page.get_by_role("button", name="Create a framework").click()
    page.get_by_label("Title").fill(journey.title)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(journey.title)
    expect(page.get_by_text("Cannot start yet").first).to_be_visible()  # the notice waits for the details and lots
    journey.reference = page.url.rsplit("/", 1)[1]
    assert_accessible(page)

    page.get_by_role("link", name="Framework details").click()
    page.get_by_label("Summary").fill("Engagement with communities and seldom-heard groups, in person and online")
    page.get_by_label("Description").fill("Suppliers will design and run participation for the Department's policy teams.")
    page.get_by_label("Estimated value").fill("2,400,000")
    fill_date(page, "start_date", journey.start_date)
    page.get_by_label("Duration").fill("60")
    page.get_by_label("Direct award").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("A framework can last at most 48 months")
    expect(page.get_by_label("Estimated value")).to_have_value("2,400,000")  # what was typed is kept
    assert_accessible(page)
    page.get_by_label("Duration").fill("36")
    page.get_by_role("button", name="Save and continue").click()

    for number, (title, scope, most) in enumerate(LOTS, start=1):
        page.get_by_role("link", name=re.compile("Add (the first|a) lot")).click()
        page.get_by_label("Title").fill(title)
        page.get_by_label("Scope").fill(scope)
        page.get_by_label("Most suppliers to appoint").fill(most)
        if number == 1:
            assert_accessible(page)
        page.get_by_role("button", name="Save lot").click()
        expect(page.get_by_role("link", name=f"Lot {number}: {title}")).to_be_visible()
    page.get_by_role("link", name="Check and publish the prior information notice").click()
    expect(page.get_by_text("£2,400,000")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Publish the notice").click()
    expect(stage_tag(page)).to_have_text("Prior information notice")


def supplier_registers_interest(journey: Journey, page: Page, *, first: bool) -> None:
    if first:  # as a person would find it: from the list of frameworks
        page.get_by_role("link", name="Frameworks", exact=True).click()
        page.get_by_label("Search").fill(journey.title)
        page.get_by_role("button", name="Apply filters").click()
        page.get_by_role("link", name=journey.title).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(journey.title)
        expect(page.get_by_text(f"Lot 2: {LOTS[1][0]}")).to_be_visible()
        assert_accessible(page)
    else:
        page.goto(journey.url(f"/frameworks/{journey.reference}"))
    page.get_by_role("button", name="Register interest").click()
    page.get_by_label("All lots").check()
    if first:
        assert_accessible(page)
    page.get_by_role("button", name="Register interest").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("interest is registered")


# --- The request for information ------------------------------------------------------------------


def officer_opens_the_rfi(journey: Journey, page: Page) -> None:
    page.goto(journey.url(f"/manage/frameworks/{journey.reference}"))
    page.get_by_role("link", name="Prepare and open the request for information").click()
    page.get_by_label("Survey title").fill("Shaping the lifecycle framework")
    page.get_by_label("Introduction").fill("Tell us how the framework should work for you.")
    fill_date(page, "closes_on", journey.rfi_closes.date())
    page.get_by_label("Closing time").fill("17:00")
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Add a section").fill("About your organisation")
    page.get_by_role("button", name="Add the section").click()
    add_question(page, "Who should we contact?", "Short text")
    add_question(page, "How many people work for you?", "A number", **{"Smallest number allowed (number)": "1"})
    add_question(page, "Which methods do you use?", "Choose any options", **{"Options (choose one, choose any)": "Citizens' panels\nSurveys\nWorkshops"})
    add_question(page, "Are two lots the right number?", "Yes or no")
    assert_accessible(page)
    page.get_by_role("link", name="Preview the survey as suppliers see it").click()
    expect(page.get_by_text("Which methods do you use?").first).to_be_visible()
    assert_accessible(page)
    page.go_back()
    page.get_by_role("button", name="Open the request for information").click()
    expect(stage_tag(page)).to_have_text("Request for information open")


def supplier_answers_the_rfi(journey: Journey, page: Page, contact: str, *, first: bool) -> str:
    """Answers and submits the RFI; the first supplier saves a draft first, comes back to it and
    leaves required answers out. Returns the response's reference."""
    page.goto(journey.url(f"/frameworks/{journey.reference}"))
    page.get_by_role("link", name="Answer the request for information").click()
    if first:
        assert_accessible(page)
    page.get_by_role("link", name="About your organisation").click()
    page.get_by_label("Who should we contact?").fill(contact)
    page.get_by_label("How many people work for you?").fill("12")
    if first:
        assert_accessible(page)
        page.get_by_role("button", name="Save as draft").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Your answers have been saved")
        expect(page.get_by_text("In progress")).to_be_visible()
        page.get_by_role("link", name="About your organisation").click()
        expect(page.get_by_label("How many people work for you?")).to_have_value("12")
        page.get_by_role("button", name="Save and continue").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text(re.compile("select at least one option", re.IGNORECASE))  # each names its question
        expect(summary).to_contain_text(re.compile("select an answer", re.IGNORECASE))
        assert_accessible(page)
    page.get_by_label("Citizens' panels").check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    if first:
        assert_accessible(page)
    page.get_by_role("button", name="Submit response").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Response submitted")
    if first:
        assert_accessible(page)
    return page.locator(".govuk-panel strong").inner_text()


def officer_closes_the_rfi_and_responds(journey: Journey, page: Page) -> None:
    page.get_by_role("link", name="Manage frameworks").click()
    page.get_by_role("link", name=journey.reference, exact=True).click()
    page.get_by_role("button", name="Close the request for information").click()
    expect(stage_tag(page)).to_have_text("Request for information closed")
    page.get_by_role("link", name="Request for information", exact=True).click()
    page.get_by_role("link", name="What suppliers told us").click()
    expect(page.get_by_text(f"{len(SUPPLIERS)} submitted responses")).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert_accessible(page)
    page.go_back()
    publish_a_reasoned_response(page, "The number of lots", "Every respondent thinks two lots are right.", "We will keep two lots: in person and online.")


# --- Criteria, the invitation to tender and a clarification --------------------------------------


def add_criterion(page: Page, link: str, title: str, guidance: str, *, check_accessible: bool = False, **numbers: str) -> None:
    page.get_by_role("link", name=link).click()
    if check_accessible:
        assert_accessible(page)
    page.get_by_label("Title or question").fill(title)
    page.get_by_label("Guidance").fill(guidance)
    for label, value in numbers.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def officer_completes_the_conflicts_assessment(journey: Journey, page: Page) -> None:
    """Before the tender notice (PCSR 2015 reg. 24; Procurement Act 2023 s.83(1)): the task list says
    who has still to declare; the officer records each declaration (no conflict) and confirms the
    assessment, and nothing of it holds the invitation to tender back any more."""
    page.goto(journey.url(f"/manage/frameworks/{journey.reference}"))
    waiting = page.locator("main li", has_text=re.compile("the conflicts assessment"))  # the task list's "Conflicts assessment" link is not one
    for name in OFFICERS:
        expect(waiting.filter(has_text=f"Record {name}'s declaration of interests (Procurement officer) in the conflicts assessment")).to_have_count(1)
    page.get_by_role("link", name="Conflicts assessment", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conflicts assessment")
    assert_accessible(page)
    undeclared = page.get_by_role("link", name=re.compile(r"^Record .+'s declaration$"))
    for number in range(undeclared.count()):  # everyone acting: the officers, and anyone another journey added
        undeclared.first.click()
        page.get_by_label("No", exact=True).check()
        if number == 0:
            assert_accessible(page)
        page.get_by_role("button", name="Save the declaration").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Conflicts assessment")
    expect(undeclared).to_have_count(0)
    page.get_by_role("button", name="Confirm the assessment reviewed").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("Last confirmed")
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_role("link", name="Prepare and publish the invitation to tender")).to_be_visible()
    expect(waiting).to_have_count(0)


def officer_publishes_criteria_and_invitation(journey: Journey, page: Page) -> None:
    page.goto(journey.url(f"/manage/frameworks/{journey.reference}"))
    page.get_by_role("link", name="Prepare and publish the invitation to tender").click()
    expect(page.locator("#conflicts")).to_have_text("Ready: everyone acting has declared, and an officer has confirmed the assessment.")
    assert_accessible(page)
    page.get_by_role("link", name="Write the assessment criteria").click()
    expect(page.get_by_role("heading", name="Assessment criteria", level=1)).to_be_visible()
    assert_accessible(page)
    add_criterion(page, "Add a selection question", SELECTION, "Name the insurer and the policy's expiry date.")
    add_criterion(page, "Add a quality criterion", REACH, "How you will find, invite and support people who are seldom heard.",
                  check_accessible=True, Weight="60", **{"Minimum score (optional)": "2"})
    expect(page.locator("#problems")).to_contain_text("Lot 1: the quality weights add up to 60; they must add up to 100")
    add_criterion(page, "Add a quality criterion", VALUE, "What the community keeps after the engagement.", Weight="40")
    add_criterion(page, "Add the price criterion", PRICE, "Price a six-week engagement with 60 participants.")
    expect(page.locator("#problems")).to_have_count(0)
    page.get_by_role("button", name="Continue to the invitation to tender").click()
    fill_date(page, "clarification_deadline", journey.clarification_deadline.date())
    page.get_by_label("Clarification deadline: time").fill("17:00")
    too_early = journey.clarification_deadline.date() - timedelta(days=1)
    fill_date(page, "tender_deadline", too_early)
    page.get_by_label("Tender deadline: time").fill("12:00")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The tender deadline must be after the clarification deadline")
    expect(page.locator("#tender_deadline")).to_have_value(str(too_early.day))  # what was typed is kept
    assert_accessible(page)
    fill_date(page, "tender_deadline", journey.tender_deadline.date())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before you publish the invitation to tender")
    expect(page.locator("main")).to_contain_text("No tender documents are attached")  # a warning, not a refusal
    assert_accessible(page)
    page.get_by_role("button", name="Publish the invitation to tender").click()
    expect(stage_tag(page)).to_have_text("Open for tenders")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Open for tenders")


def supplier_asks_a_question(journey: Journey, page: Page) -> None:
    page.goto(journey.url(f"/frameworks/{journey.reference}"))
    page.get_by_role("link", name="Ask a question or see your organisation's questions").click()
    page.get_by_label("Your question").fill("Can a tender for lot 1 include a partner organisation led by young people?")
    page.get_by_role("button", name="Send question").click()
    expect(page.get_by_text("Awaiting an answer")).to_be_visible()
    assert_accessible(page)


def answer_the_question(page: Page, live_server: str, reference: str) -> None:
    page.goto(f"{live_server}/manage/frameworks/{reference}/clarifications")
    expect(page.get_by_text(DELIBERATA[1])).to_be_visible()  # officers see who asked
    page.get_by_role("link", name=re.compile("^Q1")).click()
    assert_accessible(page)
    page.get_by_label("Answer", exact=True).fill("Yes. Name the partner and its role in your answer on approach.")
    page.get_by_role("button", name="Publish to all bidders").click()


def officer_sees_the_answer_published(journey: Journey, page: Page) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The answer to Q1 is published")
    page.get_by_role("link", name="See the published questions and answers on the public page").click()
    expect(page.get_by_text("Name the partner and its role")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(DELIBERATA[1])  # published without the asker's name


# --- Tenders ------------------------------------------------------------------------------------


def supplier_submits_a_tender(journey: Journey, page: Page, supplier: str, *, first: bool) -> str:
    answer, price = TENDERS[supplier]
    page.goto(journey.url(f"/frameworks/{journey.reference}"))
    expect(page.get_by_text("Name the partner and its role")).to_be_visible()  # the clarification, for every bidder
    if first:
        expect(page.get_by_role("heading", name="How tenders will be assessed")).to_be_visible()
        assert_accessible(page)
    page.get_by_role("link", name="Prepare your tender").click()
    if first:
        assert_accessible(page)
    page.get_by_role("link", name="Start your tender for lot 1").click()
    if first:
        expect(page.get_by_text("Cannot start yet")).to_be_visible()  # the questions wait for the selection answers
        assert_accessible(page)

    page.get_by_role("link", name="Selection questions").click()
    page.get_by_role("group", name=SELECTION).get_by_label("Yes", exact=True).check()
    if first:
        assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()
    for title, text in ((REACH, answer), (VALUE, f"{supplier} trains local people, who keep running the conversations.")):
        page.get_by_role("link", name=title).click()
        page.get_by_label(title).fill(text)
        if first and title == REACH:
            assert_accessible(page)
        page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Price", exact=True).click()
    if first:
        page.get_by_label(PRICE).fill("-400")
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("The price cannot be negative")
        expect(page).to_have_title(re.compile("^Error: "))
        assert_accessible(page)
    page.get_by_label(PRICE).fill(price)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Declarations").click()
    expect(page.get_by_role("heading", name="Declarations", level=1)).to_be_visible()  # before listing its checkboxes
    for checkbox in page.get_by_role("checkbox").all():
        checkbox.check()
    if first:
        assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Check and submit").click()
    expect(page.get_by_text(f"£{int(price):,}.00")).to_be_visible()
    if first:
        assert_accessible(page)
    page.get_by_role("button", name="Submit your tender").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Tender received")
    if first:
        assert_accessible(page)
    receipt = page.locator("main code").first.inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", receipt), receipt
    return receipt


def officer_requests_the_opening(journey: Journey, page: Page) -> None:
    page.goto(journey.url(f"/manage/frameworks/{journey.reference}"))
    page.get_by_role("link", name="Tenders", exact=True).click()
    expect(page.get_by_role("row", name=re.compile(f"Lot 1: {LOTS[0][0]}"))).to_contain_text("3")
    expect(page.get_by_role("row", name=re.compile(f"Lot 2: {LOTS[1][0]}"))).to_contain_text("0")
    page.get_by_role("button", name="Request the opening").click()
    expect(page.get_by_text("A different procurement officer must confirm it")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm the opening")).to_have_count(0)
    assert_accessible(page)


def second_officer_confirms_the_opening(journey: Journey, page: Page, receipts: list[str]) -> None:
    page.get_by_role("link", name="Manage frameworks").click()
    page.get_by_role("link", name=journey.reference, exact=True).click()
    page.get_by_role("link", name="Tenders", exact=True).click()
    page.get_by_role("button", name="Confirm the opening").click()
    for _, name in SUPPLIERS:
        expect(page.get_by_role("link", name=name)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Opening report (printable)").click()
    for receipt in receipts:
        expect(page.locator("main")).to_contain_text(receipt)


# --- Evaluation and moderation ------------------------------------------------------------------


def officer_sets_up_the_panel_and_starts_evaluation(journey: Journey, page: Page) -> None:
    page.goto(journey.url(f"/manage/frameworks/{journey.reference}"))
    expect(stage_tag(page)).to_have_text("Tenders opened")
    page.get_by_role("link", name="Evaluation panels").click()
    for email, name in EVALUATORS.items():
        page.get_by_label("Lot", exact=True).select_option(label=f"Lot 1: {LOTS[0][0]}")
        page.get_by_label("Evaluator", exact=True).select_option(label=f"{name} ({email})")
        page.get_by_role("button", name="Add to the panel").click()
        expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back", exact=True).click()
    page.get_by_role("button", name="Start evaluation").click()
    expect(stage_tag(page)).to_have_text("Evaluation")


def evaluator_scores(journey: Journey, page: Page, email: str, *, first: bool) -> None:
    page.get_by_role("link", name="Home", exact=True).click()
    task = page.get_by_role("link", name=re.compile(f"{journey.title}.*declare any conflict of interest"))
    if first:
        assert_accessible(page)
    task.click()
    for _, name in SUPPLIERS:
        expect(page.get_by_text(name)).to_be_visible()  # who bid, before any tender is shown
    page.get_by_label("No, I have no conflict of interest").check()
    if first:
        assert_accessible(page)
    page.get_by_role("button", name="Make the declaration").click()
    for bidder, (reach, value) in MARKS[email].items():
        page.get_by_role("link", name=bidder).click()
        expect(page.get_by_text(TENDERS[bidder][0])).to_be_visible()  # the tender, now open to its evaluators
        mark(page, SELECTION, "pass", "Insurer and expiry date given.")
        mark(page, REACH, reach, f"Scored {reach} against the guidance on reach.")
        mark(page, VALUE, value, f"Scored {value} against the guidance on social value.")
        if first and bidder == COMMON_GROUND[1]:
            assert_accessible(page)
        page.get_by_role("button", name="Submit your marks").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Check your marks for {bidder}")  # final: checked first
        page.get_by_role("button", name="Submit your marks").click()
    expect(page.locator(".govuk-task-list__status", has_text="Submitted")).to_have_count(3)
    expect(page.locator(".govuk-panel")).to_contain_text("Every tender is marked")


def officer_moderates(journey: Journey, page: Page) -> None:
    page.goto(journey.url(f"/manage/frameworks/{journey.reference}"))
    page.get_by_role("button", name="Start moderation").click()
    expect(stage_tag(page)).to_have_text("Moderation")
    review_the_conflicts_assessment(page, tuple(EVALUATORS.values()))
    page.get_by_role("link", name="Evaluation panels and moderation").click()
    page.get_by_role("link", name="Moderate lot 1").click()
    expect(page.locator(".govuk-tag", has_text="Discuss")).to_have_count(1)  # the evaluators differ by 2 on Deliberata's reach
    assert_accessible(page)
    for bidder, (reach, value) in CONSENSUS.items():
        save_consensus(page, bidder, {SELECTION: "pass", REACH: reach, VALUE: value})
    page.get_by_role("button", name="Complete moderation of lot 1").click()
    expect(page.get_by_text("The consensus marks become final")).to_be_visible()  # the check before it cannot be undone
    page.get_by_role("button", name="Complete moderation of lot 1").click()
    expect(page.get_by_text("Moderation of this lot was completed")).to_be_visible()


# --- Award, standstill and appointment ----------------------------------------------------------


def officer_proposes(journey: Journey, page: Page) -> None:
    page.goto(journey.url(f"/manage/frameworks/{journey.reference}"))
    page.get_by_role("link", name="Results, award and appointment").click()
    expect(page.get_by_role("row", name=re.compile(f"Lot 2: {LOTS[1][0]}"))).to_contain_text("No tenders: nothing to award")
    assert_accessible(page)
    page.get_by_role("link", name="Results and proposal for lot 1").click()
    ranked = page.get_by_role("table", name="Ranked tenders").locator("tbody tr")
    expect(ranked).to_have_count(3)
    for row, (rank, supplier, total) in zip(ranked.all(), (("1", COMMON_GROUND[1], "90"), ("2", VOICES[1], "85"), ("3", DELIBERATA[1], "62")), strict=True):
        expect(row.locator("td").nth(0)).to_have_text(rank)
        expect(row.locator("td").nth(1)).to_have_text(supplier)
        expect(row.locator("td").nth(5)).to_have_text(re.compile(rf"^{total}(\.0+)?$"))
    expect(page.get_by_role("checkbox", name=re.compile(f"^1. {COMMON_GROUND[1]}"))).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile(f"^2. {VOICES[1]}"))).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile(f"^3. {DELIBERATA[1]}"))).not_to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Propose these suppliers").click()
    expect(page.get_by_text("You proposed this award, so a different procurement officer must approve it")).to_be_visible()


def second_officer_approves_and_notifies(journey: Journey, page: Page) -> None:
    page.goto(journey.url(f"/manage/frameworks/{journey.reference}"))
    page.get_by_role("link", name="Results, award and appointment").click()
    page.get_by_role("link", name="Results and proposal for lot 1").click()
    page.get_by_role("button", name="Approve the proposal for lot 1").click()
    expect(stage_tag(page)).to_have_text("Award approved")
    page.get_by_role("button", name="Notify bidders and start the standstill period").click()
    expect(stage_tag(page)).to_have_text("Standstill")
    expect(page.get_by_text("You can appoint the suppliers once the standstill period has ended")).to_be_visible()
    assert_accessible(page)


def unsuccessful_bidder_reads_the_debrief(journey: Journey, page: Page) -> None:
    page.goto(journey.url(f"/frameworks/{journey.reference}"))
    page.get_by_role("link", name="lot 1", exact=True).click()
    expect(page.locator("main")).to_contain_text("Outcome: Unsuccessful")
    expect(page.locator("main")).to_contain_text(COMMON_GROUND[1])  # the successful suppliers' scores
    assert_accessible(page)


def officer_appoints(journey: Journey, page: Page) -> None:
    page.goto(journey.url(f"/manage/frameworks/{journey.reference}"))
    page.get_by_role("link", name="Appoint the suppliers after the standstill period").click()
    page.get_by_role("button", name="Appoint the suppliers").click()
    expect(stage_tag(page)).to_have_text("Live")
    page.get_by_role("link", name="Read the public framework page and award notice").click()
    main = page.locator("main")
    expect(main).to_contain_text(COMMON_GROUND[1])
    expect(main).to_contain_text(VOICES[1])
    assert_accessible(page)


# --- Commissioning an engagement ------------------------------------------------------------------


def commissioner_finds_a_supplier(journey: Journey, page: Page) -> None:
    page.get_by_role("link", name="Find suppliers").click()
    # With more than a few live frameworks (the demo has four), a framework's lots are offered once it is chosen.
    page.get_by_role("checkbox", name=re.compile(rf"^{journey.reference}: {re.escape(journey.title)} \(\d+\)$")).check()
    page.get_by_role("button", name="Apply filters").click()
    lot = page.get_by_role("checkbox", name=re.compile(rf"^{journey.reference} lot 1: {LOTS[0][0]} \(\d+\)$"))
    expect(lot).to_have_accessible_name(re.compile(r"\(2\)$"))
    lot.check()
    page.get_by_role("button", name="Apply filters").click()
    results = page.locator(".govuk-summary-card__title a")
    expect(results).to_have_count(2)
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Common Ground")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Common Ground")
    appointed_to = page.get_by_role("heading", name=f"{journey.reference}: {journey.title}")
    expect(appointed_to.locator("xpath=following-sibling::ul[1]")).to_contain_text(f"Lot 1: {LOTS[0][0]}, ranked 1")
    expect(page.get_by_role("link", name=re.compile("^Start a brief under this lot")).first).to_be_visible()  # a commissioner can act on it
    expect(page.get_by_text("Places left now")).to_be_visible()
    assert_accessible(page)


def commissioner_awards_directly(journey: Journey, page: Page) -> str:
    """Returns the engagement's reference."""
    page.get_by_role("link", name="Commissioning").click()
    assert_accessible(page)
    page.get_by_role("button", name="Create a brief").click()
    page.get_by_role("radio", name=f"{journey.reference}, lot 1: {LOTS[0][0]}").check()
    page.get_by_label("Title", exact=True).fill(journey.engagement_title)
    page.get_by_label("Objectives").fill("Hear from island residents how ferry timetables shape their work, care and family life.")
    page.get_by_role("checkbox", name="Rural and island communities (seldom heard)").check()
    page.get_by_label("Budget (optional)").fill("45000")
    assert_accessible(page)
    page.get_by_role("button", name="Save the brief").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(journey.engagement_title)
    reference = page.locator(".govuk-caption-l").first.inner_text().strip()
    assert re.fullmatch(rf"{journey.reference}-E\d{{3}}", reference), reference
    assert_accessible(page)

    page.get_by_role("link", name="Award directly").click()
    # Common Ground ranks first on the lot and its profile covers island communities (Voices Together's does not)
    expect(page.locator("main")).to_contain_text(f"The service proposes {COMMON_GROUND[1]}, ranked 1 in lot 1")
    assert_accessible(page)
    page.get_by_role("radio", name=f"{COMMON_GROUND[1]} (rank 1), proposed").check()
    page.get_by_label("Agreed price").fill("39500")
    page.get_by_role("button", name="Award the engagement").click()
    expect(page.locator("main")).to_contain_text("An award cannot be undone")  # the check first
    page.get_by_role("button", name="Award the engagement").click()
    expect(stage_tag(page)).to_have_text("Awarded")
    expect(page.locator("main")).to_contain_text("£39,500")
    return reference


def commissioner_delivers_and_reviews(page: Page) -> None:
    page.get_by_role("button", name="Start delivery").click()
    expect(stage_tag(page)).to_have_text("In delivery")
    page.get_by_role("button", name="Record completion").click()
    page.get_by_label("Rural and island communities").fill("57")
    page.get_by_label("Deliverables").fill("Conversations on four islands and a report with residents' timetable proposals.")
    assert_accessible(page)
    page.get_by_role("button", name="Record completion").click()
    expect(stage_tag(page)).to_have_text("Completed")
    review_the_supplier(page, "Residents shaped the questions; the operator has changed two sailings.")


def supplier_replies_to_the_review(journey: Journey, page: Page, reference: str) -> None:
    page.get_by_role("link", name="Your engagements").click()
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.locator("main")).to_contain_text("Residents shaped the questions")
    assert_accessible(page)
    page.get_by_label("Reply to the review").fill("Thank you: the residents were glad to be heard.")
    page.get_by_role("button", name="Send your reply").click()
    expect(page.locator("main")).to_contain_text("the residents were glad to be heard")


# --- Open data ----------------------------------------------------------------------------------


def record_from_link(page: Page, pattern: str) -> dict:
    """Follow the open-data page's link to a contracting process's record; its package, as JSON."""
    link = page.get_by_role("link", name=re.compile(pattern))
    expect(link).to_have_count(1)
    with page.expect_navigation() as navigation:
        link.click()
    response = navigation.value
    assert response is not None and response.status == 200, response and response.status
    package = response.json()
    assert len(package["records"]) == 1
    return package["records"][0]


def the_public_reads_the_open_data(journey: Journey, page: Page, engagement: str) -> None:
    page.goto(journey.url("/"))
    page.get_by_role("link", name="Open data").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    assert_accessible(page)

    framework = record_from_link(page, rf"-{re.escape(journey.reference)}$")
    tags = [tag for release in framework["releases"] for tag in release["tag"]]
    for tag in ("planning", "planningUpdate", "tender", "tenderUpdate", "award"):
        assert tag in tags, (tag, tags)
    compiled = framework["compiledRelease"]
    awards = compiled["awards"]
    assert {(a["relatedLots"][0], a["status"], a["suppliers"][0]["name"]) for a in awards} == {
        ("1", "active", COMMON_GROUND[1]), ("1", "active", VOICES[1]),
    }, awards
    tenderers = {party["name"] for party in compiled["parties"] if "tenderer" in party["roles"]}
    assert tenderers == {name for _, name in SUPPLIERS}, tenderers

    page.go_back()
    record = record_from_link(page, rf"-{re.escape(engagement)}$")
    compiled = record["compiledRelease"]
    assert [release["tag"] for release in record["releases"]] == [["award", "contract"], ["contractUpdate"], ["implementation"]]
    assert compiled["relatedProcesses"][0]["relationship"] == ["framework"]
    assert compiled["relatedProcesses"][0]["identifier"] == framework["ocid"]
    assert compiled["awards"][0]["suppliers"][0]["name"] == COMMON_GROUND[1]
    assert compiled["awards"][0]["value"] == {"amount": 39500, "currency": "GBP"}, compiled["awards"][0]["value"]
    contract = compiled["contracts"][0]
    assert contract["status"] == "terminated", contract
    milestone = contract["implementation"]["milestones"][0]
    assert milestone["status"] == "met" and "57" in milestone["description"], milestone


# --- The walk -----------------------------------------------------------------------------------


def test_a_new_framework_from_its_first_notice_to_a_completed_engagement(
    page: Page, browser: Browser, live_server: str, engine_kind: str, screenshots: Path
):
    journey = Journey(browser, page, live_server, engine_kind, screenshots)
    set_clock(live_server, None)  # today, whatever an earlier journey left
    try:
        with journey.stage("framework-published", OFFICER) as officer:
            officer_creates_and_publishes(journey, officer)
        for number, (email, _) in enumerate(SUPPLIERS):
            with journey.stage("interest-registered", email) as supplier:
                supplier_registers_interest(journey, supplier, first=number == 0)

        with journey.stage("rfi-opened", OFFICER) as officer:
            officer_opens_the_rfi(journey, officer)
        rfi_references = []
        for number, (email, name) in enumerate(SUPPLIERS):
            with journey.stage("rfi-answered", email) as supplier:
                rfi_references.append(supplier_answers_the_rfi(journey, supplier, f"Bids team, {name}", first=number == 0))
        assert all(reference.startswith("RFI-") for reference in rfi_references) and len(set(rfi_references)) == len(SUPPLIERS)
        journey.move_clock(journey.rfi_closes + timedelta(minutes=5))
        with journey.stage("rfi-closed", OFFICER) as officer:
            officer_closes_the_rfi_and_responds(journey, officer)

        with journey.stage("conflicts-assessed", OFFICER) as officer:
            officer_completes_the_conflicts_assessment(journey, officer)
        with journey.stage("itt-published", OFFICER) as officer:
            officer_publishes_criteria_and_invitation(journey, officer)
        with journey.stage("clarification-asked", DELIBERATA[0]) as supplier:
            supplier_asks_a_question(journey, supplier)
        with journey.stage("clarification-answered", OFFICER) as officer:
            answer_the_question(officer, live_server, journey.reference)
            officer_sees_the_answer_published(journey, officer)
        receipts = []
        for number, (email, name) in enumerate(SUPPLIERS):
            with journey.stage("tender-submitted", email) as supplier:
                receipts.append(supplier_submits_a_tender(journey, supplier, name, first=number == 0))

        journey.move_clock(journey.tender_deadline + timedelta(minutes=5))
        with journey.stage("opening-requested", OFFICER) as officer:
            officer_requests_the_opening(journey, officer)
        with journey.stage("opening-confirmed", SECOND_OFFICER) as second:
            second_officer_confirms_the_opening(journey, second, receipts)

        with journey.stage("evaluation-started", OFFICER) as officer:
            officer_sets_up_the_panel_and_starts_evaluation(journey, officer)
        for number, email in enumerate(EVALUATORS):
            with journey.stage("scored", email) as evaluator:
                evaluator_scores(journey, evaluator, email, first=number == 0)
        with journey.stage("moderated", OFFICER) as officer:
            officer_moderates(journey, officer)

        with journey.stage("award-proposed", OFFICER) as officer:
            officer_proposes(journey, officer)
        with journey.stage("award-approved", SECOND_OFFICER) as second:
            second_officer_approves_and_notifies(journey, second)
        with journey.stage("debrief-read", DELIBERATA[0]) as bidder:
            unsuccessful_bidder_reads_the_debrief(journey, bidder)
        journey.move_clock(journey.tender_deadline + timedelta(days=40))  # well past the standstill period
        with journey.stage("appointed", OFFICER) as officer:
            officer_appoints(journey, officer)

        with journey.stage("supplier-found", COMMISSIONER) as commissioner:
            commissioner_finds_a_supplier(journey, commissioner)
        with journey.stage("engagement-awarded", COMMISSIONER) as commissioner:
            engagement = commissioner_awards_directly(journey, commissioner)
        with journey.stage("engagement-completed", COMMISSIONER) as commissioner:
            commissioner_delivers_and_reviews(commissioner)
        with journey.stage("review-answered", COMMON_GROUND[0]) as appointed:
            supplier_replies_to_the_review(journey, appointed, engagement)

        with journey.stage("open-data", None) as public:
            the_public_reads_the_open_data(journey, public, engagement)
    finally:
        set_clock(live_server, None)
        journey.close()
