"""One-time tokens for emailed links: random, stored only as a SHA-256, expiring, single use."""

import hashlib
import secrets
from datetime import timedelta

from registry import clock, db
from registry.accounts.tables import AccountToken, TokenPurpose

LIFETIMES = {
    TokenPurpose.EMAIL_CONFIRMATION: timedelta(days=3),
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(user_id: int, purpose: TokenPurpose, lifetime: timedelta | None = None) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    await AccountToken.insert(
        AccountToken(
            token_hash=_digest(token),
            purpose=purpose,
            user=user_id,
            created_at=now,
            expires_at=now + (lifetime or LIFETIMES[purpose]),
        )
    )
    return token


async def find_usable(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The token's record if it exists for this purpose, has not expired and has not been used."""
    record = await AccountToken.objects().where(
        (AccountToken.token_hash == _digest(token)) & (AccountToken.purpose == purpose)
    ).first()
    if record is None or record.used_at is not None or record.expires_at <= clock.now():
        return None
    return record


async def use(token: str, purpose: TokenPurpose) -> int | None:
    """Spend the token; returns its user's id, or None when it is unknown, expired or already used."""
    async with db.transaction():
        record = await find_usable(token, purpose)
        if record is None:
            return None
        await AccountToken.update({AccountToken.used_at: clock.now()}).where(AccountToken.id == record.id)
        return record.user
