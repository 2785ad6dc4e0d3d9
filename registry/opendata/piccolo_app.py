from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.opendata.tables import Release

APP_CONFIG = AppConfig(
    app_name="opendata",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Release],
    migration_dependencies=["registry.directory.piccolo_app"],
    commands=[],
)
