"""One-time tokens for emailed links: random, stored only as a SHA-256, expiring, single use."""

import hashlib
import secrets
from datetime import datetime, timedelta

from registry import clock
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
    """The token's record if it exists for this purpose, has not expired and has not been used: for
    the pages that show a link's form. Spending it is `use`."""
    record = await AccountToken.objects().where(
        (AccountToken.token_hash == _digest(token)) & (AccountToken.purpose == purpose)
    ).first()
    if record is None or record.used_at is not None or record.expires_at <= clock.now():
        return None
    return record


async def use(token: str, purpose: TokenPurpose) -> int | None:
    """Spend the token; returns its user's id, or None when it is unknown, expired or already used.

    One conditional UPDATE ... RETURNING: of two requests using the token at the same moment, the
    database lets exactly one change the row (on PostgreSQL the second waits for the first's row
    lock, then finds `used_at` set), so a link works once even then."""
    now = clock.now()
    spent = await AccountToken.update({AccountToken.used_at: now}).where(
        (AccountToken.token_hash == _digest(token)) & (AccountToken.purpose == purpose)
        & AccountToken.used_at.is_null() & (AccountToken.expires_at > now)
    ).returning(AccountToken.user)
    return spent[0]["user"] if spent else None


async def issued_since(user_id: int, purpose: TokenPurpose, since: datetime) -> int:
    """How many tokens of this purpose the user has been sent since `since`."""
    return await AccountToken.count().where(
        (AccountToken.user == user_id) & (AccountToken.purpose == purpose) & (AccountToken.created_at >= since)
    )


def new_session_stamp() -> str:
    """A fresh stamp for a user's sessions: changing it ends every session signed in under the old one."""
    return secrets.token_hex(16)
