from litestar import Controller, get
from litestar.response import Template


class StartPageController(Controller):
    include_in_schema = False

    @get("/", name="start")
    async def start(self) -> Template:
        return Template("web/start.html")
