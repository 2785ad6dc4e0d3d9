from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from registry.web.forms import FormResult


def page(template: str, result: FormResult | None = None, status_code: int = 200, **context: Any) -> Template:
    """A page, with a form's errors and typed values when there is a form; 400 when it has errors."""
    if result is not None:
        context.update(errors=result.errors, values=result.values)
        if result.errors and status_code == 200:
            status_code = HTTP_400_BAD_REQUEST
    return Template(template, context=context, status_code=status_code)


@dataclass(frozen=True)
class Confirmation:
    """The check before an act that cannot be undone (web/confirm.html): what will happen and to
    whom, and the one button that does it, posting `confirmed=yes` with `fields` to `action`."""

    title: str
    warning: str
    action: str
    button: str
    back: str
    caption: str | None = None
    rows: list[dict] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    button_classes: str | None = None


def confirmation(confirm: Confirmation, result: FormResult | None = None) -> Template:
    return page("web/confirm.html", result, confirm=confirm)


async def confirmed(request: Request) -> bool:
    """Whether a post comes from its confirmation page."""
    return (await request.form()).get("confirmed") == "yes"
