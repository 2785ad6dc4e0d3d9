"""Suppliers registering and withdrawing interest, and the frameworks they follow."""

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import current_user, requires_role
from registry.accounts.tables import Role
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.public_controllers import published_framework
from registry.interest import service
from registry.web import links
from registry.web.forms import FormResult, is_whole_number
from registry.web.pages import page


class InterestController(Controller):
    path = "/frameworks/{reference:str}/interest"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/")
    async def form(self, request: Request, reference: FromPath[str]) -> Template:
        framework = await published_framework(reference)
        existing = await service.current(current_user(request).organisation_id, framework.id)
        values = {"scope": "", "lots": []}  # nothing chosen for the supplier: it chooses
        if existing is not None:
            values = {"scope": "all", "lots": []} if existing.all_lots else {"scope": "chosen", "lots": [str(n) for n in existing.lot_numbers]}
        return await self._page(framework, FormResult(data=None, values=values), existing=existing)

    @post("/")
    async def register(self, request: Request, reference: FromPath[str]) -> Template | Redirect:
        framework = await published_framework(reference)
        form = await request.form()
        scope = form.get("scope")
        chosen = [int(n) for n in form.getall("lots") if is_whole_number(str(n))] if "lots" in form else []
        values = {"scope": scope or "", "lots": [str(n) for n in chosen]}
        errors = {}
        if scope not in ("all", "chosen"):
            errors["scope"] = "Select all lots or the lots you are interested in"
        elif scope == "chosen" and not chosen:
            errors["lots"] = "Select at least one lot"
        if not errors:
            try:
                await service.register(current_user(request), reference, lot_numbers=None if scope == "all" else chosen)
                return Redirect(f"/frameworks/{reference}?interest=registered", status_code=303)
            except service.InterestError as problem:
                errors["scope"] = str(problem)
        return await self._page(framework, FormResult(data=None, errors=errors, values=values))

    @post("/withdraw")
    async def withdraw(self, request: Request, reference: FromPath[str]) -> Template | Redirect:
        framework = await published_framework(reference)
        try:
            await service.withdraw(current_user(request), reference)
        except service.InterestError as problem:
            return await self._page(framework, FormResult(data=None, errors={"scope": str(problem)}, values={"scope": "all"}))
        return Redirect(f"/frameworks/{reference}?interest=withdrawn", status_code=303)

    async def _page(self, framework, result: FormResult, existing=None) -> Template:
        return page(
            "interest/form.html", result, framework=framework, lots=await frameworks.lots(framework.id), existing=existing,
            open_for_interest=lifecycle.open_for_interest(framework.state, framework.tender_deadline, clock.now()),
        )


class FollowedFrameworksController(Controller):
    path = "/organisation/frameworks"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/", name="followed_frameworks")
    async def index(self, request: Request) -> Template:
        organisation_id = current_user(request).organisation_id
        feed = links.absolute(f"/calendar/{await service.calendar_token(organisation_id)}.ics")
        rows, now = await service.frameworks_of(organisation_id), clock.now()
        deadlines = {row["reference"]: frameworks.next_deadline(row, now) for row in rows}
        return page("interest/followed.html", rows=rows, deadlines=deadlines, labels=lifecycle.LABELS, feed=feed)
