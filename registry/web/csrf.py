from litestar.config.csrf import CSRFConfig
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.base import DefineMiddleware
from litestar.types import HTTPSendMessage, Receive, Scope, Send

from registry.web.bearer import bearer_token
from registry.settings import Settings

CSRF_COOKIE = "registry_csrf"
# Answers that need no CSRF token: the health checks have no form, and a load balancer asking every
# few seconds would get a fresh cookie each time. (Static files are served before any of this:
# registry.web.static.)
WITHOUT_FORMS = ["^/healthz$", "^/readyz$"]


def csrf_cookie_name(*, production: bool) -> str:
    """In production the `__Host-` prefix: browsers then keep the cookie only if it is Secure, for
    Path=/ and without a Domain, so no other host (a sibling subdomain) can set or replace it."""
    return f"__Host-{CSRF_COOKIE}" if production else CSRF_COOKIE


class SessionCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check for every state-changing request made with cookies. A request with a
    Bearer token is signed in by the token alone (its cookies are ignored: see accounts.auth), which
    another site cannot make a browser send; an API request without cookies carries no ambient
    credentials to forge either (it gets the API's 401)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        bearer = scope["type"] == "http" and bearer_token(scope) is not None  # as CurrentUserMiddleware reads it
        cookieless_api = scope["type"] == "http" and scope["path"].startswith("/api/") and b"cookie" not in headers
        if scope["type"] == "http" and (bearer or cookieless_api):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def _set_cookie_if_needed(self, message: HTTPSendMessage, token: str) -> None:
        """The cookie as Litestar's `Cookie.to_header` writes it for csrf_middleware's settings (HttpOnly,
        no Domain), without building a Cookie on every page."""
        config = self.config
        cookie = f"{config.cookie_name}={token}; HttpOnly; Path={config.cookie_path}; SameSite={config.cookie_samesite}" + ("; Secure" if config.cookie_secure else "")
        message["headers"] = [*message.get("headers", ()), (b"set-cookie", cookie.encode("latin-1"))]


def csrf_middleware(settings: Settings) -> DefineMiddleware:
    config = CSRFConfig(
        secret=settings.secret_key,
        cookie_name=csrf_cookie_name(production=settings.is_production),
        cookie_path="/",
        cookie_secure=settings.is_production,
        cookie_samesite="lax",
        cookie_httponly=True,
        exclude=["^/_test/", *WITHOUT_FORMS],
    )
    return DefineMiddleware(SessionCSRFMiddleware, config=config)
