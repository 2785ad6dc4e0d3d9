"""The database away, too slow, read-only: pages answer 503 quickly, with Retry-After, and say
whether what was sent was saved; the API answers 503 JSON; reading a page needs no write."""

import os
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import asyncpg
import asyncpg.pool
import pytest
from piccolo.engine.postgres import PostgresTransaction

from registry import db
from registry.accounts.sessions import PiccoloSessionStore
from registry.notifications import service as notifications
from registry.notifications.tables import NotificationPreference
from registry.tenders.tables import TenderSubmission
from registry.web.errors import MAYBE_SAVED, NOT_SAVED, NOTHING_CHANGED
from tests.conftest import app_client
from tests.support import csrf_from, officer_and_supplier
from tests.test_framework_pages import sign_in
from tests.test_notifications import eventually, lose_the_connection_at_the_next_commit
from tests.tendering import complete_draft, open_for_tenders, registered

PREFERENCES = "/account/notifications"
FROM_PREFERENCES = {"Referer": f"http://testserver.local{PREFERENCES}"}


async def signed_in_supplier(client) -> str:
    """Sign a supplier in; the CSRF token of its notification preferences form."""
    _, supplier = await officer_and_supplier()
    await sign_in(client, supplier.email)
    return csrf_from((await client.get(PREFERENCES)).text)


async def save_preferences(client, csrf: str):
    return await client.post(PREFERENCES, data={"_csrf_token": csrf, "preferences": ["stage_changes"]}, headers=FROM_PREFERENCES)


def database_name(database_url: str) -> str:
    return database_url.rpartition("/")[2]


@asynccontextmanager
async def lock_held_elsewhere(engine_kind: str, database_url: str, table: str) -> AsyncIterator[None]:
    """Another process holds a lock the service's writes to `table` need: SQLite's write lock, or a
    PostgreSQL table lock."""
    if engine_kind == "sqlite":
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    connection = await asyncpg.connect(database_url)
    transaction = connection.transaction()
    await transaction.start()
    await connection.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        await transaction.rollback()
        await connection.close()


@asynccontextmanager
async def read_only(engine_kind: str, database_url: str, monkeypatch) -> AsyncIterator[None]:
    """The database refuses every write: PostgreSQL's default_transaction_read_only (as on a standby
    or a database set read-only for maintenance), SQLite's query_only on every connection (as when its
    file can no longer be written)."""
    engine = db.current()
    if engine_kind == "sqlite":  # every connection opened from now on, the writer thread's too
        await engine.close_connections()
        opening, connecting_writer = engine._open, engine._connect_writer

        async def read_only_connection():
            connection = await opening()
            await connection.execute("PRAGMA query_only = 1")
            return connection

        def read_only_writer():
            connection = connecting_writer()
            connection.execute("PRAGMA query_only = 1")
            return connection

        monkeypatch.setattr(engine, "_open", read_only_connection)
        monkeypatch.setattr(engine, "_connect_writer", read_only_writer)
        try:
            yield
        finally:
            monkeypatch.setattr(engine, "_open", opening)
            monkeypatch.setattr(engine, "_connect_writer", connecting_writer)
            await engine.close_connections()
        return
    name = database_name(database_url)
    owner = await asyncpg.connect(database_url)
    try:
        await owner.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        await engine.pool.expire_connections()
        yield
    finally:
        await owner.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        await owner.close()
        await engine.pool.expire_connections()


@asynccontextmanager
async def unreachable(engine_kind: str, database_url: str, monkeypatch) -> AsyncIterator[None]:
    """No connection to the database can be made: SQLite's directory has gone (a lost mount);
    PostgreSQL refuses connections (the server is down) and the pool has none open."""
    engine = db.current()
    if engine_kind == "sqlite":
        await engine.close_connections()
        directory = Path(database_url.removeprefix("sqlite:///")).parent
        gone = directory.with_name(directory.name + "-gone")
        directory.rename(gone)
        try:
            yield
        finally:
            gone.rename(directory)
        return

    async def refused():
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    monkeypatch.setattr(engine, "borrow", refused)
    yield
    monkeypatch.undo()


SLOW_READ = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) AS n FROM c"


async def test_a_read_that_runs_past_the_timeout_is_stopped_and_answered_503(database, settings, monkeypatch):
    """SQLite has no statement timeout of its own: a slow read held the page for as long as it ran."""
    from registry.frameworks import public_controllers
    from registry.frameworks.tables import Framework

    async def slow_search(criteria):
        return await Framework.raw(SLOW_READ)  # on the app's engine, bound with the app's timeouts

    monkeypatch.setattr(public_controllers.service, "published", slow_search)
    async with app_client(settings.model_copy(update={"database_timeout_seconds": 0.5})) as client:
        started = time.monotonic()
        response = await client.get("/frameworks")
        waited = time.monotonic() - started
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "Sorry, the service is unavailable" in response.text
    assert waited < 3, f"waited {waited:.1f} s"


async def test_a_write_waiting_for_a_lock_held_elsewhere_gives_up_within_the_timeout_and_says_it_was_not_saved(
    database, database_url, engine_kind, settings
):
    async with app_client(settings.model_copy(update={"database_timeout_seconds": 0.5})) as client:
        csrf = await signed_in_supplier(client)
        async with lock_held_elsewhere(engine_kind, database_url, "notification_preference"):
            started = time.monotonic()
            response = await save_preferences(client, csrf)
            waited = time.monotonic() - started
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert waited < 3, f"waited {waited:.1f} s"
    assert "Sorry, the service is unavailable" in response.text and NOT_SAVED in response.text
    assert await NotificationPreference.count() == 0


async def test_on_a_read_only_database_signed_in_pages_are_shown_and_a_write_is_503_saying_it_was_not_saved(
    database, database_url, engine_kind, settings, controlled_clock, monkeypatch
):
    async with app_client(settings) as client:
        csrf = await signed_in_supplier(client)
        async with read_only(engine_kind, database_url, monkeypatch):
            controlled_clock.advance(timedelta(minutes=5))  # the session is due to be renewed
            page = await client.get("/account")
            response = await save_preferences(client, csrf)
    assert page.status_code == 200 and "Sign out" in page.text
    assert response.status_code == 503 and response.headers["retry-after"] == "30"
    assert NOT_SAVED in response.text
    assert await NotificationPreference.count() == 0


async def test_an_unreachable_database_is_503_for_pages_and_json_for_the_api(database, database_url, engine_kind, settings, monkeypatch):
    async with app_client(settings) as client:
        async with unreachable(engine_kind, database_url, monkeypatch):
            page = await client.get("/frameworks")
            api = await client.get("/api/v1/frameworks")
    assert page.status_code == 503 and page.headers["retry-after"] == "30"
    assert "Sorry, the service is unavailable" in page.text and NOTHING_CHANGED in page.text
    assert api.status_code == 503 and api.headers["retry-after"] == "30"
    assert api.json() == {"status_code": 503, "detail": f"Sorry, the service is unavailable. {NOTHING_CHANGED}", "saved": False}


async def test_a_write_whose_commit_fails_says_it_may_have_been_saved_and_where_to_look(database, engine_kind, settings, monkeypatch):
    async with app_client(settings) as client:
        csrf = await signed_in_supplier(client)
        lose_the_connection_at_the_next_commit(monkeypatch, engine_kind)
        response = await save_preferences(client, csrf)
    assert response.status_code == 503
    assert MAYBE_SAVED in response.text and "Nothing you had saved" not in response.text
    assert f'<a class="govuk-link" href="{PREFERENCES}">go back to the page you were on</a>' in response.text


async def test_waiting_for_a_pooled_connection_gives_up_within_the_timeout(database, engine_kind, settings):
    if engine_kind != "postgres":
        pytest.skip("SQLite has no connection pool")
    async with app_client(settings.model_copy(update={"postgres_pool_size": 1, "database_connect_timeout_seconds": 0.5})) as client:
        held = await db.current().pool.acquire()
        try:
            started = time.monotonic()
            response = await client.get("/frameworks")
            waited = time.monotonic() - started
        finally:
            await db.current().pool.release(held)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert waited < 3, f"waited {waited:.1f} s"


# --- Readiness ------------------------------------------------------------------------------------


async def test_readiness_is_200_when_the_service_can_write_and_503_naming_why_on_a_read_only_database(
    database, database_url, engine_kind, settings, monkeypatch
):
    async with app_client(settings) as client:
        ready = await client.get("/readyz")
        if engine_kind == "postgres":
            async with read_only(engine_kind, database_url, monkeypatch):
                refused = await client.get("/readyz")
        else:  # as on a file system remounted read-only: the file cannot be opened for writing
            database_file = database_url.removeprefix("sqlite:///")
            allowed = os.access
            monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == database_file and mode & os.W_OK else allowed(path, mode))
            refused = await client.get("/readyz")
            monkeypatch.undo()
        liveness = await client.get("/healthz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "database": engine_kind, "problems": [], "mail_sender": None}
    assert refused.status_code == 503 and refused.json()["status"] == "not ready"
    assert refused.json()["problems"] == ["the database is read-only" if engine_kind == "postgres" else "the database file is read-only"]
    assert liveness.status_code == 200  # alive all the same: readiness, not liveness, takes it out of service


async def test_readiness_is_503_when_a_disk_is_nearly_full(database, settings, monkeypatch):
    async with app_client(settings.model_copy(update={"min_free_disk_mb": 100})) as client:
        usage = shutil.disk_usage
        monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(path)._replace(free=50 * 1024 * 1024))
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert any(problem.endswith("has 50 MB free, under the 100 MB needed") for problem in response.json()["problems"])


async def test_readiness_is_503_when_the_mail_sender_has_not_finished_a_pass_for_long(database, settings, controlled_clock, monkeypatch):
    monkeypatch.setattr(notifications, "sender_health", notifications.SenderHealth())
    sending = settings.model_copy(update={"smtp_url": "smtp://127.0.0.1:1", "mail_poll_seconds": 60})
    async with app_client(sending) as client:
        await eventually(lambda: notifications.sender_health.last_pass_at is not None)
        moving = await client.get("/readyz")
        controlled_clock.advance(timedelta(minutes=10))
        stuck = await client.get("/readyz")
    assert moving.status_code == 200 and moving.json()["mail_sender"]["running"] and not moving.json()["mail_sender"]["stuck"]
    assert stuck.status_code == 503 and stuck.json()["mail_sender"]["stuck"]
    assert stuck.json()["problems"][0].startswith("the mail sender has not finished a pass since ")


# --- No false failure after a commit --------------------------------------------------------------


def drop_the_connection_after_the_next_commit(monkeypatch) -> list[str]:
    """Once the next transaction has committed, giving its connection back to the pool fails, as it
    does when the connection drops just after COMMIT. Returns what happened: "committed", then
    "dropped"."""
    happened: list[str] = []
    commit = PostgresTransaction.commit

    async def committing(self):
        await commit(self)
        if not happened:
            happened.append("committed")

    release = asyncpg.pool.Pool.release

    async def releasing(pool, connection, *args, **kwargs):
        await release(pool, connection, *args, **kwargs)
        if happened == ["committed"]:
            happened.append("dropped")
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    monkeypatch.setattr(PostgresTransaction, "commit", committing)
    monkeypatch.setattr(asyncpg.pool.Pool, "release", releasing)
    return happened


async def test_a_tender_whose_connection_drops_just_after_its_commit_still_answers_the_receipt(
    database, engine_kind, settings, controlled_clock, monkeypatch
):
    if engine_kind != "postgres":
        pytest.skip("on SQLite a write's connection stays with the writer thread: nothing is given back after its COMMIT")
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    await complete_draft(supplier, framework.reference, 1, found)
    base = f"/frameworks/{framework.reference}/tenders/1"
    async with app_client(settings) as client:
        await sign_in(client, supplier.email)
        check = await client.get(f"{base}/check")
        happened = drop_the_connection_after_the_next_commit(monkeypatch)
        submitted = await client.post(f"{base}/submit", data={"_csrf_token": csrf_from(check.text)})
        monkeypatch.undo()
        receipt = await client.get(f"{base}/receipts/1")
    assert happened == ["committed", "dropped"]
    assert submitted.status_code == 303 and submitted.headers["location"] == f"{base}/receipts/1"
    stored = await TenderSubmission.objects().get(TenderSubmission.number == 1)
    assert receipt.status_code == 200 and stored.sha256 in receipt.text


async def test_signing_out_when_the_session_cannot_be_deleted_still_signs_out_on_this_browser(database, engine_kind, settings, monkeypatch):
    async with app_client(settings) as client:
        await signed_in_supplier(client)
        page = await client.get("/sign-out")

        async def connection_lost(self, key):
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")

        monkeypatch.setattr(PiccoloSessionStore, "delete", connection_lost)
        signed_out = await client.post("/sign-out", data={"_csrf_token": csrf_from(page.text)})
        monkeypatch.undo()
        account = await client.get("/account")
    assert signed_out.status_code == 200 and "You have signed out" in signed_out.text  # the sign-out was recorded (committed)
    assert account.status_code == 303 and account.headers["location"].startswith("/sign-in")
