"""What a service says when it will not do what was asked, one class per kind of answer, so that
one mapping (registry.web.errors) answers pages and the API alike:

- `Refused`: the user may not see or do this. 403, recorded in the audit log.
- `Missing`: there is no such thing, or it is not this user's to know of. 404.
- `RuleBroken`: a rule was broken; the message says which in words the user can act on, and
  `field` where to show it. A form shows it on that field; the API answers 422 naming the field.
- `DeadlinePassed`: a RuleBroken whose rule is a deadline; its message gives the deadline as the
  reader's clock shows it (`explain`).

Domains subclass only where the subclass adds meaning (a default field, a deadline's wording)."""

from datetime import datetime
from zoneinfo import ZoneInfo

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
