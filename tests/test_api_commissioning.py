"""The JSON API after the award: appointments, the supplier directory's search and profiles, and
engagements, whose mini-competition responses reach the commissioner only after the deadline."""

from datetime import UTC, datetime, timedelta

from registry.engagements import service as engagements
from tests.api_support import bearer, competing
from tests.commissioning import Supplier, live_framework

API = "/api/v1"
NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(days=7)
SUPPLIERS = [
    Supplier("Alpha Voices", ranks={1: 1}, regions=("glasgow-city",), capacity=2),
    Supplier("Beta Panels", ranks={1: 2, 2: 1}, regions=("city-of-edinburgh",), description="Citizens' juries and panels.", capacity=None),
    Supplier("Gamma Listening", ranks={2: 2}, regions=("glasgow-city", "city-of-edinburgh")),
]


async def test_appointments_and_the_directory_search_with_its_filters_order_and_official_extras(client, database, controlled_clock):
    controlled_clock.set(NOW)
    live = await live_framework(SUPPLIERS)
    appointed = (await client.get(f"{API}/frameworks/{live.reference}/appointments", params={"lot": 2})).json()["items"]
    assert [(a["rank"], a["supplier"]) for a in appointed] == [(1, "Beta Panels"), (2, "Gamma Listening")]
    assert appointed[0]["href"] == f"{API}/suppliers/{live.organisations['Beta Panels']}"

    everyone = (await client.get(f"{API}/suppliers", params={"page_size": 2})).json()
    assert everyone["total"] == 3 and len(everyone["items"]) == 2 and f"seed={everyone['seed']}" in everyone["links"]["next"]
    rest = (await client.get(everyone["links"]["next"])).json()
    assert {s["name"] for s in everyone["items"] + rest["items"]} == {s.name for s in SUPPLIERS}  # one order, page after page
    assert all(s["places_left"] is None for s in everyone["items"])  # availability is for officials

    found = (await client.get(f"{API}/suppliers", params=[("q", "juries"), ("region", "city-of-edinburgh")])).json()
    assert [s["name"] for s in found["items"]] == ["Beta Panels"] and found["items"][0]["lots"][0]["framework"] == live.reference
    by_lot = (await client.get(f"{API}/suppliers", params={"lot": f"{live.reference}:2", "sort": "name"})).json()
    assert [s["name"] for s in by_lot["items"]] == ["Beta Panels", "Gamma Listening"]
    refused = await client.get(f"{API}/suppliers", params=[("region", "atlantis"), ("availability", "available"), ("sort", "best")])
    assert refused.status_code == 400 and [e["key"] for e in refused.json()["errors"]] == ["sort"]
    refused = await client.get(f"{API}/suppliers", params=[("region", "atlantis"), ("availability", "available")])
    assert refused.status_code == 400 and [e["key"] for e in refused.json()["errors"]] == ["region", "availability"]
    assert (await client.get(f"{API}/suppliers", params={"q": "x" * 201})).json()["errors"][0]["message"] == "Search text must be 200 characters or fewer"

    commissioner = await bearer(live.commissioner)
    available = (await client.get(f"{API}/suppliers", params={"availability": "available", "sort": "name"}, headers=commissioner)).json()
    assert [(s["name"], s["places_left"]) for s in available["items"]] == [("Alpha Voices", 2), ("Gamma Listening", 3)]

    beta = live.organisations["Beta Panels"]
    public = (await client.get(f"{API}/suppliers/{beta}")).json()
    assert public["profile"]["description"] == "Citizens' juries and panels." and public["record"] is None
    assert [(p["lot"], p["rank"]) for p in public["lots"]] == [(1, 2), (2, 1)]
    official = (await client.get(f"{API}/suppliers/{beta}", headers=commissioner)).json()
    assert official["record"] == {"places_left": None, "participants": 0, "reviews": 0, "averages": {}, "engagements": []}
    assert (await client.get(f"{API}/suppliers/{live.authority}")).status_code == 404


async def test_engagements_are_their_buyers_and_invited_suppliers_and_responses_stay_sealed_until_the_deadline(client, database, controlled_clock):
    controlled_clock.set(NOW)
    live = await live_framework(SUPPLIERS)
    engagement = await competing(live, DEADLINE)
    alpha, beta = live.users["Alpha Voices"], live.users["Beta Panels"]
    await engagements.respond(alpha, engagement.reference, proposal="SEALED proposal", price_pence=3_900_000)
    url = f"{API}/engagements/{engagement.reference}"
    commissioner = await bearer(live.commissioner)

    listed = (await client.get(f"{API}/engagements", headers=commissioner)).json()["items"]
    assert [(e["reference"], e["state"], e["buyer"]) for e in listed] == [(engagement.reference, "invited", "Department for Testing")]
    assert (await client.get(f"{API}/engagements", params={"status": "completed"}, headers=commissioner)).json()["total"] == 0
    assert (await client.get(f"{API}/engagements", params={"status": "finished"}, headers=commissioner)).status_code == 400

    sealed = await client.get(url, headers=commissioner)
    responses = {r["supplier"]: r for r in sealed.json()["responses"]}
    assert set(responses) == {"Alpha Voices", "Beta Panels"}  # whom it invited; whether and when they answered is sealed too
    assert [(r["status"], r["responded_at"], r["proposal"], r["price_pence"]) for r in responses.values()] == [(None, None, None, None)] * 2
    assert "SEALED" not in sealed.text and "3900000" not in sealed.text
    own = (await client.get(url, headers=await bearer(alpha))).json()
    assert [(r["supplier"], r["proposal"], r["price_pence"]) for r in own["responses"]] == [("Alpha Voices", "SEALED proposal", 3_900_000)]
    other = await client.get(url, headers=await bearer(beta))
    assert [r["supplier"] for r in other.json()["responses"]] == ["Beta Panels"] and "SEALED" not in other.text
    assert [e["reference"] for e in (await client.get(f"{API}/engagements", headers=await bearer(beta))).json()["items"]] == [engagement.reference]

    gamma = await client.get(url, headers=await bearer(live.users["Gamma Listening"]))  # appointed to lot 2 only: not invited
    assert gamma.status_code == 403
    elsewhere = await live_framework([Supplier("Delta", ranks={1: 1})], reference="OTHER-2027", authority_name="Another Council")
    assert (await client.get(url, headers=await bearer(elsewhere.commissioner))).status_code == 403
    assert (await client.get(f"{API}/engagements", headers=await bearer(elsewhere.commissioner))).json()["total"] == 0
    assert (await client.get(f"{API}/engagements", headers=await bearer(live.officer))).status_code == 403
    assert (await client.get(f"{API}/engagements/{live.reference}-E999", headers=commissioner)).status_code == 404
    assert (await client.get(url)).status_code == 401

    controlled_clock.set(DEADLINE)
    opened = {r["supplier"]: r for r in (await client.get(url, headers=commissioner)).json()["responses"]}
    assert (opened["Alpha Voices"]["status"], opened["Alpha Voices"]["proposal"], opened["Alpha Voices"]["price_pence"]) == ("responded", "SEALED proposal", 3_900_000)
    assert "SEALED" not in (await client.get(url, headers=await bearer(beta))).text
