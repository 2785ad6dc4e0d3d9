from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.suppliers.tables import SupplierProfile

APP_CONFIG = AppConfig(
    app_name="suppliers",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[SupplierProfile],
    migration_dependencies=["registry.accounts.piccolo_app"],
    commands=[],
)
