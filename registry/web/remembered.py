"""Public pages as a visitor who is not signed in reads them: the same for everyone, so rendered once
for each state of the database and kept until the database changes or the moment the page's words
depend on comes (a deadline passing turns "open" into "closed" with no write to the database).

A handler opts in by returning `visitors_copy(request, build)`, where `build` renders the page (a
Template or Response) or says as well until when it holds (`Rendered`). Signed-in users' pages (their
own navigation, their own organisation's status) are not the visitors' copy, unless the page is the
same for everyone (`everyone=True`: open data files, calendars); a page a user comes back to may keep
a copy of its own (`users_copy`), when its build says until when it holds. A page built from no data at all
(`from_data=False`: the start page, the accessibility statement) is built once. The database's change token (registry.db.changes) is
read before the page's data; a page that would give a visitor a form token or a cookie, or anything
but 200, is not kept."""

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from litestar import Request, Response
from litestar.utils.scope.state import ScopeState
from litestar.response import Template

from registry import clock, db
from registry.db import changes

PAGES_KEPT = 512  # per database: addresses with their query strings, least recently read forgotten first
USERS_PAGES_KEPT = 1024  # per database: signed-in users' own copies (users_copy), least recently read forgotten first
BYTES_KEPT = 64 * 1024 * 1024  # per database, in all
LARGEST = 4 * 1024 * 1024  # bytes: a page larger than this is built each time
FORM_TOKEN = b'name="_csrf_token"'  # Litestar's csrf_input: a visitor's own token is never kept


@dataclass(frozen=True)
class Rendered:
    response: Template | Response
    until: datetime | None = None  # when the page would read differently with the data unchanged, counted from clock.received()
    kept: bool = True  # False: it depends on the clock too finely to keep (e.g. "closing within 14 days")


@dataclass(frozen=True)
class _Kept:
    token: Hashable
    since: datetime  # the moment it was built for: a clock set back (a test's, a demo's) does not read it
    until: datetime | None
    body: bytes
    headers: tuple[tuple[str, str], ...]


class _Pages(OrderedDict):
    """Kept pages by address, least recently read first, and the size of their bodies together."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.size = limit, 0
        self.building: dict[tuple, tuple[Hashable, asyncio.Future]] = {}  # by address: the token it is being built for, and the copy to come
        self.unkept: OrderedDict[tuple, None] = OrderedDict()  # addresses whose last build was not kept: nothing to wait for

    def note(self, address: tuple, kept: _Kept | None) -> None:
        """Whether the address's last build was kept: a request for one that was not (a page that reads
        the clock too finely, an error, one too large) builds its own at once, without waiting for another's."""
        if kept is not None:
            self.unkept.pop(address, None)
            return
        self.unkept[address] = None
        self.unkept.move_to_end(address)
        while len(self.unkept) > self.limit:
            self.unkept.popitem(last=False)

    def keep(self, address: tuple, kept: _Kept) -> None:
        self.forget(address)
        self[address], self.size = kept, self.size + len(kept.body)
        while len(self) > self.limit or self.size > BYTES_KEPT:
            self.size -= len(self.popitem(last=False)[1].body)

    def forget(self, address: tuple) -> None:
        if (kept := self.pop(address, None)) is not None:
            self.size -= len(kept.body)


_kept: "WeakKeyDictionary[object, _Pages]" = WeakKeyDictionary()  # by engine: addresses with their query strings
_users_kept: "WeakKeyDictionary[object, _Pages]" = WeakKeyDictionary()  # by engine: the user, their browser's form token and the address


Build = Callable[[], Awaitable[Rendered | Template | Response]]


async def visitors_copy(request: Request, build: Build, *, everyone: bool = False, from_data: bool = True) -> Template | Response:
    if (request.scope.get("user") is not None and not everyone) or request.method != "GET":
        return _rendered(await build()).response
    engine = db.current()
    address = (request.scope["path"], request.scope.get("query_string", b""))
    token = await changes.token(engine) if from_data else None
    return await _kept_or_built(request, _kept.setdefault(engine, _Pages(PAGES_KEPT)), address, token, build, with_form_token=False)


async def users_copy(request: Request, build: Build) -> Template | Response:
    """A signed-in user's own copy of a page they come back to (the moderation sheet, a bidder's
    tender, a list of their engagements), kept as a visitor's is: while the database is unchanged and
    until the page's next key date, which `build` must give (`Rendered.until`; a page without one is
    not kept). It is given
    only to the same user in the same browser: the address includes the browser's CSRF cookie, which
    is the form token the page carries (Litestar's csrf_input), so a kept form stays valid; a browser
    without the cookie yet gets a new token, and its page is built. Guards have run before: a user who
    may no longer see the page is refused before any copy is looked at, and the user as this request
    read them (roles, organisation) is part of the address. A page whose every reading is recorded (another
    organisation's tender: registry.tenders.sealing) must be built every time, never kept."""
    user = request.scope.get("user")
    form_token = ScopeState.from_scope(request.scope).csrf_token
    if user is None or request.method != "GET" or not isinstance(form_token, str) or form_token not in request.cookies.values():
        return _rendered(await build()).response
    engine = db.current()
    # The whole user, not their id: the user is read before the change token, so a change to their
    # roles or organisation committed in between must make another address, not a copy that outlives it.
    address = (user, form_token, request.scope["path"], request.scope.get("query_string", b""))
    token = await changes.token(engine)
    return await _kept_or_built(request, _users_kept.setdefault(engine, _Pages(USERS_PAGES_KEPT)), address, token, build, with_form_token=True)


async def _kept_or_built(request: Request, pages: _Pages, address: tuple, token: Hashable, build: Build, *, with_form_token: bool) -> Template | Response:
    """The page kept at `address` for this token and moment, or the page built (and kept, if it may be).
    While it is being built for this token, other requests for it wait for that build rather than
    each building it too (after a commit, every request for a busy page would)."""
    now = clock.now()
    kept = pages.get(address)
    if not _holds(kept, token, now) and (building := pages.building.get(address)) is not None and building[0] == token:
        kept = await asyncio.shield(building[1])  # None: it was not kept, and this request builds its own
    if _holds(kept, token, now):
        if address in pages:
            pages.move_to_end(address)
        return Response(kept.body, headers=dict(kept.headers))
    if address in pages.unkept:
        response, _ = await _noted(request, pages, address, token, build, now, with_form_token=with_form_token)
        return response
    built: asyncio.Future[_Kept | None] = asyncio.get_running_loop().create_future()
    pages.building[address] = (token, built)
    try:
        response, kept = await _noted(request, pages, address, token, build, now, with_form_token=with_form_token)
        built.set_result(kept)  # to those waiting for it
        return response
    finally:
        if pages.building.get(address) == (token, built):
            del pages.building[address]
        if not built.done():
            built.set_result(None)


async def _noted(
    request: Request, pages: _Pages, address: tuple, token: Hashable, build: Build, now: datetime, *, with_form_token: bool,
) -> tuple[Template | Response, _Kept | None]:
    """The page built, and the copy kept of it, noting whether there was one."""
    try:
        response, kept = await _build(request, pages, address, token, build, now, with_form_token=with_form_token)
    except Exception:
        pages.note(address, None)
        raise
    pages.note(address, kept)
    return response, kept


def _holds(kept: _Kept | None, token: Hashable, now: datetime) -> bool:
    return kept is not None and kept.token == token and kept.since <= now and (kept.until is None or now < kept.until)


async def _build(
    request: Request, pages: _Pages, address: tuple, token: Hashable, build: Build, now: datetime, *, with_form_token: bool,
) -> tuple[Template | Response, _Kept | None]:
    """The page built as of `now`, and the copy kept of it (None when it may not be kept)."""
    # Built, templates and all, as of one moment, the one it is kept from: a key date passing while it
    # is built is one still to come for the page (its `until`), not one skipped.
    with clock.receiving(now):
        made = await build()
        rendered = _rendered(made)
        # A user's page is kept only when its build says until when it holds (a Rendered, even "None:
        # no key date to come"): a page that does not say has not been checked for what else it reads.
        if not rendered.kept or rendered.response.cookies or rendered.response.background or (with_form_token and not isinstance(made, Rendered)):
            return _rendered_now(rendered.response, request), None
        response = rendered.response.to_asgi_response(None, request)
    body = response.body
    if response.status_code != 200 or len(body) > LARGEST or (FORM_TOKEN in body and not with_form_token):
        pages.forget(address)
        return Response(body, status_code=response.status_code, headers=_headers(response)), None
    kept = _Kept(token, now, rendered.until, body, tuple(_headers(response).items()))
    pages.keep(address, kept)
    return Response(body, headers=dict(kept.headers)), kept


def _rendered_now(response: Template | Response, request: Request) -> Template | Response:
    """A template rendered now, inside the moment its data was read as of, rather than by Litestar
    once the moment has ended (its templates would read the clock later than its data)."""
    if not isinstance(response, Template):
        return response
    rendered = response.to_asgi_response(None, request)
    return Response(rendered.body, status_code=rendered.status_code, headers=_headers(rendered), cookies=response.cookies, background=response.background)


def _rendered(built: Rendered | Template | Response) -> Rendered:
    return built if isinstance(built, Rendered) else Rendered(built)


def _headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name.lower() != "content-length"}
