"""What a service says when it will not do what was asked, one class per kind of answer, so that
one mapping (registry.web.errors) answers pages and the API alike:

- `Refused`: the user may not see or do this. 403, recorded in the audit log.
- `Missing`: there is no such thing, or it is not this user's to know of. 404.
- `RuleBroken`: a rule was broken; the message says which in words the user can act on, and
  `field` where to show it. A form shows it on that field; the API answers 422 naming the field.
- `DeadlinePassed`: a RuleBroken whose rule is a deadline; its message gives the deadline as the
  reader's clock shows it (`explain`).
- `Invalid`: a RuleBroken naming every field of what was given that breaks a rule, each with its
  message (`problems`): what a service's input model (`Rules`) says when it is given bad values.

Domains subclass only where the subclass adds meaning (a default field, a deadline's wording)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from registry.dates import local_time


class Refused(PermissionError):
    """The user may not see or do this."""


class Missing(LookupError):
    """There is no such thing, or it is not this user's to know of."""

    def __str__(self) -> str:
        return self.args[0] if self.args else ""


class RuleBroken(ValueError):
    """A rule was broken. `field` names the form field or API field the message belongs to; a
    subclass may set a default for its domain's forms."""

    field: str = "__all__"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        if field is not None:
            self.field = field

    def explain(self, zone: ZoneInfo) -> str:
        """The message for a person reading times in `zone`."""
        return str(self)


class DeadlinePassed(RuleBroken):
    """Too late: what was sent arrived after `deadline`. `explanation` is the message with the
    deadline in it, as `{deadline}`, for `explain` to fill in the reader's time zone."""

    def __init__(self, deadline: datetime | None, message: str, *, explanation: str, field: str | None = None):
        super().__init__(message, field)
        self.deadline = deadline
        self.explanation = explanation

    def explain(self, zone: ZoneInfo) -> str:
        if self.deadline is None:  # closed by hand before any deadline was set
            return str(self)
        return self.explanation.format(deadline=local_time(self.deadline, zone))


class Invalid(RuleBroken):
    """What was given breaks rules: `problems` names each field with what to say beside it. A form
    shows each on its field (web.forms.add_problem); the API answers 422 naming each."""

    def __init__(self, problems: Mapping[str, str], message: str | None = None):
        self.problems = dict(problems)
        field, _ = next(iter(self.problems.items()))
        super().__init__(message or "; ".join(self.problems.values()), field)


class Rules(BaseModel):
    """What a service is given, with the rules its values keep. Building one with values that break
    a rule raises Invalid naming every such field. `messages` says what to say of a field left out
    (by its name) or not of its type (`name:invalid`); validators raise ValueError with the words to
    show for anything else."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    messages: ClassVar[dict[str, str]] = {}

    def __init__(self, **values: Any):
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise Invalid(problems_in(type(self), error)) from None

    @classmethod
    def checked(cls, given: "Rules | Mapping[str, Any]") -> Self:
        """`given` (a model, perhaps copied with changes that were never checked, or its values), checked
        against every rule: Invalid names each field that breaks one."""
        return cls(**(dict(given) if isinstance(given, BaseModel) else given))


def problems_in(model: type[BaseModel], error: ValidationError) -> dict[str, str]:
    """Each field's first problem, in the model's field order, worded by its `messages` or its validators."""
    messages: Mapping[str, str] = getattr(model, "messages", {})
    found: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "__all__"
        if name in found:
            continue
        if problem["type"] == "missing":
            found[name] = messages.get(name, "Enter this")
        elif problem["type"] == "value_error":
            found[name] = str(problem["ctx"]["error"])
        else:
            found[name] = messages.get(f"{name}:invalid") or messages.get(name, "Check this")
    return in_field_order(model, found)


def in_field_order(model: type[BaseModel], problems: Mapping[str, str]) -> dict[str, str]:
    order = list(model.model_fields)
    return dict(sorted(problems.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))
