"""The call-off reports an authority reads about its frameworks (/reports): on a page and as CSV."""

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from registry.accounts.auth import SignedInUser, requires_role
from registry.engagements import reports
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.web.downloads import csv_file
from registry.web.pages import page
from registry.web.remembered import Rendered, users_copy



class ReportsController(Controller):
    path = "/reports"
    include_in_schema = False
    guards = [requires_role(*reports.READERS)]

    async def _report(self, user: SignedInUser, reference: str) -> reports.Report:
        framework = await frameworks.get(reference)
        if framework is None:
            raise NotFoundException(f"There is no framework {reference}")
        return await reports.framework_report(user, framework)

    @get("/")
    async def index(self, request: Request, user: SignedInUser) -> Template | Response:
        async def build() -> Rendered:
            own = await Framework.select(Framework.reference, Framework.title, Framework.state).where(
                (Framework.authority == user.organisation_id) & Framework.state.is_in(lifecycle.reaching(State.LIVE))  # under which call-offs can exist
            ).order_by(Framework.title)
            listed = page("engagements/reports_index.html", frameworks=own, labels=lifecycle.LABELS)
            return Rendered(listed, until=None)  # stored states only: nothing on it reads the clock

        return await users_copy(request, build)

    @get("/frameworks/{reference:str}")
    async def framework(self, reference: FromPath[str], user: SignedInUser) -> Template:
        report = await self._report(user, reference)
        return page("engagements/report.html", report=report, measures=reports.MEASURES)

    @get("/frameworks/{reference:str}/engagements.csv")
    async def framework_csv(self, reference: FromPath[str], user: SignedInUser) -> Response:
        report = await self._report(user, reference)
        return csv_file(reports.as_csv(report), f"{reference}-engagements.csv")
