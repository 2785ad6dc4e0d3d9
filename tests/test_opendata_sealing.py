"""Nothing sealed reaches the open data before the award: a seeded tender's distinctive answers and
price, and a mini-competition response's proposal and price, are searched for in every open-data
feed (OCDS releases and records, CSV, the open-data page, the calendars) before the tender deadline,
after the two-officer opening, and while the mini-competition runs."""

from datetime import timedelta

from litestar.routes import HTTPRoute

from registry.app import create_app
from registry.engagements import service as engagements
from registry.opendata import ocds
from registry.tenders import opening
from registry.tenders import service as tenders
from tests.commissioning import Supplier, live_framework, picks
from tests.conftest import app_client
from tests.support import officer_and_supplier
from tests.tendering import TENDER_DEADLINE, colleague, complete_draft, open_for_tenders, registered

SECRETS = (
    "SEALED-QUALITY-ANSWER", "SEALED-SELECTION-DETAIL", "48,250.50", "48250.5", "SEALED-PROPOSAL-TEXT", "7654.32", "7,654.32", "765432",
    "Org of bids@supplier.example",  # the bidder: tenderers are named only once the award is published
)


async def feeds(client, settings) -> list[str]:
    """Every open-data address: each route, with each contracting process's record."""
    package = (await client.get("/open-data/ocds/releases.json?page_size=500")).json()
    ocids = sorted({release["ocid"] for release in package["releases"]})
    routes = sorted(route.path for route in create_app(settings).routes if isinstance(route, HTTPRoute) and route.path.startswith("/open-data"))
    paths = []
    for route in routes:
        if "{ocid_file:str}" in route:
            paths += [route.replace("{ocid_file:str}", f"{ocid}.json") for ocid in ocids]
        else:
            paths.append(route)
    return paths


async def leaks(client, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, path
        found += [f"{path} shows {secret!r}" for secret in SECRETS if secret in response.text]
    return found


async def test_no_feed_shows_anything_sealed_before_the_award(database, settings, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=10))
    await complete_draft(supplier, framework.reference, 1, found, price="48250.50")
    await tenders.save_quality_answer(supplier, framework.reference, 1, found["approach"].id, "SEALED-QUALITY-ANSWER")
    await tenders.save_selection(supplier, framework.reference, 1, {found["insurance"].id: ("yes", "SEALED-SELECTION-DETAIL")})
    await tenders.submit(supplier, framework.reference, 1)

    live = await live_framework([Supplier("Alpha", {1: 1}), Supplier("Beta", {1: 2})])
    engagement = await engagements.create_brief(live.commissioner, engagements.Brief(
        lot_id=live.lots[1].id, title="Panel on parks", groups=("children-and-young-people",), budget_pence=900_000,
    ))
    deadline = TENDER_DEADLINE + timedelta(days=10)
    await engagements.set_up_competition(live.commissioner, engagement.reference, criteria=picks(live, ("Approach", 70)), price_weight=30, deadline=deadline)
    await engagements.invite(live.commissioner, engagement.reference)
    await engagements.respond(live.users["Alpha"], engagement.reference, proposal="SEALED-PROPOSAL-TEXT", price_pence=765_432)

    problems = []
    async with app_client(settings) as client:
        paths = await feeds(client, settings)
        assert f"/open-data/ocds/records/{ocds.ocid_for(engagement.reference)}.json" in paths
        assert f"/open-data/ocds/records/{ocds.ocid_for(framework.reference)}.json" in paths
        paths += ["/open-data/calendar.ics", f"/frameworks/{framework.reference}/calendar.ics"]
        problems += [f"before the deadline: {leak}" for leak in await leaks(client, paths)]

        controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
        await opening.request(officer, framework.reference)
        await opening.confirm(await colleague(officer, "second.officer@authority.example", ("procurement_officer",)), framework.reference)
        controlled_clock.set(deadline + timedelta(minutes=1))  # the mini-competition's responses are unsealed for its buyer only
        problems += [f"opened, not awarded: {leak}" for leak in await leaks(client, paths)]
        assert not problems, "\n".join(problems)

        # Once awarded, the awarded price is published (and so the search above would have found it), the proposal never
        competition = await engagements.competition(await engagements.for_buyer(live.commissioner, engagement.reference), live.authority)
        criterion = competition.criteria[0]
        response = next(view.invitation for view in competition.responses if view.responded)
        await engagements.record_scores(live.commissioner, engagement.reference, response.id, {criterion.id: (4, "")})
        await engagements.award_competition(live.commissioner, engagement.reference, invitation_id=response.id, reason=None)
        found = await leaks(client, paths)
        assert "/open-data/engagements.csv shows '7654.32'" in found
        assert f"/open-data/ocds/records/{ocds.ocid_for(engagement.reference)}.json shows '7654.32'" in found
        assert not [leak for leak in found if "SEALED" in leak]
