from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T02:19:04:965332"
VERSION = "1.38.0"
DESCRIPTION = "Room in object_id for a route with its parameters"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)
    manager.add_raw(_widen_object_id)
    return manager


# Written by hand: Piccolo's generated ALTER warns that SQLite cannot change a length (SQLite does not
# limit it anyway). Piccolo's own record of the column still says 80, so a later `--auto` migration of
# this app may repeat the change, harmlessly.
async def _widen_object_id():
    from piccolo.engine import PostgresEngine, engine_finder

    engine = engine_finder()
    if isinstance(engine, PostgresEngine):  # SQLite does not limit a VARCHAR's length
        await engine.run_ddl("ALTER TABLE audit_event ALTER COLUMN object_id TYPE VARCHAR(400)")
