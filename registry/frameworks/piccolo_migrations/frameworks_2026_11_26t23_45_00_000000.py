from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-26T23:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One lot number and one notice version per framework"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="frameworks", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    return manager


async def _create_indexes():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    await engine.run_ddl("CREATE UNIQUE INDEX lot_framework_number ON lot (framework, number)")
    await engine.run_ddl("CREATE UNIQUE INDEX notice_framework_kind_version ON notice (framework, kind, version)")
