"""The JSON API's frameworks, lots and notices, and its conventions: pagination and clamping, 400
naming the parameter, 401 (never a redirect) without a user, 403 for the wrong role, 404 JSON,
422 with the pages' own messages; signing in by API token or by session."""

from registry.frameworks import service
from registry.frameworks.tables import Framework, State
from registry.web.api import MAX_PAGE_SIZE
from tests.api_support import bearer
from tests.support import current, make_user, officer_and_supplier
from tests.test_framework_pages import sign_in
from tests.test_frameworks import draft_with_lots

API = "/api/v1/frameworks"


async def published(officer, count: int) -> list[str]:
    references = []
    for _ in range(count):
        framework = await draft_with_lots(officer)
        await service.move(officer, framework.reference, State.PIN_PUBLISHED)
        references.append(framework.reference)
    return references


async def test_published_frameworks_are_listed_and_read_by_anyone_drafts_by_their_officers_only(client, database):
    officer, supplier = await officer_and_supplier()
    [reference] = await published(officer, 1)
    draft = await draft_with_lots(officer)

    listing = (await client.get(API)).json()
    assert [item["reference"] for item in listing["items"]] == [reference]
    assert listing["total"] == 1 and listing["links"]["next"] is None
    assert listing["items"][0]["href"] == f"{API}/{reference}"

    item = (await client.get(f"{API}/{reference}")).json()
    assert item["state"] == "pin_published" and item["authority"] == "Org of officer@authority.example"
    assert [lot["number"] for lot in item["lots"]] == [1, 2] and item["lots"][0]["title"] == "Lot title 1"

    notices = (await client.get(f"{API}/{reference}/notices")).json()
    assert [(n["kind"], n["version"]) for n in notices["items"]] == [("pin", 1)]
    notice = (await client.get(f"{API}/{reference}/notices/pin/1")).json()
    assert notice["content"]["lots"][1]["title"] == "Lot title 2"
    assert (await client.get(f"{API}/{reference}/notices/award/1")).status_code == 404

    hidden = await client.get(f"{API}/{draft.reference}", headers=await bearer(supplier))
    assert hidden.status_code == 404 and hidden.json() == {"status_code": 404, "detail": f"There is no framework {draft.reference}"}
    assert (await client.get(f"{API}/{draft.reference}")).status_code == 404
    other_authority = await current(await make_user(email="officer@elsewhere.example"))
    assert (await client.get(f"{API}/{draft.reference}", headers=await bearer(other_authority))).status_code == 404
    own = await client.get(f"{API}/{draft.reference}", headers=await bearer(officer))
    assert own.status_code == 200 and own.json()["state"] == "draft"


async def test_lists_are_paged_an_oversized_page_is_clamped_and_said_and_bad_parameters_are_named(client, database):
    officer, _ = await officer_and_supplier()
    await published(officer, 3)

    first = (await client.get(API, params={"page_size": 2})).json()
    assert (len(first["items"]), first["page"], first["page_size"], first["total"]) == (2, 1, 2, 3)
    assert first["links"]["next"] == f"{API}?page=2&page_size=2" and first["links"]["prev"] is None
    second = (await client.get(first["links"]["next"])).json()
    assert len(second["items"]) == 1 and second["links"]["next"] is None and second["links"]["prev"] == f"{API}?page=1&page_size=2"
    assert {i["reference"] for i in first["items"] + second["items"]} == {f.reference for f in await Framework.objects()}
    beyond = (await client.get(API, params={"page": 9, "page_size": 2})).json()
    assert beyond["items"] == [] and beyond["total"] == 3

    clamped = (await client.get(API, params={"page_size": 1000, "q": "participation"})).json()
    assert clamped["page_size"] == MAX_PAGE_SIZE and len(clamped["items"]) == 3
    assert clamped["notes"] == [f"page_size 1000 is over the maximum of {MAX_PAGE_SIZE}: pages have {MAX_PAGE_SIZE} items"]
    assert clamped["links"]["self"] == f"{API}?q=participation&page=1&page_size={MAX_PAGE_SIZE}"

    for params, name in (
        ({"page": "0"}, "page"), ({"page": "two"}, "page"), ({"page_size": "0"}, "page_size"), ({"status": "nope"}, "status"),
        ({"subject": "no-such-subject"}, "subject"), ({"closing_within_days": "-1"}, "closing_within_days"), ({"q": "a\x00"}, "q"),
    ):
        refused = await client.get(API, params=params)
        assert refused.status_code == 400, params
        assert [e["key"] for e in refused.json()["errors"]] == [name]
    filtered = (await client.get(API, params=[("status", "pin_published"), ("status", "live"), ("subject", "adults")])).json()
    assert filtered["total"] == 3
    assert (await client.get(API, params={"status": "live"})).json()["total"] == 0
    assert (await client.get("/api/v1/no-such-thing")).json() == {"status_code": 404, "detail": "Page not found"}
    too_big = await client.get(f"{API}/{first['items'][0]['reference']}/notices/pin/{2**40}")
    assert too_big.status_code == 400 and too_big.json()["errors"][0]["key"] == "version"  # the database holds 32-bit ids


async def test_officers_script_a_draft_and_its_lots_with_the_pages_rules(client, database):
    officer, supplier = await officer_and_supplier()
    headers = await bearer(officer)

    anonymous = await client.post(API, json={"title": "T"}, headers={"Accept": "text/html"})
    assert anonymous.status_code == 401 and anonymous.json()["detail"] == "Sign in to continue"  # not a redirect to sign in
    assert (await client.post(API, json={"title": "T"}, headers={"Authorization": "Bearer pfr_no-such-token"})).status_code == 401
    refused = await client.post(API, json={"title": "T"}, headers=await bearer(supplier))
    assert refused.status_code == 403 and refused.json()["detail"] == "You do not have permission to do that"

    malformed = await client.post(API, json={"title": 5, "estimated_value": "lots"}, headers=headers)
    assert malformed.status_code == 400 and {e["key"] for e in malformed.json()["errors"]} == {"title", "estimated_value"}
    assert (await client.post(API, content=b"{not json", headers={**headers, "Content-Type": "application/json"})).status_code == 400
    broken = await client.post(API, json={"title": "", "duration_months": 60, "estimated_value": -5}, headers=headers)
    assert broken.status_code == 422
    assert {e["key"]: e["message"] for e in broken.json()["errors"]} == {
        "title": "Enter the framework's title",
        "estimated_value": "Enter the estimated value in whole pounds, like 2500000",
        "duration_months": (
            "A framework can last at most 48 months (4 years): Public Contracts (Scotland) Regulations 2015 reg. 34(2)"
            " (the exceptional cases it allows need reasons the registry does not record)"
        ),
    }
    assert await Framework.count() == 0

    created = await client.post(API, json={
        "title": "Scripted framework", "summary": "Made by a script", "description": "For scripts.", "estimated_value": 250000, "start_date": "2027-04-01",
        "duration_months": 24, "call_off_routes": ["direct_award"],
    }, headers=headers)
    assert created.status_code == 201
    reference = created.json()["reference"]
    assert created.json()["state"] == "draft" and created.json()["start_date"] == "2027-04-01" and created.json()["lots"] == []

    bad_lot = await client.post(f"{API}/{reference}/lots", json={"title": "Lot", "scope": "", "max_suppliers": 500}, headers=headers)
    assert bad_lot.status_code == 422
    assert {e["key"]: e["message"] for e in bad_lot.json()["errors"]} == {
        "scope": "Describe what the lot covers", "max_suppliers": "Enter a whole number of suppliers from 1 to 100",
    }
    lot = await client.post(f"{API}/{reference}/lots", json={"title": "Deliberation", "scope": "Panels", "max_suppliers": 6, "subject": "adults"}, headers=headers)
    assert lot.status_code == 201 and lot.json()["number"] == 1
    other_officer = await current(await make_user(email="officer@elsewhere.example"))
    assert (await client.post(f"{API}/{reference}/lots", json={"title": "L", "scope": "S", "max_suppliers": 1}, headers=await bearer(other_officer))).status_code == 403
    assert (await client.post(f"{API}/PF-0000-999/lots", json={"title": "L", "scope": "S", "max_suppliers": 1}, headers=headers)).status_code == 404

    await service.move(officer, reference, State.PIN_PUBLISHED)
    late = await client.post(f"{API}/{reference}/lots", json={"title": "Late", "scope": "S", "max_suppliers": 1}, headers=headers)
    assert late.status_code == 422 and late.json()["errors"] == [{"key": None, "message": "Lots can only change while the framework is a draft", "source": "body"}]


async def test_a_browser_session_works_too_and_its_writes_need_the_csrf_token(client, database):
    officer, _ = await officer_and_supplier()
    await sign_in(client, "officer@authority.example")
    assert (await client.get("/api/v1/criteria-nowhere")).status_code == 404
    draft = await draft_with_lots(officer)
    assert (await client.get(f"{API}/{draft.reference}")).json()["reference"] == draft.reference
    assert (await client.post(API, json={"title": "By session"})).status_code == 403  # a cookie without the CSRF token
    token = client.cookies.get("registry_csrf")
    created = await client.post(API, json={"title": "By session"}, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.text
