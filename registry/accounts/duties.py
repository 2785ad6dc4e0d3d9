"""Separation of duties: the roles that give power over tenders are given by one person and approved
by another (docs/security.md, finding 12).

An admin who gives the procurement-officer, evaluator or admin role, to a new account or an existing
one, only asks for it: the grant waits until someone else approves it. A procurement officer of the
user's authority approves an officer or evaluator grant, or, for an authority that has no officer,
another admin; another admin approves an admin grant. The authority's officers are emailed when a
grant is asked for and when it is decided. Until then the user does not hold the role.

An officer whose role an admin gave within the cooling-off period (REGISTRY_OFFICER_COOLING_OFF_DAYS)
cannot take part in opening tenders or approving an award: an admin who got accounts approved for
themselves cannot use them at once, and the authority's officers have had the emails meanwhile.
Roles given by the service's operator from the command line (bootstrapping, fixtures) are not grants
by an admin and take effect at once."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from registry import clock, db
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Organisation, Role, RoleGrant, User
from registry.audit import service as audit
from registry.dates import LONDON, local_time
from registry.notifications import service as notifications
from registry import links
from registry.errors import RuleBroken

GUARDED_ROLES = frozenset({Role.PROCUREMENT_OFFICER, Role.EVALUATOR, Role.ADMIN})
DEFAULT_COOLING_OFF = timedelta(days=14)

_cooling_off = DEFAULT_COOLING_OFF
_zone = LONDON


def configure(*, cooling_off_days: int, zone: ZoneInfo) -> None:
    global _cooling_off, _zone
    _cooling_off, _zone = timedelta(days=cooling_off_days), zone


class GrantError(RuleBroken):
    """A grant cannot be decided as asked; the message says why."""


@dataclass(frozen=True)
class WaitingGrant:
    id: int
    user_id: int
    user_name: str
    user_email: str
    organisation_name: str
    role: Role
    asked_by: str | None
    asked_at: datetime


def role_name(role: Role) -> str:
    return str(role).replace("_", " ")


def with_article(name: str) -> str:
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


async def waiting_roles(user_id: int) -> set[Role]:
    rows = await RoleGrant.select(RoleGrant.role).where((RoleGrant.user == user_id) & RoleGrant.decided_at.is_null())
    return {Role(row["role"]) for row in rows}


async def waiting_roles_of(user_ids: Iterable[int]) -> dict[int, set[Role]]:
    ids = list(user_ids)
    if not ids:
        return {}
    rows = await RoleGrant.select(RoleGrant.user, RoleGrant.role).where(RoleGrant.user.is_in(ids) & RoleGrant.decided_at.is_null())
    waiting: dict[int, set[Role]] = {}
    for row in rows:
        waiting.setdefault(row["user"], set()).add(Role(row["role"]))
    return waiting


async def ask(*, admin: audit.Actor, user: User, organisation: Organisation, roles: Iterable[Role]) -> set[Role]:
    """Within the caller's transaction: the guarded roles among `roles` that the user neither holds
    nor waits for become grants waiting for approval; a waiting grant for a role not in `roles` is
    withdrawn. Returns the roles now waiting."""
    wanted = {Role(role) for role in roles} & GUARDED_ROLES
    held = {Role(role) for role in user.roles}
    waiting = await waiting_roles(user.id)
    now = clock.now()
    for role in sorted(waiting - wanted):
        await RoleGrant.update({RoleGrant.decided_at: now, RoleGrant.decided_by: admin.user_id, RoleGrant.approved: False}).where(
            (RoleGrant.user == user.id) & (RoleGrant.role == role) & RoleGrant.decided_at.is_null()
        )
        await audit.record("user.role_grant_withdrawn", actor=admin, object_type="user", object_id=user.id, payload={"role": str(role)})
    asked = sorted(wanted - held - waiting)
    for role in asked:
        grant = RoleGrant(user=user.id, role=role, asked_by=admin.user_id, asked_at=now)
        await grant.save()
        await audit.record("user.role_grant_asked", actor=admin, object_type="user", object_id=user.id, payload={"role": str(role), "grant": grant.id})
    if asked:
        await _tell_officers(
            organisation,
            subject=f"Approve or refuse: {user.full_name} given the {', '.join(role_name(r) for r in asked)} role",
            body=(
                f"{admin.email or 'An administrator'} has asked for {user.full_name} ({user.email}) at {organisation.legal_name} to be given "
                f"the {' and '.join(role_name(r) for r in asked)} role.\n\n"
                "It takes effect only when someone other than that administrator approves it. If you know of this, approve or refuse it here:\n\n"
                f"{links.absolute('/role-requests')}\n\n"
                "If you do not know why this was asked for, refuse it and tell your organisation's information security contact."
            ),
        )
    return (waiting & wanted) | set(asked)


async def officers_of(organisation_id: int, *, besides: Iterable[int] = ()) -> list[dict]:
    """The active procurement officers of an authority (their roles in effect, not waiting ones)."""
    rows = await User.select(User.id, User.email, User.full_name, User.roles).where(
        (User.organisation == organisation_id) & User.is_active.eq(True) & User.id.not_in(list(besides) or [0])
    )
    return [row for row in rows if str(Role.PROCUREMENT_OFFICER) in row["roles"]]


async def _admins(*, besides: Iterable[int] = ()) -> list[dict]:
    rows = await User.select(User.id, User.email, User.full_name, User.roles).where(
        User.is_active.eq(True) & User.id.not_in(list(besides) or [0])
    )
    return [row for row in rows if str(Role.ADMIN) in row["roles"]]


async def _tell_officers(organisation: Organisation, *, subject: str, body: str, besides: Iterable[int] = ()) -> None:
    """Email the authority's officers, or the admins when it has none."""
    people = await officers_of(organisation.id, besides=besides) or await _admins(besides=besides)
    for person in people:
        await notifications.enqueue(recipient=person["email"], subject=subject, body=f"Dear {person['full_name']},\n\n{body}")


async def _approvers(grant: RoleGrant, organisation_id: int) -> list[dict]:
    """Who may decide a grant: never the admin who asked for it, nor the user it is for."""
    besides = [grant.user] + ([grant.asked_by] if grant.asked_by else [])
    if Role(grant.role) != Role.ADMIN and (officers := await officers_of(organisation_id, besides=besides)):
        return officers
    return await _admins(besides=besides)


async def may_decide(user: CurrentUser, grant: RoleGrant, organisation_id: int) -> bool:
    return any(person["id"] == user.id for person in await _approvers(grant, organisation_id))


async def waiting_for(user: CurrentUser) -> list[WaitingGrant]:
    """The grants this user may approve or refuse, oldest first."""
    if not user.has_role(Role.PROCUREMENT_OFFICER, Role.ADMIN):
        return []
    grants = await RoleGrant.objects().where(RoleGrant.decided_at.is_null()).order_by(RoleGrant.asked_at).order_by(RoleGrant.id)
    if not grants:
        return []
    people = {
        row["id"]: row
        for row in await User.select(
            User.id, User.email, User.full_name, User.organisation.id.as_alias("organisation_id"),
            User.organisation.legal_name.as_alias("organisation_name"),
        ).where(User.id.is_in(sorted({g.user for g in grants} | {g.asked_by for g in grants if g.asked_by})))
    }
    waiting = []
    for grant in grants:
        person = people[grant.user]
        if await may_decide(user, grant, person["organisation_id"]):
            asker = people.get(grant.asked_by)
            waiting.append(WaitingGrant(
                id=grant.id, user_id=grant.user, user_name=person["full_name"], user_email=person["email"],
                organisation_name=person["organisation_name"], role=Role(grant.role),
                asked_by=asker["full_name"] if asker else None, asked_at=grant.asked_at,
            ))
    return waiting


class NotYoursToDecide(GrantError):
    pass


async def decide(user: CurrentUser, grant_id: int, *, approve: bool) -> RoleGrant:
    """Approve (the user gets the role now) or refuse a waiting grant. Refused, and the attempt
    audited, for anyone who may not decide it."""
    try:
        return await _decide(user, grant_id, approve=approve)
    except NotYoursToDecide as refusal:
        await audit.record(
            "user.role_grant_decision_refused", actor=user.actor, object_type="role_grant", object_id=grant_id,
            payload={"reason": str(refusal), "approve": approve},
        )
        raise


async def _decide(user: CurrentUser, grant_id: int, *, approve: bool) -> RoleGrant:
    async with audit.action("decide"):
        await db.queue_under(RoleGrant, grant_id)
        grant = await RoleGrant.objects().where(RoleGrant.id == grant_id).first()
        if grant is None or grant.decided_at is not None:
            raise GrantError("This request has already been decided or withdrawn")
        subject = await User.objects().where(User.id == grant.user).first()
        organisation = await Organisation.objects().get(Organisation.id == subject.organisation)
        if not await may_decide(user, grant, organisation.id):
            raise NotYoursToDecide(
                "You cannot decide this request: it must be decided by a procurement officer of the authority, "
                "or another admin, who did not ask for it"
            )
        now = clock.now()
        await RoleGrant.update({RoleGrant.decided_by: user.id, RoleGrant.decided_at: now, RoleGrant.approved: approve}).where(RoleGrant.id == grant.id)
        role = Role(grant.role)
        if approve and subject.is_active and str(role) not in subject.roles:
            await User.update({User.roles: sorted([*subject.roles, str(role)])}).where(User.id == subject.id)
        outcome = "approved" if approve else "refused"
        await audit.record(
            f"user.role_grant_{outcome}", actor=user.actor, object_type="user", object_id=subject.id,
            payload={"role": str(role), "grant": grant.id, "asked_by": grant.asked_by},
        )
        await _tell_officers(
            organisation, besides=[user.id],
            subject=f"{user.full_name} {outcome} the {role_name(role)} role for {subject.full_name}",
            body=f"{user.full_name} has {outcome} {subject.full_name}'s ({subject.email}) {role_name(role)} role at {organisation.legal_name}.",
        )
        if approve:
            await notifications.enqueue(
                recipient=subject.email, subject=f"You are now {with_article(role_name(role))}",
                body=f"Dear {subject.full_name},\n\nYou have been given the {role_name(role)} role at {organisation.legal_name}. "
                "It takes effect the next time you load a page.",
            )
    grant.decided_at, grant.decided_by, grant.approved = now, user.id, approve
    return grant


async def officer_too_new(user: CurrentUser, act: str) -> str | None:
    """Why this officer cannot `act` yet (an admin gave them the procurement officer role within the
    cooling-off period), or None. The caller refuses, and audits the refusal."""
    since = clock.now() - _cooling_off
    recent = await RoleGrant.select(RoleGrant.decided_at).where(
        (RoleGrant.user == user.id) & (RoleGrant.role == Role.PROCUREMENT_OFFICER) & RoleGrant.approved.eq(True)
        & RoleGrant.asked_by.is_not_null() & (RoleGrant.decided_at > since)
    ).order_by(RoleGrant.decided_at, ascending=False).first()
    if recent is None:
        return None
    return (
        f"You cannot {act} until {_when(recent['decided_at'] + _cooling_off)}: an administrator gave you the procurement officer role "
        f"less than {_cooling_off.days} days ago. Ask another procurement officer of your authority"
    )


def _when(moment: datetime) -> str:
    return local_time(moment, _zone)
