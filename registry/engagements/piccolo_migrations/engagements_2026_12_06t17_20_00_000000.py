from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T17:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The commissioner's engagements by buyer, newest first: counted and paged without reading every engagement"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="engagements", description=DESCRIPTION)
    manager.add_raw(_create_index)
    return manager


async def _create_index():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    await engine.run_ddl("CREATE INDEX engagement_buyer_state ON engagement (buyer, state)")  # the counts by state
    await engine.run_ddl("CREATE INDEX engagement_buyer_created ON engagement (buyer, created_at, id)")  # a page, newest first
