"""No input is a server error. Property tests (hypothesis) over what can be typed or sent:

- every amount field (a tender's price, an engagement's budget, the agreed price of a direct award, a
  mini-competition response's price, a framework's and a lot's estimated value, on the pages and in
  the API) answers any text – 27 digits, 1e400, NaN, Infinity, words – with the field's own message
  in the error summary and beside the field, what was typed kept (the API: 422 naming the field);
- every paged list, on the pages and in the API, answers any page number – huge, negative, zero,
  not a number – with a page (the last, when past it) or 400, never a database error;
- a JSON body nested 100,000 deep is 400, saying so."""

from datetime import timedelta
from decimal import Decimal

import hypothesis
import pytest
from hypothesis import HealthCheck, example, strategies
from markupsafe import escape

from registry.accounts.tables import Role
from registry.engagements import service as engagements
from registry.engagements.schemas import pence_from
from registry.frameworks.schemas import FrameworkForm, LotForm
from registry.tenders.service import MAX_PRICE, TenderError, parse_price
from registry.web.forms import validate
from tests.api_support import bearer, competing
from tests.commissioning import live_framework
from tests.support import csrf_from, make_user, officer_and_supplier
from tests.test_engagement_pages import BRIEF, COMMISSIONER, NOW, SUPPLIERS
from tests.test_evaluation import panel, scored_and_in_moderation  # noqa: F401 (panel: a fixture)
from tests.test_framework_pages import sign_in
from tests.test_frameworks import draft_with_lots
from tests.tendering import TENDER_DEADLINE, open_for_tenders, registered

EXAMPLES = 25  # generated inputs per field or list (and every attack below), on each engine
SETTINGS = hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))

# Amounts that have been sent to the service as attacks, and their neighbours.
AMOUNT_ATTACKS = (
    "1" * 27, "9" * 28, "1" * 26 + ".1", "1e400", "-1e400", "1E+999999999", "1e99999999999999999999", "1e-400", "NaN", "-sNaN",
    "Infinity", "-inf", "9" * 5000, "999999999.995", "999999999.99", "1000000000", "2000000001", "0.001", "0", "-0", "-5", "²", "١٢٣",
    "1_000", "1e3", "£1,000,000,000", "£", ",", ".", "\x00", "12\x0034",
)
amounts = strategies.one_of(
    strategies.text(max_size=30),  # anything typed
    strategies.decimals().map(str),  # every number in Decimal's own notation: 1E+400, sNaN, -Infinity, 0E-1000
    strategies.from_regex(r"\A£?-?[0-9,]{0,40}(\.[0-9]{0,40})?([eE][-+]?[0-9]{1,25})?\Z"),
)
PAGE_ATTACKS = ("99999999999999999999", str(2**63), str(2**63 // 25 + 1), str(2**31), "-1", "0", "-99999999999999999999", "abc", "", "1.5", "1e3", "²", "٣", "9" * 5000)
page_numbers = strategies.one_of(
    strategies.integers(min_value=-(10**30), max_value=10**30).map(str),
    strategies.text(max_size=25),
)
# A JSON number as sent: any JSON number token, with huge exponents and digit counts among them.
json_numbers = strategies.one_of(
    strategies.integers().map(str),
    strategies.from_regex(r"\A-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,30})?([eE][-+]?[0-9]{1,6})?\Z"),
)


def with_examples(name: str, values):
    def decorate(test):
        for value in values:
            test = example(**{name: value})(test)
        return test
    return decorate


def words_for_people(message: str) -> bool:
    """A field's message, not an exception's text."""
    return not any(leak in message for leak in ("<class", "decimal.", "invalid literal", "Exceeds the limit", "Value error", "Traceback"))


# --- The amount fields, read without HTTP -------------------------------------------------------


@SETTINGS
@hypothesis.given(text=amounts)
@with_examples("text", AMOUNT_ATTACKS)
def test_a_tender_price_is_a_price_under_the_limit_in_pence_or_a_message(text):
    try:
        price = parse_price(text)
    except TenderError as refused:
        assert refused.field == "price" and words_for_people(str(refused))
        return
    assert 0 < price < MAX_PRICE and price == price.quantize(Decimal("0.01"))


@SETTINGS
@hypothesis.given(text=amounts)
@with_examples("text", AMOUNT_ATTACKS)
def test_an_engagement_amount_is_whole_pence_under_the_limit_or_a_message(text):
    try:
        pence = pence_from(text, "the budget")
    except ValueError as refused:
        assert words_for_people(str(refused)) and "the budget" in str(refused)
        return
    assert isinstance(pence, int) and 0 < pence < 100_000_000_000


@SETTINGS
@hypothesis.given(text=amounts)
@with_examples("text", AMOUNT_ATTACKS)
def test_an_estimated_value_is_whole_pounds_the_database_holds_or_a_message(text):
    for form, others in ((FrameworkForm, {"title": "Services"}), (LotForm, {"title": "Lot", "scope": "Work", "max_suppliers": "3"})):
        result = validate(form, {**others, "estimated_value": text})
        if result.ok:
            value = result.data.details().estimated_value if form is FrameworkForm else result.data.value_in_pounds()
            assert value is None or (isinstance(value, int) and 0 <= value <= 2_000_000_000)
        else:
            assert list(result.errors) == ["estimated_value"] and words_for_people(result.errors["estimated_value"])


# --- The amount fields, on their pages ------------------------------------------------------------


class FormPage:
    """A form of the service, signed in as its user, with the other fields filled in rightly."""

    def __init__(self, client, path: str, field: str, others: dict):
        self.client, self.path, self.field, self.others = client, path, field, others

    async def send(self, value: str):
        page = await self.client.get(self.path)
        return await self.client.post(self.path, data={**self.others, self.field: value, "_csrf_token": csrf_from(page.text)})

    async def refused_or_taken(self, value: str, *, only_field: bool = True) -> None:
        """`only_field`: the other fields are right, so a refusal is this field's (not so where fields must add up)."""
        response = await self.send(value)
        assert response.status_code < 500, f"{self.field}={value[:40]!r}: {response.status_code}"
        if response.status_code == 400:
            text = response.text
            assert "There is a problem" in text, f"{self.field}={value[:40]!r}: no error summary"
            if not only_field and f'href="#{self.field}"' not in text:
                return
            assert f'href="#{self.field}"' in text, f"{self.field}={value[:40]!r}: no message for the field"
            assert f'id="{self.field}-error"' in text, f"{self.field}={value[:40]!r}: no message beside the field"
            assert f'value="{escape(value)}"' in text, f"{self.field}={value[:40]!r}: what was typed is not kept"


@pytest.fixture
async def tender_price(client, database, controlled_clock) -> FormPage:
    officer, supplier = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    controlled_clock.set(TENDER_DEADLINE - timedelta(days=1))
    await sign_in(client, "bids@supplier.example")
    return FormPage(client, f"/frameworks/{framework.reference}/tenders/1/price", "price", {})


@pytest.fixture
async def live(database, controlled_clock):
    controlled_clock.set(NOW)
    return await live_framework(SUPPLIERS)


@pytest.fixture
async def brief_budget(client, live) -> FormPage:
    await sign_in(client, COMMISSIONER)
    others = {**BRIEF, "groups": list(BRIEF["groups"]), "regions": list(BRIEF["regions"]), "lot": str(live.lots[1].id)}
    return FormPage(client, "/commissioning/new", "budget", others)


@pytest.fixture
async def direct_award_price(client, live) -> FormPage:
    engagement = await engagements.create_brief(live.commissioner, engagements.Brief(lot_id=live.lots[1].id, **BRIEF))
    await sign_in(client, COMMISSIONER)
    return FormPage(client, f"/commissioning/{engagement.reference}/direct-award", "price", {"supplier": str(live.organisations["Beta"])})


@pytest.fixture
async def response_price(client, live) -> FormPage:
    engagement = await competing(live, deadline=NOW + timedelta(days=7))
    await sign_in(client, SUPPLIERS[0].email)
    return FormPage(client, f"/organisation/engagements/{engagement.reference}", "price", {"proposal": "Workshops in schools"})


class ResponseForm(FormPage):
    async def send(self, value: str):  # the form is on the invitation's page; it is sent to /respond
        page = await self.client.get(self.path)
        return await self.client.post(f"{self.path}/respond", data={**self.others, self.field: value, "_csrf_token": csrf_from(page.text)})


@pytest.fixture
async def framework_value(client, database) -> FormPage:
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await sign_in(client, "officer@authority.example")
    return FormPage(client, f"/manage/frameworks/{framework.reference}/details", "estimated_value", {"title": "Participation services", "regime": "scotland"})


@pytest.fixture
async def lot_value(client, database) -> FormPage:
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await sign_in(client, "officer@authority.example")
    return FormPage(client, f"/manage/frameworks/{framework.reference}/lots/1", "estimated_value", {"title": "Adults", "scope": "Work with adults", "max_suppliers": "6"})


@SETTINGS
@hypothesis.given(value=amounts)
@with_examples("value", AMOUNT_ATTACKS)
async def test_a_tender_price_typed_is_taken_or_refused_in_words(tender_price, value):
    await tender_price.refused_or_taken(value)


@SETTINGS
@hypothesis.given(value=amounts)
@with_examples("value", AMOUNT_ATTACKS)
async def test_a_brief_budget_typed_is_taken_or_refused_in_words(brief_budget, value):
    await brief_budget.refused_or_taken(value)


@SETTINGS
@hypothesis.given(value=amounts)
@with_examples("value", AMOUNT_ATTACKS)
async def test_a_direct_award_price_typed_is_taken_or_refused_in_words(direct_award_price, value):
    await direct_award_price.refused_or_taken(value)


@SETTINGS
@hypothesis.given(value=amounts)
@with_examples("value", AMOUNT_ATTACKS)
async def test_a_mini_competition_price_typed_is_taken_or_refused_in_words(response_price, value):
    await ResponseForm(response_price.client, response_price.path, response_price.field, response_price.others).refused_or_taken(value)


@SETTINGS
@hypothesis.given(value=amounts)
@with_examples("value", AMOUNT_ATTACKS)
async def test_a_framework_estimated_value_typed_is_taken_or_refused_in_words(framework_value, value):
    await framework_value.refused_or_taken(value)


@SETTINGS
@hypothesis.given(value=amounts)
@with_examples("value", AMOUNT_ATTACKS)
async def test_a_lot_estimated_value_typed_is_taken_or_refused_in_words(lot_value, value):
    await lot_value.refused_or_taken(value)


# --- Whole numbers ------------------------------------------------------------------------------

whole_numbers = strategies.one_of(strategies.text(max_size=25), strategies.integers().map(str))
WHOLE_NUMBER_ATTACKS = ("²", "①", "١٢", "9" * 5000, "99999999999999999999", "-1", "--5", "1e3", "30 ")


@pytest.fixture
async def competition_weight(client, live) -> FormPage:
    engagement = await engagements.create_brief(live.commissioner, engagements.Brief(lot_id=live.lots[1].id, **BRIEF))
    await sign_in(client, COMMISSIONER)
    others = {"criterion_1_source": str(live.criteria["Approach"].id), "criterion_1_weight": "70", "price_weight": "30",
              "deadline_day": "8", "deadline_month": "4", "deadline_year": "2027", "deadline_time": "12:00"}
    return FormPage(client, f"/commissioning/{engagement.reference}/competition", "price_weight", others)


@SETTINGS
@hypothesis.given(value=whole_numbers)
@with_examples("value", WHOLE_NUMBER_ATTACKS)
async def test_a_whole_number_typed_is_taken_or_refused_in_words(competition_weight, value):
    """str.isdigit() is true of "²", which int() refuses: every whole-number field reads digits 0-9 only."""
    for field in ("price_weight", "criterion_1_weight"):
        competition_weight.field = field
        await competition_weight.refused_or_taken(value, only_field=False)  # the weights must add up to 100


# --- The amount fields, in the API ----------------------------------------------------------------


@pytest.fixture
async def api_tokens(database) -> tuple[dict, dict, str]:
    """An officer's and a supplier's API token headers, and the officer's draft framework."""
    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer, lots=1)
    return await bearer(officer), await bearer(supplier), framework.reference


@SETTINGS
@hypothesis.given(number=json_numbers)
@with_examples("number", ("1e400", "-1e400", "1" * 27, "9" * 5000, "1e-400", "2000000001", "2000000000", "0.5", "-1", "1E+999999"))
async def test_an_estimated_value_sent_to_the_api_is_taken_or_refused_naming_the_field(client, api_tokens, number):
    headers, _, reference = api_tokens
    for path, body in (("/api/v1/frameworks", '{"title": "Services", "estimated_value": %s}'),
                       (f"/api/v1/frameworks/{reference}/lots", '{"title": "Lot", "scope": "Work", "max_suppliers": 3, "estimated_value": %s}')):
        response = await client.post(path, content=body % number, headers={**headers, "Content-Type": "application/json"})
        assert response.status_code in (200, 201, 400, 422), f"{path} {number[:40]}: {response.status_code}"
        answer = response.json()
        if response.status_code == 400 and "errors" not in answer:  # a number no JSON decoder here holds, like 1e400
            assert answer["detail"].startswith("The request body is malformed") and "out of range" in answer["detail"], answer
        elif response.status_code in (400, 422):
            assert [problem["key"] for problem in answer["errors"]] == ["estimated_value"], answer


# --- Paged lists ----------------------------------------------------------------------------------


@pytest.fixture
async def admin(client, database):
    officer, _ = await officer_and_supplier()
    await draft_with_lots(officer)  # something in the audit log and the outbox
    await make_user(email="admin@authority.example", roles=(Role.ADMIN,))
    await sign_in(client, "admin@authority.example")
    return client


@SETTINGS
@hypothesis.given(number=page_numbers)
@with_examples("number", PAGE_ATTACKS)
async def test_the_audit_log_and_outbox_answer_any_page_number_with_a_page(admin, number):
    for path in ("/admin/audit", "/admin/outbox"):
        response = await admin.get(path, params={"page": number})
        assert response.status_code == 200, f"{path}?page={number[:40]!r}: {response.status_code}"


@pytest.fixture
async def commissioner(client, live):
    await engagements.create_brief(live.commissioner, engagements.Brief(lot_id=live.lots[1].id, **BRIEF))
    await sign_in(client, COMMISSIONER)
    return client


@SETTINGS
@hypothesis.given(number=page_numbers)
@with_examples("number", PAGE_ATTACKS)
async def test_the_commissioning_list_and_directory_answer_any_page_number_with_a_page(commissioner, number):
    for path, params in (("/commissioning", {}), ("/suppliers", {"seed": "1"})):
        response = await commissioner.get(path, params={**params, "page": number})
        assert response.status_code == 200, f"{path}?page={number[:40]!r}: {response.status_code}"


@pytest.fixture
async def moderator(client, panel):
    await scored_and_in_moderation(panel)
    await sign_in(client, "officer@authority.example")
    return client, f"/manage/frameworks/{panel['framework'].reference}/evaluation/moderation/1"


@SETTINGS
@hypothesis.given(number=page_numbers)
@with_examples("number", PAGE_ATTACKS)
async def test_the_moderation_sheet_answers_any_page_number_with_a_page(moderator, number):
    client, path = moderator
    response = await client.get(path, params={"page": number})
    assert response.status_code == 200, f"{path}?page={number[:40]!r}: {response.status_code}"


@pytest.fixture
async def api_users(database, controlled_clock) -> dict:
    from tests.test_api_contract import seeded

    return await seeded(controlled_clock)


@pytest.fixture
async def api_lists(client, api_users) -> list[tuple[str, dict, int]]:
    """Every list in the API's own document, with each user's headers and what that user gets from
    its first page (some may not see it): the same for every page number tried."""
    document = (await client.get("/schema/openapi.json")).json()
    paths = [
        path for path, item in document["paths"].items()
        if "get" in item and any(parameter["name"] == "page" for parameter in item["get"].get("parameters", []))
    ]
    assert len(paths) >= 8
    lists = []
    for path in paths:
        url = path.replace("{reference}", "PF-2026-001")
        for headers in api_users.values():
            lists.append((url, headers, (await client.get(url, headers=headers)).status_code))
    return lists


@SETTINGS
@hypothesis.given(number=page_numbers)
@with_examples("number", PAGE_ATTACKS)
async def test_every_api_list_answers_any_page_number_with_a_page_or_400_naming_it(client, api_lists, number):
    for url, headers, first in api_lists:
        response = await client.get(url, params={"page": number}, headers=headers)
        assert response.status_code in (first, 400), f"{url}?page={number[:40]!r}: {response.status_code}"
        if response.status_code == 400 and first != 400:
            assert [problem["key"] for problem in response.json()["errors"]] == ["page"]


# --- Deeply nested JSON ---------------------------------------------------------------------------


@SETTINGS
@hypothesis.given(depth=strategies.integers(min_value=1, max_value=200_000))
@example(depth=100_000)
@example(depth=1_000)
@example(depth=990)
@example(depth=900)
async def test_a_json_body_nested_however_deep_is_refused_with_400_saying_so(client, api_tokens, depth):
    officer, supplier, reference = api_tokens
    nested = "[" * depth + "]" * depth
    sent = (("/api/v1/frameworks", officer), (f"/api/v1/frameworks/{reference}/lots", officer), (f"/api/v1/frameworks/{reference}/interest", supplier))
    for path, headers in sent:
        for body in (nested, '{"title": %s, "scope": "Work", "max_suppliers": 3}' % nested):
            response = await client.post(path, content=body, headers={**headers, "Content-Type": "application/json"})
            assert response.status_code in (400, 403, 404, 422), f"{path}, {depth} deep: {response.status_code}"
            if depth >= 100_000:  # where the decoder gives up depends on the interpreter (about a thousand levels); here it has
                assert response.status_code == 400 and "nested too deeply" in response.json()["detail"], response.json()
