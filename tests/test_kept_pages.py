"""Public pages are kept for visitors who are not signed in (registry.web.remembered) and built
again as soon as the database changes (registry.db.changes) or a key date the page depends on
passes: a visitor never reads a page older than the data. So are some pages a signed-in user comes
back to (users_copy), each for that user in that browser alone."""

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from registry import db
from registry.accounts.tables import OrganisationKind, Role
from registry.db import changes
from registry.frameworks import service
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework, State
from registry.engagements import service as engagements
from tests.commissioning import live_framework
from tests.conftest import app_client
from tests.test_engagement_pages import BRIEF, COMMISSIONER, SUPPLIERS, as_user, text_of
from tests.test_engagement_pages import NOW as ENGAGEMENTS_NOW
from tests.test_engagements import DEADLINE as RESPONSE_DEADLINE
from tests.test_engagements import competing
from tests.support import csrf_from, make_user, officer_and_supplier
from tests.test_framework_pages import sign_in
from tests.test_frameworks import DETAILS, draft_with_lots
from tests.test_regime_periods import ITT_DAY, rfi_closed_under
from tests.tendering import TENDER_DEADLINE, complete_draft, open_for_tenders, registered


@contextmanager
def outlasting_the_deadline(monkeypatch, controlled_clock, module, name: str) -> Iterator[None]:
    """Inside, the service `module.name` returns past the tender deadline: a page's build outlasts it."""
    read = getattr(module, name)

    async def outlasting(*args, **kwargs):
        found = await read(*args, **kwargs)
        controlled_clock.set(TENDER_DEADLINE + timedelta(seconds=1))
        return found

    with monkeypatch.context() as patched:
        patched.setattr(module, name, outlasting)
        yield


async def test_the_change_token_moves_with_a_commit(database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    first = await changes.token()
    if db.kind() == "sqlite":  # PostgreSQL's moves with any commit in the cluster: other tests' too
        assert await changes.token() == first and await changes.token() == first
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    moved = await changes.token()
    assert moved != first
    if db.kind() == "sqlite":
        assert await changes.token() == moved


async def test_a_commit_moves_the_token_once_however_many_requests_ask_at_once(database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await changes.token()
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    asked = await asyncio.gather(*(changes.token() for _ in range(6)))  # as concurrent requests, each on a connection of its own
    if db.kind() == "sqlite":  # PostgreSQL's moves with any commit in the cluster: other tests' too
        assert len(set(asked)) == 1 and await changes.token() == asked[0]


async def test_a_commit_by_another_process_moves_the_token(database, settings):
    await officer_and_supplier()
    before = await changes.token()
    if db.kind() == "sqlite":
        with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as other:  # as another worker would
            other.execute("UPDATE organisation SET legal_name = legal_name || ' Ltd'")
    else:
        import asyncpg

        other = await asyncpg.connect(settings.database_url)
        try:
            await other.execute("UPDATE organisation SET legal_name = legal_name || ' Ltd'")
        finally:
            await other.close()
    assert await changes.token() != before


async def test_a_change_shows_on_the_next_request_to_every_kept_page(client, database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    pages = [f"/frameworks/{framework.reference}", "/frameworks", f"/frameworks/{framework.reference}/notices/pin/1", "/open-data/notices.csv", "/api/v1/frameworks"]
    for page in pages:  # read twice: the second time from what was kept
        assert "Public participation services" in (await client.get(page)).text
        assert "Public participation services" in (await client.get(page)).text

    await service.amend_notice(officer, framework.reference, DETAILS.model_copy(update={"title": "Community voice services", "start_date": date(2027, 9, 1)}), "Renamed")
    assert "Community voice services" in (await client.get(f"/frameworks/{framework.reference}")).text
    assert "Community voice services" in (await client.get("/frameworks")).text
    assert "Community voice services" in (await client.get(f"/frameworks/{framework.reference}/notices/pin/2")).text
    assert "Community voice services" in (await client.get("/open-data/notices.csv")).text
    listed = await client.get("/api/v1/frameworks")
    assert listed.headers["content-type"] == "application/json" and listed.json()["items"][0]["title"] == "Community voice services"


async def test_a_kept_page_changes_when_a_key_date_passes_with_nothing_written(client, database, controlled_clock):
    officer, _ = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    page = f"/frameworks/{framework.reference}"
    controlled_clock.set(TENDER_DEADLINE - timedelta(seconds=1))
    for _ in range(2):
        assert "Open for tenders until" in (await client.get(page)).text
        assert "Next deadline</dt><dd class=\"govuk-summary-list__value\">23 March 2027, midday" in (await client.get("/frameworks")).text
    controlled_clock.set(TENDER_DEADLINE)  # the deadline itself: tendering has closed, to the second
    assert "Open for tenders until" not in (await client.get(page)).text
    assert "Tendering closed at" in (await client.get(page)).text
    assert "23 March 2027, midday" not in (await client.get("/frameworks")).text
    controlled_clock.set(TENDER_DEADLINE - timedelta(seconds=1))  # a clock set back (a test's, a demo's) reads the page of its own moment
    assert "Open for tenders until" in (await client.get(page)).text


async def test_a_signed_in_supplier_never_reads_the_visitors_copy(client, database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    page = f"/frameworks/{framework.reference}"
    visitors = (await client.get(page)).text
    assert "Sign in" in visitors
    await sign_in(client, "bids@supplier.example")
    own = (await client.get(page)).text
    assert "Sign out" in own and own != visitors
    assert "Sign out" in (await client.get("/frameworks")).text


async def test_an_officers_kept_list_of_frameworks_shows_a_new_framework_on_the_next_request(client, database):
    officer, _ = await officer_and_supplier()
    await sign_in(client, "officer@authority.example")
    for _ in range(2):  # the second time from what was kept
        assert "Your authority has no frameworks yet" in (await client.get("/manage/frameworks")).text
    framework = await draft_with_lots(officer)
    assert framework.reference in (await client.get("/manage/frameworks")).text


async def test_an_officers_kept_task_list_shows_a_move_on_the_next_request(client, database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await sign_in(client, "officer@authority.example")
    task_list = f"/manage/frameworks/{framework.reference}"
    for _ in range(2):  # the second time from what was kept
        assert "Check and publish the prior information notice" in (await client.get(task_list)).text
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    moved = (await client.get(task_list)).text
    assert "Prepare and open the request for information" in moved and "Check and publish the prior information notice" not in moved


async def test_an_officers_kept_task_list_counts_the_tendering_period_from_the_new_day_with_nothing_written(client, database, controlled_clock):
    """The minimum tendering period runs from the day the tender notice would be published: at the
    start of a new day in the United Kingdom, a tender deadline that was just far enough becomes too early."""
    officer, _ = await officer_and_supplier()
    framework = await rfi_closed_under(Regime.ENGLAND, controlled_clock, officer, itt_day=ITT_DAY)
    # Published on Friday 26 March 2027, 30 days end with Sunday 25 April: the deadline may be that day.
    await Framework.update({
        Framework.clarification_deadline: ITT_DAY + timedelta(days=10), Framework.tender_deadline: datetime(2027, 4, 25, 11, tzinfo=UTC),
    }).where(Framework.id == framework.id)
    midnight = datetime(2027, 3, 27, tzinfo=UTC)  # Greenwich Mean Time: midnight in London too
    controlled_clock.set(midnight - timedelta(seconds=1))
    await sign_in(client, "officer@authority.example")
    task_list = f"/manage/frameworks/{framework.reference}"
    for _ in range(2):  # the second time from what was kept
        assert "The tender deadline is too early" not in (await client.get(task_list)).text
    controlled_clock.set(midnight)
    assert "The tender deadline is too early" in (await client.get(task_list)).text


async def test_a_bidders_kept_tender_page_closes_at_the_deadline_to_the_second_with_nothing_written(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    controlled_clock.set(TENDER_DEADLINE - timedelta(seconds=1))
    await sign_in(client, "bids@supplier.example")
    task_list = f"/frameworks/{framework.reference}/tenders/1"
    for _ in range(2):
        assert "The tender deadline has passed" not in (await client.get(task_list)).text
        assert "The tender deadline has passed" not in (await client.get(task_list + "/check")).text
    controlled_clock.set(TENDER_DEADLINE)
    assert "The tender deadline has passed" in (await client.get(task_list)).text
    assert "The tender deadline has passed" in (await client.get(task_list + "/check")).text


async def test_a_page_built_as_the_deadline_passes_is_not_kept_past_it(client, database, controlled_clock, monkeypatch):
    """The request arrives a moment before the deadline and its page is built after it: the page says
    what held when the request arrived, and is kept only until the deadline it straddled."""
    from registry.tenders import service as tenders

    officer, supplier = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    controlled_clock.set(TENDER_DEADLINE - timedelta(seconds=2))  # the clock ticks on: the request arrives in the last two seconds
    await sign_in(client, "bids@supplier.example")
    task_list = f"/frameworks/{framework.reference}/tenders/1"
    with outlasting_the_deadline(monkeypatch, controlled_clock, tenders, "workspace"):
        assert "The tender deadline has passed" not in (await client.get(task_list)).text  # as it stood on arrival
    assert "The tender deadline has passed" in (await client.get(task_list)).text


async def test_a_users_kept_page_is_theirs_alone_and_carries_their_own_browsers_form_token(client, database, settings, controlled_clock):
    officer, supplier = await officer_and_supplier()
    await make_user(email="bids@elsewhere.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER)  # another supplier
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    await complete_draft(supplier, framework.reference, 1, found)
    check = f"/frameworks/{framework.reference}/tenders/1/check"
    await sign_in(client, "bids@supplier.example")
    mine = [(await client.get(check)).text for _ in range(2)]  # the second from what was kept
    assert mine[0] == mine[1] and "Submit your tender" in mine[1] and csrf_from(mine[1]) == client.cookies["registry_csrf"]
    async with app_client(settings) as other_browser:  # the same bidder, signed in elsewhere
        await sign_in(other_browser, "bids@supplier.example")
        elsewhere = [(await other_browser.get(check)).text for _ in range(2)]
        assert csrf_from(elsewhere[1]) == other_browser.cookies["registry_csrf"] != csrf_from(mine[1])
        submitted = await other_browser.post(check.removesuffix("/check") + "/submit", data={"_csrf_token": csrf_from(elsewhere[1])})
        assert submitted.status_code == 303  # the kept page's form works in its own browser
    async with app_client(settings) as another_supplier:
        await sign_in(another_supplier, "bids@elsewhere.example")
        theirs = (await another_supplier.get(check)).text
        assert "Register interest to tender for lot 1" in theirs and "Submit your tender" not in theirs
    assert "View your receipt" in (await client.get(check.removesuffix("/check"))).text  # the submission shows in the first browser too


async def test_kept_lists_of_engagements_and_the_officials_directory_show_an_award_on_the_next_request(client, database, settings, controlled_clock):
    controlled_clock.set(ENGAGEMENTS_NOW)
    live = await live_framework(SUPPLIERS)
    beta = SUPPLIERS[1]
    search = f"/suppliers?seed=1&q={beta.name}"
    await sign_in(client, COMMISSIONER)
    async with as_user(settings, beta.email) as supplier:
        for _ in range(2):  # the second time from what was kept
            assert "Renamed framework" not in text_of(await client.get("/reports"))
            assert "has no engagements yet" in text_of(await client.get("/commissioning"))
            assert "Places left</dt><dd class=\"govuk-summary-list__value\">3</dd>" in text_of(await client.get(search))
            assert "LIVE-2027-E001" not in text_of(await supplier.get("/organisation/engagements"))
        engagement = await engagements.create_brief(live.commissioner, engagements.Brief(lot_id=live.lots[1].id, **BRIEF))
        await engagements.direct_award(live.commissioner, engagement.reference, supplier_id=live.organisations["Beta"], price_pence=4_500_000, reason=None)
        await Framework.update({Framework.title: "Renamed framework"}).where(Framework.id == live.framework.id)
        assert "Renamed framework" in text_of(await client.get("/reports"))
        assert "LIVE-2027-E001" in text_of(await client.get("/commissioning"))
        assert "Places left</dt><dd class=\"govuk-summary-list__value\">2</dd>" in text_of(await client.get(search))
        assert "LIVE-2027-E001" in text_of(await supplier.get("/organisation/engagements"))


async def test_visitors_arriving_while_a_page_is_built_wait_for_that_build_and_read_it(client, database, monkeypatch):
    from registry.opendata import downloads

    read, builds = downloads.counts, []

    async def slowly_counted():
        builds.append(1)
        await asyncio.sleep(0.05)
        return await read()

    monkeypatch.setattr(downloads, "counts", slowly_counted)
    pages = await asyncio.gather(*(client.get("/open-data") for _ in range(4)))
    assert [page.status_code for page in pages] == [200] * 4
    if db.kind() == "sqlite":  # PostgreSQL's token moves with any commit in the cluster: other tests' too
        assert len(builds) == 1 and len({page.text for page in pages}) == 1


async def test_visitors_of_a_page_that_is_never_kept_do_not_wait_for_each_others_builds(client, database, monkeypatch):
    """"Closing within 14 days" moves with the clock: that list is built for every visitor, at once."""
    published, started, go = service.published, [], asyncio.Event()

    async def held(*args, **kwargs):
        started.append(1)
        await go.wait()
        return await published(*args, **kwargs)

    closing = "/frameworks?closing=14"
    assert (await client.get(closing)).status_code == 200  # built, and not kept
    monkeypatch.setattr(service, "published", held)
    requests = [asyncio.create_task(client.get(closing)) for _ in range(3)]
    async with asyncio.timeout(5):
        while len(started) < 3:  # each request builds its own, none waits for another's
            await asyncio.sleep(0.01)
    go.set()
    assert [(await request).status_code for request in requests] == [200] * 3


async def test_visitors_waiting_for_a_build_that_fails_each_get_their_own_answer(client, database):
    pages = await asyncio.gather(*(client.get("/frameworks/NO-SUCH-FRAMEWORK") for _ in range(3)))
    assert [page.status_code for page in pages] == [404] * 3


def test_kept_pages_forget_the_least_recently_read_beyond_their_number_or_size(monkeypatch):
    from registry.web import remembered

    def page(size: int) -> remembered._Kept:
        return remembered._Kept(token=1, since=None, until=None, body=b"x" * size, headers=())

    pages = remembered._Pages(limit=2)
    pages.keep(("/a",), page(10))
    pages.keep(("/b",), page(20))
    pages.move_to_end(("/a",))  # read again
    pages.keep(("/c",), page(30))
    assert list(pages) == [("/a",), ("/c",)] and pages.size == 40
    pages.keep(("/c",), page(5))  # built again: replaced, not counted twice
    assert pages.size == 15
    monkeypatch.setattr(remembered, "BYTES_KEPT", 49)
    pages.keep(("/d",), page(45))
    assert list(pages) == [("/d",)] and pages.size == 45
    pages.forget(("/d",))
    assert not pages and pages.size == 0


async def test_a_commissioners_kept_engagement_page_unseals_at_the_response_deadline_with_nothing_written(client, database, controlled_clock):
    controlled_clock.set(ENGAGEMENTS_NOW)
    live = await live_framework(SUPPLIERS)
    engagement = await competing(live)
    controlled_clock.set(RESPONSE_DEADLINE - timedelta(seconds=2))
    await sign_in(client, COMMISSIONER)
    page = f"/commissioning/{engagement.reference}"
    for _ in range(2):  # the second time from what was kept
        assert "Responses are sealed until the deadline" in text_of(await client.get(page))
    controlled_clock.set(RESPONSE_DEADLINE)
    shown = text_of(await client.get(page))
    assert "Score the responses and award" in shown and "Responses are sealed until the deadline" not in shown


async def test_a_role_taken_away_as_a_page_is_kept_shows_on_the_next_request(client, database, settings, controlled_clock, monkeypatch):
    """The user is read before the change token: a role change committed in between must not leave the
    page built for the old roles kept for the new ones."""
    from registry.accounts.tables import User
    from registry.web import remembered

    controlled_clock.set(ENGAGEMENTS_NOW)
    await live_framework(SUPPLIERS)
    await sign_in(client, COMMISSIONER)
    search = "/suppliers?seed=1"
    token = remembered.changes.token

    async def role_taken_away_first(engine=None):
        monkeypatch.setattr(remembered.changes, "token", token)
        await User.update({User.roles: ["evaluator"]}).where(User.email == COMMISSIONER)
        return await token(engine)

    monkeypatch.setattr(remembered.changes, "token", role_taken_away_first)
    assert "Places left" in text_of(await client.get(search))  # built for the commissioner the request came as
    assert "Places left" not in text_of(await client.get(search))  # an evaluator sees no availability


async def test_a_page_that_is_not_kept_is_rendered_as_of_the_moment_its_data_was_read(client, database, controlled_clock, monkeypatch):
    from registry.frameworks import service as frameworks

    officer, _ = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    controlled_clock.set(TENDER_DEADLINE - timedelta(seconds=2))  # the request arrives in the last two seconds
    with outlasting_the_deadline(monkeypatch, controlled_clock, frameworks, "published"):
        listed = (await client.get("/frameworks?closing=30")).text  # "closing within" is never kept
    stage = re.search(r'Stage</dt><dd class="govuk-summary-list__value">\s*<strong class="govuk-tag">\s*([^<]+?)\s*</strong>', listed)
    assert framework.reference in listed and stage.group(1) == "Open for tenders"  # as it stood when the list was read
