"""Issue 11: every page any role can reach passes axe-core at WCAG 2.2 A/AA, has one h1 and a title in
the service's pattern, and does not scroll sideways at 320 pixels wide; forms show the GOV.UK error summary (and "Error: " in the title) and work by
keyboard alone.

The crawl signs in as one demo account per role and follows the same-origin GET links breadth-first
from the start page and the role's landing page (its navigation is on every page). Each page is
fetched over HTTP first, which is cheap, to find its links; it is then opened in the browser and
checked only if its route pattern (ids and references – path segments with a digit – and query
strings collapsed) has not yet been checked with the same shape of page (the GOV.UK components it
uses: a framework's page at another stage has another shape, the same list seen by another role
does not), at most a few shapes per pattern. Every problem on every page is collected and reported
together at the end."""

import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import assert_accessible, axe_violations, remember_passed, route_pattern, sign_in, two_factor_code

SERVICE_NAME = "Participation Framework Registry"
# The base template's pattern (frontend_templates/base.html): "[Error: ]<page> – <service name>",
# where <page> is the page's h1, optionally followed by " – <context>" (a framework's reference, say).
TITLE = re.compile(rf"^(?P<error>Error: )?(?P<page>\S.*?) – {re.escape(SERVICE_NAME)}$")

ROLES = [
    ("public visitor", None),
    ("procurement officer", "officer@civic-participation.example"),
    ("evaluator", "evaluator.two@civic-participation.example"),
    ("commissioner", "commissioner@civic-participation.example"),
    ("admin", "admin@civic-participation.example"),
    ("supplier organisation admin", "hello@newroots.example"),
]

# Not followed: signing out, the test-only clock, the JSON API and its schema, static files, and
# open data as JSON or other downloads (anything not served as HTML is skipped as well).
NOT_FOLLOWED = re.compile(r"^/(?:sign-out(?:/|$)|_test/|api/|schema(?:/|$)|assets/|static/)|\.(?:json|csv|ics|pdf|docx|xlsx|odt|txt|xml)$")
CHECKS_PER_ROUTE = 2  # distinct page shapes checked in the browser per route pattern, over all roles
FETCHES_PER_ROUTE = 6  # pages fetched (for their links) per route pattern
MAX_CHECKED = 45  # per role
MAX_FETCHED = 250  # per role


class LinksAndShape(HTMLParser):
    """The page's link targets, and its shape: the GOV.UK components (block classes) it uses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.components: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        for name in (attributes.get("class") or "").split():
            if name.startswith("govuk-") and "__" not in name and "--" not in name and "!" not in name:
                self.components.add(name)


@dataclass
class Crawl:
    role: str
    reached: list[str] = field(default_factory=list)
    seconds: float = 0
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


PAGE_FACTS = """() => {
    const text = (element) => {
        const copy = element.cloneNode(true);
        copy.querySelectorAll("[class*='govuk-caption'], .govuk-visually-hidden").forEach((caption) => caption.remove());
        return copy.textContent.replace(/\\s+/g, " ").trim();
    };
    return {
        h1s: [...document.querySelectorAll("h1")].map(text),
        errorSummary: document.querySelector(".govuk-error-summary") !== null,
    };
}"""


# WCAG 2.2 1.4.10 Reflow: at 320 CSS pixels wide (1280 pixels at 400% zoom) nothing makes the page
# scroll sideways; a wide table may scroll inside its own labelled region. The widest culprits are named.
REFLOW_WIDTH = 320
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const inScroller = (element) => {
        for (let parent = element.parentElement; parent; parent = parent.parentElement) {
            const overflow = getComputedStyle(parent).overflowX;
            if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") return true;
        }
        return false;
    };
    const describe = (element) => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
        + (element.className && typeof element.className === "string" ? "." + element.className.trim().split(/\\s+/).join(".") : "");
    return [...document.body.querySelectorAll("*")]
        .filter((element) => element.getBoundingClientRect().right > width + 1 && !inScroller(element))
        .filter((element) => ![...element.children].some((child) => child.getBoundingClientRect().right > width + 1))
        .slice(0, 3).map(describe);
}"""


def reflow_problems(page: Page) -> list[str]:
    """What makes the page scroll sideways at REFLOW_WIDTH pixels wide (the viewport is put back after)."""
    size = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 800})
    try:
        culprits = page.evaluate(OVERFLOW)
    finally:
        page.set_viewport_size(size)
    return [f"scrolls sideways at {REFLOW_WIDTH}px wide (WCAG 1.4.10): {', '.join(culprits)}"] if culprits else []


def page_problems(page: Page) -> list[str]:
    """What is wrong with the page as it is now: axe's violations, its h1s, its title and its reflow."""
    problems = reflow_problems(page)
    results = axe_violations(page)
    if not results.violations_count:
        remember_passed(page)  # the journeys need not check this shape again
    for violation in results.response["violations"]:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        problems.append(f"axe {violation['id']} ({violation['impact']}): {violation['help']} – {len(violation['nodes'])} element(s): {targets}")
    facts = page.evaluate(PAGE_FACTS)
    if len(facts["h1s"]) != 1:
        problems.append(f"{len(facts['h1s'])} h1 elements (expected exactly one): {facts['h1s']}")
    title = page.title()
    match = TITLE.match(title)
    if not match:
        problems.append(f"title {title!r} is not '[Error: ]<page heading>[ – <context>] – {SERVICE_NAME}'")
    else:
        if facts["h1s"] and not (match["page"] == facts["h1s"][0] or match["page"].startswith(facts["h1s"][0] + " – ")):
            problems.append(f"title {title!r} does not start with the h1 {facts['h1s'][0]!r}")
        if facts["errorSummary"] and not match["error"]:
            problems.append(f"title {title!r} lacks 'Error: ' but the page shows an error summary")
        if match["error"] and not facts["errorSummary"]:
            problems.append(f"title {title!r} starts 'Error: ' but the page has no error summary")
    return problems


def crawl(context: BrowserContext, page: Page, base_url: str, role: str, starts: list[str], shapes: dict[str, set[frozenset[str]]]) -> Crawl:
    """Crawl as the context's user; `shapes` are the page shapes already checked, by route pattern."""
    result = Crawl(role)
    origin = urlsplit(base_url).netloc
    queue = deque(starts)
    seen: set[str] = set(starts)
    fetched: Counter[str] = Counter()
    fetches = 0
    while queue and len(result.checked) < MAX_CHECKED and fetches < MAX_FETCHED:
        url = queue.popleft()
        route = route_pattern(urlsplit(url).path)
        if fetched[route] >= FETCHES_PER_ROUTE:
            continue
        fetched[route] += 1
        fetches += 1
        response = context.request.get(base_url + url, max_redirects=5)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        result.reached.append(url)
        final_path = urlsplit(response.url).path
        if response.status >= 400:
            result.problems.append(f"{url}: HTTP {response.status} for a link the {role} is shown")
        parsed = LinksAndShape()
        parsed.feed(response.text())
        for href in parsed.links:
            target = urlsplit(urljoin(response.url, href))
            if target.scheme not in ("http", "https") or target.netloc != origin or NOT_FOLLOWED.search(target.path):
                continue
            # Addresses that differ only in their query (filters, pages, sorts) are one visit.
            if target.path not in seen:
                seen.add(target.path)
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
        # A redirect (to the sign-in page, say) is checked as the page it lands on.
        route_shapes = shapes.setdefault(route_pattern(final_path), set())
        shape = frozenset(parsed.components)
        if shape in route_shapes or len(route_shapes) >= CHECKS_PER_ROUTE:
            continue
        route_shapes.add(shape)
        page.goto(response.url)
        result.checked.append(url)
        result.problems += [f"{url}: {problem}" for problem in page_problems(page)]
    return result


def test_every_page_each_role_reaches_is_accessible_with_one_h1_and_a_patterned_title(browser: Browser, live_server: str):
    crawls = []
    shapes: dict[str, set[frozenset[str]]] = {}
    for role, email in ROLES:
        context = browser.new_context()
        page = context.new_page()
        starts = ["/", "/open-data"]
        if email:
            sign_in(page, live_server, email)
            expect(page.get_by_role("link", name="Sign out")).to_be_visible()
            starts.insert(0, urlsplit(page.url).path)
        started = time.monotonic()
        crawls.append(crawl(context, page, live_server, role, starts, shapes))
        crawls[-1].seconds = time.monotonic() - started
        context.close()

    summary = "\n".join(f"{c.role}: {len(c.reached)} pages reached, {len(c.checked)} checked in {c.seconds:.0f}s: {' '.join(c.checked)}" for c in crawls)
    problems = [f"{c.role}: {problem}" for c in crawls for problem in c.problems]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems) + "\n\n" + summary
    # The crawl really went round: every role reached the open-data page, and those who may, the reports.
    for c in crawls:
        assert "/open-data" in c.reached and len(c.reached) >= 10, summary
    assert all(any(url.startswith("/reports/") for url in c.reached) for c in crawls if c.role in ("procurement officer", "commissioner")), summary
    print(summary)


def expect_error_summary_linked_to_fields(page: Page, title_start: str, fields: list[str]) -> None:
    """The GOV.UK error pattern: 'Error: ' before the title, the summary focused, each message a link
    to its field, which following the link focuses."""
    expect(page).to_have_title(re.compile(rf"^Error: {re.escape(title_start)}.* – {re.escape(SERVICE_NAME)}$"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    links = summary.locator(".govuk-error-summary__list a")
    assert [href.lstrip("#") for href in links.evaluate_all("links => links.map(link => link.getAttribute('href'))")] == fields
    for field_id in fields:
        expect(page.locator(f"#{field_id}")).to_have_count(1)
        expect(page.locator(f"#{field_id}-error")).to_be_visible()  # the message by the field, GOV.UK's id for it
    assert_accessible(page)
    links.first.click()
    expect(page.locator(f"#{fields[0]}")).to_be_focused()


def test_sign_in_with_bad_input_shows_the_error_summary(page: Page, live_server: str):
    page.goto(live_server + "/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect_error_summary_linked_to_fields(page, "Sign in", ["email", "password"])


def test_a_suppliers_interest_form_with_bad_input_shows_the_error_summary(page: Page, live_server: str):
    sign_in(page, live_server, "team@sortition.example")
    # Whichever published framework still takes interest that the supplier has not yet registered.
    page.goto(live_server + "/frameworks")
    frameworks = page.locator("main a[href^='/frameworks/']").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    for framework in frameworks:
        page.goto(live_server + framework + "/interest")
        if page.get_by_role("button", name="Register interest").count():
            break
    else:
        raise AssertionError("no framework takes interest from team@sortition.example")
    # "All lots" is chosen to begin with; some lots, but none of them, is the mistake to make.
    page.get_by_label("Only some lots").check()
    page.get_by_role("button", name="Register interest").click()
    expect_error_summary_linked_to_fields(page, "Register interest", ["lots"])
    expect(page.get_by_label("Only some lots")).to_be_checked()


def test_the_directory_search_with_bad_input_shows_the_error_summary(page: Page, live_server: str):
    page.goto(live_server + "/suppliers")
    page.get_by_label("Search suppliers").fill("x" * 201)
    page.get_by_role("button", name="Search", exact=True).click()
    expect_error_summary_linked_to_fields(page, "Find suppliers", ["q"])


def tab_to(page: Page, selector: str, presses: int = 60) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    target = page.locator(selector).first
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_signing_in_and_choosing_emails_work_by_keyboard_alone(page: Page, live_server: str):
    page.goto(live_server + "/sign-in")
    tab_to(page, "#email")
    page.keyboard.type("commissioner@northmoor.example")
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type("participation-demo-2026")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))  # an official: the code from the authenticator app next
    tab_to(page, "#code")
    page.keyboard.type(two_factor_code("commissioner@northmoor.example"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()

    page.goto(live_server + "/account/notifications")
    first_choice = page.locator("input[name='preferences']").first
    was_checked = first_choice.is_checked()
    for round_trip in (not was_checked, was_checked):
        tab_to(page, "input[name='preferences']")
        page.keyboard.press("Space")
        tab_to(page, "form[action='/account/notifications'] button")
        page.keyboard.press("Enter")
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your choices have been saved")
        expect(first_choice).to_be_checked(checked=round_trip)
    assert_accessible(page)
