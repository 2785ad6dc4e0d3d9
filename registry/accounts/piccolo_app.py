from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.accounts.tables import AccountToken, ApiToken, Organisation, RecoveryCode, RoleGrant, SessionRecord, SignInAttempt, TwoFactor, User

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Organisation, User, SessionRecord, AccountToken, SignInAttempt, ApiToken, TwoFactor, RecoveryCode, RoleGrant],
    migration_dependencies=[],
    commands=[],
)
