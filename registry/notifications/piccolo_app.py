from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.notifications.tables import Notification, NotificationPreference, SentReminder

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Notification, NotificationPreference, SentReminder],
    migration_dependencies=[],
    commands=[],
)
