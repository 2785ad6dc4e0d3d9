from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.tenders.tables import CoreInformationCheck, Tender, TenderDocument, TenderOpening, TenderSubmission

APP_CONFIG = AppConfig(
    app_name="tenders",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Tender, TenderDocument, TenderSubmission, TenderOpening, CoreInformationCheck],
    migration_dependencies=["registry.frameworks.piccolo_app", "registry.criteria.piccolo_app"],
    commands=[],
)
