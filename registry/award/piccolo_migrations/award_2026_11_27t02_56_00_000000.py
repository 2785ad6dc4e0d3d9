from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T02:56:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One current award proposal per lot; one appointment per supplier and lot"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="award", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    return manager


async def _create_indexes():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    await engine.run_ddl("CREATE UNIQUE INDEX award_proposal_current ON award_proposal (lot) WHERE superseded_at IS NULL")
    await engine.run_ddl("CREATE UNIQUE INDEX appointment_supplier_lot ON appointment (lot, organisation)")
