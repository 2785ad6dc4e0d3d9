"""The registry's log lines: JSON objects (or text) carrying the request id of the request they were
written for, one access line per request, and never a query string."""

import io
import json
import logging

import pytest

from registry import logs

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def written() -> io.StringIO:
    """What the registry logs while the test runs, formatted as in production (JSON)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    logger = logging.getLogger("registry")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)  # setLevel, not the attribute: it also clears the loggers' cached levels
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_each_request_has_one_access_line_with_its_request_id_and_no_secret(client, written):
    html = {"Accept": "text/html"}
    responses = [
        await client.get("/password-reset?email=someone@example.org", headers=html),
        await client.get("/password-reset/secret-reset-token", headers=html),
        await client.get("/no-such-page", headers=html),
    ]
    access = [line for line in lines(written) if line["logger"] == "registry.access"]
    assert [(line["method"], line["path"], line["status"], line["request_id"]) for line in access] == [
        ("GET", "/password-reset", 200, responses[0].headers["X-Request-Id"]),
        ("GET", "/password-reset/[secret]", 400, responses[1].headers["X-Request-Id"]),
        ("GET", "/no-such-page", 404, responses[2].headers["X-Request-Id"]),
    ]
    assert len({response.headers["X-Request-Id"] for response in responses}) == 3
    assert "secret-reset-token" not in written.getvalue() and "someone@example.org" not in written.getvalue()


def test_lines_written_outside_a_request_say_so_and_text_lines_carry_the_request_id():
    record = logging.LogRecord("registry.mail", logging.WARNING, __file__, 1, "sent %d", (3,), None)
    logs.RequestIdFilter().filter(record)
    entry = json.loads(logs.JsonFormatter().format(record))
    assert (entry["level"], entry["logger"], entry["message"], entry["request_id"]) == ("warning", "registry.mail", "sent 3", "-")

    token = logs.current_request_id.set("0123abcd")
    try:
        logs.RequestIdFilter().filter(record)
    finally:
        logs.current_request_id.reset(token)
    assert logging.Formatter(logs.TEXT).format(record).endswith("WARNING registry.mail [0123abcd] sent 3")
