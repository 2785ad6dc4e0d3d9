from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.conflicts.tables import Declaration, NamedPerson, Review

APP_CONFIG = AppConfig(
    app_name="conflicts",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[NamedPerson, Declaration, Review],
    migration_dependencies=["registry.accounts.piccolo_app", "registry.frameworks.piccolo_app"],
    commands=[],
)
