"""Slowing down password and code guessing without letting anyone lock an account's owner out.

Failures are counted per (account, client address) and per client address, never per account
alone: a stranger's wrong passwords for someone's email slow down the stranger's address only, and
the owner, signing in from anywhere else, is never kept waiting by them. Past a number of free
failures a client must wait before its next attempt, FIRST_DELAY after the first failure too many,
then twice as long after each further one, up to LONGEST_DELAY. A refusal costs the server nothing
while the client waits (no sleeping worker): it is answered 429 with Retry-After at once, and the
attempt is not looked at.

What is counted is a key (the account's email, or a purpose-prefixed form of it, like
"two-factor:name@example.com") and the address, in the SignInAttempt table, so the counts hold
across workers and restarts. A client address is read by registry.web.client.client_address."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from registry import clock
from registry.accounts.errors import TooManyAttempts
from registry.audit import service as audit
from registry.accounts.tables import SignInAttempt

WINDOW = timedelta(hours=1)  # failures older than this are forgotten
FREE_FAILURES_PER_CLIENT = 5  # per (account, address)
FREE_FAILURES_PER_ADDRESS = 20  # per address, whichever accounts it tries
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(minutes=15)


@dataclass(frozen=True)
class Wait:
    """How long a client must wait before its next attempt, and which count made it wait."""

    seconds: int
    scope: str  # "client" (this account from this address), "address", or "account"

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def delay_after(failures: int, free: int) -> timedelta:
    """The wait after `failures` recent failures: none while they are at most `free` - 1, then
    FIRST_DELAY, doubling with each further failure, at most LONGEST_DELAY."""
    if failures < free:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** min(failures - free, 16), LONGEST_DELAY)


async def _counted(where) -> tuple[int, datetime | None]:
    recent = where & (SignInAttempt.attempted_at >= clock.now() - WINDOW)
    failures = await SignInAttempt.count().where(recent)
    if not failures:
        return 0, None
    last = await SignInAttempt.select(SignInAttempt.attempted_at).where(recent).order_by(SignInAttempt.attempted_at, ascending=False).first()
    return failures, last["attempted_at"]


async def wait_before_attempt(key: str, address: str, *, free_per_account: int | None = None) -> Wait | None:
    """None when this client may try now; otherwise how long it must wait. `free_per_account` also
    counts the key's failures from every address: only for failures that a stranger cannot cause
    (a wrong second-factor code comes after the right password)."""
    scopes = [
        ("client", (SignInAttempt.email == key) & (SignInAttempt.remote_address == address), FREE_FAILURES_PER_CLIENT),
        ("address", SignInAttempt.remote_address == address, FREE_FAILURES_PER_ADDRESS),
    ]
    if free_per_account is not None:
        scopes.append(("account", SignInAttempt.email == key, free_per_account))
    now = clock.now()
    longest: Wait | None = None
    for scope, where, free in scopes:
        failures, last = await _counted(where)
        if last is None:
            continue
        remaining = (last + delay_after(failures, free) - now).total_seconds()
        if remaining > 0 and (longest is None or remaining > longest.seconds):
            longest = Wait(seconds=math.ceil(remaining), scope=scope)
    return longest


async def record_failure(key: str, address: str) -> None:
    await SignInAttempt.insert(SignInAttempt(email=key, remote_address=address, attempted_at=clock.now()))


async def forget(key: str, address: str | None = None) -> None:
    """The key's failures (from `address` only, when given) no longer count: its owner got it right.
    A stranger's failures from elsewhere are kept, and keep slowing the stranger down."""
    where = SignInAttempt.email == key
    if address is not None:
        where &= SignInAttempt.remote_address == address
    await SignInAttempt.delete().where(where)


async def refuse_if_throttled(
    key: str, remote_address: str, what: str, *, actor: audit.Actor = audit.ANONYMOUS, object_id: object = None, free_per_account: int | None = None
) -> None:
    """TooManyAttempts, audited, when this client has failed too often lately (throttling.py); `what`
    begins the message ("Too many failed attempts to sign in")."""
    wait = await wait_before_attempt(key, remote_address, free_per_account=free_per_account)
    if wait is None:
        return
    async with audit.action("refuse if throttled"):
        await audit.record(
            "user.attempt_throttled", actor=actor, object_type="user", object_id=object_id or key,
            payload={"attempt": key.partition(":")[0] if ":" in key else "sign_in", "address": remote_address, "retry_after_seconds": wait.seconds, "counted": wait.scope},
        )
    plural = "s" if wait.minutes != 1 else ""
    raise TooManyAttempts(f"{what} from this device. Wait {wait.minutes} minute{plural}, then try again.", retry_after=wait.seconds)
