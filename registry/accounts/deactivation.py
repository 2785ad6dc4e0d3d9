"""Switching an account off, and on again.

An organisation's admin removes a colleague; the service admin deactivates (and reactivates) any
account; so does `registry deactivate-user` (and `reactivate-user`). Either way the account stays –
what its user did stays attributed to them – but it can no longer be used: every session ends and
every API token is revoked at once, and emailed links not yet followed stop working. Signing in
and asking for a password reset then go as for an unknown address (service.authenticate,
service.request_password_reset). The user is emailed, and so, for an official, are the other
procurement officers of their authority."""

from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from registry import clock, db
from registry.dates import LONDON, local_time
from registry.accounts import api_tokens, duties
from registry.accounts.errors import AccountError
from registry.accounts.tokens import new_session_stamp
from registry.accounts.sessions import end_sessions_of
from registry.accounts.tables import AccountToken, Organisation, OrganisationKind, Role, User
from registry.audit import service as audit
from registry.notifications import service as notifications


class By(StrEnum):
    """Who switches an account off: its organisation's admin, the service admin, or the command line."""

    ORGANISATION_ADMIN = "organisation_admin"
    SERVICE_ADMIN = "service_admin"
    COMMAND_LINE = "command_line"


@dataclass(frozen=True)
class Deactivated:
    user: User
    sessions_ended: int
    tokens_revoked: int


async def remove_colleague(*, admin: audit.Actor, organisation_id: int, user_id: int, zone: ZoneInfo = LONDON) -> Deactivated:
    """A supplier organisation's admin removes one of its people (never themselves)."""
    if admin.user_id == user_id:
        raise AccountError("You cannot remove yourself. Ask another of your organisation's administrators")
    return await deactivate(actor=admin, user_id=user_id, by=By.ORGANISATION_ADMIN, organisation_id=organisation_id, zone=zone)


async def deactivate(*, actor: audit.Actor, user_id: int, by: By, organisation_id: int | None = None, zone: ZoneInfo = LONDON) -> Deactivated:
    """Switch the account off. `organisation_id`: the user must belong to it (an organisation admin's
    removal); otherwise an unknown user is "no such user" all the same. The emails give times in `zone`."""
    if by == By.SERVICE_ADMIN and actor.user_id == user_id:
        raise AccountError("You cannot deactivate your own account. Ask another admin")
    async with audit.action("deactivate"):
        user = await _locked_user(user_id)
        if user is None or (organisation_id is not None and user.organisation != organisation_id):
            raise AccountError("There is no such user")
        if not user.is_active:
            raise AccountError(f"{user.full_name}'s account is already deactivated")
        organisation = await Organisation.objects().get(Organisation.id == user.organisation)
        await _check_not_the_last_admin(user, organisation, by)
        now = clock.now()
        await User.update({User.is_active: False, User.session_stamp: new_session_stamp()}).where(User.id == user.id)
        sessions_ended = await end_sessions_of(user.id)
        tokens_revoked = await api_tokens.revoke_all(user_id=user.id, actor=actor, reason="deactivated")
        await AccountToken.update({AccountToken.used_at: now}).where(  # reset, invitation and confirmation links
            (AccountToken.user == user.id) & AccountToken.used_at.is_null()
        )
        await audit.record(
            "user.deactivated", actor=actor, object_type="user", object_id=user.id,
            payload={"email": user.email, "organisation": organisation.legal_name, "by": str(by), "sessions_ended": sessions_ended, "tokens_revoked": tokens_revoked},
        )
        await _tell(user, organisation, actor, deactivated=True, zone=zone)
    return Deactivated(user=await User.objects().get(User.id == user.id), sessions_ended=sessions_ended, tokens_revoked=tokens_revoked)


async def reactivate(*, actor: audit.Actor, user_id: int, by: By, zone: ZoneInfo = LONDON) -> User:
    """Switch the account on again (the service admin or the command line). Its tokens stay revoked;
    its password is the one it had."""
    async with audit.action("reactivate"):
        user = await _locked_user(user_id)
        if user is None:
            raise AccountError("There is no such user")
        if user.is_active:
            raise AccountError(f"{user.full_name}'s account is already active")
        organisation = await Organisation.objects().get(Organisation.id == user.organisation)
        await User.update({User.is_active: True}).where(User.id == user.id)
        await audit.record(
            "user.reactivated", actor=actor, object_type="user", object_id=user.id,
            payload={"email": user.email, "organisation": organisation.legal_name, "by": str(by)},
        )
        await _tell(user, organisation, actor, deactivated=False, zone=zone)
    return await User.objects().get(User.id == user.id)


async def find_by_email(email: str) -> User | None:
    return await User.objects().where(User.email == email.strip().lower()).first()


async def _locked_user(user_id: int) -> User | None:
    """The user, their row locked until the transaction ends (PostgreSQL; SQLite's write transaction
    holds the whole database): two removals at once queue, and the second sees the first."""
    return await db.for_update(User.objects().where(User.id == user_id)).first()


async def _check_not_the_last_admin(user: User, organisation: Organisation, by: By) -> None:
    """No organisation is left with people but no admin, and the service is never left without one."""
    if Role.ADMIN in user.roles:
        others = await _other_active(user, User.roles.any(str(Role.ADMIN)))
        if not [row for row in others if Role.ADMIN in row["roles"]]:  # .any is LIKE on SQLite: check each
            raise AccountError(f"{user.full_name} is the service's only admin. Give another account the admin role first")
    if user.is_organisation_admin:
        colleagues = await _other_active(user, User.organisation == organisation.id)
        alone = not colleagues and by != By.ORGANISATION_ADMIN  # no one left to administer: the service admin may
        if not alone and not [row for row in colleagues if row["is_organisation_admin"]]:
            raise AccountError(
                f"{user.full_name} is the only administrator of {organisation.legal_name}. "
                "Another of its people must be made an administrator first"
            )


async def _other_active(user: User, condition) -> list[dict]:
    """The other active users matching `condition`, locked as `user` is: of two admins removed at the
    same moment, the second removal sees the first."""
    query = User.select(User.id, User.roles, User.is_organisation_admin).where(condition & User.is_active.eq(True) & (User.id != user.id))
    return await db.for_update(query)


async def _tell(user: User, organisation: Organisation, actor: audit.Actor, *, deactivated: bool, zone: ZoneInfo) -> None:
    """The user, and for an official the other procurement officers of their authority."""
    by_whom = actor.email or "the service's administrators"
    if deactivated:
        subject = "Your account has been deactivated"
        body = (
            f"Dear {user.full_name},\n\n"
            f"Your account for the Participation Framework Registry ({user.email}) at {organisation.legal_name} "
            f"was deactivated by {by_whom}. You have been signed out, your API tokens no longer work, and you "
            "can no longer sign in.\n\n"
            "If you think this is a mistake, contact your organisation's administrator."
        )
    else:
        subject = "Your account has been reactivated"
        body = (
            f"Dear {user.full_name},\n\n"
            f"Your account for the Participation Framework Registry ({user.email}) at {organisation.legal_name} "
            f"was reactivated by {by_whom}. Sign in with your password, or reset it if you no longer know it. "
            "API tokens you had before do not work again: make new ones."
        )
    await notifications.enqueue(recipient=user.email, subject=subject, body=body)
    if organisation.kind != OrganisationKind.AUTHORITY:
        return
    what = "deactivated" if deactivated else "reactivated"
    for officer in await duties.officers_of(organisation.id, besides=[user.id]):
        await notifications.enqueue(
            recipient=officer["email"],
            subject=f"An account at {organisation.legal_name} has been {what}",
            body=(
                f"The account of {user.full_name} ({user.email}, {', '.join(r.replace('_', ' ') for r in sorted(user.roles))}) "
                f"at {organisation.legal_name} was {what} by {by_whom} on {local_time(clock.now(), zone)}.\n\n"
                "You are told because you are one of the authority's procurement officers. "
                "If you did not expect this, tell your organisation's administrators."
            ),
        )



