"""HEAD answered like GET (RFC 9110 §9.3.2: the same status and headers, and no body), for every
page, download and API answer. Litestar routes a HEAD request only to handlers declared for HEAD,
and refuses the rest with 405; this hands a HEAD request to the GET handler of its address and
sends on everything that handler answers except the body."""

from litestar.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # The scope itself, not a copy: the middleware around this one reads what the app adds to it
        # (the signed-in user), and, once answered, sees the request's own method again (the access log).
        scope["method"] = "GET"
        try:
            await self.app(scope, receive, without_body)
        finally:
            scope["method"] = "HEAD"
