from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-27T05:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The directory's full-text index (FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL) and tag lookup index"

COMMON = ["CREATE INDEX directory_tag_lookup ON directory_tag (taxonomy, code, organisation)"]

# An external-content FTS5 table over directory_entry: the triggers keep it in step with every write.
FTS_COLUMNS = "name, trading_name, methods, terms, description"
SQLITE = [
    f"""CREATE VIRTUAL TABLE directory_entry_fts USING fts5({FTS_COLUMNS}, content='directory_entry', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER directory_entry_fts_insert AFTER INSERT ON directory_entry BEGIN
        INSERT INTO directory_entry_fts (rowid, {FTS_COLUMNS})
        VALUES (new.id, new.name, new.trading_name, new.methods, new.terms, new.description);
      END""",
    f"""CREATE TRIGGER directory_entry_fts_delete AFTER DELETE ON directory_entry BEGIN
        INSERT INTO directory_entry_fts (directory_entry_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, old.name, old.trading_name, old.methods, old.terms, old.description);
      END""",
    f"""CREATE TRIGGER directory_entry_fts_update AFTER UPDATE ON directory_entry BEGIN
        INSERT INTO directory_entry_fts (directory_entry_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, old.name, old.trading_name, old.methods, old.terms, old.description);
        INSERT INTO directory_entry_fts (rowid, {FTS_COLUMNS})
        VALUES (new.id, new.name, new.trading_name, new.methods, new.terms, new.description);
      END""",
]

# The names weigh most, then the methods, the description, and the other taxonomy names.
POSTGRES = [
    """ALTER TABLE directory_entry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(name, '') || ' ' || coalesce(trading_name, '')), 'A')
        || setweight(to_tsvector('english', coalesce(methods, '')), 'B')
        || setweight(to_tsvector('english', coalesce(description, '')), 'C')
        || setweight(to_tsvector('english', coalesce(terms, '')), 'D')
      ) STORED""",
    "CREATE INDEX directory_entry_document ON directory_entry USING GIN (document)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="directory", description=DESCRIPTION)

    async def create_index():
        engine = engine_finder()
        for statement in COMMON + (SQLITE if engine.engine_type == "sqlite" else POSTGRES):
            await engine.run_ddl(statement)

    manager.add_raw(create_index)
    return manager
