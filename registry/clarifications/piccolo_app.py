from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.clarifications.tables import Clarification

APP_CONFIG = AppConfig(
    app_name="clarifications",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Clarification],
    migration_dependencies=["registry.frameworks.piccolo_app"],
    commands=[],
)
