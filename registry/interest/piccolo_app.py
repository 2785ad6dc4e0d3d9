from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.interest.tables import ExpressionOfInterest, SupplierCalendar

APP_CONFIG = AppConfig(
    app_name="interest",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[ExpressionOfInterest, SupplierCalendar],
    migration_dependencies=["registry.frameworks.piccolo_app"],
    commands=[],
)
