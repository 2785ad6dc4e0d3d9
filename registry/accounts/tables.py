from enum import StrEnum

from piccolo.columns import Array, Boolean, Bytea, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OrganisationKind(StrEnum):
    AUTHORITY = "authority"
    SUPPLIER = "supplier"


class OrganisationSize(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


# A small or medium-sized enterprise: the directory's "SME" filter, the call-off reports' SME spend,
# England's award notices (whether each supplier is an SME).
SME_SIZES = (OrganisationSize.MICRO, OrganisationSize.SMALL, OrganisationSize.MEDIUM)


class Role(StrEnum):
    SUPPLIER = "supplier"
    PROCUREMENT_OFFICER = "procurement_officer"
    EVALUATOR = "evaluator"
    COMMISSIONER = "commissioner"
    ADMIN = "admin"


class Organisation(Table):
    kind = Varchar(length=20, choices=OrganisationKind)
    legal_name = Varchar(length=200)
    registration_number = Varchar(length=40, null=True, default=None)
    organisation_type = Varchar(length=60, null=True, default=None)
    size = Varchar(length=10, choices=OrganisationSize, null=True, default=None)
    is_demo = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class User(Table, tablename="registry_user"):
    email = Varchar(length=254, unique=True, index=True)  # stored lower-cased
    full_name = Varchar(length=200)
    organisation = ForeignKey(references=Organisation, null=False)
    roles = Array(base_column=Varchar(length=30))
    password_hash = Varchar(length=200, null=True, default=None)
    email_confirmed_at = Timestamptz(null=True, default=None)
    is_active = Boolean(default=True)
    is_organisation_admin = Boolean(default=False)
    is_demo = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    # Changed when the password changes: every session started before then stops working.
    session_stamp = Varchar(length=32, default="")


class SessionRecord(Table, tablename="web_session"):
    """Server-side session data behind Litestar's session middleware (see sessions.PiccoloSessionStore),
    with what the user's sessions page shows of a signed-in session (session_list)."""

    key = Varchar(length=128, unique=True, index=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)
    user = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    started_at = Timestamptz(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)  # as often as the idle expiry is renewed: at most once a minute
    browser = Varchar(length=60, default="")  # the browser family and system, from the User-Agent at sign-in
    address = Varchar(length=64, default="")  # the client address at sign-in


class TokenPurpose(StrEnum):
    EMAIL_CONFIRMATION = "email_confirmation"
    PASSWORD_RESET = "password_reset"


class AccountToken(Table):
    """A one-time link's token: only its SHA-256 is stored; it expires and can be used once."""

    token_hash = Varchar(length=64, unique=True, index=True)
    purpose = Varchar(length=30, choices=TokenPurpose)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class SignInAttempt(Table):
    """Failed sign-ins, kept in the database so that rate limits hold across workers and restarts."""

    email = Varchar(length=254, index=True)
    remote_address = Varchar(length=64, index=True)
    attempted_at = Timestamptz(index=True)


class ApiToken(Table):
    """A token for an official's scripts: shown once, stored as a SHA-256, acting with its user's roles."""

    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()  # chosen at creation (api_tokens.MAX_LIFETIME at most)
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class RoleGrant(Table):
    """An admin's grant of a role that gives power over tenders, waiting for someone else to approve
    it (see accounts.duties). Decided grants are kept: they date when an officer got the role."""

    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    role = Varchar(length=30, choices=Role)
    asked_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    asked_at = Timestamptz()
    decided_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(null=True, default=None, index=True)
    approved = Boolean(null=True, default=None)  # None while waiting; False when refused or withdrawn


class TwoFactor(Table, tablename="two_factor"):
    """A user's authenticator app (TOTP, RFC 6238; see two_factor.py). Its secret is stored encrypted;
    it counts once the user has entered a code from it (confirmed_at)."""

    user = ForeignKey(references=User, null=False, unique=True, on_delete=OnDelete.cascade)
    secret = Varchar(length=200)  # sealed by two_factor.seal: never shown again once confirmed
    created_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    last_used_step = Integer(default=0)  # the time step of the last code accepted: a code works once


class RecoveryCode(Table):
    """One of a user's single-use codes for signing in without their authenticator: only its SHA-256 is kept."""

    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    code_hash = Varchar(length=64, index=True)
    created_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
