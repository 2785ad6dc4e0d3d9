"""API tokens for officials' scripts, sent as `Authorization: Bearer <token>`.

A token expires: its lifetime is chosen when it is made (DEFAULT_LIFETIME unless shorter or longer,
never more than MAX_LIFETIME). Whatever may mean its user is not who they were – a new password
(changed or reset), deactivation, a role taken away – revokes all of the user's tokens at once."""

import hashlib
import secrets
from datetime import timedelta

from registry import clock
from registry.accounts.tables import ApiToken
from registry.audit import service as audit
from registry.errors import RuleBroken

TOKEN_PREFIX = "pfr_"
LAST_USED_PRECISION = timedelta(minutes=1)  # record use at most once a minute, not on every call
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)


class TokenLifetimeError(RuleBroken):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(*, user_id: int, name: str, actor: audit.Actor, lifetime: timedelta = DEFAULT_LIFETIME) -> tuple[ApiToken, str]:
    """A new token, valid for `lifetime` (a day to MAX_LIFETIME); the plain token is returned this
    once and never stored."""
    if not timedelta(days=1) <= lifetime <= MAX_LIFETIME:
        raise TokenLifetimeError(f"A token lasts from 1 to {MAX_LIFETIME.days} days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    async with audit.action("create"):
        record = ApiToken(user=user_id, name=name, token_hash=_digest(token), created_at=now, expires_at=now + lifetime)
        await record.save()
        await audit.record(
            "api_token.created", actor=actor, object_type="api_token", object_id=record.id,
            payload={"name": name, "expires_at": record.expires_at.isoformat()},
        )
    return record, token


async def revoke(*, user_id: int, token_id: int, actor: audit.Actor) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs or already revoked."""
    async with audit.action("revoke"):
        revoked = await ApiToken.update({ApiToken.revoked_at: clock.now()}).where(
            (ApiToken.id == token_id) & (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
        ).returning(ApiToken.id)
        if revoked:
            await audit.record("api_token.revoked", actor=actor, object_type="api_token", object_id=token_id)
    return bool(revoked)


async def revoke_all(*, user_id: int, actor: audit.Actor, reason: str) -> int:
    """Revoke every live token of the user, in the caller's transaction; how many were revoked."""
    revoked = await ApiToken.update({ApiToken.revoked_at: clock.now()}).where(
        (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
    ).returning(ApiToken.id)
    if revoked:
        await audit.record(
            "api_token.revoked_all", actor=actor, object_type="user", object_id=user_id,
            payload={"reason": reason, "tokens": [row["id"] for row in revoked]},
        )
    return len(revoked)


def is_expired(token: ApiToken) -> bool:
    return token.expires_at <= clock.now()


async def for_user(user_id: int) -> list[ApiToken]:
    return await ApiToken.objects().where(ApiToken.user == user_id).order_by(ApiToken.id, ascending=False)


async def user_id_for(token: str) -> int | None:
    """The user a live token (known, not revoked, not expired) belongs to, or None."""
    now = clock.now()
    row = await ApiToken.select(ApiToken.id, ApiToken.user, ApiToken.last_used_at).where(
        (ApiToken.token_hash == _digest(token)) & ApiToken.revoked_at.is_null() & (ApiToken.expires_at > now)
    ).first()
    if row is None:
        return None
    if row["last_used_at"] is None or now - row["last_used_at"] >= LAST_USED_PRECISION:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return row["user"]

