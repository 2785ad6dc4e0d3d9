from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-26T23:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One expression of interest per supplier and framework"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="interest", description=DESCRIPTION)
    manager.add_raw(_create_index)
    return manager


async def _create_index():
    from piccolo.engine import engine_finder

    await engine_finder().run_ddl(
        "CREATE UNIQUE INDEX expression_of_interest_supplier_framework ON expression_of_interest (organisation, framework)"
    )
