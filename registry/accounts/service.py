"""Rules about organisations and users, callable without HTTP."""

from collections.abc import Iterable
from datetime import timedelta

from registry import clock, db
from registry.accounts import api_tokens, duties, throttling, tokens, two_factor
from registry.accounts.errors import AccountError
from registry.accounts.throttling import refuse_if_throttled
from registry.accounts.tokens import new_session_stamp
from registry.accounts.passwords import check_password, hash_password, verify_password
from registry.accounts.sessions import end_sessions_of
from registry.accounts.tables import Organisation, OrganisationKind, Role, TokenPurpose, User
from registry.audit import service as audit
from registry.notifications import service as notifications
from registry import links

# A hash of a random password: checking against it costs what a real check costs.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$8hqVPsS85QXZphDZp5VDDA$FuG/knEtMmT+Z0NSCC3Fts1BA2HizXUujvKg+RHZ7AE"


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
    waiting: Iterable[Role] = (),
) -> User:
    """`roles` are checked against the organisation; those among them `waiting` for approval
    (accounts.duties) are not given yet."""
    check_roles_fit_organisation(roles, organisation)
    roles = sorted({Role(role) for role in roles} - set(waiting))
    email = normalise_email(email)
    async with audit.action("create user"):
        if await User.exists().where(User.email == email):
            raise AccountError(f"An account already exists for {email}", field="email")
        now = clock.now()
        user = User(
            email=email,
            full_name=full_name.strip(),
            organisation=organisation.id,
            roles=[str(role) for role in roles],
            password_hash=password_hash,
            email_confirmed_at=now if email_confirmed else None,
            session_stamp=new_session_stamp(),
            is_organisation_admin=is_organisation_admin,
            is_demo=is_demo,
            created_at=now,
        )
        await user.save()
    return user


def check_roles_fit_organisation(roles: Iterable[Role], organisation: Organisation) -> None:
    roles = set(roles)
    if not roles:
        raise AccountError("Choose at least one role", field="roles")
    if organisation.kind == OrganisationKind.SUPPLIER and roles != {Role.SUPPLIER}:
        raise AccountError("Users of a supplier organisation can only have the supplier role", field="roles")
    if organisation.kind == OrganisationKind.AUTHORITY and Role.SUPPLIER in roles:
        raise AccountError("Users of a contracting authority cannot have the supplier role", field="roles")


async def has_demo_accounts() -> bool:
    return await User.exists().where(User.is_demo.eq(True))


# --- Signing in -------------------------------------------------------------------------------
# Wrong passwords are slowed down per (account, address) and per address (throttling.py): never per
# account alone, so that no stranger can keep an account's owner out.


class SignInRefused(AccountError):
    """Wrong email or password: one message, whichever it was, so accounts cannot be discovered."""


class EmailNotConfirmed(AccountError):
    pass


async def _record_failure(
    email: str, remote_address: str, reason: str, *, action: str = "user.sign_in_failed", actor: audit.Actor = audit.ANONYMOUS, object_id: object = None
) -> None:
    async with audit.action("record failure"):
        await throttling.record_failure(email, remote_address)
        await audit.record(action, actor=actor, object_type="user", object_id=object_id or email, payload={"reason": reason, "address": remote_address})


async def authenticate(email: str, password: str, *, remote_address: str, second_factor_follows: bool | None = None) -> User:
    """The user these credentials belong to, or SignInRefused / EmailNotConfirmed / TooManyAttempts.
    When a second factor is asked of the user (two_factor.asked_of), the password alone signs no
    one in: the audit log says the password was accepted, and the sign-in is recorded once the code is."""
    email = normalise_email(email)
    await refuse_if_throttled(email, remote_address, "Too many failed attempts to sign in")
    user = await User.objects().where(User.email == email).first()
    if user is None or not user.password_hash or not user.is_active:
        await verify_password(DUMMY_HASH, password)  # the same work as a real check, so timing reveals nothing
        reason = "unknown account" if user is None else "deactivated account" if not user.is_active else "no usable password"
        await _record_failure(email, remote_address, reason)  # the audit log tells them apart; the person is told the same
        raise SignInRefused("Enter the email address and password for your account")
    check = await check_password(user.password_hash, password)
    if not check.ok:
        await _record_failure(email, remote_address, "wrong password")
        raise SignInRefused("Enter the email address and password for your account")
    if user.email_confirmed_at is None:
        await send_email_confirmation(user)
        raise EmailNotConfirmed("Confirm your email address before you sign in. We have sent you a new link.")
    if second_factor_follows is None:
        second_factor_follows = await two_factor.asked_of(user.id)
    new_hash = await hash_password(password) if check.needs_rehash else None  # made before the pepper, or at an older cost
    async with audit.action("authenticate"):
        await throttling.forget(email, remote_address)  # a stranger's failures from elsewhere still count against the stranger
        if new_hash:  # the same password, so sessions stay; unless it was changed meanwhile
            await User.update({User.password_hash: new_hash}).where((User.id == user.id) & (User.password_hash == user.password_hash))
        await audit.record(
            "user.password_accepted" if second_factor_follows else "user.signed_in", actor=actor_for(user), object_type="user", object_id=user.id,
            payload={"address": remote_address, **({"password_rehashed": True} if new_hash else {})},
        )
    return user


async def record_second_factor(user_id: int, method: str, *, remote_address: str) -> None:
    """The sign-in, complete: the password, then a code ("totp" or "recovery_code") or setting one up ("enrolment")."""
    user = await User.objects().get(User.id == user_id)
    await audit.record("user.signed_in", actor=actor_for(user), object_type="user", object_id=user.id, payload={"address": remote_address, "second_factor": method})


async def record_sign_out(user_actor: audit.Actor) -> None:
    await audit.record("user.signed_out", actor=user_actor, object_type="user", object_id=user_actor.user_id)


def actor_for(user: User) -> audit.Actor:
    return audit.Actor(user_id=user.id, email=user.email, roles=tuple(sorted(user.roles)))


# --- Registering a supplier -------------------------------------------------------------------


async def register_supplier(
    *,
    legal_name: str,
    registration_number: str | None,
    organisation_type: str,
    size: str,
    full_name: str,
    email: str,
    password: str,
) -> User:
    """A supplier organisation and its first user (its organisation admin), unconfirmed until the
    emailed link is followed."""
    email = normalise_email(email)
    password_hash = await hash_password(password)
    async with audit.action("register supplier"):
        if await User.exists().where(User.email == email):
            raise AccountError("An account already exists for this email address. Sign in or reset your password", field="email")
        organisation = await create_organisation(
            kind=OrganisationKind.SUPPLIER,
            legal_name=legal_name,
            registration_number=registration_number,
            organisation_type=organisation_type,
            size=size,
        )
        user = await create_user(
            email=email,
            full_name=full_name,
            organisation=organisation,
            roles=[Role.SUPPLIER],
            password_hash=password_hash,
            is_organisation_admin=True,
        )
        await audit.record(
            "organisation.registered",
            actor=actor_for(user),
            object_type="organisation",
            object_id=organisation.id,
            payload={"legal_name": organisation.legal_name, "registration_number": registration_number, "size": size},
        )
        await send_email_confirmation(user)
    return user


# Emailed links (password reset, email confirmation) per account per hour: enough for a lost email,
# too few to flood someone's inbox from the reset or sign-in page.
MAX_LINK_EMAILS_PER_HOUR = 3


async def _link_emails_used_up(user_id: int, purpose: TokenPurpose) -> bool:
    """Whether the account has had its MAX_LINK_EMAILS_PER_HOUR links of this kind in the last hour;
    call in the transaction that would issue one, after locking the user's row."""
    return await tokens.issued_since(user_id, purpose, clock.now() - timedelta(hours=1)) >= MAX_LINK_EMAILS_PER_HOUR


async def _lock_user(user_id: int) -> None:
    """Queue concurrent actions on one user (PostgreSQL; SQLite's write transaction holds the database)."""
    await db.for_update(User.select(User.id).where(User.id == user_id)).first()


async def send_email_confirmation(user: User) -> None:
    """Email a new confirmation link, unless the account has had its hourly number of them (then the
    links already sent still work)."""
    async with audit.action("send email confirmation"):
        await _lock_user(user.id)
        if await _link_emails_used_up(user.id, TokenPurpose.EMAIL_CONFIRMATION):
            await audit.record("user.email_confirmation_limited", actor=actor_for(user), object_type="user", object_id=user.id)
            return
        await _send_email_confirmation(user)


async def _send_email_confirmation(user: User) -> None:
    token = await tokens.issue(user.id, TokenPurpose.EMAIL_CONFIRMATION)
    await notifications.enqueue(
        recipient=user.email,
        subject="Confirm your email address",
        body=(
            f"Dear {user.full_name},\n\n"
            "Confirm your email address to finish registering with the Participation Framework Registry:\n\n"
            f"{links.absolute(f'/confirm-email/{token}')}\n\n"
            "The link works once and expires in 3 days. If you did not register, ignore this email."
        ),
    )


async def confirm_email(token: str) -> User | None:
    async with audit.action("confirm email"):
        user_id = await tokens.use(token, TokenPurpose.EMAIL_CONFIRMATION)
        if user_id is None:
            return None
        user = await User.objects().get(User.id == user_id)
        if user.email_confirmed_at is None:
            await User.update({User.email_confirmed_at: clock.now()}).where(User.id == user_id)
            await audit.record("user.email_confirmed", actor=actor_for(user), object_type="user", object_id=user.id)
        return user


# --- Passwords --------------------------------------------------------------------------------


async def request_password_reset(email: str) -> None:
    """Email a reset link when the account exists; say nothing either way."""
    user = await User.objects().where((User.email == normalise_email(email)) & (User.is_active.eq(True))).first()
    if user is None:
        return
    async with audit.action("request password reset"):
        await _lock_user(user.id)
        if await _link_emails_used_up(user.id, TokenPurpose.PASSWORD_RESET):  # the page says the same: nothing to learn
            await audit.record("user.password_reset_limited", actor=actor_for(user), object_type="user", object_id=user.id)
            return
        token = await tokens.issue(user.id, TokenPurpose.PASSWORD_RESET)
        await notifications.enqueue(
            recipient=user.email,
            subject="Reset your password",
            body=(
                f"Dear {user.full_name},\n\n"
                "Use this link to choose a new password for the Participation Framework Registry:\n\n"
                f"{links.absolute(f'/password-reset/{token}')}\n\n"
                "The link works once and expires in 1 hour. If you did not ask to reset your password, ignore this email."
            ),
        )
        await audit.record("user.password_reset_requested", actor=actor_for(user), object_type="user", object_id=user.id)


async def reset_password(token: str, new_password: str) -> User | None:
    """Set a new password from a reset link; every existing session of the user stops working.
    Returns None when the link is unknown, expired or used."""
    password_hash = await hash_password(new_password)
    async with audit.action("reset password"):
        user_id = await tokens.use(token, TokenPurpose.PASSWORD_RESET)
        if user_id is None:
            return None
        await _set_password(user_id, password_hash)
        user = await User.objects().get(User.id == user_id)
        if user.email_confirmed_at is None:  # the link reached their inbox: the address works
            await User.update({User.email_confirmed_at: clock.now()}).where(User.id == user_id)
        await audit.record("user.password_reset", actor=actor_for(user), object_type="user", object_id=user.id)
        await api_tokens.revoke_all(user_id=user.id, actor=actor_for(user), reason="password reset")
        await _tell_password_changed(user)
        return await User.objects().get(User.id == user_id)


def _current_password_key(email: str) -> str:
    """Wrong current passwords are counted apart from failed sign-ins: guesses made in a session must
    not stop the account's owner from signing in."""
    return f"current-password:{email}"


async def change_password(user_id: int, current_password: str, new_password: str, *, remote_address: str) -> User:
    """Wrong current passwords (each audited) are slowed down as wrong passwords at sign-in are."""
    user = await User.objects().get(User.id == user_id)
    key = _current_password_key(user.email)
    await refuse_if_throttled(key, remote_address, "Too many wrong current passwords", actor=actor_for(user), object_id=user.id)
    if not user.password_hash or not await verify_password(user.password_hash, current_password):
        await _record_failure(
            key, remote_address, "wrong current password", action="user.password_change_failed", actor=actor_for(user), object_id=user.id
        )
        raise AccountError("Your current password is not correct")
    password_hash = await hash_password(new_password)
    async with audit.action("change password"):
        await _set_password(user_id, password_hash)
        await throttling.forget(key)
        await audit.record("user.password_changed", actor=actor_for(user), object_type="user", object_id=user.id)
        await api_tokens.revoke_all(user_id=user.id, actor=actor_for(user), reason="password changed")
        await _tell_password_changed(user)
    return await User.objects().get(User.id == user_id)


async def _tell_password_changed(user: User) -> None:
    """The notice of a new password, in the transaction that sets it: if it was not its owner, they can act."""
    now = clock.now()
    await notifications.enqueue(
        recipient=user.email,
        subject="Your password has been changed",
        body=(
            f"Dear {user.full_name},\n\n"
            f"The password for your Participation Framework Registry account ({user.email}) was changed "
            f"on {now.day} {now:%B %Y at %H:%M} UTC, and every other session of the account was signed out.\n\n"
            "If this was you, there is nothing more to do.\n\n"
            f"If it was not you, reset your password now at {links.absolute('/password-reset')} "
            "and tell your organisation's administrator."
        ),
    )


async def _set_password(user_id: int, password_hash: str) -> None:
    """The new password, and every session of the user ended (the one that changed it is started anew)."""
    await User.update({User.password_hash: password_hash, User.session_stamp: new_session_stamp()}).where(User.id == user_id)
    await end_sessions_of(user_id)
    await throttling.forget((await User.select(User.email).where(User.id == user_id).first())["email"])


# --- Users created by others: authority users by an admin, colleagues by a supplier's admin ----

INVITATION_LIFETIME = timedelta(days=7)


async def create_authority_user(
    *, admin: audit.Actor, email: str, full_name: str, organisation_id: int, roles: list[Role]
) -> tuple[User, set[Role]]:
    """A user of a contracting authority; they choose their password from an emailed link. The
    guarded roles among `roles` wait for someone else's approval (accounts.duties): returns the
    user and the roles waiting."""
    organisation = await Organisation.objects().where(Organisation.id == organisation_id).first()
    if organisation is None or organisation.kind != OrganisationKind.AUTHORITY:
        raise AccountError("Choose a contracting authority", field="organisation_id")
    async with audit.action("create authority user"):
        user = await _create_invited_user(
            actor=admin, organisation=organisation, email=email, full_name=full_name, roles=roles, waiting=duties.GUARDED_ROLES,
        )
        waiting = await duties.ask(admin=admin, user=user, organisation=organisation, roles=roles)
    return user, waiting


async def invite_colleague(*, inviter: audit.Actor, organisation_id: int, email: str, full_name: str) -> User:
    """A supplier organisation's admin adds a colleague to the same organisation."""
    organisation = await Organisation.objects().get(Organisation.id == organisation_id)
    if organisation.kind != OrganisationKind.SUPPLIER:
        raise AccountError("Only supplier organisations invite colleagues here")
    return await _create_invited_user(actor=inviter, organisation=organisation, email=email, full_name=full_name, roles=[Role.SUPPLIER])


async def make_colleague_admin(*, admin: audit.Actor, organisation_id: int, user_id: int) -> User:
    """A supplier organisation's admin makes a colleague an admin too: they can then invite and
    remove people, and the one who made them can leave (an organisation keeps an admin)."""
    async with audit.action("make colleague admin"):
        await db.queue_under(User, user_id)
        colleague = await User.objects().where((User.id == user_id) & (User.organisation == organisation_id)).first()
        if colleague is None:
            raise AccountError("There is no such person in your organisation")
        if not colleague.is_active:
            raise AccountError(f"{colleague.full_name} has been removed from your organisation")
        if colleague.is_organisation_admin:
            raise AccountError(f"{colleague.full_name} is already an administrator")
        await User.update({User.is_organisation_admin: True}).where(User.id == user_id)
        await audit.record("user.made_organisation_admin", actor=admin, object_type="user", object_id=user_id, payload={"email": colleague.email})
        await notifications.enqueue(
            recipient=colleague.email, subject="You are now an administrator of your organisation",
            body=f"Dear {colleague.full_name},\n\n{admin.email or 'An administrator'} has made you an administrator of your "
            "organisation on the Participation Framework Registry: you can now invite and remove its people.",
        )
    return await User.objects().get(User.id == user_id)


async def _create_invited_user(
    *, actor: audit.Actor, organisation: Organisation, email: str, full_name: str, roles: list[Role], waiting: Iterable[Role] = ()
) -> User:
    async with audit.action("create invited user"):
        user = await create_user(
            email=email, full_name=full_name, organisation=organisation, roles=roles, password_hash=None, email_confirmed=False, waiting=waiting
        )
        await audit.record(
            "user.created",
            actor=actor,
            object_type="user",
            object_id=user.id,
            payload={"email": user.email, "organisation": organisation.legal_name, "roles": list(user.roles)},
        )
        token = await tokens.issue(user.id, TokenPurpose.PASSWORD_RESET, lifetime=INVITATION_LIFETIME)
        await notifications.enqueue(
            recipient=user.email,
            subject="Your account for the Participation Framework Registry",
            body=(
                f"Dear {user.full_name},\n\n"
                f"{actor.email or 'An administrator'} has created an account for you at {organisation.legal_name}. "
                "Choose your password here:\n\n"
                f"{links.absolute(f'/password-reset/{token}')}\n\n"
                "The link works once and expires in 7 days."
            ),
        )
    return user


async def change_roles(*, admin: audit.Actor, user_id: int, roles: list[Role]) -> tuple[User, set[Role]]:
    """Give a user a new set of roles; takes effect on their next request, except that a guarded
    role they do not hold yet waits for someone else's approval (accounts.duties). Returns the user
    and the roles waiting."""
    async with audit.action("change roles"):
        user = await User.objects().where(User.id == user_id).first()
        if user is None:
            raise AccountError("There is no such user")
        organisation = await Organisation.objects().get(Organisation.id == user.organisation)
        wanted = {Role(role) for role in roles}
        check_roles_fit_organisation(wanted, organisation)
        if admin.user_id == user.id:  # separation of duties: no admin makes themselves an officer or evaluator
            raise AccountError("You cannot change your own roles. Ask another admin to change them")
        before = sorted(user.roles)
        held = {Role(role) for role in user.roles}
        in_effect = sorted(str(role) for role in wanted if role in held or role not in duties.GUARDED_ROLES)
        await User.update({User.roles: in_effect}).where(User.id == user_id)
        await audit.record("user.roles_changed", actor=admin, object_type="user", object_id=user_id, payload={"before": before, "after": in_effect})
        if set(before) - set(in_effect):  # a token made for what a lost role allowed must not outlive it
            await api_tokens.revoke_all(user_id=user_id, actor=admin, reason="role removed")
        waiting = await duties.ask(admin=admin, user=user, organisation=organisation, roles=wanted)
    return await User.objects().get(User.id == user_id), waiting


async def get_user(user_id: int) -> dict | None:
    return await User.select(
        User.id, User.email, User.full_name, User.roles, User.is_active,
        User.organisation.legal_name.as_alias("organisation_name"), User.organisation.kind.as_alias("organisation_kind"),
    ).where(User.id == user_id).first()


async def colleagues(organisation_id: int) -> list[dict]:
    return await User.select(User.id, User.email, User.full_name, User.is_organisation_admin, User.email_confirmed_at, User.is_active).where(
        User.organisation == organisation_id
    ).order_by(User.full_name)


async def organisations_of_kind(kind: OrganisationKind) -> list[Organisation]:
    return await Organisation.objects().where(Organisation.kind == kind).order_by(Organisation.legal_name)


async def list_users() -> list[dict]:
    return await User.select(
        User.id, User.email, User.full_name, User.roles, User.is_active, User.email_confirmed_at,
        User.organisation.legal_name.as_alias("organisation_name"),
    ).order_by(User.organisation.legal_name).order_by(User.full_name)
