from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.award.tables import Appointment, AwardProposal, Challenge, Debrief, Withholding

APP_CONFIG = AppConfig(
    app_name="award",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[AwardProposal, Debrief, Challenge, Appointment, Withholding],
    migration_dependencies=["registry.tenders.piccolo_app", "registry.evaluation.piccolo_app", "registry.criteria.piccolo_app"],
    commands=[],
)
