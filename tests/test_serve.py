"""The real server (`registry serve`): told to stop, it finishes the submissions in flight before
it exits; and it logs one JSON line per request, carrying the request id of the response."""

import asyncio
import json
import signal
import socket
import time

import pytest

from benchmarks import dataset
from benchmarks.run import Server, cookie, csrf_token
from registry import db
from registry.tenders.tables import TenderSubmission

SMALL = dataset.Size(suppliers=4, frameworks=2, engagements=0, tenders=2, sessions=2)


@pytest.fixture
def server_with_a_prepared_tender(database_url):
    manifest = asyncio.run(dataset.create(database_url, SMALL))
    server = Server(database_url, workers=1, quiet=False, env={"REGISTRY_LOG_FORMAT": "json"})
    yield server, manifest
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def submission_request(server: Server, manifest: dataset.Manifest) -> tuple[bytes, bytes]:
    """The raw HTTP request that submits the first supplier's prepared tender: its head, and its body."""
    session = manifest.supplier_sessions[0]
    tender = f"/frameworks/{manifest.tender_framework}/tenders/1"
    csrf = csrf_token(server, session, f"{tender}/check")
    body = f"_csrf_token={csrf}".encode()
    headers = {**cookie(session, csrf), "Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(len(body)),
               "Host": f"127.0.0.1:{server.port}", "Connection": "close"}
    head = f"POST {tender}/submit HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    return head.encode(), body


def read_all(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


async def stored_submissions(database_url: str) -> int:
    engine = db.create_engine(database_url)
    db.bind(engine)
    await db.connect(engine, pool_size=1)
    try:
        return await TenderSubmission.count().where(TenderSubmission.tender.framework.reference == dataset.OPEN_FOR_TENDERS)
    finally:
        await db.disconnect(engine)


def test_a_submission_in_flight_when_the_server_is_told_to_stop_is_finished_stored_and_logged(server_with_a_prepared_tender, database_url):
    server, manifest = server_with_a_prepared_tender
    head, body = submission_request(server, manifest)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(head + body[:8])  # the supplier's connection is slow: half the form has arrived
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.process.poll() is None, "the server waits for the submission in flight"
        with pytest.raises(OSError):  # but takes no new connections
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        connection.sendall(body[8:])
        response = read_all(connection)
    status_line, _, rest = response.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 303 See Other", response[:500]
    assert server.process.wait(timeout=30) == -signal.SIGTERM  # having finished, it stops as the signal asked (so a supervisor sees why)
    assert asyncio.run(stored_submissions(database_url)) == 1

    request_id = next(line.split(b":", 1)[1].strip().decode() for line in rest.split(b"\r\n") if line.lower().startswith(b"x-request-id:"))
    lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "registry.access" and line["request_id"] == request_id]
    assert [(line["method"], line["path"], line["status"]) for line in access] == [
        ("POST", f"/frameworks/{dataset.OPEN_FOR_TENDERS}/tenders/1/submit", 303)
    ]
    assert access[0]["level"] == "info" and access[0]["duration_ms"] > 0
    assert any("Shutting down" in line["message"] for line in lines), "the server's own lines are JSON too"
