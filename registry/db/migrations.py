"""Apply and inspect Piccolo migrations for every app in the registry."""

import contextlib
import functools
import io
import logging

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration

logger = logging.getLogger(__name__)


class MigrationFailed(RuntimeError):
    pass


@functools.cache
def known() -> dict[str, tuple[str, ...]]:
    """Every app's migrations, in the apps' dependency order, as their migrations folders hold them:
    read once a process (Piccolo's app registry takes most of a millisecond an app to ask)."""
    manager = BaseMigrationManager()
    return {
        app_name: tuple(manager.get_migration_modules(manager.get_app_config(app_name).resolved_migrations_folder_path))
        for app_name in manager.get_sorted_app_names()
    }


async def pending() -> dict[str, list[str]]:
    """The migrations not yet applied, by app (apps with none pending are left out). Every app start
    asks (registry.app.prepare_schema): the applied ones are read in one statement, not one per app."""
    ran: set[tuple[str, str]] = set()
    if await Migration.table_exists().run():
        ran = {(row["app_name"], row["name"]) for row in await Migration.select(Migration.app_name, Migration.name)}
    waiting: dict[str, list[str]] = {}
    for app_name, names in known().items():
        missing = sorted(name for name in names if (app_name, name) not in ran)
        if missing:
            waiting[app_name] = missing
    return waiting


async def apply() -> int:
    """Apply every pending migration, in dependency order; returns how many were applied."""
    waiting = await pending()
    if not waiting:
        return 0
    output = io.StringIO()  # Piccolo narrates to stdout; keep it for the log instead
    with contextlib.redirect_stdout(output):
        result = await run_forwards(app_name="all")
    logger.debug("piccolo migrations:\n%s", output.getvalue())
    if not result.success:
        raise MigrationFailed(result.message or output.getvalue())
    count = sum(len(ids) for ids in waiting.values())
    logger.info("applied %d migration(s): %s", count, ", ".join(f"{a}:{i}" for a, ids in waiting.items() for i in ids))
    return count
