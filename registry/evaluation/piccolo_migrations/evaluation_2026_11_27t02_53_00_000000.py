from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T02:53:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One evaluation per evaluator and tender; one score per criterion; one consensus per tender and criterion"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="evaluation", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    return manager


async def _create_indexes():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    await engine.run_ddl("CREATE UNIQUE INDEX evaluation_assignment_tender ON evaluation (assignment, tender)")
    await engine.run_ddl("CREATE UNIQUE INDEX score_evaluation_criterion ON score (evaluation, criterion)")
    await engine.run_ddl("CREATE UNIQUE INDEX moderated_score_tender_criterion ON moderated_score (tender, criterion)")
