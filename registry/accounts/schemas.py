"""The accounts forms: what each field must be, and what to say when it is not."""

from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from registry.accounts.passwords_policy import password_problem
from registry.accounts.tables import OrganisationSize, Role
from registry.email_addresses import is_email_address
from registry.web.forms import Form

ORGANISATION_TYPES = [
    "Private limited company",
    "Public limited company",
    "Limited liability partnership",
    "Community interest company",
    "Charity",
    "Charitable incorporated organisation",
    "Co-operative or mutual",
    "Partnership",
    "Sole trader",
    "Other",
]


def _email(value: str) -> str:
    value = value.strip()
    if not is_email_address(value):
        raise ValueError("Enter an email address in the correct format, like name@example.com")
    return value


EmailAddress = Annotated[str, AfterValidator(_email)]


class SignInForm(Form):
    messages: ClassVar = {"email": "Enter your email address", "password": "Enter your password"}
    email: str
    password: str


class CodeForm(Form):
    messages: ClassVar = {"code": "Enter the code"}
    code: str = Field(max_length=40)


class TurnOffForm(Form):
    """Turning two-factor sign-in off, on the page that also renews recovery codes (its own field)."""

    messages: ClassVar = {"off_code": "Enter a code from your authenticator app, or a recovery code"}
    off_code: str = Field(max_length=40)


class RegistrationForm(Form):
    messages: ClassVar = {
        "legal_name": "Enter your organisation's legal name",
        "organisation_type": "Select the type of organisation",
        "size": "Select the size of your organisation",
        "full_name": "Enter your full name",
        "email": "Enter your email address",
        "password": "Enter a password",
    }
    legal_name: str
    registration_number: str | None = None
    organisation_type: str
    size: OrganisationSize
    full_name: str
    email: EmailAddress
    password: str

    @field_validator("legal_name", "full_name")
    @classmethod
    def _not_too_long(cls, value: str) -> str:
        if len(value) > 200:
            raise ValueError("Must be 200 characters or fewer")
        return value

    @field_validator("registration_number")
    @classmethod
    def _registration_number(cls, value: str | None) -> str | None:
        if value and len(value) > 40:
            raise ValueError("Registration number must be 40 characters or fewer")
        return value

    @field_validator("organisation_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in ORGANISATION_TYPES:
            raise ValueError("Select the type of organisation")
        return value

    @field_validator("password")
    @classmethod
    def _acceptable_password(cls, value: str, info: ValidationInfo) -> str:
        if problem := password_problem(value, email=info.data.get("email")):
            raise ValueError(problem)
        return value


class EmailForm(Form):
    messages: ClassVar = {"email": "Enter your email address"}
    email: EmailAddress


class NewPasswordForm(Form):
    messages: ClassVar = {"password": "Enter a new password"}
    password: str

    @field_validator("password")
    @classmethod
    def _acceptable(cls, value: str) -> str:
        if problem := password_problem(value):
            raise ValueError(problem)
        return value


class ChangePasswordForm(Form):
    messages: ClassVar = {"current_password": "Enter your current password", "new_password": "Enter a new password"}
    current_password: str
    new_password: str

    @field_validator("new_password")
    @classmethod
    def _acceptable(cls, value: str) -> str:
        if problem := password_problem(value):
            raise ValueError(problem)
        return value


class NewAuthorityUserForm(Form):
    messages: ClassVar = {
        "full_name": "Enter the person's full name",
        "email": "Enter the person's email address",
        "organisation_id": "Select their organisation",
        "roles": "Select at least one role",
    }
    multi_value_fields: ClassVar = ("roles",)
    full_name: str
    email: EmailAddress
    organisation_id: int
    roles: list[Role]

    @field_validator("roles")
    @classmethod
    def _authority_roles(cls, value: list[Role]) -> list[Role]:
        if not value:
            raise ValueError("Select at least one role")
        if Role.SUPPLIER in value:
            raise ValueError("Authority users cannot have the supplier role")
        return value


class RolesForm(Form):
    messages: ClassVar = {"roles": "Select at least one role"}
    multi_value_fields: ClassVar = ("roles",)
    roles: list[Role]

    @field_validator("roles")
    @classmethod
    def _at_least_one(cls, value: list[Role]) -> list[Role]:
        if not value:
            raise ValueError("Select at least one role")
        return value


class InviteColleagueForm(Form):
    messages: ClassVar = {"full_name": "Enter your colleague's full name", "email": "Enter your colleague's email address"}
    full_name: str
    email: EmailAddress
