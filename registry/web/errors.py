"""One exception handler: HTML error pages for browsers, JSON for API clients. No stack trace ever
reaches a user; unexpected errors are logged with the request id."""

import logging
from http import HTTPStatus

from urllib.parse import urlencode

from asyncpg.exceptions import DataError
from litestar import MediaType, Request, Response
from litestar.response import Redirect
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

logger = logging.getLogger("registry.errors")

PAGE_TITLES = {
    400: "There is a problem with your request",
    401: "You need to sign in",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "You cannot do that here",
    413: "The file is too big",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}

PAGE_MESSAGES = {
    400: "The request could not be understood. Go back and try again.",
    401: "Sign in to continue.",
    403: "Your account does not have access to this. If you think it should, contact your organisation's administrator.",
    404: "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.",
    405: "That action cannot be done from this page. Go back and use the buttons on the page.",
    413: "Files must be smaller than 20 MB. Go back and choose a smaller file.",
    500: "Try again later. Nothing you had already saved has been lost.",
    503: "Try again later. Nothing you had already saved has been lost.",
}


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.headers.get("authorization", "").lower().startswith("bearer "):
        return True
    return request.accept.best_match(["text/html", "application/json"], default="text/html") == "application/json"


def error_response(request: Request, status_code: int, detail: str | None = None, errors: list | None = None) -> Response:
    title = PAGE_TITLES.get(status_code) or HTTPStatus(status_code).phrase
    if status_code >= 500:
        detail = None  # the log has the cause; the user gets the standard page
    if wants_json(request):
        body: dict = {"status_code": status_code, "detail": detail or title}
        if errors:
            body["errors"] = errors
        return Response(body, status_code=status_code, media_type=MediaType.JSON)
    template = request.app.template_engine.get_template("errors/error.html")
    html = template.render(
        request=request,
        status_code=status_code,
        title=title,
        message=detail if detail and status_code != 404 else PAGE_MESSAGES.get(status_code, ""),
    )
    return Response(html, status_code=status_code, media_type=MediaType.HTML)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 401 and not wants_json(request):
        return Redirect(f"/sign-in?{urlencode({'next': request.url.path})}", status_code=303)
    if exc.status_code == 403 and "CSRF" in str(exc.detail):
        return error_response(request, 403, "This form has expired or did not come from this service. Go back, refresh the page and try again.")
    errors = None
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        errors = exc.extra
    detail = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
    if isinstance(exc.__cause__, SerializationException):
        detail = f"The request body is malformed: {exc.detail}"
    response = error_response(request, exc.status_code, detail, errors)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def unstorable_value_handler(request: Request, exc: Exception) -> Response:
    """A value no database column can hold (an id past the integer range, a NUL character): nothing
    can be found by it, and nothing can be saved with it."""
    logger.info("unstorable value on %s %s: %s", request.method, request.url.path, exc)
    if request.method in ("GET", "HEAD"):
        return error_response(request, 404)
    return error_response(request, 400, "The request contains a number too large or a character that cannot be stored. Check what you typed and try again.")


def unexpected_exception_handler(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR)


EXCEPTION_HANDLERS = {
    HTTPException: http_exception_handler,
    DataError: unstorable_value_handler,  # PostgreSQL
    OverflowError: unstorable_value_handler,  # SQLite: an integer past 64 bits
    Exception: unexpected_exception_handler,
}
