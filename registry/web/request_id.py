"""A request id on every request: in the audit log's events, in every log line written while the
request is served, and in the X-Request-Id response header; and one access log line per request.
It wraps the whole app (registry.app), so that unknown addresses are logged too. Path parameters
that are secrets (one-time links' tokens, private calendar feeds) are logged as [secret]."""

import os
import random
import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.logs import access, current_request_id

SECRET_PATH_PARAMETERS = ("token", "feed")

# A request id tells one request's lines and events from another's; nothing depends on its being
# unguessable, so it comes from a generator seeded from the system's randomness once per process
# (again in a forked child), not from a system call per request (secrets.token_hex: 4% of a health
# check served, measured with py-spy).
_ids = random.Random()
os.register_at_fork(after_in_child=lambda: _ids.seed())


def new_request_id() -> str:
    return f"{_ids.getrandbits(64):016x}"


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        encoded_id = request_id.encode()
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", encoded_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            path = loggable_path(scope)
            access.info(
                "%s %s %s %.1f ms", scope["method"], path, status, duration_ms,
                extra={"method": scope["method"], "path": path, "status": status, "duration_ms": duration_ms},
            )
            current_request_id.reset(token)


def loggable_path(scope: Scope) -> str:
    parameters = scope.get("path_params") or {}
    secrets_in_path = {str(parameters[name]) for name in SECRET_PATH_PARAMETERS if name in parameters}
    if not secrets_in_path:
        return scope["path"]
    return "/".join("[secret]" if segment in secrets_in_path else segment for segment in scope["path"].split("/"))
