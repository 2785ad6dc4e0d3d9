"""Rule 1: no one reads a submitted tender before the deadline and a two-officer opening.

Every GET route of the app is requested as every role at every stage around the deadline, and no
response may contain anything only the tender holds. After the opening only the authority's
procurement officers may. And the last-second rush: every on-time submission is stored once, every
late one refused."""

import asyncio
import contextlib
import contextvars
from datetime import datetime, timedelta

import pytest
from litestar.routes import HTTPRoute

from registry import clock
from registry.accounts.tables import OrganisationKind, Role, User
from registry.app import create_app
from registry.tenders import opening
from registry.tenders import service as tenders
from registry.tenders.tables import TenderDocument, TenderSubmission
from tests.conftest import app_client
from tests.support import current, make_user, officer_and_supplier
from tests.test_framework_pages import sign_in
from tests.tendering import TENDER_DEADLINE, complete_draft, open_for_tenders, registered

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
