"""Around each request: a record of what its transactions committed, so that an answer given when
the database fails (registry.web.errors) can say whether anything was saved; and the service's own
503 page for a request cut off unanswered – the server stopping at the end of its grace period
(REGISTRY_SHUTDOWN_GRACE_SECONDS) cancels what is still running – instead of the server's plain
"Internal Server Error"."""

import asyncio
import logging

from litestar import Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry import db
from registry.web.errors import unavailable_response

logger = logging.getLogger("registry.errors")


class OutageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with db.recording_writes():
            try:
                await self.app(scope, receive, sending)
            except asyncio.CancelledError:
                if not started:
                    logger.warning("%s %s cut off unanswered: answered 503", scope["method"], scope["path"])
                    request = Request(scope, receive)
                    await unavailable_response(request).to_asgi_response(app=None, request=request)(scope, receive, send)
                raise
