"""Suppliers preparing and submitting tenders (/frameworks/{reference}/tenders)."""

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.criteria.tables import CriterionKind
from registry.dates import local_time
from registry import clock
from registry.frameworks import calendar
from registry.frameworks import service as frameworks
from registry import errors
from registry.tenders import cdp, service
from registry.tenders.tables import TenderSubmission
from registry.web.forms import FormResult, add_problem
from registry.web.pages import Confirmation, confirmation, confirmed, page
from registry.web.remembered import Rendered, users_copy
from registry.web.dependencies import AppSettings
from registry.files import storage

def not_registered_page(request: Request, refusal: service.NotRegistered) -> Template:
    """Offer to register interest, rather than refuse: a supplier that has not registered may still bid."""
    return page(
        "tenders/not_registered.html", reference=request.path_params["reference"], lot_number=request.path_params.get("lot"),
        message=str(refusal), status_code=200 if request.method == "GET" else 400,
    )


def tender_path(space: service.Workspace, part: str = "") -> str:
    return f"/frameworks/{space.framework.reference}/tenders/{space.lot.number}{part}"


class TendersController(Controller):
    path = "/frameworks/{reference:str}/tenders"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]
    exception_handlers = {service.NotRegistered: not_registered_page}

    @get("/")
    async def index(self, reference: FromPath[str], user: SignedInUser) -> Template:
        framework = await service.tendering_framework(reference)
        lots = await frameworks.lots(framework.id)
        registered = {lot.number: await service.registered_for(user.organisation_id, framework.id, lot.number) for lot in lots}
        return page(
            "tenders/index.html", framework=framework, lots=lots, registered=registered, tenders=await service.own_tenders(user, framework),
            standings=await service.standings(user, framework, lots),
        )

    @get("/{lot:int}")
    async def task_list(self, request: Request, reference: FromPath[str], lot: FromPath[int], user: SignedInUser) -> Template | Response:
        async def build() -> Rendered:
            space = await service.workspace(user, reference, lot)
            return Rendered(await self._task_list(space), until=calendar.next_key_date(space.framework, clock.received()))

        return await users_copy(request, build)

    async def _task_list(self, space: service.Workspace, result: FormResult | None = None) -> Template:
        submissions = await service.submissions_of(space.tender.id) if space.tender else []
        return page(
            "tenders/task_list.html", result, space=space, problems=service.task_problems(space), submissions=submissions,
            changed_since=await service.changed_since_submission(space), standing=await service.standing(space),
            answers=space.draft.get("quality", {}), word_count=service.word_count,
        )

    # --- Selection questions --------------------------------------------------------------------

    @get("/{lot:int}/selection")
    async def selection_form(self, reference: FromPath[str], lot: FromPath[int], user: SignedInUser) -> Template:
        space = await service.workspace(user, reference, lot)
        saved = space.draft.get("selection", {})
        values = {}
        for c in space.of_kind(CriterionKind.SELECTION):
            values[f"c{c.id}"] = saved.get(str(c.id), {}).get("answer", "")
            values[f"c{c.id}-detail"] = saved.get(str(c.id), {}).get("detail", "")
        return page("tenders/selection.html", FormResult(data=None, values=values), space=space)

    @post("/{lot:int}/selection")
    async def save_selection(self, request: Request, reference: FromPath[str], lot: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        space = await service.workspace(user, reference, lot)
        form = await request.form()
        answers = {c.id: (str(form.get(f"c{c.id}") or ""), str(form.get(f"c{c.id}-detail") or "")) for c in space.of_kind(CriterionKind.SELECTION)}
        values = {f"c{cid}": answer for cid, (answer, _) in answers.items()} | {f"c{cid}-detail": detail for cid, (_, detail) in answers.items()}
        try:
            await service.save_selection(user, reference, lot, answers)
        except service.TenderError as problem:
            return page("tenders/selection.html", add_problem(FormResult(data=None, values=values), problem, settings.zone), space=space)
        return Redirect(tender_path(space), status_code=303)

    # --- Quality answers ------------------------------------------------------------------------

    def _quality_criterion(self, space: service.Workspace, criterion_id: int):
        criterion = next((c for c in space.of_kind(CriterionKind.QUALITY) if c.id == criterion_id), None)
        if criterion is None:
            raise NotFoundException("There is no such quality question for this lot")
        return criterion

    @get("/{lot:int}/quality/{criterion_id:int}")
    async def quality_form(self, reference: FromPath[str], lot: FromPath[int], criterion_id: FromPath[int], user: SignedInUser) -> Template:
        space = await service.workspace(user, reference, lot)
        criterion = self._quality_criterion(space, criterion_id)
        values = {"answer": space.draft.get("quality", {}).get(str(criterion_id), "")}
        return page("tenders/quality.html", FormResult(data=None, values=values), space=space, criterion=criterion)

    @post("/{lot:int}/quality/{criterion_id:int}")
    async def save_quality(self, request: Request, reference: FromPath[str], lot: FromPath[int], criterion_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        space = await service.workspace(user, reference, lot)
        criterion = self._quality_criterion(space, criterion_id)
        answer = str((await request.form()).get("answer") or "")
        try:
            await service.save_quality_answer(user, reference, lot, criterion_id, answer)
        except service.TenderError as problem:
            result = add_problem(FormResult(data=None, values={"answer": answer}), problem, settings.zone)
            return page("tenders/quality.html", result, space=space, criterion=criterion)
        return Redirect(tender_path(space), status_code=303)

    # --- Price ----------------------------------------------------------------------------------

    @get("/{lot:int}/price")
    async def price_form(self, reference: FromPath[str], lot: FromPath[int], user: SignedInUser) -> Template:
        space = await service.workspace(user, reference, lot)
        return page("tenders/price.html", FormResult(data=None, values={"price": space.draft.get("price") or ""}), space=space)

    @post("/{lot:int}/price")
    async def save_price(self, request: Request, reference: FromPath[str], lot: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        space = await service.workspace(user, reference, lot)
        price = str((await request.form()).get("price") or "")
        try:
            await service.save_price(user, reference, lot, price)
        except service.TenderError as problem:
            return page("tenders/price.html", add_problem(FormResult(data=None, values={"price": price}), problem, settings.zone), space=space)
        return Redirect(tender_path(space), status_code=303)

    # --- Core supplier information (Procurement Act 2023) -----------------------------------------

    @get("/{lot:int}/core-information")
    async def core_information_form(self, reference: FromPath[str], lot: FromPath[int], user: SignedInUser) -> Template:
        space = await service.workspace(user, reference, lot)
        held = cdp.given(space.draft) or {}
        values = {"ppon": await service.offered_ppon(user, space), "share_code": held.get("share_code", "")}
        return self._core_information_page(space, FormResult(data=None, values=values))

    @post("/{lot:int}/core-information")
    async def save_core_information(self, request: Request, reference: FromPath[str], lot: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        space = await service.workspace(user, reference, lot)
        form = await request.form()
        values = {"ppon": str(form.get("ppon") or ""), "share_code": str(form.get("share_code") or "")}
        try:
            await service.save_core_information(user, reference, lot, values["ppon"], values["share_code"])
        except (service.TenderError, errors.Invalid) as problem:
            return self._core_information_page(space, add_problem(FormResult(data=None, values=values), problem, settings.zone))
        return Redirect(tender_path(space), status_code=303)

    def _core_information_page(self, space: service.Workspace, result: FormResult) -> Template:
        if not cdp.applies(space.framework):
            raise NotFoundException("This framework's tenders carry no core supplier information")
        return page("tenders/core_information.html", result, space=space, rule=cdp.RULE)

    # --- Declarations ---------------------------------------------------------------------------

    @get("/{lot:int}/declarations")
    async def declarations_form(self, reference: FromPath[str], lot: FromPath[int], user: SignedInUser) -> Template:
        space = await service.workspace(user, reference, lot)
        values = {"declarations": space.draft.get("declarations", [])}
        return page("tenders/declarations.html", FormResult(data=None, values=values), space=space, declarations=service.DECLARATIONS)

    @post("/{lot:int}/declarations")
    async def save_declarations(self, request: Request, reference: FromPath[str], lot: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        space = await service.workspace(user, reference, lot)
        codes = [str(code) for code in (await request.form()).getall("declarations")] if "declarations" in await request.form() else []
        try:
            await service.save_declarations(user, reference, lot, codes)
        except service.TenderError as problem:
            result = add_problem(FormResult(data=None, values={"declarations": codes}), problem, settings.zone)
            return page("tenders/declarations.html", result, space=space, declarations=service.DECLARATIONS)
        return Redirect(tender_path(space), status_code=303)

    # --- Documents ------------------------------------------------------------------------------

    @get("/{lot:int}/documents")
    async def documents_form(self, reference: FromPath[str], lot: FromPath[int], user: SignedInUser) -> Template:
        return page("tenders/documents.html", space=await service.workspace(user, reference, lot))

    @post("/{lot:int}/documents")
    async def upload(self, request: Request, reference: FromPath[str], lot: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        space = await service.workspace(user, reference, lot)
        form = await request.form()
        title, upload, errors = storage.read_upload(form)
        priced = form.get("priced") == "yes"
        values = {"title": title, "priced": priced}
        if not errors:
            try:
                await service.attach_document(
                    user, reference, lot, title=title, filename=upload.filename, data=await upload.read(),
                    files_dir=settings.files_dir, priced=priced,
                )
                return Redirect(tender_path(space, "/documents"), status_code=303)
            except service.TenderError as problem:
                return page("tenders/documents.html", add_problem(FormResult(data=None, values=values), problem, settings.zone), space=space)
        return page("tenders/documents.html", FormResult(data=None, errors=errors, values=values), space=space)

    @post("/{lot:int}/documents/{document_id:int}/remove")
    async def remove_document(self, reference: FromPath[str], lot: FromPath[int], document_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        space = await service.workspace(user, reference, lot)
        try:
            await service.remove_document(user, reference, lot, document_id, files_dir=settings.files_dir)
        except service.TenderError as problem:
            return page("tenders/documents.html", add_problem(FormResult(data=None), problem, settings.zone), space=space)
        return Redirect(tender_path(space, "/documents"), status_code=303)

    @get("/{lot:int}/documents/{document_id:int}")
    async def own_document(self, reference: FromPath[str], lot: FromPath[int], document_id: FromPath[int], settings: AppSettings, user: SignedInUser) -> Response:
        space = await service.workspace(user, reference, lot)
        document = await service.own_document(space, document_id)
        if document is None:
            raise NotFoundException("There is no such document on your tender")
        return Response(
            service.read_document(document, settings.files_dir), media_type=document.content_type,
            headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
        )

    # --- Checking, submitting, withdrawing ------------------------------------------------------

    @get("/{lot:int}/check")
    async def check(self, request: Request, reference: FromPath[str], lot: FromPath[int], user: SignedInUser) -> Template | Response:
        async def build() -> Rendered:
            space = await service.workspace(user, reference, lot)
            checked = page("tenders/check.html", space=space, problems=service.task_problems(space), declarations=service.DECLARATIONS)
            return Rendered(checked, until=calendar.next_key_date(space.framework, clock.received()))

        return await users_copy(request, build)

    @post("/{lot:int}/submit")
    async def submit(self, reference: FromPath[str], lot: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        try:
            receipt = await service.submit(user, reference, lot)
        except service.NotRegistered:
            raise
        except service.TenderError as problem:
            space = await service.workspace(user, reference, lot)  # read only for a refusal: not found if there is no such lot
            return page("tenders/check.html", add_problem(FormResult(data=None), problem, settings.zone), space=space,
                        problems=service.task_problems(space), declarations=service.DECLARATIONS)
        return Redirect(f"/frameworks/{reference}/tenders/{lot}/receipts/{receipt.number}", status_code=303)

    @get("/{lot:int}/withdraw")
    async def confirm_withdrawal(self, reference: FromPath[str], lot: FromPath[int], settings: AppSettings, user: SignedInUser) -> Template | Redirect:
        space = await service.workspace(user, reference, lot)
        if space.counting is None or not space.open:
            return Redirect(tender_path(space), status_code=303)
        return confirmation(Confirmation(
            title="Withdraw your tender", caption=f"{space.framework.reference}, lot {space.lot.number}: {space.lot.title}",
            rows=[{"key": {"text": "Submission that counts now"}, "value": {"text": f"Number {space.counting.number}, received {local_time(space.counting.received_at, settings.zone)}"}},
                  {"key": {"text": "Tender deadline"}, "value": {"text": local_time(space.framework.tender_deadline, settings.zone)}}],
            warning="Your tender will no longer count for this lot. Nothing is sent to the authority. You can submit again before the tender deadline; after it, a withdrawn tender cannot come back.",
            action=tender_path(space, "/withdraw"), button="Withdraw your tender", button_classes="govuk-button--warning", back=tender_path(space),
        ))

    @post("/{lot:int}/withdraw")
    async def withdraw(self, request: Request, reference: FromPath[str], lot: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        space = await service.workspace(user, reference, lot)
        if not await confirmed(request):
            return Redirect(tender_path(space, "/withdraw"), status_code=303)
        try:
            await service.withdraw(user, reference, lot)
        except service.TenderError as problem:
            return await self._task_list(space, add_problem(FormResult(data=None), problem, settings.zone))
        return Redirect(tender_path(space) + "?withdrawn=1", status_code=303)

    async def _submission(self, space: service.Workspace, number: int) -> TenderSubmission:
        submission = next((s for s in (await service.submissions_of(space.tender.id) if space.tender else []) if s.number == number), None)
        if submission is None:
            raise NotFoundException("There is no such submission")
        return submission

    @get("/{lot:int}/receipts/{number:int}")
    async def receipt(self, reference: FromPath[str], lot: FromPath[int], number: FromPath[int], user: SignedInUser) -> Template:
        space = await service.workspace(user, reference, lot)
        return page("tenders/receipt.html", space=space, submission=await self._submission(space, number))

    @get("/{lot:int}/receipts/{number:int}/content.json")
    async def submitted_content(self, reference: FromPath[str], lot: FromPath[int], number: FromPath[int], user: SignedInUser) -> Response:
        """Exactly the bytes the receipt's SHA-256 is of."""
        space = await service.workspace(user, reference, lot)
        submission = await self._submission(space, number)
        return Response(
            submission.content.encode("utf-8"), media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{reference}-lot-{lot}-submission-{number}.json"', "Cache-Control": "no-store"},
        )

    @get("/{lot:int}/verify")
    async def verify_form(self, reference: FromPath[str], lot: FromPath[int], user: SignedInUser) -> Template:
        return page("tenders/verify.html", space=await service.workspace(user, reference, lot), found=None, checked=False)

    @post("/{lot:int}/verify")
    async def verify(self, request: Request, reference: FromPath[str], lot: FromPath[int], user: SignedInUser) -> Template:
        space = await service.workspace(user, reference, lot)
        sha256 = str((await request.form()).get("sha256") or "").strip()
        if len(sha256) != 64 or any(ch not in "0123456789abcdefABCDEF" for ch in sha256):
            errors = {"sha256": "Enter the SHA-256 from your receipt: 64 characters, 0 to 9 and a to f"}
            return page("tenders/verify.html", FormResult(data=None, errors=errors, values={"sha256": sha256}), space=space, found=None, checked=False)
        found = await service.verify_receipt(user, reference, lot, sha256)
        return page("tenders/verify.html", FormResult(data=None, values={"sha256": sha256}), space=space, found=found, checked=True)

