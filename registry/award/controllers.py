"""The award pages: procurement officers' results, proposals, approvals, notifying bidders,
challenges and appointment (/manage/frameworks/{reference}/award), and each bidder's debrief letter
(/frameworks/{reference}/debrief/{lot})."""

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry import clock
from registry.accounts.auth import SignedInUser, requires_role
from registry.accounts.tables import Role
from registry.award import results as scoring
from registry.award import service
from registry.award import withholding
from registry.award.schemas import ChallengeForm, ProposalForm, WithholdingForm
from registry.frameworks import community_benefits, lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import RULES
from registry.frameworks.tables import State
from registry.web.forms import FormResult, add_problem, read_form
from registry.web.pages import page
from registry.errors import Refused
from registry.frameworks.dependencies import OFFICER_FRAMEWORK, OfficersFramework
from registry.web.dependencies import AppSettings


def _problem_status(problem: Exception) -> int:
    return 403 if isinstance(problem, Refused) else 400


class AwardController(Controller):
    path = "/manage/frameworks/{reference:str}/award"
    include_in_schema = False
    guards = [requires_role(Role.PROCUREMENT_OFFICER)]
    dependencies = OFFICER_FRAMEWORK

    async def _overview(
        self, user: SignedInUser, settings: AppSettings, reference: str, problem: str | None = None, status_code: int = 200,
        benefits_error: str | None = None, benefits_given: str = "",
    ) -> Template:
        """The award's overview (for a handler given the officer's framework, which checks the officer)."""
        framework, lots = await service.overview(user, reference, settings.abnormally_low_share)
        facts = await frameworks.facts_for(framework)
        challenges = await service.challenges(framework.id)
        return page(
            "award/overview.html", framework=framework, lots=lots, labels=lifecycle.LABELS, regime=RULES[framework.regime],
            names=await service.user_names(*[lot.proposal.proposed_by for lot in lots if lot.proposal], *[lot.proposal.approved_by for lot in lots if lot.proposal]),
            standstill_preview=service.standstill_preview(framework, settings.zone) if framework.state == State.AWARD_APPROVED else None,
            approval_problems=facts.extra_problems.get(State.AWARD_APPROVED, []) if framework.state == State.MODERATION else [],
            open_challenges=[c for c in challenges if c.resolved_at is None], challenges=challenges,
            standstill_over=framework.standstill_ends_at is not None and clock.now() >= framework.standstill_ends_at,
            appointments=await service.appointments(framework.id), problem=problem, status_code=status_code,
            benefits_needed=community_benefits.award_statement_needed(framework), benefits_error=benefits_error, benefits_given=benefits_given,
        )

    @get("/")
    async def overview(self, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template:
        return await self._overview(user, settings, reference)

    # --- A lot's results, proposal and approval -------------------------------------------------

    async def _lot_page(
        self, user: SignedInUser, settings: AppSettings, reference: str, lot: int, result: FormResult | None = None, status_code: int = 200,
        errors: dict | None = None, keep_proposal: bool = False,
    ) -> Template:
        """A lot's award (for a handler given the officer's framework, which checks the officer)."""
        framework, lot_award = await service.lot_award(user, reference, lot, settings.abnormally_low_share)
        proposal = lot_award.proposal
        if result is None or keep_proposal:  # the proposal's form shows what is proposed unless it was the form sent
            chosen = lot_award.chosen if lot_award.proposal else (lot_award.results.default_choice() if lot_award.results else [])
            proposed = {
                "tenders": [str(t) for t in chosen], "reason": (proposal.reason or "") if proposal else "",
                "low_price_note": (proposal.low_price_note or "") if proposal else "",
            }
            result = FormResult(data=None, errors={**(errors or {}), **(result.errors if result else {})}, values={**proposed, **(result.values if result else {})})
        withheld = await service.withholdings(lot_award.lot.id)
        return page(
            "award/lot.html", result, status_code=status_code, framework=framework, lot_award=lot_award, results=lot_award.results,
            names=await service.user_names(proposal.proposed_by, proposal.approved_by) if proposal else {},
            user_id=user.id, debriefs=await service.debriefs_of(framework.id),
            rules=[scoring.ROUNDING_RULE, scoring.TIE_BREAK_RULE], can_propose=framework.state == State.MODERATION and not lot_award.approved,
            withheld=withheld, withheld_by=await service.user_names(*[w["withheld_by"] for w in withheld]),
            withheld_keys={f"{w['tender']}:{w['criterion_id']}:{w['part']}" for w in withheld}, may_withhold=await service.may_withhold(framework),
            withholding=withholding.RULES[framework.regime], withheld_text=withholding.withheld_text,
        )

    @get("/lots/{lot:int}")
    async def lot(self, reference: FromPath[str], lot: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template:
        return await self._lot_page(user, settings, reference, lot)

    @post("/lots/{lot:int}/propose")
    async def propose(self, request: Request, reference: FromPath[str], lot: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        result = await read_form(request, ProposalForm)
        if result.ok:
            try:
                await service.propose(
                    user, reference, lot, result.data.tender_ids(), reason=result.data.reason,
                    low_price_note=result.data.low_price_note, abnormally_low_share=settings.abnormally_low_share,
                )
                return Redirect(f"/manage/frameworks/{reference}/award/lots/{lot}", status_code=303)
            except service.AwardError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._lot_page(user, settings, reference, lot, result)

    @post("/lots/{lot:int}/approve")
    async def approve(self, reference: FromPath[str], lot: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        try:
            await service.approve(user, reference, lot)
        except (service.AwardError, Refused, frameworks.TransitionBlocked) as problem:  # told on the lot's page
            return await self._lot_page(user, settings, reference, lot, errors={"approve": str(problem)}, status_code=_problem_status(problem))
        return Redirect(f"/manage/frameworks/{reference}/award", status_code=303)

    @post("/lots/{lot:int}/withholdings")
    async def withhold(self, request: Request, reference: FromPath[str], lot: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        result = await read_form(request, WithholdingForm)
        if result.ok:
            tender_id, criterion_id, part = result.data.target()
            try:
                await service.withhold(user, reference, lot, tender_id=tender_id, criterion_id=criterion_id, part=part, reason=result.data.withhold_reason or "")
                return Redirect(f"/manage/frameworks/{reference}/award/lots/{lot}#withholding", status_code=303)
            except service.AwardError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._lot_page(user, settings, reference, lot, result, keep_proposal=True)

    @post("/lots/{lot:int}/withholdings/{withholding_id:int}/disclose")
    async def disclose_again(self, reference: FromPath[str], lot: FromPath[int], withholding_id: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        try:
            await service.disclose_again(user, reference, lot, withholding_id)
        except service.AwardError as problem:
            return await self._lot_page(user, settings, reference, lot, errors={problem.field: str(problem)})
        return Redirect(f"/manage/frameworks/{reference}/award/lots/{lot}#withholding", status_code=303)

    @get("/lots/{lot:int}/debriefs/{tender_id:int}")
    async def debrief(self, reference: FromPath[str], lot: FromPath[int], tender_id: FromPath[int], framework: OfficersFramework, user: SignedInUser) -> Template:
        debrief = await service.debrief_for_officer(user, reference, lot, tender_id)
        if debrief is None:
            raise NotFoundException("There is no debrief letter for that tender: bidders get their letters when they are notified")
        return page(
            "award/debrief.html", letter=service.letter(debrief), officer_view=True, last_day=service.last_day_text(service.letter(debrief)),
            back=f"/manage/frameworks/{reference}/award/lots/{lot}", withheld_text=withholding.withheld_text,
        )

    # --- Notifying, challenges, appointing ------------------------------------------------------

    @post("/notify")
    async def notify(self, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        try:
            await service.notify_bidders(user, reference, zone=settings.zone, abnormally_low_share=settings.abnormally_low_share)
        except (service.AwardError, Refused, frameworks.TransitionBlocked, lifecycle.IllegalTransition) as problem:
            return await self._overview(user, settings, reference, str(problem), status_code=_problem_status(problem))
        return Redirect(f"/manage/frameworks/{reference}/award", status_code=303)

    @post("/appoint")
    async def appoint(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        delivered = str((await request.form()).get("community_benefits_delivered") or "")
        try:
            await service.appoint(user, reference, zone=settings.zone, community_benefits_delivered=delivered)
        except service.AwardError as problem:
            if problem.field != "community_benefits_delivered":
                return await self._overview(user, settings, reference, str(problem), status_code=_problem_status(problem))
            return await self._overview(
                user, settings, reference, str(problem), status_code=400, benefits_error=str(problem), benefits_given=delivered,
            )
        except (Refused, frameworks.TransitionBlocked, lifecycle.IllegalTransition) as problem:
            return await self._overview(user, settings, reference, str(problem), status_code=_problem_status(problem))
        return Redirect(f"/manage/frameworks/{reference}/award", status_code=303)

    async def _challenges_page(self, framework: OfficersFramework, result: FormResult | None = None, status_code: int = 200) -> Template:
        challenges = await service.challenges(framework.id)
        bidders = await service.bidders(framework)
        return page(
            "award/challenges.html", result or FormResult(data=None), status_code=status_code, framework=framework, challenges=challenges,
            bidders=bidders, bidder_names={b["id"]: b["name"] for b in bidders},
            names=await service.user_names(*[c.recorded_by for c in challenges], *[c.resolved_by for c in challenges]),
        )

    @get("/challenges")
    async def challenges(self, reference: FromPath[str], framework: OfficersFramework) -> Template:
        return await self._challenges_page(framework)

    @post("/challenges")
    async def record_challenge(self, request: Request, reference: FromPath[str], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        result = await read_form(request, ChallengeForm)
        if result.ok:
            try:
                await service.record_challenge(user, reference, organisation_id=result.data.organisation_id(), details=result.data.details)
                return Redirect(f"/manage/frameworks/{reference}/award/challenges", status_code=303)
            except service.AwardError as problem:
                result = add_problem(result, problem, settings.zone)
        return await self._challenges_page(framework, result)

    @post("/challenges/{challenge_id:int}/resolve")
    async def resolve_challenge(self, request: Request, reference: FromPath[str], challenge_id: FromPath[int], framework: OfficersFramework, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        resolution = str((await request.form()).get("resolution") or "")
        try:
            await service.resolve_challenge(user, reference, challenge_id, resolution=resolution)
        except service.AwardError as problem:
            field = f"resolution-{challenge_id}"
            result = add_problem(FormResult(data=None, values={field: resolution}), problem, settings.zone, field_name=field)
            return await self._challenges_page(framework, result)
        return Redirect(f"/manage/frameworks/{reference}/award/challenges", status_code=303)


class DebriefController(Controller):
    """A bidder's own debrief letter: only its organisation's suppliers read it."""

    path = "/frameworks/{reference:str}/debrief"
    include_in_schema = False
    guards = [requires_role(Role.SUPPLIER)]

    @get("/{lot:int}")
    async def letter(self, reference: FromPath[str], lot: FromPath[int], user: SignedInUser) -> Template:
        debrief = await service.debrief_for_supplier(user, reference, lot)
        if debrief is None:
            raise NotFoundException("Your organisation has no debrief letter for this lot")
        letter = service.letter(debrief)
        return page(
            "award/debrief.html", letter=letter, officer_view=False, last_day=service.last_day_text(letter), back=f"/frameworks/{reference}",
            withheld_text=withholding.withheld_text,
        )
