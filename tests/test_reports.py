"""The authority's call-off report: spend by lot and supplier, SME share, reach, ratings, and CSV."""

import csv
import html
import io
from datetime import datetime, timezone

import pytest

from registry.engagements import reports
from registry.engagements.tables import Engagement, EngagementState, PerformanceReview, Reach
from registry.frameworks.tables import CallOffRoute
from registry.errors import Refused
from tests.awarding import user
from tests.commissioning import Supplier, live_framework
from tests.test_framework_pages import sign_in
from tests.conftest import app_client

MOMENT = datetime(2027, 5, 1, 9, 0, tzinfo=timezone.utc)


async def engagement(live, number: int, lot: int, state: EngagementState, *, supplier: str | None = None, price: int | None = None,
                     title: str | None = None, regions=("glasgow-city",), groups=("older-people",)) -> int:
    row = Engagement(
        reference=f"{live.reference}-E{number:03d}", framework=live.framework.id, lot=live.lots[lot].id, buyer=live.authority,
        created_by=live.commissioner.id, title=title or f"Engagement {number}", objectives="Hear from people", regions=list(regions),
        groups=list(groups), methods=["focus-groups"], budget_pence=5_000_000, route=CallOffRoute.DIRECT_AWARD, state=state,
        supplier=live.organisations[supplier] if supplier else None, awarded_price_pence=price,
        awarded_at=MOMENT if price else None, completed_at=MOMENT if state == EngagementState.COMPLETED else None,
        created_at=MOMENT, updated_at=MOMENT,
    )
    await row.save()
    return row.id


@pytest.fixture
async def live(database):
    live = await live_framework([
        Supplier("Alder Engagement", ranks={1: 1}, size="small"),
        Supplier("Birch Research", ranks={1: 2}, size="large"),
        Supplier("Cedar Youth", ranks={2: 1}, size="micro"),
    ])
    completed = await engagement(live, 1, 1, EngagementState.COMPLETED, supplier="Alder Engagement", price=1_000_000, title="=HYPERLINK(1)")
    await Reach.insert(
        Reach(engagement=completed, group_code="older-people", participants=40), Reach(engagement=completed, group_code="disabled-people", participants=10),
    )
    await PerformanceReview.insert(PerformanceReview(
        engagement=completed, supplier=live.organisations["Alder Engagement"], quality=4, timeliness=5, inclusion=3, value=4,
        comments="Good work", reviewed_by=live.commissioner.id, reviewed_at=MOMENT,
    ))
    await engagement(live, 2, 1, EngagementState.IN_DELIVERY, supplier="Birch Research", price=3_000_000, regions=("highland",))
    await engagement(live, 3, 2, EngagementState.AWARDED, supplier="Cedar Youth", price=500_000)
    await engagement(live, 4, 1, EngagementState.CANCELLED, regions=("fife",))
    await engagement(live, 5, 2, EngagementState.DRAFT)
    return live


async def test_the_report_adds_up_spend_by_lot_and_supplier_with_the_sme_share(live):
    report = await reports.framework_report(live.commissioner, live.framework)

    assert report.spend_pence == 4_500_000
    lot_one, lot_two = report.lots
    assert (lot_one.engagements, lot_one.spend_pence, lot_one.remaining_pence) == (3, 4_000_000, 50_000_000 - 4_000_000)
    assert (lot_two.engagements, lot_two.spend_pence) == (2, 500_000)
    assert [(line.name, line.spend_pence) for line in report.suppliers] == [
        ("Birch Research", 3_000_000), ("Alder Engagement", 1_000_000), ("Cedar Youth", 500_000),
    ]
    assert str(report.sme_share()) == "33.3"  # £15,000 of £45,000 went to the small and the micro supplier
    assert report.sme_suppliers == 2


async def test_the_report_counts_reach_and_ratings_and_leaves_out_cancelled_briefs(live):
    report = await reports.framework_report(live.officer, live.framework)

    assert ("Older people", 4, 40) in report.groups  # four briefs aimed at them (not the cancelled one); 40 reached
    assert ("Disabled people", 0, 10) in report.groups
    assert dict(report.regions) == {"Glasgow City": 3, "Highland": 1}
    assert str(report.ratings.overall()) == "4.0"
    assert str(report.ratings.average("timeliness")) == "5.0"
    assert str(report.suppliers[1].ratings.overall()) == "4.0"
    assert report.suppliers[0].ratings.overall() is None


async def test_a_supplier_cannot_read_the_report(live):
    with pytest.raises(Refused):
        await reports.framework_report(live.users["Alder Engagement"], live.framework)


async def test_the_csv_has_a_row_per_engagement_and_cannot_run_formulas(live):
    rows = list(csv.reader(io.StringIO(reports.as_csv(await reports.framework_report(live.commissioner, live.framework)))))

    assert rows[0][:3] == ["Reference", "Title", "Lot"]
    assert len(rows) == 6
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Title"] == "'=HYPERLINK(1)"
    assert (first["Supplier"], first["SME"], first["Awarded price (£)"], first["Participants reached"]) == ("Alder Engagement", "yes", "10000.00", "50")
    assert first["Rating: timeliness"] == "5"


async def test_the_report_pages_for_the_authority_and_a_403_for_another(live, settings):
    async with app_client(settings) as client:
        await sign_in(client, live.commissioner.email)
        index = await client.get("/reports")
        assert live.framework.title in html.unescape(index.text)
        page = await client.get(f"/reports/frameworks/{live.reference}")
        assert page.status_code == 200
        assert "33.3%" in page.text and "Birch Research" in page.text
        download = await client.get(f"/reports/frameworks/{live.reference}/engagements.csv")
        assert download.headers["content-type"].startswith("text/csv")
        assert "attachment" in download.headers["content-disposition"]

    from registry.accounts import service as accounts
    from registry.accounts.tables import OrganisationKind

    elsewhere = await accounts.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name="Another Council")
    await user("commissioner@another.example", ("commissioner",), elsewhere)
    async with app_client(settings) as client:
        await sign_in(client, "commissioner@another.example")
        assert (await client.get(f"/reports/frameworks/{live.reference}")).status_code == 403
        assert live.framework.title not in html.unescape((await client.get("/reports")).text)
