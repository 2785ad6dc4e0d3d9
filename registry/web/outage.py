"""Around each request: a record of what its transactions committed, so that an answer given when
the database fails (registry.web.errors) can say whether anything was saved."""

from litestar.types import ASGIApp, Receive, Scope, Send

from registry import db


class OutageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with db.recording_writes():
            await self.app(scope, receive, send)
