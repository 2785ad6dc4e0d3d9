"""Issue 26, finding 8: a call-off of £50,000 or more under a Scotland-regime framework has its award
publicised (Procurement Reform (Scotland) Act 2014 s.23(2), a regulated contract by s.3): the service
publishes its contract award notice at the award. Under £50,000, or under an England-regime
framework, there is none. Service-level, then the public page and the commissioner's."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from registry.engagements import service
from registry.frameworks.tables import Framework
from registry.opendata.tables import Release
from tests.commissioning import Supplier, live_framework
from tests.test_framework_pages import sign_in

NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
SUPPLIERS = [Supplier("Alpha", ranks={1: 1}), Supplier("Beta", ranks={1: 2})]
BRIEF = {"title": "Young people and buses", "objectives": "Hear from young people.", "groups": ("children-and-young-people",)}
SOURCE = "Procurement Reform (Scotland) Act 2014 s.23(2)"


async def awarded_under(regime: str, price_pence: int):
    live = await live_framework(SUPPLIERS)
    await Framework.update({Framework.regime: regime}).where(Framework.id == live.framework.id)
    engagement = await service.create_brief(live.commissioner, service.Brief(lot_id=live.lots[1].id, **BRIEF))
    awarded = await service.direct_award(live.commissioner, engagement.reference, supplier_id=live.organisations["Alpha"], price_pence=price_pence, reason=None)
    return live, awarded


async def award_release(reference: str) -> dict:
    stored = await Release.objects().where(Release.release_id == f"{reference}-awarded").first()
    return json.loads(stored.data)


@pytest.mark.parametrize(("regime", "price_pence", "noticed"), [
    ("scotland", 4_999_999, False), ("scotland", 5_000_000, True), ("england", 4_999_999, False), ("england", 5_000_000, False),
])
async def test_a_scottish_call_off_of_50000_or_more_publishes_its_award_notice_at_the_award(database, controlled_clock, regime, price_pence, noticed):
    controlled_clock.set(NOW)
    live, awarded = await awarded_under(regime, price_pence)
    notice = await service.call_off_award_notice(awarded)
    release = await award_release(awarded.reference)
    documents = release["awards"][0].get("documents", [])
    if not noticed:
        assert notice is None and documents == []
        assert await service.published_award_notice(live.framework.reference, awarded.reference) is None
        return
    assert (notice.supplier, notice.value_pence, notice.framework_reference, notice.lot_number) == ("Alpha", 5_000_000, "LIVE-2027", 1)
    assert notice.published_at == notice.awarded_at == awarded.awarded_at
    assert notice.deadline - notice.awarded_at == timedelta(days=30) and SOURCE in notice.source
    assert [(d["id"], d["documentType"]) for d in documents] == [("call-off-award-notice", "awardNotice")]
    assert documents[0]["url"].endswith(f"/frameworks/LIVE-2027/call-off-notices/{awarded.reference}") and SOURCE in documents[0]["description"]
    assert "award" in release["tag"]


@pytest.mark.parametrize("regime", ["scotland", "england"])
async def test_the_public_reads_the_notice_and_the_commissioner_sees_when_it_was_published(client, database, controlled_clock, regime):
    controlled_clock.set(NOW)
    live, awarded = await awarded_under(regime, 5_000_000)
    public = await client.get(f"/frameworks/LIVE-2027/call-off-notices/{awarded.reference}")
    await sign_in(client, "commissioner@live-2027.example")
    own = (await client.get(f"/commissioning/{awarded.reference}")).text
    if regime == "england":
        assert public.status_code == 404 and "Contract award notice" not in own
        return
    assert public.status_code == 200
    for shown in ("Contract award notice (call-off)", "Alpha", "£50,000", "LIVE-2027", "Young people and buses", "Direct award", SOURCE):
        assert shown in public.text
    assert "within 30 days of the award" in own and "published it automatically when you awarded" in own and SOURCE in own
    assert f'href="/frameworks/LIVE-2027/call-off-notices/{awarded.reference}"' in own


async def test_an_unknown_or_small_call_off_has_no_public_notice(client, database, controlled_clock):
    controlled_clock.set(NOW)
    live, awarded = await awarded_under("scotland", 4_999_999)
    assert (await client.get(f"/frameworks/LIVE-2027/call-off-notices/{awarded.reference}")).status_code == 404
    assert (await client.get("/frameworks/LIVE-2027/call-off-notices/LIVE-2027-E999")).status_code == 404
