from enum import StrEnum

from piccolo.columns import Array, Boolean, ForeignKey, Timestamptz, Varchar
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
