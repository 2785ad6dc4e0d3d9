"""API tokens for officials' scripts, sent as `Authorization: Bearer <token>`."""

import hashlib
import secrets
from datetime import timedelta

from registry import clock, db
from registry.accounts.tables import ApiToken
from registry.audit import service as audit

TOKEN_PREFIX = "pfr_"
LAST_USED_PRECISION = timedelta(minutes=1)  # record use at most once a minute, not on every call


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(*, user_id: int, name: str, actor: audit.Actor) -> tuple[ApiToken, str]:
    """A new token; the plain token is returned this once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with db.transaction():
        record = ApiToken(user=user_id, name=name, token_hash=_digest(token), created_at=clock.now())
        await record.save()
        await audit.record("api_token.created", actor=actor, object_type="api_token", object_id=record.id, payload={"name": name})
    return record, token


async def revoke(*, user_id: int, token_id: int, actor: audit.Actor) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs or already revoked."""
    async with db.transaction():
        revoked = await ApiToken.update({ApiToken.revoked_at: clock.now()}).where(
            (ApiToken.id == token_id) & (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
        ).returning(ApiToken.id)
        if revoked:
            await audit.record("api_token.revoked", actor=actor, object_type="api_token", object_id=token_id)
    return bool(revoked)


async def for_user(user_id: int) -> list[ApiToken]:
    return await ApiToken.objects().where(ApiToken.user == user_id).order_by(ApiToken.id, ascending=False)


async def user_id_for(token: str) -> int | None:
    """The user a live token belongs to, or None."""
    row = await ApiToken.select(ApiToken.id, ApiToken.user, ApiToken.last_used_at).where(
        (ApiToken.token_hash == _digest(token)) & ApiToken.revoked_at.is_null()
    ).first()
    if row is None:
        return None
    now = clock.now()
    if row["last_used_at"] is None or now - row["last_used_at"] >= LAST_USED_PRECISION:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return row["user"]

