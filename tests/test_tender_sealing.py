"""Rule 1: no one reads a submitted tender before the deadline and a two-officer opening, and until
the deadline no one but its organisation learns that it exists.

Every GET route of the app is requested as every role at every stage around the deadline, and no
response may contain anything only the tender holds. After the opening only the authority's
procurement officers may. Before the deadline every GET route answers every other role the same
whether or not tenders have been drafted, submitted and withdrawn; after it the officers learn the
number per lot and nothing more; an evaluator gets one answer for every tender id until it may read
the lot; the admin's audit log and outbox keep the bidders' events sealed until the opening; a
mini-competition's buyer learns nothing of the answers until the response deadline. Reading an
opened tender is audited. And the last-second rush: every on-time submission is stored once, every
late one refused."""

import asyncio
import contextlib
import contextvars
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from litestar.routes import HTTPRoute

from registry import clock
from registry.accounts.tables import OrganisationKind, Role, User
from registry.app import create_app
from registry.audit import service as audit
from registry.audit.tables import AuditEvent
from registry.engagements import service as engagements
from registry.evaluation import service as evaluation
from registry.frameworks import service as frameworks
from registry.tenders import opening
from registry.tenders import service as tenders
from registry.tenders.tables import Tender, TenderDocument, TenderSubmission
from tests.conftest import app_client
from tests.support import current, make_user, officer_and_supplier
from tests.test_framework_pages import sign_in
from tests.tendering import TENDER_DEADLINE, FixedClock, complete_draft, open_for_tenders, registered

SECRETS = ("SEALED-QUALITY-ANSWER", "SEALED-SELECTION-DETAIL", "SEALED-DOCUMENT-TITLE", "48,250.50", "48250.50")
NOTHING_OF_TENDERS = (  # pages and files that show nothing of any framework, nor anything a tender says
    "/static", "/assets", "/_test", "/schema", "/healthz", "/sign-", "/register", "/confirm-email", "/password-reset", "/account",
    "/admin/users", "/manage/frameworks/new", "/organisation/users", "/organisation/profile",
    "/suppliers",  # the supplier directory: appointed suppliers' profiles, nothing of any tender
    "/reports",
    "/commissioning", "/organisation/engagements",  # engagements: nothing of any tender
)
PDF = b"%PDF-1.4\nSEALED-DOCUMENT-BYTES\n%%EOF\n"


async def same_authority(officer, email: str, roles: tuple[Role, ...]):
    user = await make_user(email=email, roles=roles)
    await User.update({User.organisation: officer.organisation_id}).where(User.id == user.id)
    return await current(user)


async def cast(officer, supplier):
    """Everyone who might try to look, signed in or not, by the email they sign in with."""
    await same_authority(officer, "second.officer@authority.example", (Role.PROCUREMENT_OFFICER,))
    await same_authority(officer, "evaluator@authority.example", (Role.EVALUATOR,))
    await same_authority(officer, "admin@authority.example", (Role.ADMIN,))
    await make_user(email="officer@elsewhere.example", roles=(Role.PROCUREMENT_OFFICER,))
    rival = await current(await make_user(email="rival@supplier.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER))
    return rival


def get_routes(settings) -> list[str]:
    app = create_app(settings)
    return sorted(
        route.path for route in app.routes
        if isinstance(route, HTTPRoute) and "GET" in route.methods and not route.path.startswith(NOTHING_OF_TENDERS) and route.path != "/"
    )


def concrete(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace(name, value)
    return path


async def leaks(client, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        response = await client.get(path, headers={"Accept": "text/html"})
        body = response.content.decode("utf-8", errors="replace")
        found += [f"{path} ({response.status_code}) shows {secret!r}" for secret in SECRETS if secret in body]
        if b"SEALED-DOCUMENT-BYTES" in response.content:
            found.append(f"{path} ({response.status_code}) serves the sealed document")
    return found


async def test_sealed_content_never_leaks_to_any_role_through_any_page(database, settings, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    rival = await cast(officer, supplier)
    for bidder in (supplier, rival):
        await registered(bidder, framework.reference)
    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=10))
    await complete_draft(supplier, framework.reference, 1, found, price="48250.50")
    await tenders.save_quality_answer(supplier, framework.reference, 1, found["approach"].id, "SEALED-QUALITY-ANSWER")
    await tenders.save_selection(supplier, framework.reference, 1, {found["insurance"].id: ("yes", "SEALED-SELECTION-DETAIL")})
    await tenders.attach_document(supplier, framework.reference, 1, title="SEALED-DOCUMENT-TITLE", filename="method.pdf", data=PDF, files_dir=settings.files_dir)
    await tenders.submit(supplier, framework.reference, 1)
    await complete_draft(rival, framework.reference, 1, found, price="1000")
    await tenders.submit(rival, framework.reference, 1)
    tender = (await tenders.workspace(supplier, framework.reference, 1)).tender
    document = await TenderDocument.objects().first()

    values = {
        "{reference:str}": framework.reference, "{lot:int}": "1", "{tender_id:int}": str(tender.id), "{sha256:str}": document.sha256,
        "{number:int}": "1", "{document_id:int}": str(document.id), "{criterion_id:int}": str(found["approach"].id),
        "{kind:str}": "tender", "{version:int}": "1", "{user_id:int}": str(officer.id),
        "{ocid_file:str}": f"{settings.ocid_prefix}-{framework.reference}.json",  # the framework's OCDS record
    }
    paths = [concrete(path, values) for path in get_routes(settings)]
    paths = [path.replace("{", "").replace("}", "") if "{" in path else path for path in paths]  # any other parameter: a miss

    watchers = {
        "anonymous": None, "rival supplier": "rival@supplier.example", "officer": "officer@authority.example",
        "evaluator": "evaluator@authority.example", "admin": "admin@authority.example", "another authority's officer": "officer@elsewhere.example",
    }
    async with contextlib.AsyncExitStack() as stack:
        clients = {}
        for role, email in watchers.items():
            clients[role] = await stack.enter_async_context(app_client(settings))
            if email:
                await sign_in(clients[role], email)

        async def stage(name: str, allowed: tuple[str, ...] = ()) -> list[str]:
            problems = []
            for role, client in clients.items():
                seen = await leaks(client, paths)
                if role in allowed:
                    assert seen, f"{role} cannot read the opened tender"
                else:
                    problems += [f"{name}, as {role}: {leak}" for leak in seen]
            return problems

        problems = await stage("before the deadline")
        controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
        await opening.request(officer, framework.reference)
        problems += await stage("after the deadline, opening requested")
        second = await current(await User.objects().get(User.email == "second.officer@authority.example"))
        await opening.confirm(second, framework.reference)
        problems += await stage("opened", allowed=("officer",))
    assert not problems, "\n".join(problems)


# --- The last-second rush -----------------------------------------------------------------------

arrival: contextvars.ContextVar[datetime] = contextvars.ContextVar("arrival")


class ArrivalClock:
    """Each task's own moment of arrival, so that on-time and late submissions can race."""

    def now(self) -> datetime:
        return arrival.get()


@pytest.mark.parametrize("bidders", [12])
async def test_in_the_last_second_every_on_time_tender_is_stored_once_and_every_late_one_refused(database, controlled_clock, bidders):
    officer, _ = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=5))
    suppliers = []
    for n in range(bidders):
        user = await current(await make_user(email=f"bidder{n}@suppliers.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER))
        await registered(user, framework.reference)
        await complete_draft(user, framework.reference, 1, found, price=str(1000 + n))
        suppliers.append(user)

    async def submit(user, moment: datetime):
        arrival.set(moment)
        try:
            return await tenders.submit(user, framework.reference, 1)
        except tenders.DeadlinePassed:
            return "late"

    previous = clock.use(ArrivalClock())
    try:
        attempts = []
        for n, user in enumerate(suppliers):
            on_time = n % 3 != 0
            moment = TENDER_DEADLINE - timedelta(microseconds=1 + n) if on_time else TENDER_DEADLINE + timedelta(microseconds=n)
            attempts.append((user, on_time, moment))
        outcomes = await asyncio.gather(
            *(submit(user, moment) for user, _, moment in attempts),
            *(submit(user, moment) for user, on_time, moment in attempts if on_time),  # double clicks
        )
    finally:
        clock.use(previous)

    first_round = outcomes[: len(attempts)]
    for (user, on_time, moment), outcome in zip(attempts, first_round):
        if on_time:
            assert outcome != "late" and outcome.received_at == moment
        else:
            assert outcome == "late"
    stored = await TenderSubmission.select(TenderSubmission.tender.organisation.as_alias("organisation"))
    on_time_organisations = sorted(user.organisation_id for user, on_time, _ in attempts if on_time)
    assert sorted(row["organisation"] for row in stored) == on_time_organisations  # each once, no late one


# --- Whether, how many, when and by whom ----------------------------------------------------------
# Until the tender deadline no one but the bidding organisation may tell, from any page, that tenders
# exist: every GET route, as every other role, answers the same before and after tenders are drafted,
# submitted and withdrawn. The admin's audit log is looked at on its own (the sweep itself adds
# refusals to it).

SAME_FOR_EVERYONE = ("/static", "/assets", "/_test", "/schema", "/healthz", "/sign-", "/confirm-email", "/password-reset", "/admin/audit")
SUBMITTED, DRAFTED = 1, 2  # the ids the bidder's tenders get: lot 1 submitted, lot 2 only drafted
PDF_SHA256 = hashlib.sha256(PDF).hexdigest()
BIDDER = "bids@supplier.example"


@dataclass
class Tendering:
    """A framework open for tenders with its cast: lot 1's panel (one evaluator on it, one removed from
    it), evaluators elsewhere, other suppliers, the admin, another authority's officer."""

    framework: object
    found: dict
    officer: object
    second: object
    bidder: object
    another: object  # a second bidding organisation
    assignments: dict  # email: assignment id

    @property
    def reference(self) -> str:
        return self.framework.reference


async def tendering(settings, controlled_clock) -> Tendering:
    officer, bidder = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    rival = await cast(officer, bidder)
    second = await current(await User.objects().get(User.email == "second.officer@authority.example"))
    another = await current(await make_user(email="bids@another.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER))
    for email in ("removed.evaluator@authority.example", "other.evaluator@authority.example"):
        await same_authority(officer, email, (Role.EVALUATOR,))
    for supplier in (bidder, rival, another):
        await registered(supplier, framework.reference)
    assignments = {}
    for email in ("evaluator@authority.example", "removed.evaluator@authority.example"):
        user = await User.objects().get(User.email == email)
        assignments[email] = (await evaluation.assign(officer, framework.reference, 1, user.id)).id
    await evaluation.remove(officer, framework.reference, assignments["removed.evaluator@authority.example"])
    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=10))  # sessions signed in now last past the deadline
    return Tendering(framework, found, officer, second, bidder, another, assignments)


async def tenders_come_in(world: Tendering, files_dir) -> None:
    """The bidder submits lot 1 with a document and drafts lot 2; another organisation submits lot 1,
    and submits then withdraws lot 2."""
    reference, found = world.reference, world.found
    await complete_draft(world.bidder, reference, 1, found, price="48250.50")
    await tenders.attach_document(world.bidder, reference, 1, title="Method", filename="method.pdf", data=PDF, files_dir=files_dir)
    await tenders.submit(world.bidder, reference, 1)
    await tenders.save_price(world.bidder, reference, 2, "1000")
    await complete_draft(world.another, reference, 1, found, price="50000")
    await tenders.submit(world.another, reference, 1)
    await complete_draft(world.another, reference, 2, found, price="50000")
    await tenders.submit(world.another, reference, 2)
    await tenders.withdraw(world.another, reference, 2)
    ids = {(t.organisation, t.lot): t.id for t in await Tender.objects()}
    lots = {lot.number: lot.id for lot in await frameworks.lots(world.framework.id)}
    assert ids[(world.bidder.organisation_id, lots[1])] == SUBMITTED and ids[(world.bidder.organisation_id, lots[2])] == DRAFTED


WATCHERS = {  # everyone but the bidding organisation
    "anonymous": None, "another supplier": "rival@supplier.example", "officer": "officer@authority.example",
    "evaluator on the lot's panel": "evaluator@authority.example", "evaluator removed from the panel": "removed.evaluator@authority.example",
    "another evaluator": "other.evaluator@authority.example", "admin": "admin@authority.example",
    "another authority's officer": "officer@elsewhere.example",
}


def every_get_route(settings, values: dict[str, list[str]]) -> list[str]:
    """Every GET route with each of its parameters' values (a parameter with several: each of them)."""
    app = create_app(settings)
    paths = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "GET" not in route.methods or route.path.startswith(SAME_FOR_EVERYONE) or route.path == "/":
            continue
        expanded = [route.path]
        for name, choices in values.items():
            expanded = [path.replace(name, choice) for path in expanded for choice in (choices if name in path else [name])]
        paths += [path.replace("{", "").replace("}", "") for path in expanded]  # any other parameter: a miss
    return sorted(set(paths))


def steady(body: str) -> str:
    """The body without what differs on every request: form tokens, the directory's random order, the
    time an iCalendar feed was made."""
    for varying, kept in ((r'name="_csrf_token" value="[^"]*"', 'name="_csrf_token"'), (r"seed(=|\":)\d+", "seed"), (r"DTSTAMP:\w+", "DTSTAMP")):
        body = re.sub(varying, kept, body)
    return body


async def seen(client, paths: list[str]) -> dict[str, tuple[int, str]]:
    found = {}
    for path in paths:
        response = await client.get(path, headers={"Accept": "text/html"})
        found[path] = (response.status_code, steady(response.content.decode("utf-8", errors="replace")))
    return found


@contextlib.contextmanager
def stopped_at(moment):
    previous = clock.use(FixedClock(moment))
    try:
        yield
    finally:
        clock.use(previous)


def differences(before: dict, after: dict) -> list[str]:
    changed = []
    for path, (status, body) in before.items():
        later_status, later_body = after[path]
        if (status, body) != (later_status, later_body):
            first = next((i for i, (a, b) in enumerate(zip(body, later_body)) if a != b), min(len(body), len(later_body)))
            changed.append(f"{path}: {status} -> {later_status}, from …{later_body[max(first - 80, 0):first + 120]!r}")
    return changed


@contextlib.asynccontextmanager
async def signed_in_as(settings, watchers: dict[str, str | None]):
    async with contextlib.AsyncExitStack() as stack:
        clients = {}
        for role, email in watchers.items():
            clients[role] = await stack.enter_async_context(app_client(settings))
            if email:
                await sign_in(clients[role], email)
        yield clients


async def test_before_the_deadline_no_page_tells_anyone_but_the_bidder_that_tenders_exist(database, settings, controlled_clock):
    world = await tendering(settings, controlled_clock)
    values = {
        "{reference:str}": [world.reference], "{lot:int}": ["1", "2"], "{tender_id:int}": [str(SUBMITTED), str(DRAFTED)],
        "{sha256:str}": [PDF_SHA256], "{number:int}": ["1"], "{document_id:int}": ["1"], "{criterion_id:int}": [str(world.found["approach"].id)],
        "{kind:str}": ["tender"], "{version:int}": ["1"], "{user_id:int}": [str(world.bidder.id)],
        "{assignment_id:int}": [str(a) for a in world.assignments.values()], "{organisation_id:int}": [str(world.bidder.organisation_id)],
        "{ocid_file:str}": [f"{settings.ocid_prefix}-{world.reference}.json"],
    }
    paths = every_get_route(settings, values)
    async with signed_in_as(settings, WATCHERS) as clients:
        moment = clock.now()  # both sweeps are seen at one still moment, so that no page's "waiting for 5 minutes" moves on
        with stopped_at(moment):
            before = {role: await seen(client, paths) for role, client in clients.items()}
        await tenders_come_in(world, settings.files_dir)
        with stopped_at(moment):
            after = {role: await seen(client, paths) for role, client in clients.items()}
    problems = [f"as {role}: {change}" for role in WATCHERS for change in differences(before[role], after[role])]
    problems += [f"as {role}: {path} fails ({status})" for role in WATCHERS for path, (status, _) in after[role].items() if status >= 500]
    assert not problems, "\n".join(problems)


async def test_the_admin_audit_log_and_outbox_keep_tender_events_sealed_until_the_opening(database, settings, controlled_clock):
    world = await tendering(settings, controlled_clock)
    await tenders_come_in(world, settings.files_dir)
    searches = ({}, {"actor": BIDDER}, {"action": "tender.submitted"}, {"object_type": "tender"}, {"object_id": str(SUBMITTED)})
    sealed_marks = (PDF_SHA256, "tender.submitted", "tender.draft_saved", "tender.document_attached", "tender.withdrawn", "tender received", "tender withdrawn")
    async with signed_in_as(settings, {"admin": "admin@authority.example"}) as clients:
        admin = clients["admin"]

        async def shown() -> str:
            pages = [(await admin.get("/admin/audit", params=search)).text for search in searches]
            return "\n".join([*pages, (await admin.get("/admin/outbox")).text])

        before = await shown()
        assert not [mark for mark in sealed_marks if mark in before], "the admin sees sealed tender events before the deadline"
        controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
        await opening.request(world.officer, world.reference)
        assert not [mark for mark in sealed_marks if mark in await shown()], "the admin sees sealed tender events before the opening"
        await opening.confirm(world.second, world.reference)
        opened = await shown()
    assert [mark for mark in sealed_marks if mark not in opened] == []
    assert (await audit.verify()).ok  # the log itself was whole all along


async def test_after_the_deadline_officers_learn_how_many_tenders_each_lot_has_and_nothing_more(database, settings, controlled_clock):
    world = await tendering(settings, controlled_clock)
    await tenders_come_in(world, settings.files_dir)
    controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
    base = f"/manage/frameworks/{world.reference}"
    async with signed_in_as(settings, {"officer": "officer@authority.example"}) as clients:
        officer = clients["officer"]
        evaluation_page = (await officer.get(f"{base}/evaluation")).text
        assert "2 tenders to evaluate" in evaluation_page and "0 tenders to evaluate" in evaluation_page
        assert "Tenders received: 2" in (await officer.get(f"{base}/award/lots/1")).text
        pages = [(await officer.get(path)).text for path in (f"{base}/evaluation", f"{base}/award", f"{base}/award/lots/1", f"{base}/tenders", base)]
        for name in ("Org of bids@supplier.example", "Org of bids@another.example"):
            assert not [page for page in pages if name in page], f"the officer learns that {name} tendered"
        assert (await officer.get(f"{base}/tenders/{SUBMITTED}")).status_code == 403
        assert (await officer.get(f"{base}/tenders/opening-report")).status_code == 403


async def probe(client, reference: str, assignment: int, tender_ids: list[int]) -> set[tuple[int, str]]:
    """What an evaluator learns by asking for each tender id (and its document) under an assignment."""
    answers = set()
    for tender_id in tender_ids:
        for suffix in ("", f"/documents/{PDF_SHA256}"):
            response = await client.get(f"/evaluation/{assignment}/tenders/{tender_id}{suffix}")
            answers.add((response.status_code, steady(response.text).replace(f"/tenders/{tender_id}", "/tenders/N")))
    api = {(await client.get(f"/api/v1/frameworks/{reference}/tenders/{tender_id}")).status_code for tender_id in tender_ids}
    return answers | {(status, "api") for status in api}


async def test_an_evaluator_gets_the_same_answer_for_every_tender_id_until_the_lot_is_readable_to_them(database, settings, controlled_clock):
    world = await tendering(settings, controlled_clock)
    await tenders_come_in(world, settings.files_dir)
    ids = [SUBMITTED, DRAFTED, 3, 4, 999]  # the bidder's, its draft, the other organisation's (lot 1, and lot 2 withdrawn), none
    active, removed = world.assignments["evaluator@authority.example"], world.assignments["removed.evaluator@authority.example"]
    evaluator = await current(await User.objects().get(User.email == "evaluator@authority.example"))
    async with signed_in_as(settings, {"on the panel": "evaluator@authority.example", "removed": "removed.evaluator@authority.example"}) as clients:
        stages = {}
        stages["before the deadline"] = await probe(clients["on the panel"], world.reference, active, ids)
        controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
        stages["after the deadline"] = await probe(clients["on the panel"], world.reference, active, ids)
        await opening.request(world.officer, world.reference)
        await opening.confirm(world.second, world.reference)
        stages["opened, before declaring"] = await probe(clients["on the panel"], world.reference, active, ids)
        stages["removed from the panel, after the opening"] = await probe(clients["removed"], world.reference, removed, ids)
        for stage, answers in stages.items():
            assert {status for status, _ in answers} == {403}, f"{stage}: {sorted(status for status, _ in answers)}"
            assert len({body for _, body in answers if body != "api"}) == 1, f"{stage}: the answer depends on the tender id"
        assert (await clients["removed"].get(f"/evaluation/{removed}")).status_code == 200
        assert "Org of bids@supplier.example" not in (await clients["removed"].get(f"/evaluation/{removed}")).text
        await evaluation.declare(evaluator, active, conflicted=False, details="")
        reads = {tender_id: (await clients["on the panel"].get(f"/evaluation/{active}/tenders/{tender_id}")).status_code for tender_id in ids}
    assert reads == {SUBMITTED: 200, DRAFTED: 404, 3: 200, 4: 404, 999: 404}


async def test_reading_an_opened_tender_or_its_document_is_audited(database, settings, controlled_clock):
    world = await tendering(settings, controlled_clock)
    await tenders_come_in(world, settings.files_dir)
    controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
    await opening.request(world.officer, world.reference)
    await opening.confirm(world.second, world.reference)
    evaluator = await current(await User.objects().get(User.email == "evaluator@authority.example"))
    active = world.assignments["evaluator@authority.example"]
    await evaluation.declare(evaluator, active, conflicted=False, details="")
    base = f"/manage/frameworks/{world.reference}/tenders/{SUBMITTED}"
    reads = {
        "officer@authority.example": [base, f"{base}/documents/{PDF_SHA256}", f"/api/v1/frameworks/{world.reference}/tenders/{SUBMITTED}"],
        "evaluator@authority.example": [f"/evaluation/{active}/tenders/{SUBMITTED}", f"/evaluation/{active}/tenders/{SUBMITTED}/documents/{PDF_SHA256}"],
        BIDDER: [f"/api/v1/frameworks/{world.reference}/tenders/{SUBMITTED}"],  # its own: not an event
    }
    async with signed_in_as(settings, {email: email for email in reads}) as clients:
        for email, paths in reads.items():
            for path in paths:
                assert (await clients[email].get(path)).status_code == 200, path
    events = await AuditEvent.objects().where(AuditEvent.action.is_in(["tender.read", "tender.document_read"])).order_by(AuditEvent.sequence)
    assert [(e.actor_email, e.action, e.object_type, e.object_id) for e in events] == [
        ("officer@authority.example", "tender.read", "tender", str(SUBMITTED)),
        ("officer@authority.example", "tender.document_read", "tender", str(SUBMITTED)),
        ("officer@authority.example", "tender.read", "tender", str(SUBMITTED)),
        ("evaluator@authority.example", "tender.read", "tender", str(SUBMITTED)),
        ("evaluator@authority.example", "tender.document_read", "tender", str(SUBMITTED)),
    ]
    assert json.loads(events[1].payload)["sha256"] == PDF_SHA256
    assert not [e for e in events if "48250" in e.payload or "Method" in e.payload]  # who read what, never what it says


# --- Mini-competition responses -------------------------------------------------------------------


async def test_before_the_response_deadline_the_buyer_learns_nothing_of_who_responded_or_when(database, settings, controlled_clock):
    from tests.commissioning import Supplier, live_framework, picks

    deadline = datetime(2027, 4, 8, 11, 0, tzinfo=UTC)
    controlled_clock.set(deadline - timedelta(minutes=20))
    live = await live_framework([Supplier("Alpha", ranks={1: 1}), Supplier("Beta", ranks={1: 2}), Supplier("Gamma", ranks={1: 3})])
    await same_authority(live.commissioner, "admin@live-2027.example", (Role.ADMIN,))
    engagement = await engagements.create_brief(live.commissioner, engagements.Brief(lot_id=live.lots[1].id, title="Buses", objectives="Hear from people.", groups=("older-people",)))
    await engagements.set_up_competition(live.commissioner, engagement.reference, criteria=picks(live, ("Approach", 70)), price_weight=30, deadline=deadline)
    await engagements.invite(live.commissioner, engagement.reference)
    base = f"/commissioning/{engagement.reference}"
    paths = ["/commissioning", base, f"{base}/responses", f"/api/v1/engagements/{engagement.reference}", "/api/v1/engagements", "/reports",
             f"/reports/frameworks/{live.reference}"]
    async with signed_in_as(settings, {"buyer": "commissioner@live-2027.example", "admin": "admin@live-2027.example"}) as clients:
        before = await seen(clients["buyer"], paths)
        assert "Responses are sealed until the deadline" in before[base][1]
        controlled_clock.set(deadline - timedelta(minutes=10))
        await engagements.accept(live.users["Alpha"], engagement.reference)
        await engagements.respond(live.users["Alpha"], engagement.reference, proposal="Workshops", price_pence=3_000_000)
        await engagements.accept(live.users["Beta"], engagement.reference)
        await engagements.decline(live.users["Gamma"], engagement.reference, reason="Fully booked")
        after = await seen(clients["buyer"], paths)
        audit_log = (await clients["admin"].get("/admin/audit")).text
        controlled_clock.set(deadline)
        responses = (await clients["buyer"].get(f"{base}/responses")).text
        unsealed_log = (await clients["admin"].get("/admin/audit")).text
    problems = differences(before, after)
    assert not problems, "\n".join(problems)
    assert "engagement.responded" not in audit_log and "bids@alpha.example" not in audit_log
    assert "engagement.responded" in unsealed_log and "bids@alpha.example" in unsealed_log
    assert "Responded" in responses and "Declined: Fully booked" in responses
