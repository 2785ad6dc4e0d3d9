"""The officers' framework forms: they read what people type (pounds with commas, a date in three
boxes, ticked lists) into the typed values the service is given, and say what was mistyped. The
rules those values keep are the service's (frameworks.service.Details, Amendment, LotSpec): the
form shows their verdict beside its own (registry.web.forms)."""

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from registry import money
from registry.frameworks.regimes import Regime
from registry.frameworks.service import DURATION_FORMAT, ESTIMATED_VALUE_FORMAT, ESTIMATED_VALUE_TOO_LARGE, MAX_SUPPLIERS_RANGE, Amendment, Details, LotSpec
from registry.frameworks.tables import CallOffRoute
from registry.reference import cpv
from registry.numbers import is_whole_number
from registry.web.forms import Form

READABLE_POUNDS = Decimal(10**18)  # past any limit a rule sets, and within what an integer holds


def _pounds(value: str | None) -> int | None:
    """An amount typed in whole pounds, with or without a pound sign and commas."""
    if value is None:
        return None
    try:
        return int(money.typed_pounds(value, below=READABLE_POUNDS, unit=money.POUND))
    except money.NotAnAmount as refused:
        raise ValueError(ESTIMATED_VALUE_TOO_LARGE if refused.flaw == money.Flaw.TOO_LARGE else ESTIMATED_VALUE_FORMAT) from None


def _whole_number(value: str | None, message: str) -> int | None:
    if value is None:
        return None
    if not is_whole_number(value):
        raise ValueError(message)
    return int(value)


class FrameworkForm(Form):
    """A draft may be saved incomplete; what is entered must be right. The task list says what is missing."""

    rules: ClassVar = Details
    made_of: ClassVar = {"start_date": ("start_day", "start_month", "start_year")}
    messages: ClassVar = {"regime": "Select the procurement regime", "call_off_routes:invalid": "Select call-off routes from the list"}
    multi_value_fields: ClassVar = ("call_off_routes", "cpv_codes")
    title: str = ""
    summary: str = ""
    description: str = ""
    estimated_value: int | None = None
    start_day: str | None = None
    start_month: str | None = None
    start_year: str | None = None
    start_date: date | None = Field(default=None, validate_default=True)  # made from the three parts above
    duration_months: int | None = None
    regime: Regime = Regime.SCOTLAND
    call_off_routes: list[CallOffRoute] = []
    contact_name: str = ""
    contact_email: str = ""
    contact_telephone: str = ""
    cpv_codes: list[str] = []  # ticked among the participation services
    other_cpv_codes: str = ""  # typed: any other codes of the vocabulary
    community_benefits: str = ""
    community_benefits_none_reason: str = ""

    @field_validator("estimated_value", mode="before")
    @classmethod
    def _value(cls, value: str | None) -> int | None:
        return _pounds(value)

    @field_validator("duration_months", mode="before")
    @classmethod
    def _duration(cls, value: str | None) -> int | None:
        return _whole_number(value, DURATION_FORMAT)

    @field_validator("cpv_codes")
    @classmethod
    def _cpv_ticked(cls, value: list[str]) -> list[str]:
        if any(code not in cpv.PARTICIPATION_CODES for code in value):
            raise ValueError("Select CPV codes from the list")
        return value

    @field_validator("other_cpv_codes")
    @classmethod
    def _cpv_typed(cls, value: str) -> str:
        cpv.parse(value)  # ValueError naming the first that is not a code
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

    def chosen_cpv_codes(self) -> tuple[str, ...]:
        """The ticked codes and the typed ones."""
        return tuple(dict.fromkeys([*self.cpv_codes, *cpv.parse(self.other_cpv_codes)]))

    def typed(self) -> dict[str, Any]:
        return self._details()

    def details(self) -> Details:
        return Details.checked(self._details())

    def _details(self) -> dict[str, Any]:
        return {
            "title": self.title, "summary": self.summary, "description": self.description, "estimated_value": self.estimated_value,
            "start_date": self.start_date, "duration_months": self.duration_months, "regime": self.regime,
            "call_off_routes": tuple(self.call_off_routes), "contact_name": self.contact_name, "contact_email": self.contact_email,
            "contact_telephone": self.contact_telephone, "cpv_codes": self.chosen_cpv_codes(),
            "community_benefits": self.community_benefits, "community_benefits_none_reason": self.community_benefits_none_reason,
        }



class AmendmentForm(FrameworkForm):
    rules: ClassVar = Amendment
    change_summary: str = ""

    def typed(self) -> dict[str, Any]:
        return {**super().typed(), "change_summary": self.change_summary}


class LotForm(Form):
    rules: ClassVar = LotSpec
    title: str = ""
    scope: str = ""
    subject: str | None = None
    max_suppliers: int | None = None
    estimated_value: int | None = None

    @field_validator("estimated_value", mode="before")
    @classmethod
    def _value(cls, value: str | None) -> int | None:
        return _pounds(value)

    @field_validator("max_suppliers", mode="before")
    @classmethod
    def _max(cls, value: str | None) -> int | None:
        return _whole_number(value, MAX_SUPPLIERS_RANGE)

    def value_in_pounds(self) -> int | None:
        return self.estimated_value

    def typed(self) -> dict[str, Any]:
        values = {"title": self.title, "scope": self.scope, "subject": self.subject, "max_suppliers": self.max_suppliers, "estimated_value": self.estimated_value}
        return {name: value for name, value in values.items() if value is not None}  # left out: the service says what is missing


class CancelForm(Form):
    messages: ClassVar = {"reason": "Give the reason for cancelling, for the cancellation notice"}
    reason: str
