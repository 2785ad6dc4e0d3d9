"""The contract test: schemathesis against the app's own OpenAPI document (/schema/openapi.json),
on a live framework with appointed suppliers and an engagement. Every /api/ operation is called with
a few generated requests (and the document's examples) as each kind of user; no response may be a
server error or contradict the document, and no operation that declares authentication may answer
without it. Separately, every such operation answers a request with no credentials with 401."""

from datetime import UTC, datetime

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, strategies
from schemathesis import checks
from schemathesis.python import asgi

from registry.accounts.tables import Organisation, Role
from registry.app import create_app
from tests.api_support import bearer, competing
from tests.awarding import user
from tests.commissioning import Supplier, live_framework

EXAMPLES = 3  # generated requests per operation and user (the document's examples among them): about 12 s an engine
CHECKS = [
    checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
    checks.response_schema_conformance, checks.ignored_auth,
]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck), verbosity=hypothesis.Verbosity.quiet,
)


async def seeded(controlled_clock) -> dict[str, dict[str, str]]:
    """The document's example framework (PF-2026-001), live, with an engagement; an API token's header for each kind of user."""
    controlled_clock.set(datetime(2027, 4, 1, 9, 0, tzinfo=UTC))
    live = await live_framework([Supplier("Alpha", ranks={1: 1}), Supplier("Beta", ranks={1: 2, 2: 1})], reference="PF-2026-001")
    await competing(live, deadline=datetime(2027, 4, 8, 9, 0, tzinfo=UTC))
    authority = await Organisation.objects().get(Organisation.id == live.authority)
    evaluator = await user("evaluator@pf-2026-001.example", (Role.EVALUATOR,), authority)
    people = {"supplier": live.users["Alpha"], "officer": live.officer, "commissioner": live.commissioner, "evaluator": evaluator}
    return {kind: await bearer(person) for kind, person in people.items()}


def run_operation(operation, headers: dict) -> None:
    strategy = strategies.one_of(operation.as_strategy(), *operation.get_strategies_from_examples())

    @hypothesis.given(case=strategy)
    @SETTINGS
    def test(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    test()


async def test_every_operation_keeps_to_the_openapi_document(database, settings, controlled_clock):
    tokens = await seeded(controlled_clock)
    app = create_app(settings.model_copy(update={"postgres_pool_size": 2}))
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app).include(path_regex="^/api/")
    try:
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 20
        for operation in operations:
            for headers in tokens.values():
                run_operation(operation, headers)
    finally:
        asgi.shutdown_lifespans()


async def test_every_operation_that_needs_a_user_refuses_a_request_without_one(client):
    document = (await client.get("/schema/openapi.json")).json()
    needing = [
        (method, path) for path, item in document["paths"].items() if path.startswith("/api/")
        for method, operation in item.items() if operation.get("security") and {} not in operation["security"]
    ]
    assert len(needing) > 10
    for method, path in needing:
        url = path.replace("{reference}", "PF-2026-001").replace("{kind}", "pin")
        for name in ("tender_id", "assignment_id", "lot", "organisation_id", "version"):
            url = url.replace(f"{{{name}}}", "1")
        client.cookies.clear()  # a script: no session, no CSRF cookie
        response = await client.request(method.upper(), url, json={}, headers={"Accept": "text/html"})
        assert response.status_code == 401, f"{method.upper()} {path}: {response.status_code}"
        assert response.json()["detail"] == "Sign in to continue"
