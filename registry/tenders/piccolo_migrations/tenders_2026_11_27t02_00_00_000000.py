from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One tender per supplier and lot; one submission number per tender"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tenders", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    return manager


async def _create_indexes():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    await engine.run_ddl("CREATE UNIQUE INDEX tender_supplier_lot ON tender (organisation, lot)")
    await engine.run_ddl("CREATE UNIQUE INDEX tender_submission_number ON tender_submission (tender, number)")
