"""The time of receipt of every request: the moment its body had fully reached the service, taken
once, before the request waits for anything (a session, a database lock, another request's write),
and handed to the services as `clock.received()`.

It wraps the whole app (registry.app), outermost, so that nothing runs before it. A request with a
body has it read here, up to the app's limit on body size, and replayed to the app as it came; a
larger one is handed on as it streams (the app refuses it), its time of receipt taken when the app
reads its last part."""

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry import clock

BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


class TimeOfReceiptMiddleware:
    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODYLESS:  # reads: now is their time
            await self.app(scope, receive, send)
            return
        received, complete = await self._read_body(scope, receive)
        if not complete:  # over the limit: the app refuses it, so it needs no time of receipt
            await self.app(scope, _replay(received, receive), send)
            return
        with clock.receiving(clock.now()):
            await self.app(scope, _replay(received, receive), send)

    async def _read_body(self, scope: Scope, receive: Receive) -> tuple[list[Message], bool]:
        """The request's messages up to the end of its body (complete), or up to the size limit."""
        if _declared_length(scope) > self.max_body_size:
            return [], False
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # the client went away: the app sees it
                return messages, True
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                return messages, True
            if size > self.max_body_size:
                return messages, False


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
