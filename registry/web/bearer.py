"""The request's API token, read from its Authorization header: by the sign-in middleware
(registry.accounts.auth) and by the CSRF check (registry.web.csrf) alike."""

from litestar.exceptions import ValidationException
from litestar.types import Scope


def bearer_token(scope: Scope) -> str | None:
    """The request's API token, if its Authorization header is a Bearer one. The one reading of the
    header, for signing in and for the CSRF check alike; a request with more than one gets 400, so
    that no two readers can ever disagree about which one counts."""
    values = [value for name, value in scope.get("headers") or [] if name == b"authorization"]
    if len(values) > 1:
        message = "Send one Authorization header, not several"
        raise ValidationException(detail=message, status_code=400, extra=[{"key": "Authorization", "message": message, "source": "header"}])
    if not values:
        return None
    scheme, _, token = values[0].decode("latin-1").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None
