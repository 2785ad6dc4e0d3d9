"""Rules about organisations and users, callable without HTTP."""

from collections.abc import Iterable

from registry import clock, db
from registry.accounts.tables import Organisation, OrganisationKind, Role, User


class AccountError(ValueError):
    """A rule about accounts was broken; the message says which, in words a user can act on."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def find_organisation(legal_name: str) -> Organisation | None:
    return await Organisation.objects().where(Organisation.legal_name == legal_name).first()


async def create_organisation(
    *,
    kind: OrganisationKind,
    legal_name: str,
    registration_number: str | None = None,
    organisation_type: str | None = None,
    size: str | None = None,
    is_demo: bool = False,
) -> Organisation:
    organisation = Organisation(
        kind=kind,
        legal_name=legal_name.strip(),
        registration_number=registration_number,
        organisation_type=organisation_type,
        size=size,
        is_demo=is_demo,
        created_at=clock.now(),
    )
    await organisation.save()
    return organisation


async def create_user(
    *,  # password_hash from passwords.hash_password, computed before: it is slow, and must not hold the write lock
    email: str,
    full_name: str,
    organisation: Organisation,
    roles: Iterable[Role],
    password_hash: str | None,
    email_confirmed: bool = False,
    is_organisation_admin: bool = False,
    is_demo: bool = False,
) -> User:
    roles = sorted({Role(role) for role in roles})
    check_roles_fit_organisation(roles, organisation)
    email = normalise_email(email)
    async with db.transaction():
        if await User.exists().where(User.email == email):
            raise AccountError(f"An account already exists for {email}")
        now = clock.now()
        user = User(
            email=email,
            full_name=full_name.strip(),
            organisation=organisation.id,
            roles=[str(role) for role in roles],
            password_hash=password_hash,
            email_confirmed_at=now if email_confirmed else None,
            is_organisation_admin=is_organisation_admin,
            is_demo=is_demo,
            created_at=now,
        )
        await user.save()
    return user


def check_roles_fit_organisation(roles: Iterable[Role], organisation: Organisation) -> None:
    roles = set(roles)
    if not roles:
        raise AccountError("Choose at least one role")
    if organisation.kind == OrganisationKind.SUPPLIER and roles != {Role.SUPPLIER}:
        raise AccountError("Users of a supplier organisation can only have the supplier role")
    if organisation.kind == OrganisationKind.AUTHORITY and Role.SUPPLIER in roles:
        raise AccountError("Users of a contracting authority cannot have the supplier role")


async def has_demo_accounts() -> bool:
    return await User.exists().where(User.is_demo.eq(True))
