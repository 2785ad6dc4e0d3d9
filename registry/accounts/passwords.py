"""Password hashing with argon2-cffi (Argon2id, the library's recommended parameters), run off the
event loop because each hash deliberately takes tens of milliseconds of CPU.

The password is first keyed with a pepper (HMAC-SHA256 under REGISTRY_PASSWORD_PEPPER), a secret kept
out of the database: a copy of the database alone cannot be used to check guesses offline. Hashes
made before the pepper (plain Argon2id of the password) still verify, and are replaced by a peppered
hash at the next successful sign-in (`check_password` says when)."""

import asyncio
import hashlib
import hmac
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from registry.settings import Settings

_hasher = PasswordHasher()
_pepper: bytes | None = None  # None until configured: then read once from the REGISTRY_ settings


def configure(pepper: str) -> str | None:
    """Use `pepper` from now on (registry.app, from its settings); returns the pepper it replaces."""
    global _pepper
    previous = _pepper
    _pepper = pepper.encode()
    return previous.decode() if previous is not None else None


def _current_pepper() -> bytes:
    global _pepper
    if _pepper is None:  # a command that hashes without the app (registry create-user, load-fixtures)
        _pepper = Settings().password_pepper.encode()
    return _pepper


def _peppered(password: str) -> bytes:
    return hmac.new(_current_pepper(), password.encode(), hashlib.sha256).digest()


def derived_key(purpose: str) -> bytes:
    """A 32-byte key for one purpose (two-factor secrets), derived from the pepper: kept as far from
    the database, and lost with it, as the passwords' own key."""
    return hmac.new(_current_pepper(), f"registry derived key: {purpose}".encode(), hashlib.sha256).digest()


def _matches(password_hash: str, secret: str | bytes) -> bool:
    try:
        return _hasher.verify(password_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Check:
    ok: bool
    needs_rehash: bool = False  # right, but made without the pepper or at an older cost: store a new hash


def _check(password_hash: str, password: str) -> Check:
    if _matches(password_hash, _peppered(password)):
        return Check(ok=True, needs_rehash=needs_rehash(password_hash))
    # A hash from before the pepper. A wrong password always costs these two checks, so the time
    # taken does not say whether the account exists (see accounts.service.DUMMY_HASH).
    if _matches(password_hash, password):
        return Check(ok=True, needs_rehash=True)
    return Check(ok=False)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, _peppered(password))


async def check_password(password_hash: str, password: str) -> Check:
    return await asyncio.to_thread(_check, password_hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    return (await check_password(password_hash, password)).ok


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True
