from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The directory's generation: a counter raised by every write that changes whom the directory lists or how"

# Searches no longer read the tags by taxonomy and code (the listing holds them): their indexes go.
UNUSED_INDEXES = ["DROP INDEX directory_tag_lookup", "DROP INDEX directory_tag_of"]

# What the directory's listing is built from (registry.directory.listing): the entries and their
# tags, the appointments, the lots, and each framework's state, reference and title. The database
# raises the counter itself, so that no code path that writes these can forget to.
WATCHED = ("directory_entry", "directory_tag", "appointment", "lot")
FRAMEWORK_COLUMNS = "state, reference, title"
TABLE = "CREATE TABLE directory_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL)"
FIRST_ROW = "INSERT INTO directory_generation (id, n) VALUES (1, 0)"
RAISE = "UPDATE directory_generation SET n = n + 1"

# SQLite has row triggers only.
SQLITE = [
    *(
        f"CREATE TRIGGER {table}_generation_{event.lower()} AFTER {event} ON {table} BEGIN {RAISE}; END"
        for table in WATCHED
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    f"CREATE TRIGGER framework_generation_update AFTER UPDATE OF {FRAMEWORK_COLUMNS} ON framework BEGIN {RAISE}; END",
]

# PostgreSQL raises it once per statement, however many rows the statement writes.
POSTGRES = [
    f"""CREATE FUNCTION directory_generation_raise() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {RAISE}; RETURN NULL; END $$""",
    *(
        f"""CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION directory_generation_raise()"""
        for table in WATCHED
    ),
    f"""CREATE TRIGGER framework_generation AFTER UPDATE OF {FRAMEWORK_COLUMNS} OR TRUNCATE ON framework
        FOR EACH STATEMENT EXECUTE FUNCTION directory_generation_raise()""",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="directory", description=DESCRIPTION)
    manager.add_raw(_create_generation)
    return manager


async def _create_generation():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    for statement in [*UNUSED_INDEXES, TABLE, FIRST_ROW, *(SQLITE if engine.engine_type == "sqlite" else POSTGRES)]:
        await engine.run_ddl(statement)
