"""One exception handler: HTML error pages for browsers, JSON for API clients. No stack trace ever
reaches a user; unexpected errors are logged with the request id. When the database (or the disk)
is away – unreachable, too slow, read-only or full – the answer is 503 with Retry-After, saying
whether what was sent was saved (registry.db.faults)."""

import logging
import sqlite3
from http import HTTPStatus

from urllib.parse import urlencode, urlsplit

import asyncpg.exceptions
from asyncpg.exceptions import DataError
from litestar import MediaType, Request, Response
from litestar.response import Redirect
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from registry import db
from registry.errors import Invalid, Missing, Refused, RuleBroken
from registry.web import api

logger = logging.getLogger("registry.errors")

PAGE_TITLES = {
    400: "There is a problem with your request",
    401: "You need to sign in",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "You cannot do that here",
    413: "The file is too big",
    422: "There is a problem",
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


def malformed_body_handler(request: Request, exc: SerializationException) -> Response:
    """A body that cannot be decoded (registry.web.bodies), read by a handler itself rather than as its `data`."""
    return error_response(request, 400, f"The request body is malformed: {exc}")


def unstorable_value_handler(request: Request, exc: Exception) -> Response:
    """A value no database column can hold (an id past the integer range, a NUL character): nothing
    can be found by it, and nothing can be saved with it."""
    logger.info("unstorable value on %s %s: %s", request.method, request.url.path, exc)
    if request.method in ("GET", "HEAD"):
        return error_response(request, 404)
    return error_response(request, 400, "The request contains a number too large or a character that cannot be stored. Check what you typed and try again.")


def missing_handler(request: Request, exc: Missing) -> Response:
    """A service found nothing by what was asked for (or nothing this user may know of): 404."""
    return error_response(request, 404, str(exc) or None)


def rule_broken_handler(request: Request, exc: RuleBroken) -> Response:
    """A rule a service found broken that its page did not show on a form: the API names the field,
    or each field (Invalid), with its message (422); a page says what to do, with the way back to
    the form it came from."""
    message = exc.explain(request.app.state["settings"].zone)
    if wants_json(request):
        problems = exc.problems if isinstance(exc, Invalid) else {exc.field: message}
        errors = [{"key": None if field == "__all__" else field, "message": said, "source": "body"} for field, said in problems.items()]
        return error_response(request, 422, "Check the fields named in errors", errors)
    return error_response(request, 422, message)


def refused_handler(request: Request, exc: Refused) -> Response:
    """A service's refusal that its controller left alone: 403, and recorded in the audit log as any
    other refusal (web.api.refusals) once the answer has gone (Litestar's handlers are not awaited)."""
    user = request.scope.get("user")
    if user is None:  # signing in might help: 401 for the API, the sign-in page for a browser
        return http_exception_handler(request, NotAuthorizedException("Sign in to continue"))
    response = error_response(request, 403, str(exc) or None)
    response.background = BackgroundTask(_record_refusal, request, user, str(exc))
    return response


async def _record_refusal(request: Request, user: object, reason: str) -> None:
    try:
        await api.refusals.run(request, user, reason)
    except PermissionDeniedException:  # the recorder refuses as it records; the answer is already 403
        pass


RETRY_AFTER_SECONDS = {db.Outage.BUSY: 5}
RETRY_AFTER_DEFAULT = 30
READS = ("GET", "HEAD", "OPTIONS")
NOT_SAVED = "What you sent was not saved. Nothing you had saved before has been lost. Try again in a few minutes."
MAYBE_SAVED = "We cannot tell whether what you sent was saved. Before you send it again, check whether it was"
NOTHING_CHANGED = "Try again in a few minutes. Nothing you have saved has been lost."


def saved_in_words(method: str) -> tuple[bool | None, str]:
    """Whether this request saved anything (None: perhaps), and that in words for the page."""
    if method in READS:
        return False, NOTHING_CHANGED
    writes = db.writes()
    saved = writes.saved if writes is not None else None
    return saved, NOT_SAVED if saved is False else MAYBE_SAVED


def came_from(request: Request) -> str | None:
    """The page of this service that the request was sent from (its form), for "check it there"."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


def unavailable_response(request: Request, outage: "db.Outage | None" = None) -> Response:
    """503, with Retry-After, saying whether what was sent was saved."""
    saved, message = saved_in_words(request.method)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS.get(outage, RETRY_AFTER_DEFAULT))}
    title = PAGE_TITLES[503]
    if wants_json(request):
        body = {"status_code": 503, "detail": f"{title}. {message.rstrip('.')}.", "saved": saved}  # saved: null when it cannot be told
        return Response(body, status_code=503, media_type=MediaType.JSON, headers=headers)
    html = request.app.template_engine.get_template("errors/unavailable.html").render(
        request=request, title=title, message=message, saved=saved, check=came_from(request) if saved is None else None,
    )
    return Response(html, status_code=503, media_type=MediaType.HTML, headers=headers)


def unavailable_handler(request: Request, exc: Exception) -> Response:
    """A database or disk error: 503 when it means an outage, the standard 500 otherwise."""
    outage = db.outage(exc)
    if outage is None:
        return unexpected_exception_handler(request, exc)
    logger.warning("unavailable (%s) on %s %s: %s: %s", outage, request.method, request.url.path, type(exc).__name__, exc)
    return unavailable_response(request, outage)


def unexpected_exception_handler(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR)


EXCEPTION_HANDLERS = {
    HTTPException: http_exception_handler,
    Refused: refused_handler,  # before OSError: a refusal is a PermissionError
    Missing: missing_handler,
    RuleBroken: rule_broken_handler,
    SerializationException: malformed_body_handler,
    DataError: unstorable_value_handler,  # PostgreSQL
    OverflowError: unstorable_value_handler,  # SQLite: an integer past 64 bits
    # The database or the disk away (db.outage says which of these errors mean that): 503.
    asyncpg.exceptions.PostgresError: unavailable_handler,
    asyncpg.exceptions.InterfaceError: unavailable_handler,
    asyncpg.exceptions.InternalClientError: unavailable_handler,
    sqlite3.Error: unavailable_handler,
    OSError: unavailable_handler,  # a timeout, a refused connection, a full or read-only disk
    Exception: unexpected_exception_handler,
}
