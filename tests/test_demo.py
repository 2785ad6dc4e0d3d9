"""The demo data set (fixtures/, loaded by registry/demo.py) is what issue 11 asks for: about 40
supplier organisations, one framework live with appointed suppliers on its three lots and
engagements at every stage, one in evaluation, one with its request for information open and one
whose notice has just been published; every role can sign in with the demo password, and the
README lists every demo sign-in and says of the demo only what is true, whatever day it is loaded.
Everything it publishes is valid OCDS, dated in order, at the configured address. Loaded once per
engine for the whole module by `registry load-fixtures` (it takes seconds), and once more in-process
with the clock set to next January."""

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from registry import clock, db
from registry.accounts import two_factor
from registry.accounts.passwords import verify_password
from registry.accounts.tables import Organisation, OrganisationKind, OrganisationSize, Role, User
from registry.award.tables import Appointment
from registry.demo import DEMO_PASSWORD, FIXTURES_DIR, load_fixtures
from registry.engagements.tables import Engagement, EngagementState, Invitation, InvitationStatus, PerformanceReview
from registry.evaluation.tables import Evaluation, EvaluatorAssignment, LotModeration, ModeratedScore
from registry.frameworks.tables import Framework, Lot, Notice, NoticeKind, State
from registry.interest.tables import ExpressionOfInterest
from registry.settings import PROJECT_ROOT, Settings
from registry.suppliers.tables import SupplierProfile
from registry.surveys.tables import ResponseStatus, Survey, SurveyResponse
from registry.tenders.tables import CoreInformationCheck, Tender, TenderOpening, TenderStatus, TenderSubmission
from tests.conftest import TEST_PASSWORD_PEPPER, all_table_names, app_client, create_postgres_database, drop_postgres_database, migrate, postgres_database_url
from tests.ocds_validation import cove_problems, date_order_problems
from tests.test_cli import run_registry

BASE_URL = "https://participation.example.gov.uk"  # not the default: what the demo publishes must say it
LIVE = "Community Engagement Services Framework 2026"
IN_EVALUATION = "Deliberative Democracy Framework 2027"
RFI_OPEN = "Lived Experience Engagement Framework 2027"
PIN = "Public Participation Services Framework 2027"
ENGLAND_LIVE = "Northmoor Resident Participation Framework 2026"  # under the Procurement Act 2023


@dataclass(frozen=True)
class Demo:
    engine: object
    settings: Settings  # the app's settings for the demo's database


@asynccontextmanager
async def empty_database(engine_kind: str, migrated_database: str, directory: Path) -> AsyncIterator[str]:
    """A migrated database of the module's own (the suite's shared database is emptied by other tests)."""
    if engine_kind == "sqlite":
        path = directory / "demo.sqlite3"
        with sqlite3.connect(migrated_database.removeprefix("sqlite:///")) as source, sqlite3.connect(path) as target:
            source.backup(target)
        yield f"sqlite:///{path}"
        return
    name = await create_postgres_database("demo")
    url = postgres_database_url(name)
    await migrate(url)
    try:
        yield url
    finally:
        await drop_postgres_database(name)


def demo_settings(url: str, directory: Path, base_url: str) -> Settings:
    return Settings(
        database_url=url, migrate_on_start=False, environment="development", postgres_pool_size=2, files_dir=directory / "files", base_url=base_url,
        password_pepper=TEST_PASSWORD_PEPPER,  # as `registry load-fixtures` was run with
    )


@pytest.fixture(scope="module")
async def demo_engine(engine_kind: str, migrated_database: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    """The demo data loaded by `registry load-fixtures`, as published at an address of its own."""
    directory = tmp_path_factory.mktemp("demo")
    async with empty_database(engine_kind, migrated_database, directory) as url:
        environment = {"REGISTRY_DATABASE_URL": url, "REGISTRY_BASE_URL": BASE_URL, "REGISTRY_PASSWORD_PEPPER": TEST_PASSWORD_PEPPER}
        loaded = await asyncio.to_thread(run_registry, "load-fixtures", env=environment, timeout=300)
        assert loaded.returncode == 0, loaded.stderr
        engine = db.create_engine(url)
        db.bind(engine)
        await db.connect(engine, pool_size=2)
        yield Demo(engine, demo_settings(url, directory, BASE_URL))
        await db.disconnect(engine)


NEXT_JANUARY = datetime(clock.now().year + 1, 1, 12, 10, 0, tzinfo=UTC)  # a new year: nothing in the demo may depend on which


@pytest.fixture(scope="module")
async def january_demo(engine_kind: str, migrated_database: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    """The demo data loaded with the clock set to next January."""
    directory = tmp_path_factory.mktemp("january")
    async with empty_database(engine_kind, migrated_database, directory) as url:
        engine = db.create_engine(url)
        db.bind(engine)
        await db.connect(engine, pool_size=2)
        january = clock.ControlledClock()
        january.set(NEXT_JANUARY)
        previous = clock.use(january)
        try:
            async with db.transaction():
                await load_fixtures()
        finally:
            clock.use(previous)
        yield Demo(engine, demo_settings(url, directory, "http://127.0.0.1:8000"))
        await db.disconnect(engine)


@pytest.fixture(autouse=True)
def demo(demo_engine: Demo) -> None:
    db.bind(demo_engine.engine)  # other modules' tests bind their own databases in between


async def framework_called(title: str) -> Framework:
    return await Framework.objects().get(Framework.title == title)


async def test_about_forty_supplier_organisations_of_varied_size_region_and_specialism():
    suppliers = await Organisation.objects().where(Organisation.kind == OrganisationKind.SUPPLIER)
    assert 35 <= len(suppliers) <= 45
    assert all(s.is_demo for s in suppliers)
    assert {s.size for s in suppliers} == set(OrganisationSize)  # micro, small, medium and large
    profiles = await SupplierProfile.objects().where(SupplierProfile.organisation.is_in([s.id for s in suppliers]))
    assert len(profiles) == len(suppliers)  # every supplier has a profile
    for profile in profiles:
        assert len(profile.description) > 80 and "lorem" not in profile.description.lower()
        assert profile.town and profile.website.endswith(".example")
        assert profile.regions and profile.engagement_methods and profile.groups and profile.languages and profile.accessible_formats
        assert profile.capacity and profile.capacity > 0
    regions = {region for p in profiles for region in p.regions}
    assert len(regions) >= 30 and {"wales", "northern-ireland", "highland"} <= regions  # across Scotland and the rest of the UK
    assert len({method for p in profiles for method in p.engagement_methods}) >= 14
    assert len({group for p in profiles for group in p.groups}) >= 17
    emails = await User.select(User.email).output(as_list=True)
    assert all(email.endswith(".example") for email in emails)


async def test_the_live_framework_has_three_lots_each_with_appointed_suppliers():
    framework = await framework_called(LIVE)
    assert framework.state == State.LIVE
    lots = await Lot.objects().where(Lot.framework == framework.id).order_by(Lot.number)
    assert [lot.subject for lot in lots] == ["adults", "children-and-young-people", "digital-participation"]
    assert [lot.title for lot in lots] == [
        "Engagement with adults and communities", "Children and young people's participation", "Digital participation platforms",
    ]
    for lot in lots:
        appointed = await Appointment.count().where(Appointment.lot == lot.id)
        tendered = await Tender.count().where((Tender.lot == lot.id) & (Tender.status == TenderStatus.SUBMITTED))
        assert 0 < appointed <= lot.max_suppliers < tendered, lot.title  # some bidders were not appointed
    assert await Notice.exists().where((Notice.framework == framework.id) & (Notice.kind == NoticeKind.AWARD))


async def test_the_england_framework_went_live_through_the_acts_sequence_and_the_public_sees_its_notices(demo_engine: Demo):
    framework = await framework_called(ENGLAND_LIVE)
    assert framework.regime == "england" and framework.state == State.LIVE
    notices = await Notice.objects().where(Notice.framework == framework.id).order_by(Notice.published_at)
    assert [n.kind for n in notices] == [NoticeKind.PIN, NoticeKind.MARKET_ENGAGEMENT, NoticeKind.TENDER, NoticeKind.AWARD, NoticeKind.CONTRACT_DETAILS]
    award_notice, details = notices[3], notices[4]
    # PA23 s.51: the standstill begins with the day the contract award notice (UK6) is published; the
    # contract details notice (UK7) comes at appointment, after it.
    assert award_notice.published_at < framework.standstill_ends_at <= details.published_at
    assert framework.standstill_ends_at - award_notice.published_at >= timedelta(days=8)
    tenders = await Tender.objects().where((Tender.framework == framework.id) & (Tender.status == TenderStatus.SUBMITTED))
    assert len(tenders) >= 4
    checks = await CoreInformationCheck.objects().where(CoreInformationCheck.submission.tender.framework == framework.id)
    assert len(checks) == len(tenders) and all(c.ppon and c.share_code and not c.obtained_later for c in checks)  # 2024 Regulations reg. 6
    lot = await Lot.objects().get(Lot.framework == framework.id)
    assert 0 < await Appointment.count().where(Appointment.lot == lot.id) < len(tenders)
    async with app_client(demo_engine.settings) as client:
        england = await client.get(f"/frameworks/{framework.reference}")
        scotland = await client.get("/frameworks/PF-DEMO-001")
        pages = {
            path: (await client.get(path)).status_code
            for path in (f"/frameworks/{framework.reference}/notices/award/1", f"/frameworks/{framework.reference}/notices/contract_details/1",
                         "/frameworks/PF-DEMO-001/notices/award/1")
        }
    db.bind(demo_engine.engine)
    assert england.status_code == 200 and scotland.status_code == 200
    for notice in ("UK3 planned procurement notice", "UK2 preliminary market engagement notice", "UK4 tender notice", "UK6 contract award notice", "UK7 contract details notice"):
        assert f"{notice}, version 1" in england.text, notice
    assert "Contract award notice, version 1" in scotland.text and "Contract notice, version 1" in scotland.text
    assert set(pages.values()) == {200}


async def test_engagements_are_at_every_stage_and_completed_ones_are_reviewed():
    framework = await framework_called(LIVE)
    engagements = await Engagement.objects().where(Engagement.framework == framework.id)
    assert {e.state for e in engagements} == set(EngagementState)
    completed = [e for e in engagements if e.state == EngagementState.COMPLETED]
    reviews = await PerformanceReview.objects().where(PerformanceReview.engagement.is_in([e.id for e in completed]))
    assert len(reviews) == len(completed) >= 2
    assert any(review.supplier_reply for review in reviews)
    now = clock.now()
    invited = [e for e in engagements if e.state == EngagementState.INVITED]
    assert any(e.response_deadline > now for e in invited)  # a mini-competition still open for responses
    assert any(e.response_deadline < now for e in invited)  # and one past its deadline, to be scored
    for engagement in invited:
        assert await Invitation.exists().where((Invitation.engagement == engagement.id) & (Invitation.status == InvitationStatus.RESPONDED))
    awarded = [e for e in engagements if e.state in (EngagementState.AWARDED, EngagementState.IN_DELIVERY, EngagementState.COMPLETED)]
    assert {e.route for e in awarded} == {"direct_award", "mini_competition"}
    assert len({e.buyer for e in engagements}) == 2  # the Department and Northmoor Council both commission


async def test_the_framework_in_evaluation_has_its_tenders_opened_and_its_scoring_part_done():
    framework = await framework_called(IN_EVALUATION)
    assert framework.state == State.EVALUATION
    opening = await TenderOpening.objects().get(TenderOpening.framework == framework.id)
    assert opening.confirmed_at is not None and opening.confirmed_by != opening.requested_by  # two officers opened them
    tenders = await Tender.count().where((Tender.framework == framework.id) & (Tender.status == TenderStatus.SUBMITTED))
    assert tenders >= 2
    assignments = await EvaluatorAssignment.objects().where(EvaluatorAssignment.framework == framework.id)
    assert len(assignments) >= 2
    submitted = {
        assignment.id: await Evaluation.count().where((Evaluation.assignment == assignment.id) & Evaluation.submitted_at.is_not_null())
        for assignment in assignments
    }
    assert any(count == tenders for count in submitted.values())  # one evaluator has marked every tender
    assert any(count == 0 for count in submitted.values())  # another has not started
    lots = await Lot.select(Lot.id).where(Lot.framework == framework.id).output(as_list=True)
    assert not await LotModeration.exists().where(LotModeration.lot.is_in(lots))
    assert not await ModeratedScore.exists().where(ModeratedScore.tender.framework == framework.id)


async def test_one_framework_has_its_request_for_information_open_with_responses_coming_in():
    framework = await framework_called(RFI_OPEN)
    assert framework.state == State.RFI_OPEN
    assert framework.rfi_closes_at > clock.now() + timedelta(days=7)
    survey = await Survey.objects().get(Survey.framework == framework.id)
    statuses = await SurveyResponse.select(SurveyResponse.status).where(SurveyResponse.survey == survey.id).output(as_list=True)
    assert statuses.count(ResponseStatus.SUBMITTED) >= 3 and ResponseStatus.DRAFT in statuses


async def test_one_framework_has_its_prior_information_notice_just_published():
    framework = await framework_called(PIN)
    assert framework.state == State.PIN_PUBLISHED
    notice = await Notice.objects().get((Notice.framework == framework.id) & (Notice.kind == NoticeKind.PIN))
    assert clock.now() - notice.published_at < timedelta(hours=1)


async def test_every_role_signs_in_with_the_demo_password_and_the_readme_lists_every_demo_sign_in():
    fixture_emails = [row["email"] for row in json.loads((FIXTURES_DIR / "users.json").read_text(encoding="utf-8"))]
    users = await User.objects().where(User.email.is_in(fixture_emails))
    assert len(users) == len(fixture_emails)
    assert {role for user in users for role in user.roles} == set(Role)
    for user in users:
        assert user.is_demo and user.email_confirmed_at and user.is_active
    assert await verify_password(users[0].password_hash, DEMO_PASSWORD)
    assert len({user.password_hash for user in users}) == 1  # one password for every demo account
    suppliers = [user for user in users if Role.SUPPLIER in user.roles]
    assert {user.is_organisation_admin for user in suppliers} == {True, False}  # an organisation admin and a team member
    secrets = {row["email"]: row.get("two_factor_secret") for row in json.loads((FIXTURES_DIR / "users.json").read_text(encoding="utf-8"))}
    for user in users:  # every official signs in with a code from the fixtures' fixed secret; suppliers need none
        assert await two_factor.secret_of(user.id) == secrets[user.email]
        assert await two_factor.asked_of(user.id) == (Role.SUPPLIER not in user.roles)

    section = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").split("## Demo sign-ins", 1)[1].split("\n## ", 1)[0]
    assert DEMO_PASSWORD in section and "registry demo-code" in section
    listed = re.findall(r"^\| (\S+@\S+\.example) \|", section, flags=re.MULTILINE)
    assert sorted(listed) == sorted(fixture_emails)


async def test_demo_code_prints_a_demo_officials_current_code_and_nothing_else(demo_engine: Demo):
    officer = await User.objects().get(User.email == "officer@civic-participation.example")
    secret = await two_factor.secret_of(officer.id)
    environment = {"REGISTRY_DATABASE_URL": demo_engine.settings.database_url, "REGISTRY_PASSWORD_PEPPER": TEST_PASSWORD_PEPPER}
    printed = await asyncio.to_thread(run_registry, "demo-code", officer.email, env=environment)
    assert printed.returncode == 0, printed.stderr
    now = two_factor.step_at(datetime.now(UTC))
    assert printed.stdout.strip() in {pyotp.TOTP(secret).generate_otp(step) for step in (now - 1, now, now + 1)}
    supplier = await asyncio.to_thread(run_registry, "demo-code", "bids@commonground.example", env=environment)
    assert supplier.returncode == 1 and "has no authenticator" in supplier.stderr
    unknown = await asyncio.to_thread(run_registry, "demo-code", "someone@real.example", env=environment)
    assert unknown.returncode == 1 and "not a demo account" in unknown.stderr
    production = await asyncio.to_thread(run_registry, "demo-code", officer.email, env={**environment, "REGISTRY_ENVIRONMENT": "production"})
    assert production.returncode == 1 and "refusing" in production.stderr


async def test_loading_again_changes_nothing():
    from piccolo.table import Table

    from registry.db.piccolo_conf import APP_REGISTRY

    tables: list[type[Table]] = [table for app in APP_REGISTRY.app_configs.values() for table in app.table_classes]
    assert {table._meta.tablename for table in tables} == set(all_table_names())
    before = {table._meta.tablename: await table.count() for table in tables}
    await load_fixtures()
    after = {table._meta.tablename: await table.count() for table in tables}
    assert after == before


async def published_packages(demo: Demo) -> dict[str, dict]:
    """Every package the demo's open data serves, by its address: the release package, a page at a
    time and whole, and each contracting process's record package."""
    packages = {}
    async with app_client(demo.settings) as client:
        for path in ("/open-data/ocds/releases.json?page_size=500", "/open-data/ocds/releases.json?page_size=7"):
            while path:
                response = await client.get(path)
                assert response.status_code == 200, path
                packages[path] = response.json()
                path = packages[path].get("links", {}).get("next", "").removeprefix(demo.settings.base_url)
        for ocid in sorted({release["ocid"] for release in packages["/open-data/ocds/releases.json?page_size=500"]["releases"]}):
            response = await client.get(f"/open-data/ocds/records/{ocid}.json")
            assert response.status_code == 200, ocid
            packages[ocid] = response.json()
    db.bind(demo.engine)
    return packages


async def test_the_demos_open_data_is_valid_ocds_by_the_communitys_own_tool(demo_engine: Demo):
    packages = await published_packages(demo_engine)
    everything = packages["/open-data/ocds/releases.json?page_size=500"]
    assert "links" not in everything and len(everything["releases"]) >= 20
    assert sum("links" in package for package in packages.values()) >= 2  # pages of 7, each pointing to the next
    assert sum("records" in package for package in packages.values()) >= 10
    problems = [f"{address}: {problem}" for address, package in packages.items() for problem in cove_problems(package)]
    assert problems == []

    live = next(package["records"][0]["compiledRelease"] for package in packages.values() if package.get("records") and package["records"][0]["ocid"].endswith("-PF-DEMO-001"))
    assert [item["classification"]["id"] for item in live["tender"]["items"]] == ["79311000", "79315000", "79400000", "79952000"]
    authority = next(party for party in live["parties"] if "procuringEntity" in party["roles"])
    assert authority["contactPoint"]["email"] == "frameworks@civic-participation.example"
    assert {item["relatedLot"] for item in live["bids"]["statistics"]} == {"1", "2", "3"}
    assert live["tender"]["awardPeriod"]["endDate"] and live["tender"]["milestones"][0]["id"] == "standstill"
    assert len(live["contracts"]) == len(live["awards"]) and all(contract["dateSigned"] for contract in live["contracts"])


URL = re.compile(r"""https?://[^\s"'<>\\]+""")


async def test_everything_published_names_the_configured_address_and_no_other(demo_engine: Demo):
    """The releases were stored by `registry load-fixtures` run with REGISTRY_BASE_URL; they never change."""
    ours = BASE_URL.removeprefix("https://")
    packages = await published_packages(demo_engine)
    releases = packages["/open-data/ocds/releases.json?page_size=500"]["releases"]
    found = {"releases": set(URL.findall(json.dumps(releases)))}
    published = await Framework.select(Framework.reference).where(Framework.state != State.DRAFT).output(as_list=True)
    async with app_client(demo_engine.settings) as client:
        paths = ["/open-data/appointed-suppliers.csv", "/open-data/notices.csv", "/open-data/engagements.csv", "/open-data/calendar.ics"]
        for path in paths + [f"/frameworks/{reference}/calendar.ics" for reference in published]:
            response = await client.get(path)
            assert response.status_code == 200, path
            found[path] = set(URL.findall(response.text.replace("\r\n ", "")))  # calendars fold long lines
    db.bind(demo_engine.engine)
    assert len(found["releases"]) > 5 and found["/open-data/notices.csv"] and found["/open-data/calendar.ics"]
    elsewhere = {where: sorted(url for url in urls if url.split("/")[2] != ours) for where, urls in found.items()}
    assert {where: urls for where, urls in elsewhere.items() if urls} == {}
    for address, package in packages.items():
        for field in ("uri", "publicationPolicy"):
            assert package[field].startswith(BASE_URL + "/"), (address, field)


async def test_every_release_of_the_demo_has_its_dates_in_order(demo_engine: Demo):
    packages = await published_packages(demo_engine)
    problems = []
    for address, package in packages.items():
        for release in package.get("releases", []):
            problems += [f"{release['id']}: {problem}" for problem in date_order_problems(release)]
        for record in package.get("records", []):
            problems += [f"{address} compiled: {problem}" for problem in date_order_problems(record["compiledRelease"])]
    assert problems == []


# --- The README's tour, against the demo --------------------------------------------------------

TOUR_ROLES = {
    "The public": None, "A supplier": Role.SUPPLIER, "A procurement officer": Role.PROCUREMENT_OFFICER, "An evaluator": Role.EVALUATOR,
    "A commissioner": Role.COMMISSIONER, "An admin": Role.ADMIN,
}
STAGES = {  # what the tour says of a framework's stage, and the stage that makes it true
    "notice just published": State.PIN_PUBLISHED, "open request for information": State.RFI_OPEN, "criteria are drafted": State.RFI_CLOSED,
    "evaluation panel": State.EVALUATION, "lot waiting": State.EVALUATION, "appointed to each lot": State.LIVE,
    "open for tenders": State.ITT_PUBLISHED,
}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
REFERENCE = re.compile(r"\bPF-[A-Z0-9]+-\d{3}\b")


def tour() -> list[tuple[str, str | None, list[str]]]:
    """The README's tour, bullet by bullet: who (its bold heading), the sign-in it names, and its clauses."""
    section = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").split("## A tour, role by role", 1)[1].split("\n## ", 1)[0]
    found = []
    for heading, text in re.findall(r"^- \*\*(.+?)\*\*(.*?)(?=^- \*\*|^!\[|\Z)", section, flags=re.MULTILINE | re.DOTALL):
        text = " ".join(text.split())
        sign_in = re.match(r"\s*\(`([^`]+@[^`]+)`\)", text)
        found.append((heading, sign_in and sign_in[1], re.split(r"(?<=[;.])\s", text)))
    return found


async def tour_problems() -> list[str]:
    """Everything the README's tour says of the demo that the demo does not bear out."""
    problems = []
    frameworks = {f.reference: f for f in await Framework.objects()}
    bullets = tour()
    assert [heading for heading, _, _ in bullets] == list(TOUR_ROLES), "a role in the tour this test does not know"
    said = set()
    for heading, email, clauses in bullets:
        user = await User.objects().where(User.email == email).first() if email else None
        if TOUR_ROLES[heading] is not None:
            if user is None or TOUR_ROLES[heading] not in user.roles or not await verify_password(user.password_hash, DEMO_PASSWORD):
                problems.append(f"{heading}: {email} does not sign in with the demo password as {TOUR_ROLES[heading]}")
                continue
        for clause in clauses:
            references = REFERENCE.findall(clause)
            for title, reference in re.findall(r'"([^"]+)" \((PF-[A-Z0-9]+-\d{3})', clause):
                if reference in frameworks and frameworks[reference].title != title:
                    problems.append(f"{heading}: {reference} is {frameworks[reference].title!r}, not {title!r}")
            for reference in references:
                if reference not in frameworks or frameworks[reference].state == State.DRAFT:
                    problems.append(f"{heading}: there is no published framework {reference}")
                    continue
                framework = frameworks[reference]
                for phrase, state in STAGES.items():
                    if phrase in clause:
                        said.add(phrase)
                        if framework.state != state:
                            problems.append(f"{heading}: {reference} is {framework.state}, not {state} ({phrase!r})")
                problems += [f"{heading}: {reference}: {problem}" for problem in await what_the_user_cannot_do(clause, user, framework)]
            if user and (counted := re.search(rf"lists [\w' ]*?\b({'|'.join(NUMBERS)}) frameworks", clause)):
                managed = await Framework.count().where(Framework.authority == user.organisation)
                if NUMBERS.get(counted[1]) != managed:
                    problems.append(f"{heading}: lists {managed} frameworks, not {counted[1]}")
    problems += [f"no framework in the tour is said to be at {phrase!r}" for phrase in set(STAGES) - said]
    return problems


async def tour_sign_in_problems(demo: Demo) -> list[str]:
    """Each sign-in the tour names, made as its reader would: the demo password, then for an official
    the code `registry demo-code EMAIL` prints (the code of the fixtures' fixed secret, now)."""
    problems = []
    section = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").split("## A tour, role by role", 1)[1].split("\n- **", 1)[0]
    if "registry demo-code" not in section:
        problems.append("the tour does not say how officials get their two-factor code")
    for heading, email, _ in tour():
        if email is None:
            continue
        user = await User.objects().get(User.email == email)
        code = two_factor.code_at(secret) if (secret := await two_factor.secret_of(user.id)) else None
        async with app_client(demo.settings) as client:
            form = await client.get("/sign-in")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
            step = await client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD, "_csrf_token": token})
            if Role.SUPPLIER not in user.roles:
                if step.headers.get("location") != "/sign-in/code" or code is None:
                    problems.append(f"{heading}: {email} is not asked for a two-factor code")
                    continue
                step = await client.post("/sign-in/code", data={"code": code, "_csrf_token": token})
            if step.status_code != 303 or (await client.get("/home")).status_code != 200:
                problems.append(f"{heading}: {email} does not sign in as the tour says")
        db.bind(demo.engine)
    return problems


async def what_the_user_cannot_do(clause: str, user: User | None, framework: Framework) -> list[str]:
    """What the tour asks this user to do with this framework that the demo does not let them."""
    if user is None:
        return []
    interest = await ExpressionOfInterest.objects().where(
        (ExpressionOfInterest.organisation == user.organisation) & (ExpressionOfInterest.framework == framework.id)
        & ExpressionOfInterest.withdrawn_at.is_null()
    ).first()
    problems = []
    if "it follows" in clause and interest is None:
        problems.append(f"{user.email} does not follow it")
    if "register interest in" in clause and interest is not None:
        problems.append(f"{user.email} has registered interest already")
    if "answer its open request for information" in clause and await SurveyResponse.exists().where(
        (SurveyResponse.survey.framework == framework.id) & (SurveyResponse.organisation == user.organisation)
        & (SurveyResponse.status == ResponseStatus.SUBMITTED)
    ):
        problems.append(f"{user.email} has answered it already")
    if "finish its draft tender" in clause:
        tender = await Tender.objects().where((Tender.framework == framework.id) & (Tender.organisation == user.organisation)).first()
        if tender is None or await TenderSubmission.exists().where(TenderSubmission.tender == tender.id):
            problems.append(f"{user.email} has no draft tender of it to finish")
        elif clock.now() >= framework.tender_deadline:
            problems.append(f"its tender deadline has passed: {user.email} cannot submit")
    if Role.EVALUATOR in user.roles and "waiting" in clause:
        assigned = await EvaluatorAssignment.objects().where((EvaluatorAssignment.framework == framework.id) & (EvaluatorAssignment.evaluator == user.id))
        marked = assigned and await Evaluation.exists().where(
            Evaluation.assignment.is_in([a.id for a in assigned]) & Evaluation.submitted_at.is_not_null()
        )
        if not assigned or marked or any(a.declared_at for a in assigned):
            problems.append(f"{user.email} has no lot of it waiting to be declared and marked")
    return problems


async def test_the_readme_tour_names_the_demos_frameworks_stages_and_sign_ins_loaded_today_or_next_january(demo_engine, january_demo):
    assert await tour_problems() == []
    assert await tour_sign_in_problems(demo_engine) == []
    today = {f.reference: f.title for f in await Framework.objects()}
    db.bind(january_demo.engine)
    moment = clock.ControlledClock()
    moment.set(NEXT_JANUARY + timedelta(hours=1))
    previous = clock.use(moment)
    try:
        assert await tour_problems() == []
        assert await tour_sign_in_problems(january_demo) == []
        assert {f.reference: f.title for f in await Framework.objects()} == today  # the same references, whatever the year
    finally:
        clock.use(previous)
