"""Security headers on every response; pages for signed-in users are never cached."""

import base64
import hashlib
import re
from importlib.resources import files

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def _govuk_inline_script_hash() -> str:
    # GOV.UK Frontend's page template has one small inline script (it marks the body as js-enabled).
    # The CSP allows exactly that script by its hash, and no other inline script.
    template = (files("govuk_frontend_jinja") / "templates" / "template.html").read_text(encoding="utf-8")
    script = re.search(r"<script[^>]*>(.*?)</script>", template, re.S).group(1)
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' '{_govuk_inline_script_hash()}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
STATIC_PREFIXES = ("/static/", "/assets/")
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"  # production only: development serves plain http locally


class SecurityHeadersMiddleware:
    """Wraps the whole app (registry.app), so that answers for unknown addresses and wrong methods,
    which no route's middleware sees, have the headers too."""

    def __init__(self, app: ASGIApp, *, https_only: bool = False) -> None:
        self.app = app
        self.headers = {**HEADERS, "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY} if https_only else HEADERS
        # Encoded once: no response sets these itself, so they are appended, not looked for first.
        self.encoded = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in self.headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope["path"].startswith(STATIC_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self.encoded]
                if not is_static and (scope.get("user") is not None or scope["path"].startswith(("/sign-in", "/register", "/password-reset", "/account", "/admin"))):
                    MutableScopeHeaders.from_message(message)["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
