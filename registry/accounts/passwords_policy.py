"""What makes a password acceptable: length, not composition (NCSC and NIST SP 800-63B guidance)."""

from functools import cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).parent / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why the password cannot be used, in words for the user, or None when it can."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return "Password is too common and easy to guess. Choose a different password"
    if email and lowered == email.lower():
        return "Password must not be your email address"
    return None
