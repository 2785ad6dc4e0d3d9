"""The one mapping from a submitted form to a validated model or to GOV.UK error messages.

A form model lists, in `messages`, what to say when a field is left empty; its validators raise
ValueError with the words to show for anything else. Errors come back in the form's field order,
with what the user typed (never passwords) so the page can show it again.

A form reads what people type (pounds with commas, a date in three boxes, ticked boxes) into typed
values; where a service keeps rules of its own about them (`rules`, the service's input model, and
`typed()`, the values for it), the form shows the service's verdict beside its own, so that one
round shows every problem. The service checks again whatever it is given."""

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, ClassVar, Generic, TypeVar

from zoneinfo import ZoneInfo

from litestar import Request
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from registry.errors import Invalid, RuleBroken, Rules, in_field_order, problems_in

NEVER_ECHOED = ("password", "current_password", "new_password", "_csrf_token")


class Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    messages: ClassVar[dict[str, str]] = {}
    multi_value_fields: ClassVar[tuple[str, ...]] = ()
    rules: ClassVar[type[Rules] | None] = None  # the service's input model, when it has one
    made_of: ClassVar[dict[str, tuple[str, ...]]] = {}  # a typed value read from several fields: its fields

    def typed(self) -> dict[str, Any]:
        """The values the service's `rules` model is given."""
        return {}

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # No database stores the NUL character in text (PostgreSQL refuses it outright).
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("Remove the invisible control character (NUL) from what you typed")
        return value


F = TypeVar("F", bound=Form)


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
        data = form.model_validate(cleaned)
    except ValidationError as error:
        errors = problems_in(form, error)
        return FormResult(data=None, errors=in_field_order(form, {**rules_broken(form, cleaned, errors), **errors}), values=echo)
    broken = rules_broken(form, cleaned, {}, data)
    return FormResult(data=None if broken else data, errors=broken, values=echo)


def rules_broken(form: type[F], cleaned: dict[str, Any], unreadable: dict[str, str], read: F | None = None) -> dict[str, str]:
    """What the service's rules say of the values that could be `read` (when some could not, the
    rest: the `unreadable` fields left out), by field."""
    if form.rules is None:
        return {}
    if read is None:
        skipped = set(unreadable).union(*(form.made_of.get(name, ()) for name in unreadable))
        try:
            read = form.model_validate({name: value for name, value in cleaned.items() if name not in skipped})
        except ValidationError:  # what is left still cannot be read: the form's own messages say why
            return {}
    try:
        form.rules.checked(read.typed())
    except Invalid as broken:
        return {name: message for name, message in broken.problems.items() if name not in unreadable}
    return {}



def add_error(result: FormResult, field_name: str, message: str) -> FormResult:
    """A rule the service found broken (for example a duplicate email), shown like any other field error."""
    return FormResult(data=None, errors={**result.errors, field_name: message}, values=result.values)


def add_problem(result: FormResult, problem: RuleBroken, zone: ZoneInfo, *, field_name: str | None = None) -> FormResult:
    """The one way a service's broken rule reaches a form: on its field (or `field_name`, where the
    form names it differently), worded for the reader's time zone, with what was typed kept. When
    the service names several fields (Invalid), each goes on its own; `field_name` then places only
    a problem with what was given as a whole."""
    if isinstance(problem, Invalid):
        for name, message in problem.problems.items():
            result = add_error(result, (field_name or name) if name == "__all__" else name, message)
        return result
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
