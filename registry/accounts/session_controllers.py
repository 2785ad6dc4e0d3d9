from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from registry.accounts import session_list
from registry.accounts.auth import SignedInUser, signed_in
from registry.accounts.sessions import this_session_key
from registry.web.pages import page


class SessionsController(Controller):
    """The user's own signed-in sessions: where and when, and ending those they do not recognise."""

    path = "/account/sessions"
    include_in_schema = False
    guards = [signed_in]

    @get("/", name="account_sessions")
    async def list_sessions(self, user: SignedInUser, request: Request, ended: FromQuery[int | None] = None) -> Template:
        sessions = await session_list.sessions_of(user.id, this_key=this_session_key(request))
        return page("accounts/sessions.html", sessions=sessions, ended=ended)

    @post("/{session_id:int}/end")
    async def end_one(self, request: Request, session_id: FromPath[int], user: SignedInUser) -> Redirect:
        if not await session_list.end_one(actor=user.actor, session_id=session_id, this_key=this_session_key(request)):
            raise NotFoundException("There is no such session of yours: it may have ended already")
        return Redirect("/account/sessions?ended=1", status_code=303)

    @post("/end-others")
    async def end_others(self, request: Request, user: SignedInUser) -> Redirect:
        ended = await session_list.end_all_others(actor=user.actor, this_key=this_session_key(request))
        return Redirect(f"/account/sessions?ended={ended}", status_code=303)
