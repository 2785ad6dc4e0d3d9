"""Readiness: whether this server process can do its work now, for a load balancer or an
orchestrator to stop sending it requests (or to restart it) when it cannot. Liveness (/healthz)
only asks whether the database answers; readiness asks whether a write would succeed – the database
takes writes and the disks have room – and whether the mail sender is moving."""

import os
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from registry import clock, db
from registry.db.backup import sqlite_path
from registry.notifications import service as notifications
from registry.settings import Settings


@dataclass
class Readiness:
    problems: list[str] = field(default_factory=list)
    mail_sender: dict | None = None  # None when this service sends no mail (no REGISTRY_SMTP_URL)

    @property
    def ready(self) -> bool:
        return not self.problems


async def check(settings: Settings) -> Readiness:
    readiness = Readiness()
    try:
        await db.ping()
    except Exception as error:  # any driver error means the database cannot be reached
        readiness.problems.append(f"the database cannot be reached ({type(error).__name__})")
        return readiness
    readiness.problems += await _database_refuses_writes(settings)
    readiness.problems += _directory_problems(settings.files_dir, "the documents directory", settings.min_free_disk_mb)
    if settings.smtp_url:
        readiness.mail_sender = await _mail_sender(settings)
        if readiness.mail_sender["stuck"]:
            readiness.problems.append(
                f"the mail sender has not finished a pass since {readiness.mail_sender['last_pass_at'] or 'it started'}"
                f" (last error: {readiness.mail_sender['last_error'] or 'none'})"
            )
    return readiness


async def _database_refuses_writes(settings: Settings) -> list[str]:
    database = sqlite_path(settings)
    if database is None:
        rows = await db.current().run_ddl(
            "SELECT pg_is_in_recovery() AS in_recovery, current_setting('transaction_read_only') AS read_only"
        )
        if rows[0]["in_recovery"]:
            return ["the database is a standby in recovery: it takes no writes"]
        if rows[0]["read_only"] == "on":
            return ["the database is read-only"]
        return []
    problems = []
    if not os.access(database, os.W_OK):
        problems.append("the database file is read-only")
    return problems + _directory_problems(database.parent, "the database's directory", settings.min_free_disk_mb)


def _directory_problems(directory: Path, name: str, min_free_mb: int) -> list[str]:
    """A directory the service writes in: it must be writable, with room."""
    directory = _existing(directory)
    if not os.access(directory, os.W_OK | os.X_OK):
        return [f"{name} ({directory}) is read-only"]
    free_mb = shutil.disk_usage(directory).free // (1024 * 1024)
    if free_mb < min_free_mb:
        return [f"{name} ({directory}) has {free_mb} MB free, under the {min_free_mb} MB needed"]
    return []


def _existing(directory: Path) -> Path:
    """The directory, or the nearest one above it that exists (where it would be made)."""
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    return directory


async def _mail_sender(settings: Settings) -> dict:
    health = notifications.sender_health
    outbox = await notifications.outbox_health()
    oldest = outbox.oldest_unsent_at  # sealed emails left out, as on the admin's outbox page
    return {
        "stuck": health.stuck(settings.mail_poll_seconds) or health.started_at is None,
        "running": health.started_at is not None,
        "last_pass_at": health.last_pass_at.isoformat() if health.last_pass_at else None,
        "last_delivery_at": outbox.last_sent_at.isoformat() if outbox.last_sent_at else None,
        "oldest_unsent_seconds": int((clock.now() - oldest) / timedelta(seconds=1)) if oldest else None,
        "last_error": health.last_error_kind,  # its type alone: the message may quote an address
    }
