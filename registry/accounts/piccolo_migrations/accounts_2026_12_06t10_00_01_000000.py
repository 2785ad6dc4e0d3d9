from datetime import timedelta

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T10:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Tokens made before expiry existed expire 90 days after they were made; sessions made before they named their user end"

LIFETIME_OF_OLD_TOKENS = timedelta(days=90)  # api_tokens.DEFAULT_LIFETIME, as it was when this was written


async def expire_old_tokens() -> None:
    """An API token made before this migration expires as if it had been made with the default
    lifetime: one older than 90 days stops working at the upgrade, and its owner makes a new one."""
    from registry.accounts.tables import ApiToken

    for row in await ApiToken.select(ApiToken.id, ApiToken.created_at):
        await ApiToken.update({ApiToken.expires_at: row["created_at"] + LIFETIME_OF_OLD_TOKENS}).where(ApiToken.id == row["id"])


async def end_unlinked_sessions() -> None:
    """A session made before sessions named their user would be missing from its user's sessions
    page, and could not be ended there: everyone signs in again once."""
    from registry.accounts.tables import SessionRecord

    await SessionRecord.delete().where(SessionRecord.user.is_null())


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_raw(expire_old_tokens)
    manager.add_raw(end_unlinked_sessions)
    return manager
