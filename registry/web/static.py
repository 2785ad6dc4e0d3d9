"""The stylesheets, scripts, fonts and images: GOV.UK Frontend's precompiled dist (installed by npm,
never committed) under /static/govuk/ and /assets/, and our own under /static/app/.

Pages name each file by its content (`asset_url`, the templates' `asset()`): `govuk-frontend.min.css`
is linked as `govuk-frontend.min.<hash>.css`, whose content never changes, so a browser (and any
cache on the way) keeps it for a year without asking again (`immutable`). A deployment that changes
a file changes its name. The stylesheets' own `url(/assets/…)` references and our scripts' imports of
/static/… are rewritten to the hashed names too, so that the fonts and images they use are kept as
long. The plain names are still served (a page from before a deployment, a bookmark) and kept for an
hour, then revalidated by their ETag; a hashed name whose hash is not the file's current one (a page
from an earlier deployment) is redirected to the current name.

A file is read from the disk once, the first time it is asked for, and kept in memory with its
brotli and gzip forms (made once, when first asked for). The files are served before the
application's own layers (sessions, the signed-in user, CSRF, compression: registry.app), none of
which a file needs: a file's answer carries no cookie. The request id, the access log and the
security headers still apply.
"""

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import brotli
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.settings import Settings

OWN_STATIC_DIR = Path(__file__).parent / "static"
# A hashed name's content never changes: kept a year, never revalidated (RFC 8246).
FOR_EVER = b"public, max-age=31536000, immutable"
# A plain name's content changes with a deployment: kept an hour, then revalidated by its ETag.
FOR_AN_HOUR = b"public, max-age=3600"
HASH_LENGTH = 12  # hex digits of the content's SHA-256 in a hashed name
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{%d})(?P<suffix>\.[A-Za-z0-9]+)$" % HASH_LENGTH)
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json", "image/svg+xml")
MIN_COMPRESSED_SIZE = 1024  # as the app's compression: under 1 kB is not worth it
CSS_URL = re.compile(r"url\((?P<quote>['\"]?)(?P<path>/(?:assets|static)/[^'\")?#]+)(?P=quote)\)")
MODULE_IMPORT = re.compile(r"(?P<before>\bfrom\s+|\bimport\s+|\bimport\()(?P<quote>['\"])(?P<path>/static/[^'\"?#]+)(?P=quote)")


class AssetsMissing(RuntimeError):
    pass


@dataclass
class Asset:
    body: bytes
    media_type: str
    digest: str  # the first HASH_LENGTH hex digits of the body's SHA-256
    encoded: dict[str, bytes] = field(default_factory=dict)  # "br" and "gzip", once asked for

    @property
    def etag(self) -> bytes:
        return f'"{self.digest}"'.encode()

    @property
    def compressible(self) -> bool:
        return len(self.body) >= MIN_COMPRESSED_SIZE and self.media_type.startswith(COMPRESSIBLE)

    def body_in(self, encoding: str) -> bytes:
        if encoding not in self.encoded:
            self.encoded[encoding] = brotli.compress(self.body, quality=11) if encoding == "br" else gzip.compress(self.body, 9, mtime=0)
        return self.encoded[encoding]


class Assets:
    """The served files by address (/static/govuk/…, /static/app/…, /assets/…), read once each."""

    def __init__(self, roots: dict[str, Path]) -> None:
        self.roots = {prefix: root.resolve() for prefix, root in roots.items()}
        self._files: dict[str, Asset] = {}

    def file(self, path: str) -> Asset | None:
        """The file served at `path` (a plain name), or None if there is none. Only files are kept:
        a client asking for any number of addresses where there is none must not fill the memory."""
        asset = self._files.get(path)
        if asset is None:
            asset = self._read(path)
            if asset is not None:
                self._files[path] = asset
        return asset

    def url(self, path: str) -> str:
        """The address of the file at `path` named by its content; `path` itself if no file is there."""
        asset = self.file(path)
        if asset is None:
            return path
        stem, dot, suffix = path.rpartition(".")
        if not dot or "/" in suffix:
            return f"{path}.{asset.digest}"
        return f"{stem}.{asset.digest}.{suffix}"

    def _read(self, path: str) -> Asset | None:
        for prefix, root in self.roots.items():
            if path.startswith(prefix):
                candidate = (root / path[len(prefix):]).resolve()
                if candidate.is_relative_to(root) and candidate.is_file() and not candidate.name.startswith("."):
                    return self._asset(candidate)
                return None
        return None

    def _asset(self, file: Path) -> Asset:
        media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if file.suffix == ".mjs":
            media_type = "text/javascript"
        body = file.read_bytes()
        if media_type == "text/css":
            body = self._rewritten(body, CSS_URL, lambda m: f"url({m['quote']}{self.url(m['path'])}{m['quote']})")
        elif media_type == "text/javascript" and file.is_relative_to(self.roots.get("/static/app/", OWN_STATIC_DIR)):
            body = self._rewritten(body, MODULE_IMPORT, lambda m: f"{m['before']}{m['quote']}{self.url(m['path'])}{m['quote']}")
        if media_type.startswith("text/") or media_type in ("application/javascript", "image/svg+xml"):
            media_type += "; charset=utf-8"
        return Asset(body=body, media_type=media_type, digest=hashlib.sha256(body).hexdigest()[:HASH_LENGTH])

    @staticmethod
    def _rewritten(body: bytes, pattern: re.Pattern, replacement) -> bytes:
        return pattern.sub(replacement, body.decode("utf-8")).encode("utf-8")


def roots(settings: Settings) -> dict[str, Path]:
    govuk = settings.assets_dir
    if not (govuk / "govuk-frontend.min.css").is_file():
        raise AssetsMissing(
            f"GOV.UK Frontend is not installed at {govuk} (REGISTRY_ASSETS_DIR); run `npm ci` or `make run`"
        )
    return {"/static/govuk/": govuk, "/static/app/": OWN_STATIC_DIR, "/assets/": govuk / "assets"}


_current: Assets | None = None


def serving(settings: Settings) -> Assets:
    """The files the app serves; the templates' `asset()` names them (asset_url). One set per process
    and folder (the test suite builds hundreds of apps), as the templates' environment is."""
    global _current
    _current = _assets_in(tuple(roots(settings).items()))
    return _current


@cache
def _assets_in(folders: tuple[tuple[str, Path], ...]) -> Assets:
    return Assets(dict(folders))


def asset_url(path: str) -> str:
    """The address of a served file named by its content, e.g. asset_url("/static/app/registry.css")
    is "/static/app/registry.<hash>.css": the one way templates refer to a file."""
    if _current is None:
        return path
    return _current.url(path)


class StaticFiles:
    """Answers GET and HEAD for the served files; hands every other request (and any address under
    /static/ or /assets/ that names no file) to the app, which answers it as it answers any other."""

    def __init__(self, app: ASGIApp, assets: Assets) -> None:
        self.app = app
        self.assets = assets
        self.prefixes = tuple(assets.roots)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        asset, cache_control = self.assets.file(path), FOR_AN_HOUR
        if asset is None and (hashed := HASHED_NAME.match(path)):
            plain = hashed["stem"] + hashed["suffix"]
            asset, cache_control = self.assets.file(plain), FOR_EVER
            if asset is not None and asset.digest != hashed["hash"]:
                await self._redirect(send, self.assets.url(plain))
                return
        if asset is None:
            await self.app(scope, receive, send)
            return
        headers = [(b"cache-control", cache_control), (b"etag", asset.etag), (b"content-type", asset.media_type.encode())]
        request_headers = dict(scope["headers"])
        if asset.etag in request_headers.get(b"if-none-match", b"").replace(b"W/", b"").split(b", "):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = asset.body
        if asset.compressible:
            headers.append((b"vary", b"Accept-Encoding"))
            encoding = _chosen_encoding(request_headers.get(b"accept-encoding", b""))
            if encoding:
                body = asset.body_in(encoding)
                headers.append((b"content-encoding", encoding.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    @staticmethod
    async def _redirect(send: Send, location: str) -> None:
        headers = [(b"location", location.encode()), (b"cache-control", FOR_AN_HOUR), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 302, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _chosen_encoding(accepted: bytes) -> str | None:
    """brotli where the browser takes it, gzip otherwise, as the app's compression chooses; not a
    coding the browser refuses with q=0 (RFC 9110 §12.5.3)."""
    codings = set()
    for part in accepted.lower().split(b","):
        coding, _, parameters = part.partition(b";")
        if _quality(parameters) > 0:
            codings.add(coding.strip())
    if b"br" in codings:
        return "br"
    if b"gzip" in codings:
        return "gzip"
    return None


def _quality(parameters: bytes) -> float:
    name, _, value = parameters.strip().partition(b"=")
    if name.strip() != b"q":
        return 1.0
    try:
        return float(value)
    except ValueError:
        return 0.0
