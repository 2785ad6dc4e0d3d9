"""`registry backup` and `registry restore`, run as the real command on each engine."""

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path

import pytest

from registry.audit.tables import AuditEvent
from registry.db import backup, scratch
from registry.db.engine import redact
from registry.frameworks import documents
from registry.frameworks import service as frameworks
from registry.frameworks.tables import State
from registry.settings import Settings
from tests.commissioning import Supplier, live_framework
from tests.conftest import POSTGRES_URL, app_client
from tests.support import officer_and_supplier
from tests.tendering import open_for_tenders
from tests.test_audit import tamper
from tests.test_cli import run_registry
from tests.test_frameworks import draft_with_lots

FILE_SIGNATURE = {"sqlite": b"SQLite format 3\x00", "postgres": b"PGDMP"}


@asynccontextmanager
async def new_database(engine_kind: str, tmp_path: Path, name: str = "restored") -> AsyncIterator[str]:
    """The URL of a database with nothing in it: a SQLite file not yet made, or a new PostgreSQL database."""
    if engine_kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        return
    async with scratch.database(POSTGRES_URL, f"registry_test_{name}") as url:
        yield url


async def history(controlled_clock, files_dir: Path) -> list[str]:
    """A framework published up to its invitation to tender (its notices in the audit log, a
    document in the files directory) and a live framework with appointed suppliers; the public pages
    that show them."""
    officer, _ = await officer_and_supplier()
    tendering, _ = await open_for_tenders(officer, controlled_clock)
    await documents.attach(officer, tendering.reference, title="Terms", filename="terms.pdf", data=b"%PDF-1.4\nTerms\n%%EOF\n", files_dir=files_dir)
    live = await live_framework([Supplier("Common Ground", {1: 1}), Supplier("Deliberata", {1: 2, 2: 1}, description="Citizens' juries")])
    return [
        "/frameworks",
        f"/frameworks/{tendering.reference}",
        f"/frameworks/{live.reference}",
        "/suppliers?q=juries&seed=7",
        "/open-data/notices.csv",
    ]


async def pages(settings: Settings, paths: list[str]) -> dict[str, str]:
    async with app_client(settings) as client:
        responses = {path: await client.get(path) for path in paths}
    assert {path: response.status_code for path, response in responses.items()} == dict.fromkeys(paths, 200)
    return {path: response.text for path, response in responses.items()}


async def test_a_backup_restored_into_a_new_database_verifies_its_audit_log_and_serves_the_same_pages(
    database, database_url, engine_kind, settings, controlled_clock, tmp_path
):
    paths = await history(controlled_clock, settings.files_dir)
    events = await AuditEvent.count()
    assert events > 10
    original = await pages(settings, paths)
    assert "Deliberata" in original["/suppliers?q=juries&seed=7"] and "Common Ground" not in original["/suppliers?q=juries&seed=7"]
    backup_file = tmp_path / "registry.backup"

    made = run_registry("backup", str(backup_file), env={"REGISTRY_DATABASE_URL": database_url})
    assert made.returncode == 0, made.stderr
    assert made.stdout == f"Backup of {redact(database_url)} written to {backup_file} ({backup_file.stat().st_size:,} bytes).\n"
    assert backup_file.read_bytes().startswith(FILE_SIGNATURE[engine_kind])

    async with new_database(engine_kind, tmp_path) as restored_url:
        restored = run_registry("restore", str(backup_file), env={"REGISTRY_DATABASE_URL": restored_url})
        assert restored.returncode == 0, restored.stderr
        assert restored.stdout == (
            f"Restored {backup_file} into {redact(restored_url)}.\nAudit log intact: {events} events verified.\nKeyed with: dev.\n"
            "No checkpoint yet: nothing shows whether events were cut from the end of the log.\n"
        )
        assert await pages(settings.model_copy(update={"database_url": restored_url}), paths) == original
        files = run_registry("files", "verify", env={"REGISTRY_DATABASE_URL": restored_url, "REGISTRY_FILES_DIR": str(settings.files_dir)})
        assert files.returncode == 0, files.stdout + files.stderr
        assert files.stdout == f"1 document checked in {settings.files_dir}: every file is present and matches its SHA-256.\n"


async def test_restoring_over_a_database_that_has_tables_needs_replace_and_then_replaces_it(database, database_url, settings, tmp_path):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    backup_file = backup.backup(settings, tmp_path / "before-publishing.backup")
    events_at_backup = await AuditEvent.count()
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    framework_page = f"/frameworks/{framework.reference}"
    env = {"REGISTRY_DATABASE_URL": database_url}

    refused = run_registry("restore", str(backup_file), env=env)
    assert refused.returncode == 1
    assert f"registry: the database set by REGISTRY_DATABASE_URL ({redact(database_url)}) is not empty (" in refused.stderr
    assert "tables); pass --replace to replace everything in it with the backup" in refused.stderr
    assert await AuditEvent.count() > events_at_backup  # nothing was restored
    await pages(settings, [framework_page])  # the published notice is still there

    replaced = run_registry("restore", str(backup_file), "--replace", env=env)
    assert replaced.returncode == 0, replaced.stderr
    assert f"Audit log intact: {events_at_backup} events verified." in replaced.stdout
    async with app_client(settings) as client:
        assert (await client.get(framework_page)).status_code == 404  # a draft again, as at the backup


async def another_applications_backup(engine_kind: str, tmp_path: Path) -> Path:
    async with new_database(engine_kind, tmp_path, "other_application") as url:
        if engine_kind == "sqlite":
            with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
                connection.execute("CREATE TABLE note (body TEXT)")
        return backup.backup(Settings(database_url=url), tmp_path / "other-application.backup")


async def test_a_file_that_is_not_a_backup_of_this_registry_is_refused_even_with_replace(database, database_url, engine_kind, settings, tmp_path):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    events = await AuditEvent.count()
    minutes = tmp_path / "minutes.txt"
    minutes.write_text("Minutes of the evaluation panel\n")
    other = await another_applications_backup(engine_kind, tmp_path)
    env = {"REGISTRY_DATABASE_URL": database_url}

    kind = "a SQLite database" if engine_kind == "sqlite" else "a PostgreSQL backup"
    missing = tmp_path / "missing.backup"
    refusals = {
        minutes: f"registry: {minutes} is not a backup of this registry: ",
        other: f"registry: {other} is not a backup of this registry: it is {kind} without the registry's tables\n",
        missing: f"registry: there is no backup file at {missing}\n",
    }
    for not_a_backup, message in refusals.items():
        result = run_registry("restore", str(not_a_backup), "--replace", env=env)
        assert result.returncode == 1
        assert message in result.stderr
    assert await AuditEvent.count() == events
    await pages(settings, [f"/frameworks/{framework.reference}"])


async def test_a_restored_audit_log_that_does_not_verify_fails_naming_the_event(database, database_url, engine_kind, settings, tmp_path):
    officer, _ = await officer_and_supplier()
    await draft_with_lots(officer)
    await tamper(database_url, engine_kind, "UPDATE audit_event SET actor_email = 'someone.else@authority.example' WHERE sequence = 2")
    backup_file = backup.backup(settings, tmp_path / "tampered.backup")

    async with new_database(engine_kind, tmp_path) as restored_url:
        result = run_registry("restore", str(backup_file), env={"REGISTRY_DATABASE_URL": restored_url})
    assert result.returncode == 1
    assert result.stdout == f"Restored {backup_file} into {redact(restored_url)}.\n"
    assert "registry: audit log broken at event 2: its content does not match its hash (edited?)" in result.stderr


async def test_a_backup_never_overwrites_a_file_unless_forced_nor_leaves_a_partial_one(database_url, engine_kind, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    existing = backups / "registry.backup"
    existing.write_text("last night's backup")
    env = {"REGISTRY_DATABASE_URL": database_url}

    refused = run_registry("backup", str(existing), env=env)
    assert refused.returncode == 1
    assert f"registry: {existing} already exists; pass --force to overwrite it" in refused.stderr
    assert existing.read_text() == "last night's backup"

    forced = run_registry("backup", str(existing), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert existing.read_bytes().startswith(FILE_SIGNATURE[engine_kind])
    assert existing.stat().st_mode & 0o077 == 0  # readable by its owner only

    nowhere = tmp_path / "no-such-directory" / "registry.backup"
    missing = run_registry("backup", str(nowhere), env=env)
    assert missing.returncode == 1
    assert f"registry: cannot write {nowhere}: No such file or directory" in missing.stderr
    assert list(backups.iterdir()) == [existing]


async def test_a_postgresql_backup_without_pg_dump_says_to_install_it(database_url, engine_kind, tmp_path):
    if engine_kind != "postgres":
        pytest.skip("SQLite needs no client tools")
    result = run_registry("backup", str(tmp_path / "registry.backup"), env={"REGISTRY_DATABASE_URL": database_url, "PATH": str(tmp_path)})
    assert result.returncode == 1
    assert "registry: pg_dump was not found on PATH: install the PostgreSQL client tools" in result.stderr
    assert list(tmp_path.iterdir()) == []
