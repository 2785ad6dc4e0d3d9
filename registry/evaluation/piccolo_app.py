from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.evaluation.tables import Evaluation, EvaluatorAssignment, LotModeration, ModeratedScore, Score

APP_CONFIG = AppConfig(
    app_name="evaluation",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[EvaluatorAssignment, Evaluation, Score, ModeratedScore, LotModeration],
    migration_dependencies=["registry.tenders.piccolo_app", "registry.criteria.piccolo_app"],
    commands=[],
)
