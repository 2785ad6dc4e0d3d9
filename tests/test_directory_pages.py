"""The directory's pages over HTTP: the search (its address carries every filter and the seed),
errors, pages, and a supplier's profile as the public and as a commissioner see it."""

import html
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from registry.engagements.tables import Engagement, EngagementState, PerformanceReview, Reach
from registry.frameworks.tables import Framework, State
from registry.suppliers import service as suppliers
from tests.commissioning import Supplier, add_supplier, live_framework
from tests.test_framework_pages import sign_in

NOW = datetime(2027, 4, 1, 9, 0, tzinfo=timezone.utc)
CAST = [
    Supplier("Alpha Voices", {1: 2}, regions=("glasgow-city",), methods=("citizens-panels",), size="micro",
             description="Citizens' panels across the west."),
    Supplier("Beta Forum", {1: 1, 2: 3}, regions=("glasgow-city", "fife"), methods=("deliberative-workshops",), size="large"),
    Supplier("Gamma Collective", {2: 1}, regions=("fife",), methods=("peer-research",), size="medium", capacity=None),
]


def text_of(response) -> str:
    return html.unescape(response.text)


def hrefs(response) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="(/suppliers\?[^"]*)"', response.text)]


async def test_a_new_search_gets_a_seed_in_its_address(client, database):
    await live_framework(CAST)
    response = await client.get("/suppliers", params={"q": "voices", "region": "fife", "sort": "name"})
    assert response.status_code == 303
    sent_to = parse_qs(urlsplit(response.headers["location"]).query)
    assert sent_to["q"] == ["voices"] and sent_to["region"] == ["fife"] and sent_to["sort"] == ["name"]
    assert sent_to["seed"][0].isdigit()
    assert (await client.get(response.headers["location"])).status_code == 200
    assert (await client.get("/suppliers", params={"seed": "not-a-number"})).status_code == 303


async def test_the_public_search_lists_suppliers_with_facet_counts(client, database):
    await live_framework(CAST)
    response = await client.get("/suppliers", params={"seed": "7"})
    assert response.status_code == 200
    page = text_of(response)
    assert "3 suppliers" in page
    for name in ("Alpha Voices", "Beta Forum", "Gamma Collective"):
        assert name in page
    assert "Glasgow City (2)" in page and "Fife (2)" in page and "SME (micro, small or medium) (2)" in page
    assert "LIVE-2027 lot 1: Lot 1 services (ranked 2)" in page
    assert '<a class="govuk-service-navigation__link" href="/suppliers"' in response.text
    assert "Places left" not in page and "Availability" not in page
    assert "Clear filters" not in page


async def test_the_filter_counts_on_the_page_follow_a_newly_appointed_supplier(client, database):
    live = await live_framework(CAST)
    before = text_of(await client.get("/suppliers", params={"seed": "7"}))
    assert "Fife (2)" in before and "Highland (0)" in before  # an option no one has yet is kept
    await add_supplier(live, Supplier("Delta Talks", {1: 3}, regions=("fife", "highland"), methods=("peer-research",), size="small"))
    after = text_of(await client.get("/suppliers", params={"seed": "7"}))  # the same address, so the same search
    assert "4 suppliers" in after and "Fife (3)" in after and "Highland (1)" in after


async def test_a_suppliers_card_follows_a_change_to_its_profile(client, database):
    live = await live_framework(CAST[:1])
    before = text_of(await client.get("/suppliers", params={"seed": "7"}))
    assert "Regions</dt><dd class=\"govuk-summary-list__value\">Glasgow City</dd>" in before[before.index("1 supplier"):]
    await suppliers.save(live.users["Alpha Voices"], suppliers.Profile(
        trading_name="", description="Citizens' panels across the west.", address_line_1="", address_line_2="", town="Glasgow",
        postcode="", website="", regions=("orkney-islands",), engagement_methods=("citizens-panels",), groups=(), languages=(),
        accessible_formats=(), capacity=2,
    ))
    after = text_of(await client.get("/suppliers", params={"seed": "7"}))  # the same address: the card was kept
    card = after[after.index("1 supplier"):]
    assert "Regions</dt><dd class=\"govuk-summary-list__value\">Orkney Islands</dd>" in card


async def test_filters_live_in_the_address_and_combine(client, database):
    await live_framework(CAST)
    response = await client.get("/suppliers", params={"region": ["fife", "glasgow-city"], "size": ["sme", "large"], "seed": "7"})
    page = text_of(response)
    assert "1 supplier" in page and "Beta Forum" in page  # works in both regions; either size
    assert re.search(r'value="fife" checked', response.text) and re.search(r'value="sme" checked', response.text)
    assert re.search(r"Regions \(all of\):\s*<a[^>]*>Fife", page) and "Clear all filters" in page  # the chosen filters, each with its way out
    assert set(hrefs(response)) >= {
        "/suppliers?seed=7",  # clear them all
        "/suppliers?region=glasgow-city&size=sme&size=large&seed=7",  # remove Fife
        "/suppliers?region=fife&region=glasgow-city&size=large&seed=7",  # remove SME
    }
    searched = text_of(await client.get("/suppliers", params={"q": "panels", "region": "glasgow-city", "seed": "7"}))
    assert "1 supplier" in searched and "Alpha Voices" in searched


async def test_pagination_links_keep_the_seed_filters_and_sort(client, database):
    await live_framework([Supplier(f"Paged Supplier {n:02}", {1: 1}, regions=("fife",)) for n in range(1, 26)])
    first = await client.get("/suppliers", params={"region": "fife", "sort": "name", "seed": "11"})
    assert "25 suppliers" in text_of(first)
    assert text_of(first).count('class="govuk-summary-card"') == 20
    to_page_2 = [href for href in hrefs(first) if "page=2" in href]
    assert to_page_2 and all(parse_qs(urlsplit(href).query) == {"region": ["fife"], "sort": ["name"], "seed": ["11"], "page": ["2"]} for href in to_page_2)
    second = await client.get(to_page_2[0])
    assert second.text.count('class="govuk-summary-card"') == 5 and "Paged Supplier 25" in text_of(second)
    beyond = await client.get("/suppliers", params={"region": "fife", "sort": "name", "seed": "11", "page": "999"})
    assert beyond.status_code == 200 and "this is the last" in text_of(beyond) and "Paged Supplier 25" in text_of(beyond)
    nonsense = await client.get("/suppliers", params={"seed": "11", "page": "two", "sort": "sideways", "region": "atlantis"})
    assert nonsense.status_code == 200 and "Paged Supplier" in text_of(nonsense)
    assert "were left out: Regions: atlantis" in text_of(nonsense)


async def test_search_text_that_is_too_long_is_an_error_and_kept(client, database):
    await live_framework(CAST)
    long_text = "participation " * 800  # over 10 kB
    for params in ({"q": long_text, "seed": "3"}, {"q": long_text}):
        response = await client.get("/suppliers", params=params)
        assert response.status_code == 400
        page = text_of(response)
        assert "There is a problem" in page and page.count("Search text must be 200 characters or fewer") == 2
        assert f'value="{long_text}"' in page
        assert "Correct the search text" in page
    injected = await client.get("/suppliers", params={"q": "'; DROP TABLE directory_entry; --", "seed": "3"})
    assert injected.status_code == 200 and "0 suppliers" in text_of(injected)
    assert "3 suppliers" in text_of(await client.get("/suppliers", params={"seed": "3"}))


async def reviewed_engagement(live) -> None:
    supplier = live.organisations["Alpha Voices"]
    engagement = Engagement(
        reference="LIVE-2027-E1", framework=live.framework.id, lot=live.lots[1].id, buyer=live.authority, created_by=live.commissioner.id,
        title="Young people's panel", state=EngagementState.COMPLETED, supplier=supplier, awarded_at=NOW, completed_at=NOW, created_at=NOW, updated_at=NOW,
    )
    await engagement.save()
    await Reach.insert(Reach(engagement=engagement.id, group_code="children-and-young-people", participants=45))
    await PerformanceReview.insert(PerformanceReview(
        engagement=engagement.id, supplier=supplier, quality=5, timeliness=4, inclusion=5, value=3,
        comments="Brilliant facilitation with the young people.", reviewed_by=live.commissioner.id, reviewed_at=NOW,
    ))
    await Engagement.insert(Engagement(
        reference="LIVE-2027-E2", framework=live.framework.id, lot=live.lots[1].id, buyer=live.authority, created_by=live.commissioner.id,
        title="Second panel", state=EngagementState.IN_DELIVERY, supplier=supplier, awarded_at=NOW, created_at=NOW, updated_at=NOW,
    ))


async def test_a_profile_shows_public_fields_to_everyone_and_the_record_to_commissioners(client, database, settings):
    live = await live_framework(CAST)
    await reviewed_engagement(live)
    path = f"/suppliers/{live.organisations['Alpha Voices']}"
    public = await client.get(path)
    assert public.status_code == 200
    page = text_of(public)
    for shown in ("Alpha Voices", "Citizens' panels across the west.", "Lot 1: Lot 1 services, ranked 2", "Citizens' panels", "Glasgow City", "Micro",
                  "Easy Read", "English", "Engagements completed"):
        assert shown in page
    for hidden in ("Places left", "Brilliant facilitation", "People reached", "LIVE-2027-E1", "Start a brief", "mailto:"):
        assert hidden not in page

    await sign_in(client, live.commissioner.email)
    record = text_of(await client.get(path))
    for shown in ("Places left now", "People reached", "45", "Brilliant facilitation with the young people.", "LIVE-2027-E1: Young people's panel",
                  "Completed", "In delivery", "4.3 out of 5", "Quality", "5.0 out of 5", "Value for money", "3.0 out of 5"):
        assert shown in record, shown
    assert re.search(r"Places left now\s*</dt>\s*<dd[^>]*>\s*2\s*</dd>", record)  # capacity 3, one in delivery
    lot_id = live.lots[1].id
    assert f'href="/commissioning/new?lot={lot_id}"' in record  # not a dead end: a brief, with the lot chosen
    assert re.search(rf'value="{lot_id}" checked', (await client.get(f"/commissioning/new?lot={lot_id}")).text)
    alpha_admin = next(s for s in CAST if s.name == "Alpha Voices").email
    assert f'href="mailto:{alpha_admin}"' in record  # whom to ask about its work

    search = text_of(await client.get("/suppliers", params={"seed": "1", "availability": "not-stated"}))
    assert "1 supplier" in search and "Gamma Collective" in search and "Capacity not stated" in search
    assert "Places available now (2)" in search


async def test_a_supplier_not_appointed_to_a_live_framework_has_no_page(client, database):
    live = await live_framework(CAST[:1])
    waiting = await live_framework([], reference="NEW-2028")
    await Framework.update({Framework.state: State.STANDSTILL}).where(Framework.id == waiting.framework.id)
    not_live = await add_supplier(waiting, Supplier("Waiting Ltd", {1: 1}))
    for organisation_id in (not_live, live.authority, 999999):
        assert (await client.get(f"/suppliers/{organisation_id}")).status_code == 404
    await sign_in(client, live.commissioner.email)
    assert (await client.get(f"/suppliers/{not_live}")).status_code == 404
    assert (await client.get(f"/suppliers/{live.organisations['Alpha Voices']}")).status_code == 200


@pytest.mark.parametrize("hint", ["", "Choose a framework to filter by its lots"])
def test_the_filter_checkboxes_are_govuk_frontends_markup(hint):
    from registry.directory.search import Facet, Option
    from registry.web.templating import TEMPLATES_DIR, jinja_environment

    environment = jinja_environment("Europe/London", TEMPLATES_DIR)
    facet = Facet("region", "Regions", [Option("glasgow-city", "Glasgow City", 12, True), Option("a&b", "Argyll & Bute <west>", 3, False)], hint=hint)
    ours = environment.from_string('{% from "directory/_facets.html" import facet_checkboxes %}{{ facet_checkboxes(facet) }}').render(facet=facet)
    theirs = environment.from_string(
        '{% from "govuk_frontend_jinja/components/checkboxes/macro.html" import govukCheckboxes %}'
        '{{ govukCheckboxes({"idPrefix": facet.name, "name": facet.name, "classes": "govuk-checkboxes--small",'
        ' "fieldset": {"legend": {"text": facet.legend, "classes": "govuk-fieldset__legend--s"}},'
        ' "hint": {"text": facet.hint} if facet.hint else None, "items": items}) }}'
    ).render(facet=facet, items=[{"value": o.value, "text": f"{o.label} ({o.count})", "checked": o.selected} for o in facet.options])
    assert " ".join(ours.split()) == " ".join(theirs.split())


async def test_with_many_live_frameworks_the_lot_filter_asks_for_a_framework_first(client, database):
    for n in range(1, 5):
        await live_framework([Supplier(f"Supplier {n}", {1: 1})], reference=f"LIVE-{n}")
    page = text_of(await client.get("/suppliers", params={"seed": "7"}))
    assert "Choose a framework to filter by its lots" in page and 'name="lot"' not in page
    chosen = text_of(await client.get("/suppliers", params={"seed": "7", "framework": "LIVE-3"}))
    assert 'name="lot" type="checkbox" value="LIVE-3:1"' in chosen and "Choose a framework to filter by its lots" not in chosen
