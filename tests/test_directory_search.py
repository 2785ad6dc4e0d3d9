"""The directory's one search, on both engines: who is found, filters and facet counts, sorts, the
fair order, text, bad input and pages."""

from datetime import datetime, timezone

import pytest

from registry.directory import index
from registry.directory import search as directory_search
from registry.directory.listing import Listed, Listing
from registry.directory.search import GROUPS, PRIME, InvalidSearch, Query, search
from registry.engagements.tables import Engagement, EngagementState
from registry.frameworks.tables import Framework, State
from registry.suppliers import service as suppliers
from tests.commissioning import Supplier, add_supplier, appoint, live_framework

pytestmark = pytest.mark.usefixtures("database")

NOW = datetime(2027, 4, 1, 9, 0, tzinfo=timezone.utc)

CAST = [
    Supplier("Alpha Voices", {1: 2}, regions=("glasgow-city",), methods=("citizens-panels",), groups=("older-people",), size="micro"),
    Supplier("Beta Forum", {1: 1, 2: 3}, regions=("glasgow-city", "fife"), methods=("deliberative-workshops",), groups=("older-people", "unpaid-carers"), size="large"),
    Supplier("Gamma Collective", {2: 1}, regions=("fife",), methods=("citizens-panels", "peer-research"), groups=("unpaid-carers",), size="medium",
             description="Puppetry and street theatre with young people."),
    Supplier("delta insight", {1: 3}, regions=("highland",), methods=("peer-research",), groups=("older-people",), size="small", capacity=None),
]


def names(results) -> list[str]:
    return [result.name for result in results.results]


async def found(**filters) -> set[str]:
    return set(names(await search(Query(filters=filters))))


async def test_only_suppliers_appointed_to_a_live_framework_are_found():
    await live_framework(CAST[:2])
    old = await live_framework([CAST[2]], reference="OLD-2026")
    await Framework.update({Framework.state: State.EXPIRED}).where(Framework.id == old.framework.id)
    unappointed = await live_framework([], reference="NEW-2028")
    await Framework.update({Framework.state: State.STANDSTILL}).where(Framework.id == unappointed.framework.id)
    await add_supplier(unappointed, Supplier("Waiting Ltd", {1: 1}))

    results = await search(Query())
    assert set(names(results)) == {"Alpha Voices", "Beta Forum"}
    assert results.total == 2
    framework_facet = next(f for f in results.facets if f.name == "framework")
    assert [(o.value, o.count) for o in framework_facet.options] == [("LIVE-2027", 2)]


async def test_filters_combine_with_and_across_groups_all_of_what_suppliers_work_with_and_any_of_what_they_are():
    """What a supplier works with (regions, methods, groups...) must include everything ticked, as a
    direct award's check of a brief does; what it is (framework, lot, size) may be any ticked."""
    await live_framework(CAST)
    assert await found(region=["glasgow-city"]) == {"Alpha Voices", "Beta Forum"}
    assert await found(region=["glasgow-city", "fife"]) == {"Beta Forum"}  # works in both
    assert await found(region=["glasgow-city", "highland"]) == set()
    assert await found(region=["fife"], method=["citizens-panels", "peer-research"]) == {"Gamma Collective"}
    assert await found(region=["fife"], group=["older-people", "unpaid-carers"], method=["deliberative-workshops"]) == {"Beta Forum"}
    assert await found(size=["sme"]) == {"Alpha Voices", "Gamma Collective", "delta insight"}
    assert await found(size=["sme"], lot=["LIVE-2027:2"]) == {"Gamma Collective"}
    assert await found(lot=["LIVE-2027:1", "LIVE-2027:2"], framework=["LIVE-2027"]) == {"Alpha Voices", "Beta Forum", "Gamma Collective", "delta insight"}
    assert await found(region=["highland"], method=["citizens-panels"]) == set()


async def test_the_directory_finds_who_a_direct_award_would_find_covering_a_brief(controlled_clock):
    """Ticking a brief's groups, regions and methods finds the suppliers whose profiles cover it."""
    from registry.engagements import service as engagements

    controlled_clock.set(NOW)
    live = await live_framework(CAST)
    engagement = await engagements.create_brief(live.commissioner, engagements.Brief(
        lot_id=live.lots[1].id, title="Carers' views", objectives="Hear from carers.", groups=("older-people", "unpaid-carers"),
        regions=("glasgow-city",), methods=("deliberative-workshops",), budget_pence=None,
    ))
    covering = {c.name for c in await engagements.candidates(engagement) if c.covers}
    assert covering == await found(group=["older-people", "unpaid-carers"], region=["glasgow-city"], method=["deliberative-workshops"], lot=["LIVE-2027:1"])
    assert covering == {"Beta Forum"}


async def test_each_facet_count_is_what_choosing_that_value_would_find():
    """In an "any of" group, what choosing that value alone in its group finds; in an "all of" group,
    what ticking it as well finds. Options no one has are kept, with (0)."""
    await live_framework(CAST)
    for filters in ({}, {"region": ["fife"]}, {"region": ["glasgow-city"], "group": ["older-people"]}, {"size": ["sme"], "method": ["peer-research"]}):
        results = await search(Query(filters=filters))
        assert results.facets, "every group has its facet"
        for facet in results.facets:
            for option in facet.options:
                if facet.name in directory_search.ALL_OF:
                    ticked = sorted({*filters.get(facet.name, ()), option.value})
                else:
                    ticked = [option.value]
                alone = await search(Query(filters={**filters, facet.name: ticked}))
                assert option.count == alone.total, f"{filters}: {facet.name}={option.value}"
            chosen = set(filters.get(facet.name, ()))
            assert {o.value for o in facet.options if o.selected} == chosen
    regions = next(f for f in (await search(Query(filters={"region": ["fife"]}))).facets if f.name == "region")
    assert ("highland", 0) in [(o.value, o.count) for o in regions.options]


async def test_rank_and_name_sorts():
    await live_framework(CAST)
    by_rank = await search(Query(sort="rank", filters={"lot": ["LIVE-2027:1"]}))
    assert names(by_rank) == ["Beta Forum", "Alpha Voices", "delta insight"]
    in_lot_2 = await search(Query(sort="rank", filters={"lot": ["LIVE-2027:2"]}))
    assert names(in_lot_2) == ["Gamma Collective", "Beta Forum"]
    assert names(await search(Query(sort="name"))) == ["Alpha Voices", "Beta Forum", "delta insight", "Gamma Collective"]
    rows = {result.name: result for result in by_rank.results}
    assert [(place.lot, place.rank) for place in rows["Beta Forum"].lots] == [(1, 1), (2, 3)]
    assert rows["Beta Forum"].regions == ("fife", "glasgow-city")  # in the taxonomy's order


def fair_key(organisation_id: int, seed: int) -> tuple[int, int]:
    """The fair order's formula, written out."""
    mixed = (organisation_id * 48271 + seed) % PRIME
    mixed = (mixed * mixed + seed) % PRIME
    return (mixed * mixed) % PRIME, organisation_id


def fair_order(organisation_ids, seed: int) -> list[int]:
    return sorted(organisation_ids, key=lambda organisation_id: fair_key(organisation_id, seed))


async def test_ties_are_in_a_fair_order_stable_for_a_seed_and_different_for_another():
    live = await live_framework([Supplier(f"Tied Supplier {n:02}", {1: 1}) for n in range(1, 26)])
    by_id = {organisation_id: name for name, organisation_id in live.organisations.items()}

    async def order(seed: int) -> list[str]:
        return names(await search(Query(seed=seed))) + names(await search(Query(seed=seed, page=2)))

    orders = {seed: await order(seed) for seed in (1, 2, 987654321)}
    for seed, seen in orders.items():
        assert len(set(seen)) == 25
        assert seen == await order(seed), "the same seed gives the same order, page after page"
        assert seen == [by_id[o] for o in fair_order(by_id, seed)], "the same formula on every engine"
    assert len({tuple(seen) for seen in orders.values()}) == 3
    assert len({seen[0] for seen in orders.values()}) > 1 or len({seen[1] for seen in orders.values()}) > 1


async def test_suppliers_the_text_matches_equally_are_in_the_fair_order_after_the_better_match():
    tied = [Supplier(f"Tied Supplier {n:02}", {1: 1}, description="We run citizens' assemblies.") for n in range(1, 8)]
    live = await live_framework([Supplier("Assemblies Scotland", {1: 2}, description="We run citizens' assemblies."), *tied])
    by_id = {organisation_id: name for name, organisation_id in live.organisations.items() if name.startswith("Tied")}
    for seed in (1, 2, 987654321):
        seen = names(await search(Query(text="assemblies", seed=seed)))
        assert seen[0] == "Assemblies Scotland", "a name match first"
        assert seen[1:] == [by_id[o] for o in fair_order(by_id, seed)], "then the equal matches in the seed's fair order"


async def test_text_finds_by_name_description_and_method_with_prefixes():
    await live_framework(CAST)
    assert await found_text("Alpha") == ["Alpha Voices"]
    assert await found_text("puppet") == ["Gamma Collective"]
    assert await found_text("street theatre") == ["Gamma Collective"]
    assert set(await found_text("panels")) == {"Alpha Voices", "Gamma Collective"}
    assert await found_text("DELTA") == ["delta insight"]
    assert await found_text("nothing-like-this") == []


async def found_text(text: str, **filters) -> list[str]:
    return names(await search(Query(text=text, filters=filters)))


async def test_a_name_match_ranks_above_a_description_match():
    await live_framework([
        Supplier("Quiet Voices", {1: 1}, description="We work with harbour communities."),
        Supplier("Harbour Voices", {1: 2}, description="We work with communities."),
    ])
    for seed in (1, 2, 3):
        assert names(await search(Query(text="harbour", seed=seed))) == ["Harbour Voices", "Quiet Voices"]


async def test_query_syntax_and_injected_sql_are_only_words():
    await live_framework(CAST)
    for text in ("'; DROP TABLE directory_entry; --", 'Alpha" OR "', "NEAR(a b)", "*", "Alpha*)", "a:* | !b", "%", "' OR 1=1 --", "café ː 中文 ² \\ ' :* & | ! <->"):
        await search(Query(text=text))
    assert await found_text('Alpha")') == ["Alpha Voices"]
    assert await found_text("' OR 1=1 --") == []
    assert len(names(await search(Query()))) == 4


async def test_text_over_200_characters_is_refused_with_a_message():
    await live_framework(CAST)
    with pytest.raises(InvalidSearch, match="200 characters or fewer"):
        await search(Query(text="x" * 10_000))
    assert await found_text("Alpha " + "a" * 194) == []


async def test_pages_of_twenty_bounded_to_the_last():
    await live_framework([Supplier(f"Paged Supplier {n:02}", {1: 1}) for n in range(1, 26)])
    first, second = await search(Query(seed=5)), await search(Query(seed=5, page=2))
    assert (first.total, first.pages, len(first.results), second.page, len(second.results)) == (25, 2, 20, 2, 5)
    assert not set(names(first)) & set(names(second))
    assert (await search(Query(seed=5, page=99))).page == 2
    assert names(await search(Query(seed=5, page=-3))) == names(first)


async def test_unknown_filter_values_are_ignored_and_reported():
    await live_framework(CAST)
    results = await search(Query(filters={"region": ["atlantis", "fife"], "lot": ["LIVE-2027:9", "nope"], "size": ["enormous"]}))
    assert set(names(results)) == {"Beta Forum", "Gamma Collective"}
    assert results.ignored == [("Lot", "LIVE-2027:9"), ("Lot", "nope"), ("Regions", "atlantis"), ("Organisation size", "enormous")]


async def test_availability_is_for_officials_and_capacity_not_stated_is_its_own_option():
    live = await live_framework(CAST)  # delta insight does not state its capacity
    full = Supplier("Full House", {1: 4}, capacity=1)
    await add_supplier(live, full)
    await Engagement.insert(Engagement(
        reference="LIVE-2027-E1", framework=live.framework.id, lot=live.lots[1].id, buyer=live.authority, created_by=live.commissioner.id,
        title="A panel", state=EngagementState.IN_DELIVERY, supplier=live.organisations["Full House"], created_at=NOW, updated_at=NOW,
    ))
    official = await search(Query(official=True, filters={"availability": ["available"]}))
    assert set(names(official)) == {"Alpha Voices", "Beta Forum", "Gamma Collective"}
    assert {r.name: r.places_left for r in official.results}["Beta Forum"] == 3
    assert await search_names(official=True, filters={"availability": ["not-stated"]}) == {"delta insight"}
    facet = next(f for f in official.facets if f.name == "availability")
    assert [(o.value, o.count) for o in facet.options] == [("available", 3), ("not-stated", 1)]

    public = await search(Query(filters={"availability": ["available"]}))
    assert public.total == 5 and public.ignored == [("Availability", "available")]
    assert all(result.places_left is None for result in public.results)
    assert "availability" not in {f.name for f in public.facets}


async def test_an_engagement_awarded_shows_in_the_next_officials_search_though_the_directory_is_unchanged():
    """Officials' availability is kept while the database is unchanged: an engagement in delivery
    (no write to the directory's own tables) is counted by the very next search."""
    live = await live_framework(CAST)
    before = await search(Query(official=True, filters={"availability": ["available"]}))
    assert {r.name: r.places_left for r in before.results}["Beta Forum"] == 3
    await Engagement.insert(Engagement(
        reference="LIVE-2027-E1", framework=live.framework.id, lot=live.lots[1].id, buyer=live.authority, created_by=live.commissioner.id,
        title="A panel", state=EngagementState.IN_DELIVERY, supplier=live.organisations["Beta Forum"], created_at=NOW, updated_at=NOW,
    ))
    after = await search(Query(official=True, filters={"availability": ["available"]}))
    assert {r.name: r.places_left for r in after.results}["Beta Forum"] == 2
    facet = next(f for f in after.facets if f.name == "availability")
    assert [(o.value, o.count) for o in facet.options] == [("available", 3), ("not-stated", 1)]


async def search_names(**query) -> set[str]:
    return set(names(await search(Query(**query))))


async def test_the_index_follows_profile_changes_and_new_appointments():
    live = await live_framework(CAST[:1])
    profile = await suppliers.profile_of(live.organisations["Alpha Voices"])
    changed = suppliers.Profile(
        trading_name="Alpha", description="Now doing kite-flying workshops.", address_line_1="", address_line_2="", town="Glasgow",
        postcode="", website="", regions=("orkney-islands",), engagement_methods=tuple(profile.engagement_methods), groups=(), languages=(),
        accessible_formats=(), capacity=2,
    )
    await suppliers.save(live.users["Alpha Voices"], changed)
    assert await found_text("kite") == ["Alpha Voices"]
    assert await found(region=["orkney-islands"]) == {"Alpha Voices"}
    assert await found(region=["glasgow-city"]) == set()

    await add_supplier(live, Supplier("Latecomer Trust", {2: 1}))  # the helper refreshes its entry
    assert await found_text("latecomer") == ["Latecomer Trust"]
    await index.rebuild()
    assert await search_names() == {"Alpha Voices", "Latecomer Trust"}


async def test_results_follow_every_write_that_changes_them_even_from_another_worker(settings):
    """Each worker keeps what the directory lists in memory while the database's directory
    generation stays the same: writes made any way, by any worker, show in the next search."""
    from registry import db
    from registry.frameworks.tables import Lot

    live = await live_framework(CAST[:2])
    first = await search(Query(filters={"lot": ["LIVE-2027:1"]}))
    assert set(names(first)) == {"Alpha Voices", "Beta Forum"}

    async def written_by_another_worker(write) -> None:
        worker, other_worker = db.current(), db.create_engine(settings.database_url)  # another process's connection
        await db.connect(other_worker, pool_size=1)
        try:
            db.bind(other_worker)
            await write
        finally:
            db.bind(worker)
            await db.disconnect(other_worker)

    async def labels(group: str) -> list[str]:
        facet = next(facet for facet in (await search(Query())).facets if facet.name == group)
        return [option.label for option in facet.options]

    await written_by_another_worker(Lot.update({Lot.title: "Citizens' panels"}).where(Lot.id == live.lots[1].id))
    assert (await labels("lot"))[0] == "LIVE-2027 lot 1: Citizens' panels"
    assert (await search(Query(filters={"lot": ["LIVE-2027:1"]}))).results[0].lots[0].lot_title == "Citizens' panels"
    await written_by_another_worker(Framework.update({Framework.title: "Renamed Services"}).where(Framework.id == live.framework.id))
    assert await labels("framework") == ["LIVE-2027: Renamed Services"]

    await Framework.update({Framework.state: State.EXPIRED}).where(Framework.id == live.framework.id)
    assert await search_names() == set()


def test_bit_sets_give_back_exactly_the_positions_put_in_them():
    from registry.directory.listing import bit_set, positions

    for chosen in ([], [0], [63], [64], [0, 63, 64, 127, 128], list(range(0, 100_000, 7)), [99_999]):
        assert positions(bit_set(chosen)) == chosen


def test_every_page_of_a_ranking_is_that_page_of_the_whole_order_with_ties_in_the_fair_order(monkeypatch):
    monkeypatch.setattr(directory_search, "LONG_RUN", 4)  # runs longer than this are kept from page to page
    listed = [Listed(organisation=100 + 7 * n, name=f"Supplier {n}", size=None, places=(), shown={}) for n in range(60)]
    found = Listing(1, [], listed, {supplier.organisation: n for n, supplier in enumerate(listed)}, (1 << 60) - 1, {})
    scores = {n: float(n % 5 if n < 30 else 9) for n in range(60)}  # five runs of six ties, then one of thirty
    ranking = directory_search._ranking(found, found.everyone, "relevance", scores, {group: () for group in GROUPS}, ["text"])
    for seed in (1, 2, 987654321):
        whole = sorted(range(60), key=lambda n: (scores[n], fair_key(listed[n].organisation, seed)))
        for size in (1, 7, 20, 60):
            for _ in range(2):  # again, from what was kept
                pages = [directory_search._page_of(found, ranking, seed, start, start + size) for start in range(0, 60, size)]
                assert [n for page in pages for n in page] == whole, f"pages of {size}, seed {seed}"


async def test_with_many_live_frameworks_lots_are_offered_once_a_framework_is_chosen():
    def lot_facet(results):
        return next(facet for facet in results.facets if facet.name == "lot")

    for n in range(1, 4):
        await live_framework([Supplier(f"Supplier {n}", {1: 1, 2: 2})], reference=f"LIVE-{n}")
    offered = lot_facet(await search(Query()))
    assert len(offered.options) == 6 and not offered.hint, "three live frameworks: all their lots are offered"

    fourth = await live_framework([Supplier("Supplier 4", {1: 1, 2: 2})], reference="LIVE-4")
    second = await live_framework([Supplier("Supplier 5", {1: 1})], reference="LIVE-5")
    await appoint(fourth, second.organisations["Supplier 5"], 1, rank=2)  # in two frameworks
    waiting = lot_facet(await search(Query()))
    assert waiting.options == () and waiting.hint == "Choose a framework to filter by its lots"
    one_framework = lot_facet(await search(Query(filters={"framework": ["LIVE-2"]})))
    assert [(option.value, option.count) for option in one_framework.options] == [("LIVE-2:1", 1), ("LIVE-2:2", 1)] and not one_framework.hint
    shared = lot_facet(await search(Query(filters={"framework": ["LIVE-5"]})))
    assert [(option.value, option.count) for option in shared.options] == [("LIVE-5:1", 1), ("LIVE-5:2", 0)], "not the lots of another framework its supplier is in"
    chosen_lot = await search(Query(filters={"lot": ["LIVE-4:2"]}))
    assert names(chosen_lot) == ["Supplier 4"]
    assert [(option.value, option.selected) for option in lot_facet(chosen_lot).options] == [("LIVE-4:2", True)], "a chosen lot stays to be unticked"
