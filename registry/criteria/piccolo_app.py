from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.criteria.tables import AssessmentScheme, Criterion

APP_CONFIG = AppConfig(
    app_name="criteria",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[AssessmentScheme, Criterion],
    migration_dependencies=["registry.frameworks.piccolo_app"],
    commands=[],
)
