from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.surveys.tables import Answer, Question, ReasonedResponse, Section, Survey, SurveyResponse

APP_CONFIG = AppConfig(
    app_name="surveys",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Survey, Section, Question, SurveyResponse, Answer, ReasonedResponse],
    migration_dependencies=["registry.frameworks.piccolo_app"],
    commands=[],
)
