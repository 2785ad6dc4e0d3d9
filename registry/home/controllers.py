"""A signed-in user's home page (/home), where sign-in lands: what to do next, by role."""

from litestar import Controller, Request, get
from litestar.response import Template

from registry.accounts.auth import SignedInUser, signed_in
from registry.home import service
from registry.web.pages import page


class HomeController(Controller):
    path = "/home"
    include_in_schema = False
    guards = [signed_in]

    @get("/", name="home")
    async def index(self, request: Request, user: SignedInUser) -> Template:
        return page("home/home.html", sections=await service.home(user), welcome="welcome" in request.query_params)
