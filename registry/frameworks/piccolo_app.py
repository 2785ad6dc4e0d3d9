from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.frameworks.tables import Document, EligibleAuthority, Framework, Lot, Notice, StageChange

APP_CONFIG = AppConfig(
    app_name="frameworks",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Framework, Lot, StageChange, Notice, Document, EligibleAuthority],
    migration_dependencies=["registry.accounts.piccolo_app"],
    commands=[],
)
