"""Request bodies as the app reads them. A JSON body is decoded by msgspec, which goes one level of
the interpreter's stack deeper for each level of nesting: a body nested past the recursion limit
(about a thousand levels; nothing the API takes needs more than three) raised RecursionError, a
server error. Such a body is malformed, and is answered so (400), as any other (registry.web.errors)."""

from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException

NESTED_TOO_DEEPLY = "it is nested too deeply (arrays or objects inside each other hundreds of levels down)"


class BodyRequest(Request):
    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise SerializationException(NESTED_TOO_DEEPLY) from None

    async def msgpack(self) -> Any:
        try:
            return await super().msgpack()
        except RecursionError:
            raise SerializationException(NESTED_TOO_DEEPLY) from None
