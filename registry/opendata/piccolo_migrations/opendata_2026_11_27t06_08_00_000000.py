from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-27T06:08:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The database refuses UPDATE and DELETE on OCDS releases: a correction is a new release"

SQLITE = [
    """CREATE TRIGGER ocds_release_no_update BEFORE UPDATE ON ocds_release
       BEGIN SELECT RAISE(ABORT, 'OCDS releases are immutable: UPDATE refused'); END""",
    """CREATE TRIGGER ocds_release_no_delete BEFORE DELETE ON ocds_release
       BEGIN SELECT RAISE(ABORT, 'OCDS releases are immutable: DELETE refused'); END""",
]

POSTGRES = [
    """CREATE FUNCTION ocds_release_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'OCDS releases are immutable: % refused', TG_OP;
       END $$""",
    """CREATE TRIGGER ocds_release_immutable BEFORE UPDATE OR DELETE ON ocds_release
       FOR EACH ROW EXECUTE FUNCTION ocds_release_immutable()""",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="opendata", description=DESCRIPTION)

    async def create_triggers():
        engine = engine_finder()
        for statement in SQLITE if engine.engine_type == "sqlite" else POSTGRES:
            await engine.run_ddl(statement)

    manager.add_raw(create_triggers)
    return manager
