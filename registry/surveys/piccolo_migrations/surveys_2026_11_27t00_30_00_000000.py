from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T00:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One answer per question per response; one response per supplier per survey"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    return manager


async def _create_indexes():
    from piccolo.engine import engine_finder

    engine = engine_finder()
    await engine.run_ddl("CREATE UNIQUE INDEX answer_response_question ON answer (response, question)")
    await engine.run_ddl("CREATE UNIQUE INDEX survey_response_survey_organisation ON survey_response (survey, organisation)")
