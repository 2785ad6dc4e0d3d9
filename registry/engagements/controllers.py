"""The engagement pages: commissioners' briefs, direct awards, mini-competitions, delivery, completion
and reviews (/commissioning), and suppliers' invitations and engagements (/organisation/engagements)."""

from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.engagements import award_notices, calloff_criteria, lifecycle, scoring, service
from registry.engagements.schemas import (
    AwardForm, BriefForm, CancelForm, CompetitionForm, DeclineForm, DirectAwardForm, ReplyForm, ResponseForm, ReviewForm,
)
from registry.engagements.tables import Engagement, InvitationStatus
from registry.frameworks.tables import CallOffRoute
from registry.reference import taxonomies
from registry.money import pounds
from registry.numbers import is_whole_number
from registry.web.forms import FormResult, add_problem, read_form
from registry import paging
from registry.web.pages import Confirmation, confirmation, confirmed, page
from registry.web.remembered import Rendered, users_copy
from registry.web.dependencies import AppSettings

TAXONOMIES = {"groups": "groups", "regions": "regions", "methods": "engagement_methods"}


def _names() -> dict:
    return {key: {t.code: t.name for t in taxonomies.terms(name)} for key, name in TAXONOMIES.items()}


def _choices() -> dict:
    return {key: taxonomies.terms(name) for key, name in TAXONOMIES.items()}


def _amount(pence: int | None) -> str:
    """Pence as typed into a pounds field: 45000 or 45000.50."""
    if pence is None:
        return ""
    whole, part = divmod(pence, 100)
    return str(whole) if part == 0 else f"{whole}.{part:02d}"


def _saved(request: Request, standing: service.Competition) -> str | None:
    """The supplier whose scores were just saved (the `saved` invitation), for the confirmation."""
    saved = request.query_params.get("saved", "")
    return next((view.supplier for view in standing.responses if str(view.invitation.id) == saved), None)


def _common() -> dict:
    return {"names": _names(), "label": service.label, "measures": service.MEASURES}


def _brief_values(engagement: Engagement) -> dict:
    values = {
        "lot": str(engagement.lot), "title": engagement.title, "objectives": engagement.objectives, "groups": engagement.groups,
        "regions": engagement.regions, "methods": engagement.methods, "budget": _amount(engagement.budget_pence),
        "participants_target": "" if engagement.participants_target is None else str(engagement.participants_target),
    }
    for name in ("starts_on", "ends_on"):
        moment = getattr(engagement, name)
        values.update({f"{name}_day": str(moment.day), f"{name}_month": str(moment.month), f"{name}_year": str(moment.year)} if moment else {})
    return values


class CommissioningController(Controller):
    path = "/commissioning"
    include_in_schema = False
    guards = [requires_role(Role.COMMISSIONER)]

    @get("/")
    async def index(self, request: Request, user: SignedInUser) -> Template | Response:
        async def build() -> Rendered:
            asked = request.query_params
            listed = await service.commissioning(user, asked.get("state"), asked.get("page"))

            def link(number: int) -> str:
                pairs = [("state", listed.state)] if listed.state else []
                return "/commissioning" + ("?" + urlencode(pairs + ([("page", number)] if number > 1 else [])) if pairs or number > 1 else "")

            listing = page("engagements/index.html", listed=listed, pagination=paging.pagination(listed.page.number, listed.page.pages, link), **_common())
            return Rendered(listing, until=None)  # stored states and dates only: nothing on it reads the clock

        return await users_copy(request, build)

    # --- The brief ------------------------------------------------------------------------------

    async def _brief_page(self, request: Request, user: SignedInUser, result: FormResult, engagement: Engagement | None = None) -> Template:
        lots = await service.live_lots(user)
        if engagement is not None:
            lots = [lot for lot in lots if lot["framework_id"] == engagement.framework]
        return page("engagements/brief_form.html", result, lots=lots, engagement=engagement, choices=_choices(), **_common())

    @get("/new")
    async def new_brief(self, request: Request, user: SignedInUser) -> Template:
        """A new brief; `lot` (from a supplier's page in the directory) chooses its lot."""
        service.check_commissioner(user)
        lot = request.query_params.get("lot", "")
        return await self._brief_page(request, user, FormResult(data=None, values={"lot": lot} if is_whole_number(lot) else {}))

    @post("/new")
    async def create_brief(self, request: Request, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        service.check_commissioner(user)
        result = await read_form(request, BriefForm)
        if result.ok:
            try:
                engagement = await service.create_brief(user, result.data.brief())
                return Redirect(f"/commissioning/{engagement.reference}", status_code=303)
            except service.EngagementError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._brief_page(request, user, result)

    @get("/{reference:str}/brief")
    async def edit_brief(self, request: Request, reference: FromPath[str], user: SignedInUser) -> Template | Redirect:
        engagement = await service.for_buyer(user, reference)
        if not lifecycle.capabilities(engagement, clock.received()).may_prepare:
            return Redirect(f"/commissioning/{reference}", status_code=303)
        return await self._brief_page(request, user, FormResult(data=None, values=_brief_values(engagement)), engagement)

    @post("/{reference:str}/brief")
    async def save_brief(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        engagement = await service.for_buyer(user, reference)
        result = await read_form(request, BriefForm)
        if result.ok:
            try:
                await service.update_brief(user, reference, result.data.brief())
                return Redirect(f"/commissioning/{reference}", status_code=303)
            except service.EngagementError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._brief_page(request, user, result, engagement)

    # --- The engagement -------------------------------------------------------------------------

    async def _show(self, engagement: Engagement, result: FormResult | None = None) -> Template:
        context = await service.context(engagement)
        standing = await service.competition(engagement, engagement.buyer)
        return page(
            "engagements/show.html", result or FormResult(data=None), engagement=engagement,
            warning=await service.budget_warning(engagement.lot, engagement.budget_pence) if lifecycle.capabilities(engagement, clock.received()).may_prepare else None,
            criteria=standing.criteria, standing=standing, reach=await service.reach_of(engagement.id),
            award_notice=award_notices.award_notice(engagement, context["framework"], context["lot"].number, context["organisation_names"]),
            review=await service.review_of(engagement.id), appointed=(await service.appointed_counts([engagement.lot]))[engagement.lot],
            CallOffRoute=CallOffRoute, **context, **_common(),
        )

    @get("/{reference:str}")
    async def show(self, request: Request, reference: FromPath[str], user: SignedInUser) -> Template | Response:
        async def build() -> Rendered:
            engagement = await service.for_buyer(user, reference)
            return Rendered(await self._show(engagement), until=lifecycle.next_moment(engagement, clock.received()))

        return await users_copy(request, build)

    async def _act(self, user: SignedInUser, settings: AppSettings, reference: str, action) -> Template | Redirect:
        """A button on the engagement page: back to it, or the page again with the refusal."""
        await service.for_buyer(user, reference)
        try:
            await action(user, reference)
        except service.EngagementError as problem:
            return await self._show(await service.for_buyer(user, reference), add_problem(FormResult(data=None), problem, settings.zone))
        return Redirect(f"/commissioning/{reference}", status_code=303)

    @post("/{reference:str}/invite")
    async def invite(self, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        return await self._act(user, settings, reference, lambda user, ref: service.invite(user, ref, zone=settings.zone))

    @post("/{reference:str}/start")
    async def start_delivery(self, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        return await self._act(user, settings, reference, service.start_delivery)

    # --- Direct award ---------------------------------------------------------------------------

    async def _direct_award_page(self, request: Request, engagement: Engagement, result: FormResult | None = None) -> Template:
        found = await service.candidates(engagement)
        proposed = service.proposal(found)
        if result is None:
            result = FormResult(data=None, values={"supplier": str(proposed.organisation_id) if proposed else "", "price": _amount(engagement.budget_pence)})
        context = await service.context(engagement)
        allowed = str(CallOffRoute.DIRECT_AWARD) in context["framework"].call_off_routes
        return page(
            "engagements/direct_award.html", result, engagement=engagement, candidates=found, proposed=proposed, allowed=allowed, **context, **_common(),
        )

    @get("/{reference:str}/direct-award")
    async def direct_award_form(self, request: Request, reference: FromPath[str], user: SignedInUser) -> Template:
        return await self._direct_award_page(request, await service.for_buyer(user, reference))

    @post("/{reference:str}/direct-award")
    async def direct_award(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        engagement = await service.for_buyer(user, reference)
        result = await read_form(request, DirectAwardForm)
        if result.ok:
            try:
                if not await confirmed(request):
                    _, _, chosen, _ = await service.direct_award_choice(
                        user, reference, int(result.data.supplier), result.data.price_pence(), result.data.reason,
                    )
                    return self._confirm_award(engagement, chosen.name, pounds(result.data.price_pence()), result.values, "direct-award")
                await service.direct_award(
                    user, reference, supplier_id=int(result.data.supplier), price_pence=result.data.price_pence(), reason=result.data.reason,
                )
                return Redirect(f"/commissioning/{reference}", status_code=303)
            except service.EngagementError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._direct_award_page(request, engagement, result)

    # --- Mini-competition -----------------------------------------------------------------------

    async def _competition_page(self, settings: AppSettings, engagement: Engagement, result: FormResult | None = None) -> Template:
        criteria = await service.criteria_of(engagement.id)
        if result is None:
            values = {"price_weight": "" if engagement.price_weight is None else str(engagement.price_weight)}
            for n, criterion in enumerate(criteria, start=1):
                values.update({
                    f"criterion_{n}_source": "" if criterion.source is None else str(criterion.source),
                    f"criterion_{n}_name": criterion.name, f"criterion_{n}_weight": str(criterion.weight),
                })
            if engagement.response_deadline:
                local = engagement.response_deadline.astimezone(settings.zone)
                values.update({
                    "deadline_day": str(local.day), "deadline_month": str(local.month), "deadline_year": str(local.year), "deadline_time": local.strftime("%H:%M"),
                })
            result = FormResult(data=None, values=values)
        context = await service.context(engagement)
        allowed = str(CallOffRoute.MINI_COMPETITION) in context["framework"].call_off_routes
        lot_terms = await calloff_criteria.lot_terms(context["framework"], context["lot"])
        return page(
            "engagements/competition_form.html", result, engagement=engagement, slots=range(1, service.MAX_CRITERIA + 1), allowed=allowed,
            lot_terms=lot_terms, bound=calloff_criteria.WEIGHT_BOUND, law=calloff_criteria.source(context["framework"]),
            appointed=(await service.appointed_counts([engagement.lot]))[engagement.lot], **context, **_common(),
        )

    @get("/{reference:str}/competition")
    async def competition_form(self, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template:
        return await self._competition_page(settings, await service.for_buyer(user, reference))

    @post("/{reference:str}/competition")
    async def set_up_competition(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        engagement = await service.for_buyer(user, reference)
        result = await read_form(request, CompetitionForm)
        if result.ok:
            try:
                await service.set_up_competition(
                    user, reference, criteria=result.data.criteria(), price_weight=int(result.data.price_weight),
                    deadline=result.data.deadline_in(settings.zone),
                )
                return Redirect(f"/commissioning/{reference}", status_code=303)
            except service.EngagementError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._competition_page(settings, engagement, result)

    async def _responses_page(self, request: Request, engagement: Engagement, errors: dict | None = None, submitted: dict | None = None) -> Template:
        """Who answered, the ranking, each response to open and score on its own page, and the award."""
        standing = await service.competition(engagement, engagement.buyer)
        context = await service.context(engagement)
        return page(
            "engagements/responses.html", FormResult(data=None, errors=errors or {}, values=submitted or {}), engagement=engagement, standing=standing,
            rules=scoring.RULES, scale_max=scoring.SCALE_MAX, Status=InvitationStatus,
            saved=_saved(request, standing), **context, **_common(),
        )

    @get("/{reference:str}/responses")
    async def responses(self, request: Request, reference: FromPath[str], user: SignedInUser) -> Template:
        return await self._responses_page(request, await service.for_buyer(user, reference))

    async def _response_page(
        self, request: Request, engagement: Engagement, invitation_id: int, errors: dict | None = None, submitted: dict | None = None,
    ) -> Template:
        """One response, readable once the deadline has passed, with its scores: one form a page, so
        saving one supplier's scores never loses what was typed for another."""
        standing = await service.competition(engagement, engagement.buyer)
        responded = [view for view in standing.responses if view.responded and view.readable]
        index = next((i for i, view in enumerate(responded) if view.invitation.id == invitation_id), None)
        if index is None:
            raise NotFoundException("There is no such response to read")
        view = responded[index]
        values = {f"score-{criterion_id}": str(mark.score) for criterion_id, mark in view.scores.items()}
        values |= {f"note-{criterion_id}": mark.note for criterion_id, mark in view.scores.items()}
        context = await service.context(engagement)
        return page(
            "engagements/response.html", FormResult(data=None, errors=errors or {}, values={**values, **(submitted or {})}), engagement=engagement,
            standing=standing, view=view, position=index + 1, count=len(responded),
            previous=responded[index - 1] if index > 0 else None, next=responded[index + 1] if index + 1 < len(responded) else None,
            scale_max=scoring.SCALE_MAX, saved=_saved(request, standing), **context, **_common(),
        )

    @get("/{reference:str}/responses/{invitation_id:int}")
    async def response(self, request: Request, reference: FromPath[str], invitation_id: FromPath[int], user: SignedInUser) -> Template:
        return await self._response_page(request, await service.for_buyer(user, reference), invitation_id)

    @post("/{reference:str}/responses/{invitation_id:int}/scores")
    async def score(self, request: Request, reference: FromPath[str], invitation_id: FromPath[int], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        engagement = await service.for_buyer(user, reference)
        form = await request.form()
        marks, submitted = {}, {}
        for criterion in await service.criteria_of(engagement.id):
            score, note = str(form.get(f"score-{criterion.id}") or ""), str(form.get(f"note-{criterion.id}") or "")
            marks[criterion.id] = (score, note)
            submitted.update({f"score-{criterion.id}": score, f"note-{criterion.id}": note})
        try:
            await service.record_scores(user, reference, invitation_id, marks)
        except service.EngagementError as problem:
            field = problem.field.replace(f"score-{invitation_id}-", "score-") if problem.field.startswith("score-") else "response"
            errors = add_problem(FormResult(data=None), problem, settings.zone, field_name=field).errors
            return await self._response_page(request, engagement, invitation_id, errors, submitted)
        unscored = (await service.competition(engagement, engagement.buyer)).unscored
        following = next((r.invitation_id for r in unscored if r.invitation_id != invitation_id), None)
        if following is not None:
            return Redirect(f"/commissioning/{reference}/responses/{following}?saved={invitation_id}", status_code=303)
        return Redirect(f"/commissioning/{reference}/responses?saved={invitation_id}#ranking", status_code=303)

    @post("/{reference:str}/award")
    async def award(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        engagement = await service.for_buyer(user, reference)
        result = await read_form(request, AwardForm)
        if result.ok:
            try:
                if not await confirmed(request):
                    _, _, chosen, _ = await service.competition_choice(user, reference, int(result.data.response), result.data.reason)
                    return self._confirm_award(engagement, chosen.supplier, pounds(chosen.price_pence), result.values, "award")
                await service.award_competition(user, reference, invitation_id=int(result.data.response), reason=result.data.reason)
                return Redirect(f"/commissioning/{reference}", status_code=303)
            except service.EngagementError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._responses_page(request, engagement, result.errors, result.values)

    def _confirm_award(self, engagement: Engagement, supplier: str, price: str, values: dict, action: str) -> Template:
        base = f"/commissioning/{engagement.reference}"
        return confirmation(Confirmation(
            title=f"Award {engagement.reference} to {supplier}", caption=engagement.title,
            rows=[{"key": {"text": "Supplier"}, "value": {"text": supplier}}, {"key": {"text": "Price"}, "value": {"text": price}},
                  *([{"key": {"text": "Reason"}, "value": {"text": values["reason"]}}] if values.get("reason") else [])],
            warning=f"An award cannot be undone. {supplier} is told it has the work, any other supplier invited is told the outcome, "
                    "and the award is published in the open data.",
            action=f"{base}/{action}", button="Award the engagement", back=f"{base}/{'responses' if action == 'award' else action}",
            fields={name: str(value) for name, value in values.items() if value is not None},
        ))

    # --- Completion, cancellation, review -------------------------------------------------------

    async def _form_page(self, template: str, request: Request, engagement: Engagement, result: FormResult | None = None) -> Template:
        context = await service.context(engagement)
        return page(template, result or FormResult(data=None), engagement=engagement, review=await service.review_of(engagement.id), **context, **_common())

    @get("/{reference:str}/complete")
    async def completion_form(self, request: Request, reference: FromPath[str], user: SignedInUser) -> Template:
        return await self._form_page("engagements/complete.html", request, await service.for_buyer(user, reference))

    @post("/{reference:str}/complete")
    async def complete(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        engagement = await service.for_buyer(user, reference)
        form = await request.form()
        reach = {code: str(form.get(f"reach-{code}") or "") for code in engagement.groups}
        deliverables = str(form.get("deliverables") or "")
        try:
            await service.complete(user, reference, reach=reach, deliverables=deliverables)
        except service.EngagementError as problem:
            values = {**{f"reach-{code}": value for code, value in reach.items()}, "deliverables": deliverables}
            result = add_problem(FormResult(data=None, values=values), problem, settings.zone)
            return await self._form_page("engagements/complete.html", request, engagement, result)
        return Redirect(f"/commissioning/{reference}", status_code=303)

    @get("/{reference:str}/cancel")
    async def cancel_form(self, request: Request, reference: FromPath[str], user: SignedInUser) -> Template:
        return await self._form_page("engagements/cancel.html", request, await service.for_buyer(user, reference))

    @post("/{reference:str}/cancel")
    async def cancel(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        engagement = await service.for_buyer(user, reference)
        result = await read_form(request, CancelForm)
        if result.ok:
            try:
                await service.cancel(user, reference, reason=result.data.reason)
                return Redirect(f"/commissioning/{reference}", status_code=303)
            except service.EngagementError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._form_page("engagements/cancel.html", request, engagement, result)

    @get("/{reference:str}/review")
    async def review_form(self, request: Request, reference: FromPath[str], user: SignedInUser) -> Template:
        return await self._form_page("engagements/review.html", request, await service.for_buyer(user, reference))

    @post("/{reference:str}/review")
    async def review(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        engagement = await service.for_buyer(user, reference)
        result = await read_form(request, ReviewForm)
        if result.ok:
            try:
                await service.review(user, reference, ratings=result.data.ratings(), comments=result.data.comments)
                return Redirect(f"/commissioning/{reference}", status_code=303)
            except service.EngagementError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._form_page("engagements/review.html", request, engagement, result)


class SupplierEngagementsController(Controller):
    """A supplier organisation's invitations and engagements: its own only."""

    path = "/organisation/engagements"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/")
    async def index(self, request: Request, user: SignedInUser) -> Template | Response:
        async def build() -> Rendered:
            found = await service.supplier_engagements(user)
            listing = page("engagements/supplier_index.html", found=found, Status=InvitationStatus, **_common())
            return Rendered(listing, until=None)  # stored states and dates only: nothing on it reads the clock

        return await users_copy(request, build)

    async def _show(self, user: SignedInUser, reference: str, result: FormResult | None = None) -> Template:
        engagement, invitation = await service.for_supplier(user, reference)
        if result is None:
            result = FormResult(data=None, values={
                "proposal": invitation.proposal or "", "price": _amount(invitation.price_pence),
            } if invitation else {})
        context = await service.context(engagement)
        return page(
            "engagements/supplier_show.html", result, engagement=engagement, invitation=invitation, review=await service.review_of(engagement.id),
            ours=engagement.supplier == user.organisation_id, Status=InvitationStatus,
            criteria=await service.criteria_of(engagement.id), reach=await service.reach_of(engagement.id), **context, **_common(),
        )

    @get("/{reference:str}")
    async def show(self, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template:
        return await self._show(user, reference)

    async def _answer(self, request: Request, user: SignedInUser, settings: AppSettings, reference: str, form, action) -> Template | Redirect:
        await service.for_supplier(user, reference)
        result = await read_form(request, form)
        if result.ok:
            try:
                await action(user, result.data)
                return Redirect(f"/organisation/engagements/{reference}", status_code=303)
            except service.EngagementError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._show(user, reference, result)

    @post("/{reference:str}/accept")
    async def accept(self, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        await service.for_supplier(user, reference)
        try:
            await service.accept(user, reference, zone=settings.zone)
        except service.EngagementError as problem:
            return await self._show(user, reference, add_problem(FormResult(data=None), problem, settings.zone))
        return Redirect(f"/organisation/engagements/{reference}", status_code=303)

    @post("/{reference:str}/decline")
    async def decline(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        return await self._answer(
            request, user, settings, reference, DeclineForm,
            lambda user, data: service.decline(user, reference, reason=data.decline_reason, zone=settings.zone),
        )

    @post("/{reference:str}/respond")
    async def respond(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        return await self._answer(
            request, user, settings, reference, ResponseForm,
            lambda user, data: service.respond(user, reference, proposal=data.proposal, price_pence=data.price_pence(), zone=settings.zone),
        )

    @post("/{reference:str}/reply")
    async def reply(self, request: Request, reference: FromPath[str], user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        return await self._answer(request, user, settings, reference, ReplyForm, lambda user, data: service.reply(user, reference, text=data.reply))

