from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.directory.tables import DirectoryEntry, DirectoryTag

APP_CONFIG = AppConfig(
    app_name="directory",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[DirectoryEntry, DirectoryTag],
    migration_dependencies=["registry.engagements.piccolo_app"],
    commands=[],
)
