"""A real server (the `registry serve` command) on a free loopback port, one per engine for the
whole run, driven by Debian's Chromium through pytest-playwright."""

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyotp
import pytest
from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.conftest import create_postgres_database, drop_postgres_database, postgres_database_url

CHROMIUM = "/usr/bin/chromium"
AXE = Axe()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """A real SMTP server on loopback (aiosmtpd) that the live server delivers to."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

    def wait_for(self, recipient: str, subject_part: str, timeout: float = 90) -> str:
        """The email, once delivered. The demo queues some 500 emails, which the live server sends
        first, one at a time: on a loaded machine that can take a minute."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for envelope in self.messages:
                text = envelope.content.decode("utf-8", "replace")
                if recipient in envelope.rcpt_tos and subject_part in text:
                    return text
            time.sleep(0.2)
        raise AssertionError(f"no email to {recipient} about {subject_part!r} reached the SMTP server ({len(self.messages)} emails did)")


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


# Each live server's environment (its database above all), by its address: for a journey that adds
# data through the service functions, in a process of its own, as the demo's loading does.
LIVE_SERVER_ENVIRONMENTS: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="session")
def live_server(engine_kind: str, tmp_path_factory: pytest.TempPathFactory, smtp_inbox) -> Iterator[str]:
    postgres_name = None
    if engine_kind == "sqlite":
        database_url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
    else:
        postgres_name = run_async(create_postgres_database("live"))
        database_url = postgres_database_url(postgres_name)
    port = free_port()
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": database_url,
        "REGISTRY_CLOCK_CONTROL": "true",
        "REGISTRY_ENVIRONMENT": "development",
        "REGISTRY_SMTP_URL": f"smtp://127.0.0.1:{smtp_inbox[1]}",
        "REGISTRY_MAIL_POLL_SECONDS": "0.5",
        "REGISTRY_FILES_DIR": str(tmp_path_factory.mktemp("files")),
    }
    # The demo data first (it migrates the database), so that the server does not migrate at the same time.
    loaded = subprocess.run(
        [sys.executable, "-m", "registry", "load-fixtures"], env=env, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    log = open(tmp_path_factory.mktemp("live-log") / "server.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "registry", "serve", "--port", str(port), "--quiet"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    LIVE_SERVER_ENVIRONMENTS[base_url] = env
    try:
        wait_until_healthy(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        if postgres_name:
            run_async(drop_postgres_database(postgres_name))


ADD_TO_THE_DEMO = """
import asyncio, sys
from pathlib import Path
from registry import db
from registry.cli import database, publish_as
from registry.demo import load_fixtures
from registry.settings import Settings

async def add(directory):
    settings = Settings()
    publish_as(settings)
    async with database(settings), db.transaction():
        await load_fixtures(directory)

asyncio.run(add(Path(sys.argv[1])))
"""


def add_demo_frameworks(live_server: str, frameworks: list[dict], directory: Path) -> None:
    """More frameworks in the live server's demo data, given as rows of fixtures/frameworks.json and
    walked through their stages by the demo's own loading (the service functions, on a clock set to
    the past), in a process of its own: the server builds its pages again from the changed database."""
    fixtures = Path(__file__).resolve().parents[2] / "fixtures"
    for name in ("organisations.json", "users.json"):
        (directory / name).write_text((fixtures / name).read_text(encoding="utf-8"), encoding="utf-8")
    for name, rows in (("profiles.json", []), ("engagements.json", []), ("frameworks.json", frameworks)):
        (directory / name).write_text(json.dumps(rows), encoding="utf-8")
    added = subprocess.run(
        [sys.executable, "-c", ADD_TO_THE_DEMO, str(directory)], env=LIVE_SERVER_ENVIRONMENTS[live_server],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
    )
    assert added.returncode == 0, added.stderr


def run_async(coroutine):
    """Playwright's sync API keeps an event loop running in this thread; run the coroutine in another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def wait_until_healthy(base_url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the live server exited with {process.returncode}:\n{log.read()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the live server did not become healthy within 30 seconds")


def route_pattern(path: str) -> str:
    """The path with its ids and references as {id}: /manage/frameworks/{id}/tenders/{id}, say."""
    return "/".join("{id}" if re.search(r"\d", segment) else segment for segment in path.split("/"))


# The GOV.UK components (block classes) in the page as the browser has it, after its scripts ran.
PAGE_SHAPE = """() => {
    const components = new Set();
    for (const element of document.querySelectorAll("[class]")) {
        for (const name of element.classList) {
            if (name.startsWith("govuk-") && !name.includes("__") && !name.includes("--")) components.add(name);
        }
    }
    return [...components];
}"""

# The page shapes that passed axe-core in this worker, by route pattern. Each engine's browser tests
# run in one worker (see pytest_xdist_make_scheduler), so this is per engine.
PASSED_SHAPES: dict[str, set[frozenset[str]]] = {}


def page_shape(page: Page) -> tuple[str, frozenset[str]]:
    return route_pattern(urlsplit(page.url).path), frozenset(page.evaluate(PAGE_SHAPE))


def axe_violations(page: Page) -> AxeResults:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now."""
    # Only violations are collected: gathering every passing node too would double axe's time.
    return AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})


def remember_passed(page: Page) -> None:
    route, shape = page_shape(page)
    PASSED_SHAPES.setdefault(route, set()).add(shape)


def assert_accessible(page: Page) -> None:
    """axe-core finds no WCAG 2.2 A/AA violations on the page as it is now.

    A page whose route and shape (the GOV.UK components it shows) already passed in this run is not
    checked again: the journeys and the crawl pass through many pages that differ only in their
    words, and axe-core takes about a second a page. A new component, an error summary say, makes a
    new shape, which is checked."""
    route, shape = page_shape(page)
    if shape in PASSED_SHAPES.get(route, ()):
        return
    results = axe_violations(page)
    assert results.violations_count == 0, results.generate_report()
    PASSED_SHAPES.setdefault(route, set()).add(shape)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where browser tests keep pictures of what a person would see (test-results/, not committed)."""
    path = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


DEMO_PASSWORD = "participation-demo-2026"


# The tests' authenticator app: the demo officials' fixed secrets, and the secret of each official
# a test sets up (read off the set-up page, as a person's app scans it).
TWO_FACTOR_SECRETS = {
    row["email"]: row["two_factor_secret"]
    for row in json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "users.json").read_text(encoding="utf-8"))
    if "two_factor_secret" in row
}
_LAST_STEP: dict[str, int] = {}


def two_factor_code(email: str) -> str:
    """A code the service accepts for `email` now, as an authenticator shows it: the oldest step not yet
    used (a code works once) of the three the service accepts (the current one and one either side),
    the previous one only while 20 s of the current step remain, so that it is still accepted when it
    arrives; past the next step's, it waits for the next step."""
    totp = pyotp.TOTP(TWO_FACTOR_SECRETS[email])
    while True:
        now = time.time()
        current = int(now) // 30
        step = max(current - 1 if now % 30 < 10 else current, _LAST_STEP.get(email, 0) + 1)
        if step <= current + 1:
            break
        time.sleep(1)
    _LAST_STEP[email] = step
    return totp.generate_otp(step)


def sign_in(page: Page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> bool:
    """Sign in as a person does: the password, then for an official the code from their authenticator
    app (setting the app up first, if it is their first sign-in). Whether a code was asked for."""
    page.goto(base_url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():  # the answer to the password decides what comes next: wait for it
        page.get_by_role("button", name="Sign in").click()
    step = urlsplit(page.url).path
    if step == "/sign-in/set-up-two-factor":
        assert_accessible(page)
        TWO_FACTOR_SECRETS[email] = page.locator("#two-factor-key").inner_text().replace(" ", "")
        page.get_by_label("Code", exact=True).fill(two_factor_code(email))
        with page.expect_navigation():
            page.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        assert_accessible(page)
        page.get_by_role("link", name="I have kept my recovery codes: continue").click()
        return True
    if step == "/sign-in/code":
        assert_accessible(page)
        code = two_factor_code(email)
        page.get_by_label("Code", exact=True).fill(code)
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        if urlsplit(page.url).path == "/sign-in/code":
            problem = page.locator(".govuk-error-summary").inner_text() if page.locator(".govuk-error-summary").count() else page.title()
            raise AssertionError(f"{email}'s code {code} (step {_LAST_STEP[email]}, now {int(time.time()) // 30}) was refused: {problem}")
        return True
    return False


def set_clock(live_server: str, moment: str | None) -> None:
    """Move the live server's clock to an ISO 8601 moment, or back to the real time (None)."""
    if moment is None:
        httpx.delete(f"{live_server}/_test/clock").raise_for_status()
    else:
        httpx.post(f"{live_server}/_test/clock", json={"now": moment}).raise_for_status()


def add_question(page: Page, text: str, kind: str, **extra: str) -> None:
    """From the survey builder: add a question to the section "About your organisation"."""
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


def publish_a_reasoned_response(page: Page, theme: str, heard: str, will_do: str) -> None:
    """From the officer's RFI page once it has closed: one theme of the reasoned response, published."""
    page.get_by_label("Question or theme").fill(theme)
    page.get_by_label("What we heard").fill(heard)
    page.get_by_label("What we will do and why").fill(will_do)
    page.get_by_role("button", name="Add to the reasoned response").click()
    page.get_by_role("button", name="Publish the reasoned response").click()
    expect(page.get_by_role("heading", name="What we heard and what we will do")).to_be_visible()
    expect(page.get_by_text(will_do)).to_be_visible()



def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under pytest-xdist, each engine's journeys go to one worker, in order: they share that engine's
    live server and demo data, which earlier journeys move on. (xdist's own `--dist loadgroup` cannot
    do this with pytest 9, whose node ids no longer take the group's suffix.)"""
    from xdist.scheduler import LoadScopeScheduling

    class OneWorkerPerEngine(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "postgres" if "[postgres-" in nodeid else "sqlite"

    return OneWorkerPerEngine(config, log)
