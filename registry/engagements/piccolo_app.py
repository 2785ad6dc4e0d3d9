from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.engagements.tables import BriefCriterion, Engagement, Invitation, PerformanceReview, Reach, ResponseScore

APP_CONFIG = AppConfig(
    app_name="engagements",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Engagement, BriefCriterion, Invitation, ResponseScore, Reach, PerformanceReview],
    migration_dependencies=["registry.award.piccolo_app"],
    commands=[],
)
