"""The client's address: the one reading of it, for throttling failed sign-ins and for the audit log.

By default it is the address the connection comes from. Behind a reverse proxy that is the proxy's
own address, the same for every client; with REGISTRY_TRUST_FORWARDED_FOR on, a request that comes
from one of REGISTRY_TRUSTED_PROXIES is taken to be from the rightmost address in its
X-Forwarded-For that is not a trusted proxy: the leftmost entries are whatever the client chose to
send, only the ones the proxies appended can be believed."""

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from litestar.connection import ASGIConnection

UNKNOWN = "unknown"
MAX_LENGTH = 64  # as SignInAttempt.remote_address stores it


@lru_cache(maxsize=16)
def _networks(proxies: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted(address: str, proxies: tuple[str, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in _networks(proxies))


def forwarded_for(headers: list[tuple[bytes, bytes]]) -> list[str]:
    """Every X-Forwarded-For entry, in order, over however many such headers the request has."""
    entries = []
    for name, value in headers:
        if name.lower() == b"x-forwarded-for":
            entries += [entry.strip() for entry in value.decode("latin-1").split(",") if entry.strip()]
    return entries


def address_of(peer: str | None, headers: list[tuple[bytes, bytes]], *, trust_forwarded_for: bool, trusted_proxies: tuple[str, ...]) -> str:
    if not peer:
        return UNKNOWN
    if not trust_forwarded_for or not _is_trusted(peer, trusted_proxies):
        return peer[:MAX_LENGTH]
    chain = forwarded_for(headers)
    for address in reversed(chain):
        if not _is_trusted(address, trusted_proxies):
            return address[:MAX_LENGTH]
    return (chain[0] if chain else peer)[:MAX_LENGTH]  # every hop a trusted proxy: the first of them


def client_address(connection: ASGIConnection) -> str:
    """Where this request comes from, as the settings say to read it."""
    settings = connection.app.state.get("settings")
    client = connection.scope.get("client")
    return address_of(
        client[0] if client else None,
        connection.scope.get("headers") or [],
        trust_forwarded_for=bool(settings and settings.trust_forwarded_for),
        trusted_proxies=tuple(settings.trusted_proxies) if settings else (),
    )
