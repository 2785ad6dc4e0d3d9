"""The service admin's outbox (/admin/outbox) and each user's choice of emails
(/account/notifications). Pages of the notifications package's, composed here because they need the
signed-in user (accounts), which builds on notifications."""

from litestar import Controller, Request, get, post
from litestar.response import Redirect
from litestar.params import FromQuery
from litestar.response import Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role, signed_in
from registry.accounts.tables import Role
from registry.notifications import service
from registry import paging
from registry.web.dependencies import AppSettings


class OutboxController(Controller):
    path = "/admin/outbox"
    include_in_schema = False
    guards = [requires_role(Role.ADMIN)]

    @get("/", name="admin_outbox")
    async def outbox(self, settings: AppSettings, page: FromQuery[str | None] = None) -> Template:
        messages, total = await service.latest(page)
        statuses = {message.id: service.status_of(message, clock.now()) for message in messages}
        return Template("notifications/outbox.html", context={
            "messages": messages, "statuses": statuses, "total": total, "page_number": paging.page_of(page, total, service.PAGE_SIZE).number,
            "sender": await service.sender_report(sending=bool(settings.smtp_url)),
        })


class PreferencesController(Controller):
    path = "/account/notifications"
    include_in_schema = False
    guards = [signed_in]

    @get("/", name="notification_preferences")
    async def form(self, user: SignedInUser, saved: FromQuery[str | None] = None) -> Template:
        chosen = await service.preferences(user.id)
        return Template("notifications/preferences.html", context={"chosen": chosen, "options": service.PREFERENCES, "saved": saved})

    @post("/")
    async def save(self, request: Request, user: SignedInUser) -> Redirect:
        form = await request.form()
        chosen = {name for name in form.getall("preferences") if name in service.PREFERENCES} if "preferences" in form else set()
        await service.set_preferences(user.id, chosen, user.actor)
        return Redirect("/account/notifications?saved=1", status_code=303)
