from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index appointments by supplier and by framework: the directory looks them up by both on every search"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="award", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    return manager


async def _create_indexes():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    await engine.run_ddl("CREATE INDEX appointment_organisation ON appointment (organisation, framework, lot, rank)")
    await engine.run_ddl("CREATE INDEX appointment_framework ON appointment (framework, lot, organisation)")
