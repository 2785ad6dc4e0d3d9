"""Backing up the configured database while the service runs, and restoring such a backup.

SQLite is copied with its online backup API (a consistent snapshot, taken without stopping the
writers) into one self-contained file; PostgreSQL is dumped by pg_dump in its custom format and
restored by pg_restore in one transaction. Uploaded documents (REGISTRY_FILES_DIR) are not in the
database and so not in the backup.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from registry import db
from registry.db.engine import SQLITE_BUSY_TIMEOUT_SECONDS, redact
from registry.settings import Settings

REGISTRY_TABLES = {"audit_event", "migration"}  # what every database of this registry has


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def backup(settings: Settings, path: Path, *, force: bool = False) -> Path:
    """Write a consistent backup of the configured database to `path`, which must not exist unless
    `force`. The file is readable by its owner only: it holds personal data and password hashes."""
    path = path.absolute()
    if path.is_dir():
        raise BackupError(f"{path} is a directory; name the backup file to write")
    if path.exists() and not force:
        raise BackupError(f"{path} already exists; pass --force to overwrite it")
    database = sqlite_path(settings)
    if database == path:
        raise BackupError(f"{path} is the database itself; write the backup somewhere else")
    with _replaced_atomically(path) as partial:
        if database:
            _back_up_sqlite(database, partial)
        else:
            target, environment = _libpq_target(settings.database_url)
            _run(["pg_dump", "--format=custom", f"--file={partial}", f"--dbname={target}"], environment)
    return path


async def restore(settings: Settings, path: Path, *, replace: bool = False) -> None:
    """Replace the configured database with the backup at `path`. Refused if `path` is not a backup
    of this registry for the configured engine, and if the database already has tables, unless
    `replace`."""
    path = path.absolute()
    if not path.is_file():
        raise BackupError(f"there is no backup file at {path}")
    database = sqlite_path(settings)
    if database:
        _check_sqlite_backup(path)
    else:
        _check_postgres_backup(path)
    tables = await _count_tables(settings.database_url)
    if tables and not replace:
        raise BackupError(
            f"the database set by REGISTRY_DATABASE_URL ({redact(settings.database_url)}) is not empty ({tables} tables); "
            "pass --replace to replace everything in it with the backup"
        )
    if database:
        _restore_sqlite(path, database)
    else:
        target, environment = _libpq_target(settings.database_url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={target}", str(path)], environment)


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite database file the settings name, or None for PostgreSQL."""
    if not settings.database_url.startswith("sqlite:///"):
        return None
    return Path(settings.database_url.removeprefix("sqlite:///")).absolute()


@contextmanager
def _replaced_atomically(path: Path) -> Iterator[Path]:
    """A new file beside `path` to write, renamed over `path` when the block succeeds: a failure
    leaves `path` as it was and nothing half-written behind."""
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as error:
        raise BackupError(f"cannot write {path}: {error.strerror} ({path.parent})") from None
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _copy_sqlite(source: sqlite3.Connection, target: Path) -> None:
    with closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, without -wal and -shm beside it


def _back_up_sqlite(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"there is no database at {database} (REGISTRY_DATABASE_URL)")
    try:
        with closing(sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)) as source:
            _copy_sqlite(source, target)
    except sqlite3.Error as error:
        raise BackupError(f"cannot back up {database}: {error}") from None


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def _check_sqlite_backup(path: Path) -> None:
    try:
        with closing(_read_only(path)) as backup:
            tables = {name for (name,) in backup.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            (health,) = backup.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a backup of this registry: it is not a SQLite database ({error})") from None
    if not REGISTRY_TABLES <= tables:
        raise BackupError(f"{path} is not a backup of this registry: it is a SQLite database without the registry's tables")
    if health != "ok":
        raise BackupError(f"{path} is damaged: {health}")


def _restore_sqlite(path: Path, database: Path) -> None:
    with _replaced_atomically(database) as partial:
        if database.exists():
            shutil.copymode(database, partial)
        with closing(_read_only(path)) as backup:
            _copy_sqlite(backup, partial)
        # The old database's write-ahead log would be replayed onto the new file: it goes first.
        for stale in (Path(f"{database}-wal"), Path(f"{database}-shm")):
            stale.unlink(missing_ok=True)


def _check_postgres_backup(path: Path) -> None:
    listing = _run(["pg_restore", "--list", str(path)], failure=f"{path} is not a backup of this registry")
    if not all(re.search(rf"\bTABLE \S+ {table}\b", listing) for table in REGISTRY_TABLES):
        raise BackupError(f"{path} is not a backup of this registry: it is a PostgreSQL backup without the registry's tables")


def _libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, for --dbname, and the environment that carries the password:
    never on the command line, where any user of the machine could read it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, {}
    credentials, _, host = parts.netloc.rpartition("@")
    user = credentials.partition(":")[0]
    return parts._replace(netloc=f"{user}@{host}").geturl(), {"PGPASSWORD": unquote(parts.password)}


def _run(command: list[str], environment: dict[str, str] | None = None, *, failure: str | None = None) -> str:
    """Run a PostgreSQL client tool; its output, or a BackupError with what it said on failure."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} was not found on PATH: install the PostgreSQL client tools (the server's version or newer)")
    result = subprocess.run(command, env={**os.environ, **(environment or {})}, capture_output=True, text=True)
    if result.returncode != 0:
        said = " ".join(result.stderr.split()) or f"exit status {result.returncode}"
        raise BackupError(f"{failure or command[0] + ' failed'}: {said}")
    return result.stdout


async def _count_tables(url: str) -> int:
    engine = db.create_engine(url)
    try:
        await db.connect(engine, pool_size=0)
    except db.DatabaseUnreachable as error:
        raise BackupError(str(error)) from None
    try:
        if db.kind(engine) == "sqlite":
            query = "SELECT count(*) AS tables FROM sqlite_master WHERE type = 'table'"
        else:
            query = "SELECT count(*) AS tables FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        rows = await engine.run_ddl(query)
        return rows[0]["tables"]
    finally:
        await db.disconnect(engine)
