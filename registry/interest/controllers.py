"""Suppliers registering and withdrawing interest, and the frameworks they follow; the officers'
list of who registered; a supplier's own calendar of the frameworks it follows."""

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.frameworks import calendar, lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.public_controllers import ICS, published_framework
from registry.interest import service
from registry.reference import taxonomies
from registry import links
from registry.web.downloads import csv_file
from registry.numbers import is_whole_number
from registry.web.forms import FormResult, add_problem
from registry.web.pages import page
from registry.web.remembered import Rendered, users_copy
from registry.frameworks.dependencies import OFFICER_FRAMEWORK, OfficersFramework
from registry.web.dependencies import AppSettings


class InterestController(Controller):
    path = "/frameworks/{reference:str}/interest"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/")
    async def form(self, reference: FromPath[str], user: SignedInUser) -> Template:
        framework = await published_framework(reference)
        existing = await service.current(user.organisation_id, framework.id)
        values = {"scope": "", "lots": []}  # nothing chosen for the supplier: it chooses
        if existing is not None:
            values = {"scope": "all", "lots": []} if existing.all_lots else {"scope": "chosen", "lots": [str(n) for n in existing.lot_numbers]}
        return await self._page(framework, FormResult(data=None, values=values), existing=existing)

    @post("/")
    async def register(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
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
        result = FormResult(data=None, errors=errors, values=values)
        if not errors:
            try:
                await service.register(user, reference, lot_numbers=None if scope == "all" else chosen)
                return Redirect(f"/frameworks/{reference}?interest=registered", status_code=303)
            except service.InterestError as problem:
                result = add_problem(result, problem, settings.zone, field_name="scope")
        return await self._page(framework, result)

    @post("/withdraw")
    async def withdraw(self, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        framework = await published_framework(reference)
        try:
            await service.withdraw(user, reference)
        except service.InterestError as problem:
            return await self._page(framework, add_problem(FormResult(data=None, values={"scope": "all"}), problem, settings.zone, field_name="scope"))
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
    async def index(self, request: Request, user: SignedInUser) -> Template | Response:
        async def build() -> Rendered:
            organisation_id = user.organisation_id
            feed = links.absolute(f"/calendar/{await service.calendar_token(organisation_id)}.ics")
            rows, now = await service.frameworks_of(organisation_id), clock.received()
            deadlines = {row["reference"]: frameworks.next_deadline(row, now) for row in rows}
            followed = page("interest/followed.html", rows=rows, deadlines=deadlines, labels=lifecycle.LABELS, feed=feed)
            return Rendered(followed, until=calendar.next_key_date_of_any(rows, now))

        return await users_copy(request, build)


class OfficerInterestController(Controller):
    """Who registered interest in a framework, for its authority's procurement officers."""

    path = "/manage/frameworks/{reference:str}"
    include_in_schema = False
    guards = [requires_role(Role.PROCUREMENT_OFFICER)]
    dependencies = OFFICER_FRAMEWORK

    @get("/interest")
    async def interest_list(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        rows = await service.list_for_officer(framework)
        lot_numbers = [lot.number for lot in await frameworks.lots(framework.id)]
        region_names = {t.code: t.name for t in taxonomies.terms("regions")}
        return page("frameworks/interest_list.html", framework=framework, rows=rows, counts=service.counts(rows, lot_numbers), region_names=region_names)

    @get("/interest.csv")
    async def interest_csv(self, reference: FromPath[str], framework: OfficersFramework) -> Response:
        return csv_file(service.as_csv(await service.list_for_officer(framework)), f"{reference}-expressions-of-interest.csv")


class SupplierCalendarController(Controller):
    include_in_schema = False

    @get("/calendar/{feed:str}")
    async def supplier_calendar(self, feed: FromPath[str], settings: AppSettings) -> Response:
        """A supplier's own feed, at a secret address ending .ics."""
        followed = await service.frameworks_for_calendar(feed.removesuffix(".ics")) if feed.endswith(".ics") else None
        if followed is None:
            raise NotFoundException("There is no calendar at this address")
        return Response(
            calendar.calendar_of(followed, "Frameworks you follow", settings.zone), media_type=ICS, headers={"Cache-Control": "no-store"},
        )
