"""Server-side sessions: Litestar's session middleware on a Piccolo table, so that sessions survive
restarts and any worker can serve any request. The session id is replaced at sign-in (session
fixation), and the old one deleted.

A session costs a database write only when there is something new to keep: a visitor who has not
signed in gets no session row and no cookie, a request that leaves the session as it was stores
nothing (the cookie is renewed), and reading a session pushes its idle expiry on at most once a
minute, so the idle timeout is between 29 and 30 minutes. Reading a page never needs a write: when
the renewal cannot be written (a read-only or full database), the page is shown all the same.

A signed-in session's row also names its user, when and where it started (the browser family and
the client address) and when it was last seen (set with each renewal, so to the minute): the
user's sessions page (session_list) lists them, and ending a session deletes its row."""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty, Message
from litestar.utils.dataclass import extract_dataclass_items

from registry import clock, db
from registry.accounts.browsers import browser_family
from registry.accounts.tables import SessionRecord

logger = logging.getLogger("registry.sessions")

ROTATE_FLAG = "registry.rotate_session_id"
NEW_ID = "registry.new_session_id"
LOADED = "registry.loaded_session"  # the session's stored bytes as this request found them
SESSION_KEY = "registry.session_key"  # the id of the session this request came with, once loaded
DETAILS = "registry.session_details"  # what start_session says of the new session, for its row
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
SECOND_STEP_TIMEOUT = timedelta(minutes=10)  # between the right password and the code, or setting up an authenticator
RENEWAL_STEP = timedelta(minutes=1)  # reads renew a session's expiry at most this often
COOKIE_NAME = "registry_session"
SESSION_ID = re.compile(r"[0-9a-f]{64}")  # as generate_session_id makes them: 32 random bytes, in hex


# Read on every request with a session cookie: written out, as the query builder took longer to
# build it than the database to answer it.
SESSION_BY_KEY = f"SELECT value, expires_at FROM {SessionRecord._meta.tablename} WHERE key = {{}}"


def _seconds(value: int | timedelta | None) -> timedelta | None:
    if value is None:
        return None
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


@dataclass(frozen=True)
class SessionDetails:
    """Who signed in, when, and from where: kept on the session's row for the sessions page."""

    user_id: int
    started_at: datetime
    browser: str
    address: str

    def columns(self) -> dict:
        return {
            SessionRecord.user: self.user_id, SessionRecord.started_at: self.started_at, SessionRecord.last_seen_at: self.started_at,
            SessionRecord.browser: self.browser[:60], SessionRecord.address: self.address[:64],
        }


class PiccoloSessionStore(Store):
    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None, details: SessionDetails | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        now = clock.now()
        lifetime = _seconds(expires_in)
        expires_at = now + lifetime if lifetime else None
        changes = {SessionRecord.value: data, SessionRecord.expires_at: expires_at, SessionRecord.last_seen_at: now}
        if details is not None:
            changes.update(details.columns())
        updated = await SessionRecord.update(changes).where(SessionRecord.key == key).returning(SessionRecord.id)
        if not updated:
            await SessionRecord.insert(SessionRecord(key=key, **{column._meta.name: value for column, value in changes.items()}))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        rows = await SessionRecord.raw(SESSION_BY_KEY, key)
        if not rows:
            return None
        record = rows[0]
        now = clock.now()
        if record["expires_at"] is not None and record["expires_at"] <= now:
            await _tolerated(self.delete(key), "delete an expired session")
            return None
        renewal = _seconds(renew_for)
        if renewal and (record["expires_at"] is None or now + renewal - record["expires_at"] >= RENEWAL_STEP):
            renew = SessionRecord.update({SessionRecord.expires_at: now + renewal, SessionRecord.last_seen_at: now}).where(SessionRecord.key == key)
            await _tolerated(renew.run(), "renew a session")
        return bytes(record["value"])

    async def delete(self, key: str) -> None:
        await SessionRecord.delete().where(SessionRecord.key == key)

    async def delete_all(self) -> None:
        await SessionRecord.delete(force=True)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        expires_at = await SessionRecord.select(SessionRecord.expires_at).where(SessionRecord.key == key).first()
        if not expires_at or expires_at["expires_at"] is None:
            return None
        return max(int((expires_at["expires_at"] - clock.now()).total_seconds()), 0)

    async def delete_expired(self) -> None:
        await SessionRecord.delete().where(SessionRecord.expires_at <= clock.now())


async def _tolerated(write, what: str) -> None:
    """A write that reading a page makes on the side: when the database cannot take it (read-only,
    full, away), the page is still shown; the session is renewed by a later page."""
    try:
        await write
    except Exception as error:
        if db.outage(error) is None:
            raise
        logger.warning("could not %s (%s): %s", what, db.outage(error), error)


def _may_go_unsaved(error: Exception, connection: ASGIConnection) -> bool:
    """Whether a session that the database could not take may go unsaved, the answer given all the
    same: after a page was read (which needs no write), or once the action has committed (a
    committed action is never answered as a failure)."""
    if db.outage(error) is None:
        return False
    writes = db.writes()
    return connection.scope["method"] in ("GET", "HEAD") or (writes is not None and writes.committed > 0)


def well_formed(session_id: str | None) -> bool:
    """Whether a cookie's value could be a session id this service made (a client may send anything)."""
    return session_id is not None and SESSION_ID.fullmatch(session_id) is not None


class RotatingSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection) -> str:
        state = connection.scope["state"]
        if state.get(ROTATE_FLAG) or not well_formed(connection.cookies.get(self.config.key)):
            if NEW_ID not in state:
                state[NEW_ID] = self.generate_session_id()
            return state[NEW_ID]
        return super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key)
        if not well_formed(session_id):
            return {}
        data = await self.get(session_id, store=self.config.get_store_from_app(connection.scope["app"]))
        if data is None:
            return {}
        connection.scope["state"][LOADED] = data
        connection.scope["state"][SESSION_KEY] = session_id
        return self.deserialize_data(data)

    async def store_in_message(self, scope_session: Any, message: Message, connection: ASGIConnection) -> None:
        try:
            await self._store_in_message(scope_session, message, connection)
        except Exception as error:
            if not _may_go_unsaved(error, connection):
                raise
            logger.warning("session not saved (%s): %s: %s", db.outage(error), type(error).__name__, error)
            if scope_session is Empty or not scope_session:
                self._cookie(message, "null", expires=0)  # signed out on this browser all the same

    async def _store_in_message(self, scope_session: Any, message: Message, connection: ASGIConnection) -> None:
        state = connection.scope["state"]
        old_id = connection.cookies.get(self.config.key)
        rotating = bool(state.get(ROTATE_FLAG))
        if rotating and well_formed(old_id):
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        if scope_session is Empty or not scope_session:  # nothing to keep
            if well_formed(old_id) and not rotating:
                await super().store_in_message(Empty, message, connection)  # deletes the session, expires the cookie
            elif old_id is not None:
                self._cookie(message, "null", expires=0)
            return
        if not rotating and LOADED in state and self.serialize_data(scope_session, connection.scope) == state[LOADED]:
            self._cookie(message, old_id)  # unchanged: the store renewed its expiry when it was read
            return
        if rotating and DETAILS in state:  # signed in just now: the new row says by whom, when and where
            session_id = self.get_session_id(connection)
            store = self.config.get_store_from_app(connection.scope["app"])
            data = self.serialize_data(scope_session, connection.scope)
            await store.set(session_id, data, expires_in=int(self.config.max_age), details=state[DETAILS])
            self._cookie(message, session_id)
            return
        await super().store_in_message(scope_session, message, connection)

    def _cookie(self, message: Message, value: str, **extra: Any) -> None:
        parameters = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        cookie = Cookie(value=value, key=self.config.key, **parameters, **extra)
        MutableScopeHeaders.from_message(message).add("Set-Cookie", cookie.to_header(header=""))


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def cookie_name(*, production: bool) -> str:
    """In production the `__Host-` prefix: browsers then keep the cookie only if it is Secure, for
    Path=/ and without a Domain, so no other host (a sibling subdomain) can set it (session fixation)."""
    return f"__Host-{COOKIE_NAME}" if production else COOKIE_NAME


def session_config(*, secure: bool) -> RotatingSessionConfig:
    """`secure` in production: the cookie is then Secure and `__Host-` prefixed."""
    return RotatingSessionConfig(
        key=cookie_name(production=secure),
        path="/",
        max_age=int(IDLE_TIMEOUT.total_seconds()),
        renew_on_access=True,
        secure=secure,
        httponly=True,
        samesite="lax",
        store="sessions",
        exclude=["^/static/", "^/assets/"],
    )


def start_session(request: Request, *, user_id: int, session_stamp: str, address: str, second_factor: bool = False) -> None:
    """Sign the user in on this browser, under a new session id. `address` is the client's, as sign-in
    throttling sees it: the sessions page shows it. `second_factor` when they entered a code after
    their password (a session without one is no session for a user who must)."""
    now = clock.now()
    request.scope["state"][ROTATE_FLAG] = True
    request.scope["state"][DETAILS] = SessionDetails(
        user_id=user_id, started_at=now, browser=browser_family(request.headers.get("user-agent", "")), address=address
    )
    request.set_session({"user_id": user_id, "stamp": session_stamp, "signed_in_at": now.timestamp(), "second_factor": second_factor})


def this_session_key(connection: ASGIConnection) -> str | None:
    """The id of the session this request was made in, if it came with one."""
    return connection.scope["state"].get(SESSION_KEY)


async def end_sessions_of(user_id: int, *, keep: str | None = None) -> int:
    """Delete the user's signed-in sessions, but the one with id `keep`; how many were ended. Call it
    with the change that makes them stale (a new password, deactivation), so that a session the
    stamp no longer lets in is not listed either."""
    condition = SessionRecord.user == user_id
    if keep is not None:
        condition &= SessionRecord.key != keep
    ended = await SessionRecord.delete().where(condition).returning(SessionRecord.id)
    return len(ended)


def start_half_session(request: Request, *, user_id: int, session_stamp: str, next_path: str) -> None:
    """The password was right and a second factor is asked next: the session names the user, but
    signs no one in (CurrentUserMiddleware looks for "user_id" only), until the code step ends it."""
    request.scope["state"][ROTATE_FLAG] = True
    request.set_session({"password_user_id": user_id, "stamp": session_stamp, "password_at": clock.now().timestamp(), "next": next_path})


def half_signed_in(session: dict[str, Any] | None) -> dict[str, Any] | None:
    """The half-signed-in session's facts (password_user_id, stamp, next), while the code step may still follow."""
    if not session or session.get("password_user_id") is None:
        return None
    if clock.now().timestamp() - float(session.get("password_at", 0)) >= SECOND_STEP_TIMEOUT.total_seconds():
        return None
    return session


def end_session(request: Request) -> None:
    request.clear_session()


def session_is_current(session: dict[str, Any], *, user_stamp: str, second_factor_required: bool = False) -> bool:
    """False once the absolute timeout has passed or the password has changed (or two-factor sign-in
    was set up or reset) since sign-in; and for a user who must use a second factor, when the
    session was begun without one (before the rule applied to them)."""
    signed_in_at = session.get("signed_in_at")
    if signed_in_at is None or session.get("stamp") != user_stamp:
        return False
    if second_factor_required and not session.get("second_factor"):
        return False
    return clock.now().timestamp() - float(signed_in_at) < ABSOLUTE_TIMEOUT.total_seconds()
