"""The HTTP protocol `registry serve` speaks: uvicorn's (httptools), with a deadline for each
request's headers and for each part of its body, so that a slow or stalled client cannot hold a
connection open for ever (uvicorn itself only closes a connection idle between requests).

A client that has not sent a request's headers within REGISTRY_HEADER_TIMEOUT_SECONDS of starting
it is answered 408 and disconnected (one that sends nothing for as long after connecting is just
disconnected); so is one whose body stops arriving for
REGISTRY_BODY_TIMEOUT_SECONDS. A body whose reading the server itself has paused (the app is busy
with what it has) is not timed. A request line and headers over MAX_HEAD_BYTES are refused (400),
as h11 would (uvicorn's httptools protocol has no limit of its own). In production a reverse proxy in front does this too
(docs/operations.md); this is the embedded server's own guard."""

import asyncio
from functools import cache

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from registry.settings import Settings

MAX_HEAD_BYTES = 64 * 1024  # the request line and headers together


@cache
def _timeouts() -> tuple[float, float]:
    """(headers, body) seconds, read once in each worker process from its environment."""
    settings = Settings()
    return settings.header_timeout_seconds, settings.body_timeout_seconds


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout, self.body_timeout = _timeouts()
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._expect("first byte", self.header_timeout)

    def connection_lost(self, exc) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._expect("headers", self.header_timeout)

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value))
        super().on_header(name, value)

    def _count_head(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:  # the parser's error: uvicorn answers 400 and closes
            raise httptools.HttpParserError(f"the request's headers are over {MAX_HEAD_BYTES} bytes")

    def on_headers_complete(self) -> None:
        self._cancel_deadline()
        super().on_headers_complete()
        self._expect("body", self.body_timeout)  # until the message completes (at once when it has none)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._expect("body", self.body_timeout)

    def on_message_complete(self) -> None:
        self._cancel_deadline()
        super().on_message_complete()

    def _expect(self, what: str, seconds: float) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(seconds, self._too_slow, what, seconds)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, what: str, seconds: float) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if what == "body" and self.flow.read_paused:  # waiting for the app, not for the client
            self._expect(what, seconds)
            return
        self.logger.info("closing a connection whose request %s did not arrive within %s s", what, seconds)
        # A connection that never began a request is closed without a word: a client that opened it
        # ahead of need would otherwise read the 408 as the answer to the request it sends later.
        if what != "first byte" and (self.cycle is None or not self.cycle.response_started):
            message = f"The request's {what} did not arrive in time.".encode()
            self.transport.write(
                STATUS_LINE[408]
                + b"content-type: text/plain; charset=utf-8\r\ncontent-length: " + str(len(message)).encode() + b"\r\n"
                + b"connection: close\r\n\r\n" + message
            )
        self.transport.close()
