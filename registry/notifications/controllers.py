from litestar import Controller, get
from litestar.params import FromQuery
from litestar.response import Template

from registry.accounts.auth import requires_role
from registry.accounts.tables import Role
from registry.notifications import service


class OutboxController(Controller):
    path = "/admin/outbox"
    include_in_schema = False
    guards = [requires_role(Role.ADMIN)]

    @get("/", name="admin_outbox")
    async def outbox(self, page: FromQuery[int] = 1) -> Template:
        messages, total = await service.latest(page)
        return Template("notifications/outbox.html", context={"messages": messages, "total": total, "page_number": max(page, 1)})
