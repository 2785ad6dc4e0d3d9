from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T16:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "A part of a tender's assessment is withheld from the letters once at most"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="award", description=DESCRIPTION)
    manager.add_raw(_one_per_part)
    return manager


async def _one_per_part():
    from piccolo.engine import engine_finder

    await engine_finder().run_ddl("CREATE UNIQUE INDEX withholding_part ON withholding (tender, criterion, part)")
