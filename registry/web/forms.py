"""The one mapping from a submitted form to a validated model or to GOV.UK error messages.

A form model lists, in `messages`, what to say when a field is left empty; its validators raise
ValueError with the words to show for anything else. Errors come back in the form's field order,
with what the user typed (never passwords) so the page can show it again."""

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, ClassVar, Generic, TypeVar

from zoneinfo import ZoneInfo

from litestar import Request
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from registry.errors import RuleBroken

NEVER_ECHOED = ("password", "current_password", "new_password", "_csrf_token")


class Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    messages: ClassVar[dict[str, str]] = {}
    multi_value_fields: ClassVar[tuple[str, ...]] = ()

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # No database stores the NUL character in text (PostgreSQL refuses it outright).
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("Remove the invisible control character (NUL) from what you typed")
        return value


F = TypeVar("F", bound=Form)


def is_whole_number(text: str) -> bool:
    """Digits 0-9 only, at most 18 of them: what int() reads and every integer column holds.
    (str.isdigit is true of "²" and "①" too, which int() refuses: a server error where it was trusted.)"""
    return text.isascii() and text.isdigit() and len(text) <= 18


@dataclass
class FormResult(Generic[F]):
    data: F | None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.data is not None


async def read_form(request: Request, form: type[F]) -> FormResult[F]:
    submitted = await request.form()
    values: dict[str, Any] = {}
    for name in form.model_fields:
        if name in form.multi_value_fields:
            values[name] = [v for v in submitted.getall(name) if v] if name in submitted else []
        elif name in submitted:
            values[name] = submitted.get(name)
    return validate(form, values)


def validate(form: type[F], values: dict[str, Any]) -> FormResult[F]:
    cleaned = {name: value for name, value in values.items() if value not in ("", None, [])}
    echo = {name: value for name, value in values.items() if name not in NEVER_ECHOED}
    try:
        return FormResult(data=form.model_validate(cleaned), values=echo)
    except ValidationError as error:
        return FormResult(data=None, errors=error_messages(form, error), values=echo)


def error_messages(form: type[Form], error: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "__all__"
        if name in found:
            continue
        if problem["type"] == "missing":
            found[name] = form.messages.get(name, "Enter this")
        elif problem["type"] == "value_error":
            found[name] = str(problem["ctx"]["error"])
        else:
            found[name] = form.messages.get(f"{name}:invalid") or form.messages.get(name, "Check this")
    order = list(form.model_fields)
    return dict(sorted(found.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))


def add_error(result: FormResult, field_name: str, message: str) -> FormResult:
    """A rule the service found broken (for example a duplicate email), shown like any other field error."""
    return FormResult(data=None, errors={**result.errors, field_name: message}, values=result.values)


def add_problem(result: FormResult, problem: RuleBroken, zone: ZoneInfo, *, field_name: str | None = None) -> FormResult:
    """The one way a service's broken rule reaches a form: on its field (or `field_name`, where the
    form names it differently), worded for the reader's time zone, with what was typed kept."""
    return add_error(result, field_name or problem.field, problem.explain(zone))


def moment_from_parts(day: str | None, month: str | None, year: str | None, clock_time: str | None, which: str) -> datetime:
    """A local date and time typed in separate fields (day, month, year, "17:00"), naive; `which` names it in messages."""
    if not (day and month and year):
        raise ValueError(f"Enter the {which} date, with a day, month and year")
    try:
        hours, _, minutes = (clock_time or "").partition(":")
        at = time(int(hours), int(minutes or 0))
    except ValueError:
        raise ValueError(f"Enter the {which} time as hours and minutes, like 17:00") from None
    try:
        return datetime(int(year), int(month), int(day), at.hour, at.minute)
    except ValueError:
        raise ValueError(f"The {which} date must be a real date") from None
