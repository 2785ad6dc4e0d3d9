"""The officers' framework forms: what each field must be, and what to say when it is not."""

import re
from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator

from registry import money
from registry.frameworks.regimes import Regime
from registry.frameworks.service import MAX_DURATION_MONTHS, Details
from registry.frameworks.tables import CallOffRoute
from registry.reference import cpv, taxonomies
from registry.web.forms import Form, is_whole_number


MAX_ESTIMATED_VALUE = 2_000_000_000  # whole pounds: what the database's integer column holds, on either engine


def _pounds(value: str | None) -> str | None:
    """An estimated value typed in whole pounds, with or without a pound sign and commas: the number, as digits."""
    if value is None:
        return None
    try:
        amount = money.typed_pounds(value, below=Decimal(MAX_ESTIMATED_VALUE + 1), unit=money.POUND)
    except money.NotAnAmount as refused:
        if refused.flaw == money.Flaw.TOO_LARGE:
            raise ValueError(f"Estimated value must be {money.pounds(MAX_ESTIMATED_VALUE * 100)} or less") from None
        raise ValueError("Enter the estimated value in whole pounds, like 2500000") from None
    return str(int(amount))


class FrameworkForm(Form):
    """A draft may be saved incomplete; what is entered must be right. The task list says what is missing."""

    messages: ClassVar = {
        "title": "Enter the framework's title",
        "title:invalid": "Title must be 200 characters or fewer",
        "summary:invalid": "Summary must be 600 characters or fewer",
        "contact_name:invalid": "Contact name must be 200 characters or fewer",
        "regime": "Select the procurement regime",
    }
    multi_value_fields: ClassVar = ("call_off_routes", "cpv_codes")
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=600)
    description: str = ""
    estimated_value: str | None = None
    start_day: str | None = None
    start_month: str | None = None
    start_year: str | None = None
    start_date: date | None = Field(default=None, validate_default=True)  # made from the three parts above
    duration_months: str | None = None
    regime: Regime = Regime.SCOTLAND
    call_off_routes: list[CallOffRoute] = []
    contact_name: str = Field(default="", max_length=200)
    contact_email: str = ""
    contact_telephone: str = ""
    cpv_codes: list[str] = []  # ticked among the participation services
    other_cpv_codes: str = ""  # typed: any other codes of the vocabulary

    @field_validator("estimated_value")
    @classmethod
    def _value(cls, value: str | None) -> str | None:
        return _pounds(value)

    @field_validator("contact_email")
    @classmethod
    def _contact_email(cls, value: str) -> str:
        local, _, domain = value.partition("@")
        if value and (not local or "." not in domain or " " in value or len(value) > 254):
            raise ValueError("Enter the contact email address in the correct format, like procurement@council.example")
        return value

    @field_validator("contact_telephone")
    @classmethod
    def _contact_telephone(cls, value: str) -> str:
        if value and (not re.fullmatch(r"\+?[0-9 ()-]{6,30}", value) or sum(c.isdigit() for c in value) < 6):
            raise ValueError("Enter a telephone number, like 0131 496 0000 or +44 131 496 0000")
        return value

    @field_validator("cpv_codes")
    @classmethod
    def _cpv_ticked(cls, value: list[str]) -> list[str]:
        if any(code not in cpv.PARTICIPATION_CODES for code in value):
            raise ValueError("Select CPV codes from the list")
        return value

    @field_validator("other_cpv_codes")
    @classmethod
    def _cpv_typed(cls, value: str) -> str:
        codes = cpv.parse(value)
        if len(codes) > cpv.MAX_CODES:
            raise ValueError(f"Enter at most {cpv.MAX_CODES} CPV codes")
        return value

    def chosen_cpv_codes(self) -> tuple[str, ...]:
        """The ticked codes and the typed ones, each once, participation services first."""
        return tuple(code.code for code in cpv.in_order(set(self.cpv_codes) | set(cpv.parse(self.other_cpv_codes))))

    @field_validator("duration_months")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not is_whole_number(value) or int(value) < 1:
            raise ValueError("Enter the duration as a whole number of months, like 36")
        if int(value) > MAX_DURATION_MONTHS:
            raise ValueError(f"A framework can last at most {MAX_DURATION_MONTHS} months")
        return value

    @field_validator("start_date", mode="before")
    @classmethod
    def _start_date(cls, value: object, info: ValidationInfo) -> date | None:
        parts = (info.data.get("start_day"), info.data.get("start_month"), info.data.get("start_year"))
        if not any(parts):
            return None
        if not all(parts):
            raise ValueError("The start date must include a day, month and year")
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValueError("The start date must be a real date, like 1 4 2027") from None

    def details(self) -> Details:
        return Details(
            title=self.title,
            summary=self.summary,
            description=self.description,
            estimated_value=int(self.estimated_value) if self.estimated_value else None,
            start_date=self.start_date,
            duration_months=int(self.duration_months) if self.duration_months else None,
            regime=self.regime,
            call_off_routes=tuple(str(route) for route in self.call_off_routes),
            contact_name=self.contact_name,
            contact_email=self.contact_email,
            contact_telephone=self.contact_telephone,
            cpv_codes=self.chosen_cpv_codes(),
        )


class AmendmentForm(FrameworkForm):
    messages: ClassVar = {**FrameworkForm.messages, "change_summary": "Say what has changed, for the notice's readers"}
    change_summary: str


class LotForm(Form):
    messages: ClassVar = {
        "title": "Enter the lot's title",
        "title:invalid": "Title must be 200 characters or fewer",
        "scope": "Describe what the lot covers",
        "max_suppliers": "Enter the most suppliers to appoint to the lot",
    }
    title: str = Field(max_length=200)
    scope: str
    subject: str | None = None
    max_suppliers: str
    estimated_value: str | None = None

    @field_validator("estimated_value")
    @classmethod
    def _value(cls, value: str | None) -> str | None:
        return _pounds(value)

    def value_in_pounds(self) -> int | None:
        return int(self.estimated_value) if self.estimated_value else None

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str | None) -> str | None:
        if value and value not in taxonomies.codes("lot_subjects"):
            raise ValueError("Select the lot's subject from the list")
        return value

    @field_validator("max_suppliers")
    @classmethod
    def _max(cls, value: str) -> str:
        if not is_whole_number(value) or not 1 <= int(value) <= 100:
            raise ValueError("Enter a whole number of suppliers from 1 to 100")
        return value


class CancelForm(Form):
    messages: ClassVar = {"reason": "Give the reason for cancelling, for the cancellation notice"}
    reason: str
