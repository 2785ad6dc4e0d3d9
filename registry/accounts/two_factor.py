"""Two-factor sign-in: a code from an authenticator app (TOTP, RFC 6238: six digits, 30-second
steps, HMAC-SHA1, as every common app makes them) after the password, or one of ten single-use
recovery codes.

Who must use it: every official (procurement officers, evaluators, commissioners and admins: the
people who open tenders, mark them, approve awards, commission and administer users) and any
authority's organisation admin. Suppliers may turn it on from their account page; once on, it is
asked of them too. A user who must use it and has not set it up does so on their next sign-in,
after the password: no page of the service is open to them before.

The secret is stored sealed (AES-256-GCM under a key derived from REGISTRY_PASSWORD_PEPPER, bound
to its user), so a copy of the database alone reveals no one's secret; it is shown once, while the
user sets the app up. A code is accepted for the current step and the one on either side (clocks
drift), and only once: a code seen on someone's screen cannot be replayed. Recovery codes are
50 random bits each, stored as SHA-256 (enough for a random code that works once), and shown once.
Wrong codes are slowed down as wrong passwords are (throttling.py), and from every address together
as well: only someone who has the password can get a code wrong.

Setting it up ends every other session of the user (its session stamp changes). A lost device is
reset by the user's organisation admin, or by a service admin (and an admin's by another admin):
the user's sessions end, they are emailed, and they set up a new device at their next sign-in.

Codes are checked against the real time, not the registry's clock (which tests move): the
authenticator in the user's hand keeps real time."""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from registry import clock, db
from registry.dates import LONDON, local_time
from registry.accounts import passwords, throttling
from registry.accounts.throttling import refuse_if_throttled
from registry.accounts.tokens import new_session_stamp
from registry.accounts.tables import OrganisationKind, RecoveryCode, Role, TwoFactor, User
from registry.audit import service as audit
from registry.notifications import service as notifications
from registry import links
from registry.errors import RuleBroken

ISSUER = "Participation Framework Registry"
STEP_SECONDS = 30
STEPS_EITHER_SIDE = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
REQUIRED_ROLES = frozenset({Role.PROCUREMENT_OFFICER, Role.EVALUATOR, Role.COMMISSIONER, Role.ADMIN})
FREE_CODE_FAILURES_PER_ACCOUNT = 10  # from every address together: see throttling.wait_before_attempt
SEAL_VERSION = "v1"


class TwoFactorError(RuleBroken):
    """A code was wrong, or a rule about two-factor sign-in was broken; the message says which."""


def required_for(roles: Iterable[str], *, organisation_kind: str, is_organisation_admin: bool) -> bool:
    """Whether a user with these roles must sign in with a second factor."""
    if REQUIRED_ROLES.intersection(Role(role) for role in roles):
        return True
    return is_organisation_admin and organisation_kind == OrganisationKind.AUTHORITY


async def required(user_id: int) -> bool:
    row = await User.select(User.roles, User.is_organisation_admin, User.organisation.kind.as_alias("kind")).where(User.id == user_id).first()
    return row is not None and required_for(row["roles"], organisation_kind=row["kind"], is_organisation_admin=row["is_organisation_admin"])


async def enrolled(user_id: int) -> bool:
    return await TwoFactor.exists().where((TwoFactor.user == user_id) & TwoFactor.confirmed_at.is_not_null())


async def enrolled_among(user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    rows = await TwoFactor.select(TwoFactor.user).where(TwoFactor.user.is_in(user_ids) & TwoFactor.confirmed_at.is_not_null())
    return {row["user"] for row in rows}


async def asked_of(user_id: int) -> bool:
    """Whether signing in takes a second step for this user: they must, or they chose to."""
    return await required(user_id) or await enrolled(user_id)


# --- The secret at rest ------------------------------------------------------------------------


def _cipher() -> AESGCM:
    return AESGCM(passwords.derived_key("two-factor secrets"))


def seal(secret: str, user_id: int) -> str:
    nonce = secrets.token_bytes(12)
    sealed = _cipher().encrypt(nonce, secret.encode(), f"user:{user_id}".encode())
    return f"{SEAL_VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(sealed: str, user_id: int) -> str:
    version, _, body = sealed.partition(":")
    if version != SEAL_VERSION:
        raise TwoFactorError("The authenticator's secret is in a form this version cannot read")
    raw = base64.b64decode(body)
    try:
        return _cipher().decrypt(raw[:12], raw[12:], f"user:{user_id}".encode()).decode()
    except InvalidTag:
        raise TwoFactorError("The authenticator's secret cannot be read with this REGISTRY_PASSWORD_PEPPER") from None


# --- Codes ---------------------------------------------------------------------------------------


def _real_now() -> datetime:
    return datetime.now(UTC)


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, moment: datetime | None = None) -> str:
    """The six-digit code an authenticator with this secret shows at `moment` (now by default)."""
    return pyotp.TOTP(secret).generate_otp(step_at(moment or _real_now()))


def _matching_step(secret: str, code: str) -> int | None:
    """The step, of the current one and those either side, whose code this is."""
    now = step_at(_real_now())
    totp = pyotp.TOTP(secret)
    for step in range(now - STEPS_EITHER_SIDE, now + STEPS_EITHER_SIDE + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def looks_like_totp(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def normalised(code: str) -> str:
    """What was typed, without the spaces and dashes people type or paste around codes."""
    return "".join(code.split()).replace("-", "").lower()


@dataclass(frozen=True)
class SetUp:
    """What a user needs to add the account to an authenticator app."""

    secret: str
    uri: str
    qr_svg: str  # a data: URI of an SVG image, made here: no script, no third party

    @property
    def grouped_secret(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def set_up_for(secret: str, email: str) -> SetUp:
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    qr_svg = segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#0b0c0c", light="#ffffff", title="")
    return SetUp(secret=secret, uri=uri, qr_svg=qr_svg)


# --- Setting it up -------------------------------------------------------------------------------


def _actor(user: dict | User) -> audit.Actor:
    get = user.get if isinstance(user, dict) else lambda name: getattr(user, name)
    return audit.Actor(user_id=get("id"), email=get("email"), roles=tuple(sorted(get("roles"))))


async def person(user_id: int) -> dict | None:
    return await User.select(
        User.id, User.email, User.full_name, User.roles, User.organisation, User.is_organisation_admin,
        User.organisation.kind.as_alias("organisation_kind"), User.session_stamp,
    ).where(User.id == user_id).first()


def _secret_offered(user: dict) -> str:
    """The secret a set-up page offers the user: the same each time the page is loaded, until a code
    from it turns two-factor sign-in on (which changes the session stamp it is made from), and
    stored only then, so that showing the page writes nothing."""
    material = hmac.new(passwords.derived_key("two-factor set-up"), f"{user['id']}:{user['session_stamp']}".encode(), hashlib.sha256).digest()
    return base64.b32encode(material[:20]).decode()


async def pending_set_up(user_id: int) -> SetUp:
    """The secret offered to this user to set up (_secret_offered): reading it writes nothing."""
    user = await person(user_id)
    row = await TwoFactor.select(TwoFactor.secret, TwoFactor.confirmed_at).where(TwoFactor.user == user_id).first()
    if row is not None and row["confirmed_at"] is not None:
        raise TwoFactorError("Two-factor sign-in is already set up for this account")
    if row is not None:  # set up half-way before the secret was offered without storing it
        return set_up_for(unseal(row["secret"], user_id), user["email"])
    return set_up_for(_secret_offered(user), user["email"])


async def confirm_set_up(user_id: int, code: str, *, remote_address: str) -> tuple[list[str], str]:
    """Turn two-factor sign-in on with the secret being set up, once a code from it is entered.
    Returns the recovery codes (to be shown once) and the user's new session stamp: every session
    made before now ends."""

    user = await person(user_id)
    key = _failure_key(user["email"])
    await _check_throttle(user, key, remote_address)
    code = normalised(code)
    row = await TwoFactor.objects().where(TwoFactor.user == user_id).first()
    if row is not None and row.confirmed_at is not None:
        raise TwoFactorError("Two-factor sign-in is already set up for this account")
    secret = unseal(row.secret, user_id) if row is not None else _secret_offered(user)
    step = _matching_step(secret, code) if looks_like_totp(code) else None
    if step is None:
        await _record_failure(user, key, remote_address, "wrong code while setting up")
        raise TwoFactorError("Enter the 6-digit code your authenticator app shows now")
    async with audit.action("confirm set up"):
        if row is None:
            await db.queue_under(User, user_id)  # two tabs confirming at once: one turns it on
            if await TwoFactor.exists().where(TwoFactor.user == user_id):
                raise TwoFactorError("Two-factor sign-in is already set up for this account")
            await TwoFactor.insert(TwoFactor(user=user_id, secret=seal(secret, user_id), created_at=clock.now(), confirmed_at=clock.now(), last_used_step=step))
        else:
            confirmed = await TwoFactor.update({TwoFactor.confirmed_at: clock.now(), TwoFactor.last_used_step: step}).where(
                (TwoFactor.id == row.id) & (TwoFactor.secret == row.secret) & TwoFactor.confirmed_at.is_null()
            ).returning(TwoFactor.id)
            if not confirmed:  # set up meanwhile, in another tab
                raise TwoFactorError("Two-factor sign-in is already set up for this account")
        stamp = new_session_stamp()
        await User.update({User.session_stamp: stamp}).where(User.id == user_id)
        codes = await _new_recovery_codes(user_id)
        await audit.record("user.two_factor_enrolled", actor=_actor(user), object_type="user", object_id=user_id, payload={"address": remote_address})
        await _tell(user, "Two-factor sign-in is on for your account", (
            "Two-factor sign-in was set up for your Participation Framework Registry account: from now on it asks for a code "
            "from your authenticator app after your password, and every other session of the account was signed out."
        ))
    await _forget_failures(key, remote_address)
    return codes, stamp


async def enrol_with_secret(user_id: int, secret: str) -> None:
    """Two-factor sign-in on with a secret chosen elsewhere: the demo's fixed secrets and the tests'
    own authenticators, never a user's request."""
    async with audit.action("enrol with secret"):
        await TwoFactor.delete().where(TwoFactor.user == user_id)
        await TwoFactor.insert(TwoFactor(user=user_id, secret=seal(secret, user_id), created_at=clock.now(), confirmed_at=clock.now()))


async def secret_of(user_id: int) -> str | None:
    """The confirmed secret (for `registry demo-code` on demo accounts only)."""
    row = await TwoFactor.select(TwoFactor.secret).where((TwoFactor.user == user_id) & TwoFactor.confirmed_at.is_not_null()).first()
    return unseal(row["secret"], user_id) if row else None


def _new_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(normalised(code).encode()).hexdigest()


def shown(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


async def _new_recovery_codes(user_id: int) -> list[str]:
    await RecoveryCode.delete().where(RecoveryCode.user == user_id)
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    now = clock.now()
    await RecoveryCode.insert(*[RecoveryCode(user=user_id, code_hash=_recovery_hash(code), created_at=now) for code in codes])
    return [shown(code) for code in codes]


async def recovery_codes_left(user_id: int) -> int:
    return await RecoveryCode.count().where((RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null())


async def turn_off(user_id: int, code: str, *, remote_address: str) -> None:
    """Two-factor sign-in off, for someone whose role does not require it (a supplier who turned it
    on), once a code from the authenticator or a recovery code shows it is them."""
    if await required(user_id):
        raise TwoFactorError("Your role requires two-factor sign-in: it cannot be turned off", field="code")
    await check_code(user_id, code, remote_address=remote_address)
    user = await person(user_id)
    async with audit.action("turn off"):
        await TwoFactor.delete().where(TwoFactor.user == user_id)
        await RecoveryCode.delete().where(RecoveryCode.user == user_id)
        await audit.record("user.two_factor_turned_off", actor=_actor(user), object_type="user", object_id=user_id, payload={"address": remote_address})
        await _tell(user, "Two-factor sign-in is off for your account", (
            "Two-factor sign-in was turned off for your Participation Framework Registry account: signing in asks "
            "for your password alone. You can turn it on again from your account page."
        ))


async def renew_recovery_codes(user_id: int, code: str, *, remote_address: str) -> list[str]:
    """A new set of recovery codes (the old ones stop working), for a code from the authenticator."""
    await check_code(user_id, code, remote_address=remote_address, recovery_allowed=False)
    user = await person(user_id)
    async with audit.action("renew recovery codes"):
        codes = await _new_recovery_codes(user_id)
        await audit.record("user.recovery_codes_renewed", actor=_actor(user), object_type="user", object_id=user_id)
    return codes


# --- Signing in with a code ------------------------------------------------------------------------


def _failure_key(email: str) -> str:
    return f"two-factor:{email}"


async def _check_throttle(user: dict, key: str, remote_address: str) -> None:

    await refuse_if_throttled(
        key, remote_address, "Too many wrong codes", actor=_actor(user), object_id=user["id"], free_per_account=FREE_CODE_FAILURES_PER_ACCOUNT,
    )


async def _record_failure(user: dict, key: str, remote_address: str, reason: str) -> None:
    async with audit.action("record failure"):
        await throttling.record_failure(key, remote_address)
        await audit.record(
            "user.two_factor_failed", actor=_actor(user), object_type="user", object_id=user["id"], payload={"reason": reason, "address": remote_address}
        )


async def _forget_failures(key: str, remote_address: str) -> None:
    await throttling.forget(key, remote_address)


async def check_code(user_id: int, code: str, *, remote_address: str, recovery_allowed: bool = True) -> str:
    """"totp" or "recovery_code": which kind of code this user entered, now used up; TwoFactorError
    when it is wrong or used, TooManyAttempts when this client must wait first."""
    user = await person(user_id)
    key = _failure_key(user["email"])
    await _check_throttle(user, key, remote_address)
    code = normalised(code)
    if looks_like_totp(code):
        used = await _use_totp(user_id, code)
    elif recovery_allowed:
        used = await _use_recovery_code(user_id, code)
    else:
        used = None
    if used is None:
        await _record_failure(user, key, remote_address, "wrong or used code")
        raise TwoFactorError(
            "Enter the 6-digit code your authenticator app shows now, or one of your recovery codes"
            if recovery_allowed else "Enter the 6-digit code your authenticator app shows now"
        )
    await _forget_failures(key, remote_address)
    return used


async def _use_totp(user_id: int, code: str) -> str | None:
    row = await TwoFactor.select(TwoFactor.secret).where((TwoFactor.user == user_id) & TwoFactor.confirmed_at.is_not_null()).first()
    step = _matching_step(unseal(row["secret"], user_id), code) if row else None
    if step is None:
        return None
    # Only a step later than the last one used: the same code, or an older one, never works twice.
    advanced = await TwoFactor.update({TwoFactor.last_used_step: step}).where(
        (TwoFactor.user == user_id) & (TwoFactor.last_used_step < step)
    ).returning(TwoFactor.id)
    return "totp" if advanced else None


async def _use_recovery_code(user_id: int, code: str) -> str | None:
    used = await RecoveryCode.update({RecoveryCode.used_at: clock.now()}).where(
        (RecoveryCode.user == user_id) & (RecoveryCode.code_hash == _recovery_hash(code)) & RecoveryCode.used_at.is_null()
    ).returning(RecoveryCode.id)
    return "recovery_code" if used else None


# --- A lost device ---------------------------------------------------------------------------------


def may_reset(by, user: dict) -> bool:
    """A service admin resets anyone's but their own; an organisation's admin resets a colleague's,
    but not a service admin's."""
    if by.id == user["id"]:
        return False
    if by.has_role(Role.ADMIN):
        return True
    return by.is_organisation_admin and by.organisation_id == user["organisation"] and Role.ADMIN not in user["roles"]


async def reset(by, user_id: int) -> dict:
    """Forget a user's authenticator and recovery codes (their device is lost): their sessions end,
    they are emailed, and they set a new one up at their next sign-in. `by` is the signed-in admin."""

    user = await person(user_id)
    if user is None or not may_reset(by, user):
        raise TwoFactorError("You cannot reset this person's two-factor sign-in")
    async with audit.action("reset"):
        removed = await TwoFactor.exists().where(TwoFactor.user == user_id)
        await TwoFactor.delete().where(TwoFactor.user == user_id)
        await RecoveryCode.delete().where(RecoveryCode.user == user_id)
        await User.update({User.session_stamp: new_session_stamp()}).where(User.id == user_id)
        await audit.record("user.two_factor_reset", actor=by.actor, object_type="user", object_id=user_id, payload={"had_authenticator": bool(removed)})
        await _tell(user, "Your two-factor sign-in was reset", (
            f"{by.full_name} ({by.email}) reset two-factor sign-in for your Participation Framework Registry account, "
            "and every session of the account was signed out. "
            + ("When you next sign in you will set up your authenticator app again." if await required(user_id)
               else "Two-factor sign-in is now off; you can turn it on again from your account page.")
        ))
    return user


async def _tell(user: dict, subject: str, what: str) -> None:
    await notifications.enqueue(
        recipient=user["email"],
        subject=subject,
        body=(
            f"Dear {user['full_name']},\n\n{what}\n\nThis happened on {local_time(clock.now(), LONDON)}.\n\n"
            f"If it was not you or your organisation's administrator, reset your password at {links.absolute('/password-reset')} "
            "and tell your organisation's administrator."
        ),
    )
