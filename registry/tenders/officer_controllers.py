"""Procurement officers and the tenders received: counts after the deadline, the two-officer opening,
the opening report, and each tender once opened (/manage/frameworks/{reference}/tenders)."""

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role, User
from registry.criteria import service as criteria
from registry.errors import Invalid
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework
from registry.tenders import cdp, core_information, opening, sealing
from registry.tenders import service as tenders
from registry.tenders.tables import TenderDocument
from registry.web.forms import FormResult, add_problem
from registry.web.pages import page
from registry.web.dependencies import AppSettings
from registry.frameworks.dependencies import OFFICER_FRAMEWORK, OfficersFramework


async def _names(*user_ids: int | None) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    rows = await User.select(User.id, User.full_name).where(User.id.is_in(ids)) if ids else []
    return {row["id"]: row["full_name"] for row in rows}


class OfficerTendersController(Controller):
    path = "/manage/frameworks/{reference:str}/tenders"
    include_in_schema = False
    guards = [requires_role(Role.PROCUREMENT_OFFICER)]
    dependencies = OFFICER_FRAMEWORK

    async def _page(self, framework: Framework, user: SignedInUser, problem: str | None = None) -> Template:
        record = await opening.record_of(framework.id)
        opened = await opening.is_opened(framework.id)
        return page(
            "tenders/officer_index.html", framework=framework, record=record, opened=opened,
            counts=await sealing.counts_per_lot(user, framework), lots=await frameworks.lots(framework.id),
            received=await sealing.tenders_received(user, framework) if opened else [],
            core_information=cdp.applies(framework), checks=await core_information.checks_by_tender(framework) if opened else {},
            names=await _names(record.requested_by, record.confirmed_by) if record else {},
            deadline_passed=framework.tender_deadline is not None and clock.now() >= framework.tender_deadline,
            user_id=user.id, problem=problem, status_code=400 if problem else 200,
        )

    @get("/")
    async def index(self, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Template:
        return await self._page(framework, user)

    @post("/opening/request")
    async def request_opening(self, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        try:
            await opening.request(user, reference)
        except (opening.OpeningError, frameworks.TransitionBlocked) as problem:
            return await self._page(await frameworks.get(reference), user, str(problem))
        return Redirect(f"/manage/frameworks/{reference}/tenders", status_code=303)

    @post("/opening/confirm")
    async def confirm_opening(self, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Template | Redirect:
        try:
            await opening.confirm(user, reference)
        except (opening.OpeningError, frameworks.TransitionBlocked) as problem:
            return await self._page(framework, user, str(problem))
        return Redirect(f"/manage/frameworks/{reference}/tenders", status_code=303)

    @get("/opening-report")
    async def opening_report(self, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser) -> Template:
        received = await sealing.tenders_received(user, framework)
        record = await opening.record_of(framework.id)
        return page(
            "tenders/opening_report.html", framework=framework, record=record, received=received,
            names=await _names(record.requested_by, record.confirmed_by), lots=await frameworks.lots(framework.id),
        )

    @get("/{tender_id:int}")
    async def tender(self, reference: FromPath[str], tender_id: FromPath[int], framework: OfficersFramework, user: SignedInUser) -> Template:
        return await self._tender_page(framework, user, tender_id)

    async def _tender_page(self, framework: Framework, user: SignedInUser, tender_id: int, result: FormResult | None = None) -> Template:
        tender, submission, content = await sealing.readable_tender(user, framework, tender_id)
        check = await core_information.check_of(submission.id)
        return page(
            "tenders/officer_tender.html", result, framework=framework, tender=tender, submission=submission, content=content,
            scheme=await criteria.scheme_of(framework.id), core_information=cdp.applies(framework), carried=core_information.carried(content),
            check=check, checked_by=(await _names(check.checked_by)).get(check.checked_by) if check else None, rule=cdp.BEFORE_AWARD,
        )

    @post("/{tender_id:int}/core-information")
    async def confirm_core_information(
        self, request: Request, reference: FromPath[str], tender_id: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings,
    ) -> Template | Redirect:
        """Record that the tender's core supplier information was checked on the Central Digital Platform."""
        form = await request.form()
        values = {"ppon": str(form.get("ppon") or ""), "share_code": str(form.get("share_code") or "")}
        try:
            await core_information.confirm(user, reference, tender_id, ppon=values["ppon"], share_code=values["share_code"])
        except (core_information.CheckError, Invalid) as problem:
            return await self._tender_page(framework, user, tender_id, add_problem(FormResult(data=None, values=values), problem, settings.zone))
        return Redirect(f"/manage/frameworks/{reference}/tenders/{tender_id}", status_code=303)

    @get("/{tender_id:int}/documents/{sha256:str}")
    async def document(self, reference: FromPath[str], tender_id: FromPath[int], sha256: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Response:
        document: TenderDocument = await sealing.readable_document(user, framework, tender_id, sha256)
        return Response(
            tenders.read_document(document, settings.files_dir), media_type=document.content_type,
            headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
        )

