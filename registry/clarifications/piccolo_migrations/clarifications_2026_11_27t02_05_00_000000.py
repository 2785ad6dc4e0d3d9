from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T02:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One question number per framework"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="clarifications", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    return manager


async def _create_indexes():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    await engine.run_ddl("CREATE UNIQUE INDEX clarification_framework_number ON clarification (framework, number)")
