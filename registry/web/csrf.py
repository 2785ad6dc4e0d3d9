from litestar.config.csrf import CSRFConfig
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.base import DefineMiddleware
from litestar.types import Receive, Scope, Send

from registry.settings import Settings

CSRF_COOKIE = "registry_csrf"


class SessionCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check for every state-changing request made with cookies. A script calling
    the API with a Bearer token and no cookies carries no ambient credentials to forge."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        bearer = headers.get(b"authorization", b"").lower().startswith(b"bearer ")
        if scope["type"] == "http" and bearer and b"cookie" not in headers:
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
