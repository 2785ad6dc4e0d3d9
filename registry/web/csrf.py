from litestar.config.csrf import CSRFConfig
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.base import DefineMiddleware
from litestar.types import Receive, Scope, Send

from registry.settings import Settings

CSRF_COOKIE = "registry_csrf"


class SessionCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check for every state-changing request made with cookies. A request with a
    Bearer token is signed in by the token alone (its cookies are ignored: see accounts.auth), which
    another site cannot make a browser send; an API request without cookies carries no ambient
    credentials to forge either (it gets the API's 401)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        bearer = headers.get(b"authorization", b"").lower().startswith(b"bearer ")
        cookieless_api = scope["type"] == "http" and scope["path"].startswith("/api/") and b"cookie" not in headers
        if scope["type"] == "http" and (bearer or cookieless_api):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def csrf_middleware(settings: Settings) -> DefineMiddleware:
    config = CSRFConfig(
        secret=settings.secret_key,
        cookie_name=CSRF_COOKIE,
        cookie_secure=settings.is_production,
        cookie_samesite="lax",
        cookie_httponly=True,
        exclude=["^/_test/"],
    )
    return DefineMiddleware(SessionCSRFMiddleware, config=config)
