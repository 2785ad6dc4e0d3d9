from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One invitation per supplier and engagement; one mark per response and criterion; one reach figure per group"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="engagements", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    return manager


async def _create_indexes():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    await engine.run_ddl("CREATE UNIQUE INDEX invitation_engagement_supplier ON invitation (engagement, organisation)")
    await engine.run_ddl("CREATE UNIQUE INDEX response_score_criterion ON response_score (invitation, criterion)")
    await engine.run_ddl("CREATE UNIQUE INDEX reach_engagement_group ON reach (engagement, group_code)")
    await engine.run_ddl("CREATE INDEX engagement_supplier_state ON engagement (supplier, state)")
