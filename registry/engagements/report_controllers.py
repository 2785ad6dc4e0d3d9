"""The call-off reports an authority reads about its frameworks (/reports): on a page and as CSV."""

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from registry.accounts.auth import SignedInUser, current_user, deny, requires_role
from registry.engagements import reports
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.web.downloads import csv_file
from registry.web.pages import page
from registry.errors import Refused

REPORTED_STATES = (State.LIVE, State.EXPIRED)  # frameworks under which call-offs can exist


class ReportsController(Controller):
    path = "/reports"
    include_in_schema = False
    guards = [requires_role(*reports.READERS)]

    async def _report(self, request: Request, reference: str) -> reports.Report:
        framework = await frameworks.get(reference)
        if framework is None:
            raise NotFoundException(f"There is no framework {reference}")
        try:
            return await reports.framework_report(current_user(request), framework)
        except Refused as refusal:
            await deny(request, current_user(request), str(refusal))

    @get("/")
    async def index(self, user: SignedInUser) -> Template:
        own = await Framework.select(Framework.reference, Framework.title, Framework.state).where(
            (Framework.authority == user.organisation_id) & Framework.state.is_in(list(REPORTED_STATES))
        ).order_by(Framework.title)
        return page("engagements/reports_index.html", frameworks=own, labels=lifecycle.LABELS)

    @get("/frameworks/{reference:str}")
    async def framework(self, request: Request, reference: FromPath[str]) -> Template:
        report = await self._report(request, reference)
        return page("engagements/report.html", report=report, measures=reports.MEASURES)

    @get("/frameworks/{reference:str}/engagements.csv")
    async def framework_csv(self, request: Request, reference: FromPath[str]) -> Response:
        report = await self._report(request, reference)
        return csv_file(reports.as_csv(report), f"{reference}-engagements.csv")
