from litestar import Controller, Request, Response, get
from litestar.response import Template

from registry.web.remembered import visitors_copy


async def start_page() -> Template:
    return Template("web/start.html")


class StartPageController(Controller):
    include_in_schema = False

    @get("/", name="start")
    async def start(self, request: Request) -> Template | Response:
        return await visitors_copy(request, start_page, from_data=False)
