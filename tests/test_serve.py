"""The real server (`registry serve`): told to stop, it finishes the submissions in flight before
it exits, and answers what it must cut off with its own 503 page; it logs one JSON line per request,
carrying the request id of the response; and it disconnects clients too slow with their requests."""

import asyncio
import json
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import httpx
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


def respond_or_close(connection: socket.socket, within: float) -> tuple[bytes, float]:
    """What the server sends before it closes the connection, and how long it took."""
    started = time.monotonic()
    connection.settimeout(within)
    return read_all(connection), time.monotonic() - started


@pytest.mark.slow
def test_a_client_too_slow_with_its_headers_or_its_body_is_answered_408_and_disconnected(database_url):
    server = Server(database_url, workers=1, env={"REGISTRY_HEADER_TIMEOUT_SECONDS": "1", "REGISTRY_BODY_TIMEOUT_SECONDS": "1"})
    try:
        address = ("127.0.0.1", server.port)
        with socket.create_connection(address) as silent:  # connects and says nothing: closed without a word
            answer, waited = respond_or_close(silent, within=10)
        assert answer == b"" and 0.8 < waited < 5
        with socket.create_connection(address) as slow_headers:  # slowloris: a header line at a time, never the end
            slow_headers.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            time.sleep(0.5)
            slow_headers.sendall(b"X-Slow: 1\r\n")
            answer, waited = respond_or_close(slow_headers, within=10)
        assert answer.startswith(b"HTTP/1.1 408 ") and b"headers did not arrive in time" in answer and waited < 5
        with socket.create_connection(address) as slow_body:  # the body stops half way
            slow_body.sendall(b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                              b"Content-Length: 100\r\n\r\nemail=someone")
            answer, waited = respond_or_close(slow_body, within=10)
        assert answer.startswith(b"HTTP/1.1 408 ") and b"body did not arrive in time" in answer and waited < 5
        with socket.create_connection(address) as huge_headers:
            huge_headers.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Padding: " + b"x" * 70_000 + b"\r\n\r\n")
            answer, _ = respond_or_close(huge_headers, within=10)
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert httpx.get(f"{server.base_url}/healthz", timeout=5).status_code == 200  # and it serves everyone else
    finally:
        server.stop()


@contextmanager
def tenders_locked(database_url: str) -> Iterator[None]:
    """Another process holds a lock that storing a tender needs, so that a submission waits."""
    if database_url.startswith("sqlite:///"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    connection = TableLockedElsewhere(database_url)
    try:
        yield
    finally:
        connection.close()


class TableLockedElsewhere:
    """A PostgreSQL connection holding an ACCESS EXCLUSIVE lock on the submissions table, in a thread
    of its own (asyncpg needs an event loop; this test is synchronous)."""

    def __init__(self, database_url: str):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.connection = self._run(asyncpg.connect(database_url))
        self._run(self.connection.execute("BEGIN; LOCK TABLE tender_submission IN ACCESS EXCLUSIVE MODE"))

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def close(self) -> None:
        self._run(self.connection.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.mark.slow
def test_a_request_cut_off_at_the_end_of_the_grace_period_gets_the_services_own_503_page(database_url):
    """On PostgreSQL the cut-off submission's transaction is rolled back: nothing was saved. On SQLite
    it was already in the writer thread's hands, which would store it once the lock is free: the
    page cannot tell, and says so (here the server exits first, so nothing is stored)."""
    manifest = asyncio.run(dataset.create(database_url, SMALL))
    # The submission waits for the lock longer than the grace period (1 s after the signal at 0.5 s),
    # and not much longer: on SQLite the server exits only once the writer thread stops waiting.
    server = Server(database_url, workers=1, quiet=False, env={"REGISTRY_SHUTDOWN_GRACE_SECONDS": "1", "REGISTRY_DATABASE_TIMEOUT_SECONDS": "5"})
    try:
        head, body = submission_request(server, manifest)
        with tenders_locked(database_url), socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
            connection.sendall(head + body)  # the submission waits for the lock
            time.sleep(0.5)
            server.process.send_signal(signal.SIGTERM)
            response = read_all(connection)
            server.process.wait(timeout=30)
        status_line, _, rest = response.partition(b"\r\n")
        assert status_line == b"HTTP/1.1 503 Service Unavailable", response[:500]
        assert b"retry-after: 30" in rest.lower() and b"Sorry, the service is unavailable" in rest
        if database_url.startswith("sqlite:///"):
            assert b"We cannot tell whether what you sent was saved" in rest and b"was not saved" not in rest
        else:
            assert b"What you sent was not saved" in rest
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    assert asyncio.run(stored_submissions(database_url)) == 0
