from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index a supplier's directory tags by taxonomy, for the facet counts of the suppliers a search matches"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="directory", description=DESCRIPTION)
    manager.add_raw(_create_index)
    return manager


async def _create_index():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    await engine.run_ddl("CREATE INDEX directory_tag_of ON directory_tag (organisation, taxonomy, code)")
