"""A user's signed-in sessions, as their sessions page lists them, and ending them.

Each signed-in session's row names its user, when and where it started and when it was last seen
(sessions.SessionDetails). Ending a session deletes its row: the browser holding it is signed out
on its next request."""

from dataclasses import dataclass
from datetime import datetime

from registry import clock
from registry.accounts.sessions import ABSOLUTE_TIMEOUT, end_sessions_of
from registry.accounts.tables import SessionRecord
from registry.audit import service as audit


@dataclass(frozen=True)
class SignedInSession:
    id: int
    started_at: datetime
    last_seen_at: datetime
    browser: str
    address: str
    is_this_one: bool


async def sessions_of(user_id: int, *, this_key: str | None) -> list[SignedInSession]:
    """The user's sessions that still let them in, this one first, then the most recently seen."""
    now = clock.now()
    rows = await SessionRecord.select(
        SessionRecord.id, SessionRecord.key, SessionRecord.started_at, SessionRecord.last_seen_at, SessionRecord.browser, SessionRecord.address,
    ).where(
        (SessionRecord.user == user_id) & (SessionRecord.expires_at > now) & (SessionRecord.started_at > now - ABSOLUTE_TIMEOUT)
    )
    found = [
        SignedInSession(
            id=row["id"], started_at=row["started_at"], last_seen_at=row["last_seen_at"] or row["started_at"],
            browser=row["browser"], address=row["address"], is_this_one=row["key"] == this_key,
        )
        for row in rows
    ]
    return sorted(found, key=lambda session: (not session.is_this_one, -session.last_seen_at.timestamp()))


async def end_one(*, actor: audit.Actor, session_id: int, this_key: str | None) -> bool:
    """End one of the actor's other sessions; False when there is no such session of theirs (signing
    out ends this one)."""
    async with audit.action("end one"):
        condition = (SessionRecord.id == session_id) & (SessionRecord.user == actor.user_id)
        if this_key is not None:
            condition &= SessionRecord.key != this_key
        ended = await SessionRecord.delete().where(condition).returning(SessionRecord.id)
        if ended:
            await audit.record("user.session_ended", actor=actor, object_type="user", object_id=actor.user_id, payload={"session": session_id})
    return bool(ended)


async def end_all_others(*, actor: audit.Actor, this_key: str | None) -> int:
    """End every session of the actor but this one; how many were ended."""
    async with audit.action("end all others"):
        ended = await end_sessions_of(actor.user_id, keep=this_key)
        await audit.record("user.other_sessions_ended", actor=actor, object_type="user", object_id=actor.user_id, payload={"ended": ended})
    return ended
