from typing import Any

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
