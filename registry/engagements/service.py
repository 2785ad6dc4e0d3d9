"""Engagements (call-offs): a commissioner's brief under a live framework's lot, awarded directly to
an appointed supplier or by a mini-competition among them, then delivered, completed and reviewed.

Commissioners of the buying organisation manage its engagements; suppliers see only their own
invitations and engagements. Each action is one transaction, audited; a refused action changes
nothing, and the refusal is audited. The server clock decides the response deadline."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count

from registry import clock, db
from registry.dates import LONDON, local_time
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Organisation, OrganisationKind, Role, User
from registry.audit import service as audit
from registry.award.tables import Appointment
from registry.criteria.tables import Criterion
from registry.engagements import award_notices, calloff_criteria, lifecycle, scoring
from registry.engagements.capacity import active_counts, places_left
from registry.engagements.sealing import deadline_passed, may_read_response
from registry.engagements.tables import (
    COMMITTED_STATES, MEASURES, BriefCriterion, Engagement, EngagementState, Invitation, InvitationStatus, PerformanceReview, Reach, ResponseScore,
)
from registry.errors import Refused, RuleBroken
from registry.frameworks import eligibility
from registry.frameworks import service as frameworks
from registry.frameworks.tables import CallOffRoute, Framework, Lot, State
from registry.hooks import Hook
from registry.money import pounds
from registry.notifications import service as notifications
from registry.reference import taxonomies
from registry.suppliers.tables import SupplierProfile
from registry import links
from registry.numbers import is_whole_number
from registry.paging import Page, page_of
from registry import errors

S = EngagementState
LABELS = {
    S.DRAFT: "Draft", S.INVITED: "Invited to respond", S.AWARDED: "Awarded", S.IN_DELIVERY: "In delivery", S.COMPLETED: "Completed", S.CANCELLED: "Cancelled",
}
ROUTE_NAMES = {CallOffRoute.DIRECT_AWARD: "direct award", CallOffRoute.MINI_COMPETITION: "mini-competition"}
MAX_CRITERIA = 5
MAX_ID = 2**31 - 1  # ids and counts are 32-bit integers in the database
MAX_PARTICIPANTS = 1_000_000

# An engagement took a step the public may read of: (reference, event, previous state). Open data
# publishes its OCDS release (registered by registry.opendata.stage).
step_published: Hook[[str, str, str | None], object] = Hook("an engagement's step was published")


class EngagementError(RuleBroken):
    """A rule was broken; the message says which, and `field` where to show it."""
    field = "engagement"


class ResponseDeadlinePassed(errors.DeadlinePassed, EngagementError):
    def __init__(self, deadline: datetime, field: str):
        super().__init__(
            deadline, "The response deadline has passed: answers are no longer accepted",
            explanation="The response deadline passed at {deadline}: answers are no longer accepted", field=field,
        )


Missing = errors.Missing  # there is no such engagement or response (404)


def label(state: str) -> str:
    return LABELS[S(state)]


# --- Who may ------------------------------------------------------------------------------------


def check_commissioner(user: CurrentUser) -> None:
    if not user.has_role(Role.COMMISSIONER) or user.organisation_kind != OrganisationKind.AUTHORITY:
        raise Refused("Only commissioners of a contracting authority commission engagements")


async def _engagement(reference: str, lock: bool = False) -> Engagement:
    query = Engagement.objects().where(Engagement.reference == reference)
    engagement = await (db.for_update(query) if lock else query).first()
    if engagement is None:
        raise Missing(f"There is no engagement {reference}")
    return engagement


async def for_buyer(user: CurrentUser, reference: str, lock: bool = False) -> Engagement:
    """The engagement, for a commissioner of the organisation that commissioned it."""
    check_commissioner(user)
    engagement = await _engagement(reference, lock)
    if engagement.buyer != user.organisation_id:
        raise Refused("This engagement belongs to another organisation")
    return engagement


async def for_supplier(user: CurrentUser, reference: str, lock: bool = False) -> tuple[Engagement, Invitation | None]:
    """The engagement and the organisation's invitation to it, for a supplier invited to it or awarded it."""
    if not user.has_role(Role.SUPPLIER):
        raise Refused("Only suppliers answer invitations")
    engagement = await _engagement(reference)
    query = Invitation.objects().where((Invitation.engagement == engagement.id) & (Invitation.organisation == user.organisation_id))
    invitation = await (db.for_update(query) if lock else query).first()
    if invitation is None and engagement.supplier != user.organisation_id:
        raise Refused("Your organisation is not invited to this engagement")
    return engagement, invitation


async def readable(user: CurrentUser, reference: str) -> Engagement:
    """The engagement, for a commissioner of its buyer or a supplier invited to it or awarded it."""
    if user.has_role(Role.COMMISSIONER):
        return await for_buyer(user, reference)
    return (await for_supplier(user, reference))[0]


async def visible_to(user: CurrentUser) -> list[Engagement]:
    """The engagements the user may see, last changed first: a commissioner's organisation's, or a
    supplier's own (invited to or awarded)."""
    if user.has_role(Role.COMMISSIONER):
        found = await Engagement.objects().where(Engagement.buyer == user.organisation_id)
    else:
        found = [e for rows in (await supplier_engagements(user)).values() for e, _ in rows]
    return sorted(found, key=lambda e: e.updated_at, reverse=True)


async def responses_for(user: CurrentUser, engagement: Engagement) -> list["ResponseView"]:
    """The invitations and responses as the user may see them: every one for the buyer (the proposal
    and price once the response deadline has passed); a supplier's own organisation's only."""
    views = (await competition(engagement, user.organisation_id)).responses
    return views if user.organisation_id == engagement.buyer else [v for v in views if v.invitation.organisation == user.organisation_id]


def _action(user: CurrentUser, reference: str | None, name: str):
    """One action on an engagement (registry.audit.actions): a refusal is audited as engagement.refused."""
    return audit.action(name, refused_as="engagement.refused", actor=user.actor, object_type="engagement", object_id=reference, refusals=(EngagementError, Refused))


def _move(engagement: Engagement, target: EngagementState, field: str = "engagement") -> None:
    if lifecycle.transition_for(engagement.state, target) is None:
        raise EngagementError(f"The engagement is {label(engagement.state).lower()}: it cannot become {label(target).lower()}", field)


def _require_state(engagement: Engagement, state: EngagementState, doing: str, field: str = "engagement") -> None:
    if engagement.state != state:
        raise EngagementError(f"{doing} is only possible when the engagement is {label(state).lower()}; it is {label(engagement.state).lower()}", field)


async def _open_data(reference: str, event: str, previous_state: str | None = None) -> None:
    """Publish the step's OCDS release, in the action's transaction."""
    await step_published.run(reference, event, previous_state)


def check_route(framework: Framework, route: CallOffRoute, field: str = "route") -> None:
    if str(route) not in framework.call_off_routes:
        allowed = " or ".join(ROUTE_NAMES[CallOffRoute(r)] for r in framework.call_off_routes) or "no call-off route"
        raise EngagementError(f"{framework.reference} does not allow {ROUTE_NAMES[route]}: its rules allow only {allowed}", field)


async def _organisation_emails(organisation_id: int, preference: str | None = None) -> list[str]:
    users = await User.select(User.id, User.email).where((User.organisation == organisation_id) & User.is_active.eq(True))
    opted_out = await notifications.opted_out(preference, [u["id"] for u in users]) if preference else set()
    return [u["email"] for u in users if u["id"] not in opted_out]


async def _tell(organisation_id: int, subject: str, body: str, preference: str | None = None) -> None:
    for email in await _organisation_emails(organisation_id, preference):
        await notifications.enqueue(recipient=email, subject=subject, body=body)


def supplier_link(reference: str) -> str:
    return links.absolute(f"/organisation/engagements/{reference}")


# --- The brief ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Brief:
    lot_id: int
    title: str
    objectives: str = ""
    groups: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    participants_target: int | None = None
    methods: tuple[str, ...] = ()
    budget_pence: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None

    def columns(self) -> dict:
        return {
            Engagement.lot: self.lot_id, Engagement.title: self.title, Engagement.objectives: self.objectives,
            Engagement.groups: list(self.groups), Engagement.regions: list(self.regions), Engagement.participants_target: self.participants_target,
            Engagement.methods: list(self.methods), Engagement.budget_pence: self.budget_pence, Engagement.starts_on: self.starts_on,
            Engagement.ends_on: self.ends_on,
        }


async def appointed_counts(lot_ids: list[int]) -> dict[int, int]:
    rows = await Appointment.select(Appointment.lot).where(Appointment.lot.is_in(lot_ids)) if lot_ids else []
    counts = dict.fromkeys(lot_ids, 0)
    for row in rows:
        counts[row["lot"]] += 1
    return counts


async def live_lots(user: CurrentUser | None = None) -> list[dict]:
    """Every lot of every live framework, with how many suppliers are appointed to it: the brief's
    choices. For a commissioner, only the frameworks its authority is entitled to use (eligibility)."""
    rows = await Lot.select(
        Lot.id, Lot.number, Lot.title, Lot.framework.id.as_alias("framework_id"), Lot.framework.reference.as_alias("reference"),
        Lot.framework.title.as_alias("framework_title"),
    ).where(Lot.framework.state == State.LIVE).order_by(Lot.framework.reference).order_by(Lot.number)
    if user is not None:
        open_to = await eligibility.frameworks_open_to(user.organisation_id)
        rows = [row for row in rows if row["framework_id"] in open_to]
    counts = await appointed_counts([row["id"] for row in rows])
    return [{**row, "appointed": counts[row["id"]]} for row in rows]


async def _check_brief(user: CurrentUser, brief: Brief) -> tuple[Lot, Framework]:
    lot = await frameworks.lot_by_id(brief.lot_id) if 0 < brief.lot_id <= MAX_ID else None
    if lot is None:
        raise EngagementError("Choose the framework and lot to commission under", "lot")
    framework = await frameworks.by_id(lot.framework)
    if framework.state != State.LIVE:
        raise EngagementError(f"{framework.reference} is not live: engagements can be commissioned only under a live framework", "lot")
    if not await eligibility.may_award(framework, user.organisation_id):
        buyer = (await organisation_names([user.organisation_id])).get(user.organisation_id, "Your organisation")
        raise EngagementError(eligibility.not_entitled_message(framework, buyer), "lot")
    if not (await appointed_counts([lot.id]))[lot.id]:
        raise EngagementError(
            f"No suppliers are appointed to lot {lot.number} of {framework.reference}: choose a lot with appointed suppliers", "lot",
        )
    if not brief.title.strip():
        raise EngagementError("Enter the engagement's title", "title")
    if not brief.groups:
        raise EngagementError("Select the groups of people the engagement must reach", "groups")
    for taxonomy, values, what in (("groups", brief.groups, "groups"), ("regions", brief.regions, "regions"), ("engagement_methods", brief.methods, "methods")):
        try:
            taxonomies.check_codes(taxonomy, list(values), what)
        except ValueError as problem:
            raise EngagementError(str(problem), what) from None
    if brief.participants_target is not None and not 1 <= brief.participants_target <= MAX_PARTICIPANTS:
        raise EngagementError(f"Enter the number of participants as a whole number from 1 to {MAX_PARTICIPANTS:,}", "participants_target")
    if brief.budget_pence is not None and brief.budget_pence <= 0:
        raise EngagementError("Enter a budget of more than £0", "budget")
    if brief.starts_on and brief.ends_on and brief.ends_on < brief.starts_on:
        raise EngagementError("The end date must be the same as or after the start date", "ends_on")
    return lot, framework


async def create_brief(user: CurrentUser, brief: Brief) -> Engagement:
    async with _action(user, None, "create_brief"):
        check_commissioner(user)
        lot, framework = await _check_brief(user, brief)
        now = clock.now()
        engagement = Engagement(
            reference=await db.next_reference(Engagement.reference, f"{framework.reference}-E", series=f"engagements of {framework.id}"), framework=framework.id, buyer=user.organisation_id, created_by=user.id,
            state=S.DRAFT, created_at=now, updated_at=now, **{column._meta.name: value for column, value in brief.columns().items()},
        )
        await engagement.save()
        await audit.record(
            "engagement.brief_created", actor=user.actor, object_type="engagement", object_id=engagement.reference,
            payload={"framework": framework.reference, "lot": lot.number, "title": brief.title, "budget_pence": brief.budget_pence},
        )
    return engagement


async def update_brief(user: CurrentUser, reference: str, brief: Brief) -> Engagement:
    async with _action(user, reference, "update_brief"):
        engagement = await for_buyer(user, reference, lock=True)
        _require_state(engagement, S.DRAFT, "Changing the brief", "title")
        lot, framework = await _check_brief(user, brief)
        if framework.id != engagement.framework:
            raise EngagementError("A brief stays under its framework: choose one of its lots, or create a new brief", "lot")
        await Engagement.update({**brief.columns(), Engagement.updated_at: clock.now()}).where(Engagement.id == engagement.id)
        await audit.record(
            "engagement.brief_changed", actor=user.actor, object_type="engagement", object_id=reference,
            payload={"lot": lot.number, "title": brief.title, "budget_pence": brief.budget_pence},
        )
    return await _engagement(reference)


async def remaining_value_pence(lot_id: int) -> tuple[int | None, str]:
    """What is left of the lot's estimated value (or, when the lot has none, the framework's) after the
    engagements awarded, in delivery or completed; None when neither has a value. Also which it is."""
    lot = await frameworks.lot_by_id(lot_id)
    if lot.estimated_value is not None:
        total, scope, whose = lot.estimated_value, Engagement.lot == lot.id, "lot"
    else:
        framework = await frameworks.by_id(lot.framework)
        if framework.estimated_value is None:
            return None, "framework"
        total, scope, whose = framework.estimated_value, Engagement.framework == framework.id, "framework"
    spent = await Engagement.select(Engagement.awarded_price_pence).where(
        scope & Engagement.state.is_in([str(s) for s in COMMITTED_STATES]) & Engagement.awarded_price_pence.is_not_null()
    ).output(as_list=True)
    return total * 100 - sum(spent), whose


async def budget_warning(lot_id: int, budget_pence: int | None) -> str | None:
    """A warning (not a refusal) when the budget is over what remains of the lot's value."""
    if budget_pence is None:
        return None
    remaining, whose = await remaining_value_pence(lot_id)
    if remaining is None or budget_pence <= remaining:
        return None
    return f"The budget of {pounds(budget_pence)} is more than the {whose}'s remaining value of {pounds(max(remaining, 0))}"


# --- Reading, for the commissioner --------------------------------------------------------------


@dataclass(frozen=True)
class EngagementLine:
    """What the commissioner's list shows of one engagement."""

    reference: str
    title: str
    state: str
    budget_pence: int | None
    updated_at: datetime


LINE_COLUMNS = (Engagement.reference, Engagement.title, Engagement.state, Engagement.budget_pence, Engagement.updated_at)


@dataclass(frozen=True)
class EngagementList:
    engagements: list[EngagementLine]  # one page, newest first
    counts: dict[str, int]  # the organisation's engagements in each state, in LABELS' order
    state: str | None  # the state listed; None for every state
    page: Page


async def commissioning(user: CurrentUser, state: str | None = None, page: str | int | None = None) -> EngagementList:
    """One page of the organisation's engagements, newest first: in one state, or all of them."""
    check_commissioner(user)
    mine = Engagement.buyer == user.organisation_id
    counted = await Engagement.select(Engagement.state, Count().as_alias("n")).where(mine).group_by(Engagement.state)
    counts = {str(label_state): 0 for label_state in LABELS} | {row["state"]: row["n"] for row in counted}
    state = state if state in counts else None
    shown = page_of(page, counts[state] if state else sum(counts.values()))
    rows = await Engagement.select(*LINE_COLUMNS).where(mine & (Engagement.state == state) if state else mine).order_by(
        Engagement.created_at, ascending=False
    ).order_by(Engagement.id, ascending=False).limit(shown.size).offset(shown.offset)
    return EngagementList([EngagementLine(**row) for row in rows], counts, state, shown)


async def context(engagement: Engagement) -> dict:
    """What every engagement page shows: the framework, the lot, the supplier's name."""
    framework = await frameworks.by_id(engagement.framework)
    lot = await frameworks.lot_by_id(engagement.lot)
    names = await organisation_names([i for i in (engagement.supplier, engagement.proposed_supplier, engagement.buyer) if i])
    return {"framework": framework, "lot": lot, "organisation_names": names}


async def call_off_award_notice(engagement: Engagement) -> award_notices.CallOffAwardNotice | None:
    """The engagement's call-off award notice (Scotland, £50,000 or more), or None."""
    framework = await frameworks.by_id(engagement.framework)
    if not award_notices.needs_award_notice(framework, engagement.awarded_price_pence) or engagement.awarded_at is None:
        return None
    lot = await frameworks.lot_by_id(engagement.lot)
    names = await organisation_names([i for i in (engagement.supplier, engagement.buyer) if i])
    return award_notices.award_notice(engagement, framework, lot.number, names)


async def published_award_notice(framework_reference: str, reference: str) -> award_notices.CallOffAwardNotice | None:
    """The public's call-off award notice of an engagement under the framework, or None when there is none."""
    engagement = await Engagement.objects().where(Engagement.reference == reference).first()
    if engagement is None:
        return None
    notice = await call_off_award_notice(engagement)
    return notice if notice and notice.framework_reference == framework_reference else None


async def published_award_notices(framework: Framework) -> list[award_notices.CallOffAwardNotice]:
    """Every call-off award notice published under the framework, in the order of award (its public page lists them)."""
    if not award_notices.needs_award_notice(framework, award_notices.THRESHOLD_PENCE):
        return []
    awarded = await Engagement.objects().where(
        (Engagement.framework == framework.id) & Engagement.awarded_at.is_not_null() & (Engagement.awarded_price_pence >= award_notices.THRESHOLD_PENCE)
    ).order_by(Engagement.awarded_at)
    lots = {lot.id: lot.number for lot in await Lot.objects().where(Lot.framework == framework.id)}
    names = await organisation_names(list({i for e in awarded for i in (e.supplier, e.buyer) if i}))
    return [notice for e in awarded if (notice := award_notices.award_notice(e, framework, lots[e.lot], names))]


async def organisation_names(ids: list[int]) -> dict[int, str]:
    rows = await Organisation.select(Organisation.id, Organisation.legal_name).where(Organisation.id.is_in(list(ids))) if ids else []
    return {row["id"]: row["legal_name"] for row in rows}


async def criteria_of(engagement_id: int) -> list[BriefCriterion]:
    return await BriefCriterion.objects().where(BriefCriterion.engagement == engagement_id).order_by(BriefCriterion.position)


def describe_criteria(criteria: list[BriefCriterion], price_weight: int) -> str:
    """The criteria as invited suppliers read them: each with the framework's criterion it refines."""
    lines = []
    for criterion in criteria:
        line = f"- {criterion.name}: weight {criterion.weight}"
        if criterion.source_title:
            changes = [what for what, changed in (("reworded", criterion.name != criterion.source_title), (
                f"the framework's weights give it {criterion.framework_weight}", criterion.weight != criterion.framework_weight)) if changed]
            line += f" (the framework's criterion “{criterion.source_title}”" + (f"; {', '.join(changes)}" if changes else "") + ")"
        lines.append(line)
    return "The criteria:\n" + "\n".join(lines) + f"\n- Price: weight {price_weight}\n\n" if lines else ""


async def reach_of(engagement_id: int) -> list[Reach]:
    return await Reach.objects().where(Reach.engagement == engagement_id).order_by(Reach.group_code)


async def review_of(engagement_id: int) -> PerformanceReview | None:
    return await PerformanceReview.objects().where(PerformanceReview.engagement == engagement_id).first()


# --- Direct award -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An appointed supplier, as a direct award sees it: its rank, what of the brief its profile does
    not cover, and how many more engagements it can take on."""

    organisation_id: int
    name: str
    rank: int
    missing: dict[str, tuple[str, ...]]  # "regions", "groups", "methods": the brief's codes its profile lacks
    capacity: int | None
    active: int

    @property
    def covers(self) -> bool:
        return not any(self.missing.values())

    @property
    def places_left(self) -> int | None:
        return places_left(self.capacity, self.active)

    @property
    def available(self) -> bool:
        return self.places_left is None or self.places_left > 0

    @property
    def availability(self) -> str:
        if self.capacity is None:
            return f"Available: capacity not stated ({self.active} active)"
        if self.places_left:
            return f"Available: {self.places_left} of {self.capacity} places free"
        return f"Not available: {self.active} active engagements, capacity {self.capacity}"


async def candidates(engagement: Engagement) -> list[Candidate]:
    """Every supplier appointed to the engagement's lot, best ranked first."""
    appointed = await Appointment.select(
        Appointment.organisation, Appointment.rank, Appointment.organisation.legal_name.as_alias("name"),
    ).where(Appointment.lot == engagement.lot).order_by(Appointment.rank)
    ids = [row["organisation"] for row in appointed]
    profiles = {p.organisation: p for p in await SupplierProfile.objects().where(SupplierProfile.organisation.is_in(ids))} if ids else {}
    active = await active_counts(ids)
    found = []
    for row in appointed:
        profile = profiles.get(row["organisation"])
        offered = {
            "regions": set(profile.regions if profile else []), "groups": set(profile.groups if profile else []),
            "methods": set(profile.engagement_methods if profile else []),
        }
        wanted = {"regions": engagement.regions, "groups": engagement.groups, "methods": engagement.methods}
        missing = {kind: tuple(code for code in wanted[kind] if code not in offered[kind]) for kind in wanted}
        found.append(Candidate(
            organisation_id=row["organisation"], name=row["name"], rank=row["rank"], missing=missing,
            capacity=profile.capacity if profile else None, active=active[row["organisation"]],
        ))
    return found


def proposal(found: list[Candidate]) -> Candidate | None:
    """The highest-ranked supplier whose profile covers the brief and who is available."""
    return next((c for c in found if c.covers and c.available), None)


async def direct_award_choice(
    user: CurrentUser, reference: str, supplier_id: int | None, price_pence: int | None, reason: str | None, *, lock: bool = False,
):
    """The engagement, its framework, the chosen supplier and the proposed one, when the direct award
    may go ahead as asked; EngagementError (with its field) otherwise. For the award and its check page."""
    reason = (reason or "").strip()
    engagement = await for_buyer(user, reference, lock=lock)
    _require_state(engagement, S.DRAFT, "Awarding directly", "supplier")
    framework = await frameworks.by_id(engagement.framework)
    check_route(framework, CallOffRoute.DIRECT_AWARD)
    found = await candidates(engagement)
    chosen = next((c for c in found if c.organisation_id == supplier_id), None)
    if chosen is None:
        raise EngagementError("Choose one of the suppliers appointed to the lot", "supplier")
    if price_pence is None or price_pence <= 0:
        raise EngagementError("Enter the agreed price, more than £0", "price")
    proposed = proposal(found)
    if not reason and proposed is None:
        raise EngagementError(f"No appointed supplier both covers the brief and is available: give the reason for choosing {chosen.name}", "reason")
    if not reason and chosen.organisation_id != proposed.organisation_id:
        raise EngagementError(f"Give the reason for choosing {chosen.name} rather than {proposed.name}, the proposed supplier", "reason")
    return engagement, framework, chosen, proposed


async def direct_award(
    user: CurrentUser, reference: str, *, supplier_id: int | None, price_pence: int | None, reason: str | None,
) -> Engagement:
    reason = (reason or "").strip()
    async with _action(user, reference, "direct_award"):
        engagement, framework, chosen, proposed = await direct_award_choice(user, reference, supplier_id, price_pence, reason, lock=True)
        now = clock.now()
        await Engagement.update({
            Engagement.route: CallOffRoute.DIRECT_AWARD, Engagement.state: S.AWARDED, Engagement.supplier: chosen.organisation_id,
            Engagement.proposed_supplier: proposed.organisation_id if proposed else None, Engagement.award_reason: reason or None,
            Engagement.awarded_price_pence: price_pence, Engagement.awarded_at: now, Engagement.awarded_by: user.id, Engagement.updated_at: now,
        }).where(Engagement.id == engagement.id)
        await audit.record(
            "engagement.awarded", actor=user.actor, object_type="engagement", object_id=reference,
            payload={
                "route": CallOffRoute.DIRECT_AWARD, "supplier": chosen.name, "rank": chosen.rank, "price_pence": price_pence,
                "proposed": proposed.name if proposed else None, "reason": reason or None,
            },
        )
        await _open_data(reference, "awarded")
        await _tell(
            chosen.organisation_id, f"{reference}: you have been awarded an engagement",
            f"{chosen.name} has been awarded {reference} – {engagement.title}, under {framework.reference}, by direct award, "
            f"for {pounds(price_pence)}.\n\nRead the engagement: {supplier_link(reference)}\n",
        )
    return await _engagement(reference)


# --- Mini-competition ---------------------------------------------------------------------------


async def set_up_competition(
    user: CurrentUser, reference: str, *, criteria: list, price_weight: int, deadline: datetime,
) -> Engagement:
    """The quality criteria, the price weight and the response deadline; changeable until the
    invitations go. Each criterion is one of the lot's published award criteria (its id), reworded
    or not, with its weight: within bounds of the framework's (registry.engagements.calloff_criteria).
    `criteria` holds calloff_criteria.Choice or (criterion id, wording, weight)."""
    choices = [calloff_criteria.Choice.of(c) for c in criteria]
    async with _action(user, reference, "set_up_competition"):
        engagement = await for_buyer(user, reference, lock=True)
        _require_state(engagement, S.DRAFT, "Setting up a mini-competition", "criterion_1_source")
        framework = await frameworks.by_id(engagement.framework)
        check_route(framework, CallOffRoute.MINI_COMPETITION)
        refined = await _refined_criteria(framework, engagement, choices, price_weight)
        if deadline.tzinfo is None:
            raise EngagementError("Enter the response deadline with its time zone", "deadline")
        if deadline <= clock.now():
            raise EngagementError("The response deadline must be in the future", "deadline")
        await BriefCriterion.delete().where(BriefCriterion.engagement == engagement.id)
        for position, chosen in enumerate(refined, start=1):
            await BriefCriterion.insert(BriefCriterion(
                engagement=engagement.id, position=position, name=chosen.name, weight=chosen.weight, source=chosen.criterion.id,
                source_title=chosen.criterion.title, framework_weight=chosen.framework_weight,
            ))
        await Engagement.update({
            Engagement.route: CallOffRoute.MINI_COMPETITION, Engagement.price_weight: price_weight, Engagement.response_deadline: deadline.astimezone(UTC),
            Engagement.updated_at: clock.now(),
        }).where(Engagement.id == engagement.id)
        await audit.record(
            "engagement.competition_set_up", actor=user.actor, object_type="engagement", object_id=reference,
            payload={
                "criteria": [chosen.as_record() for chosen in refined], "price_weight": price_weight,
                "framework_price_share": (await calloff_criteria.lot_terms(framework, await frameworks.lot_by_id(engagement.lot))).price_share,
                "deadline": deadline.isoformat(),
            },
        )
    return await _engagement(reference)


async def _refined_criteria(
    framework: Framework, engagement: Engagement, choices: list["calloff_criteria.Choice"], price_weight: int,
) -> list["calloff_criteria.Refined"]:
    """The chosen criteria checked against the lot's published ones and the weight bounds; EngagementError
    naming the field and the rule's source otherwise."""
    lot = await frameworks.lot_by_id(engagement.lot)
    terms = await calloff_criteria.lot_terms(framework, lot)
    law = calloff_criteria.source(framework)
    if not terms.quality:
        raise EngagementError(
            f"Lot {lot.number} of {framework.reference} has no published quality criteria to run a mini-competition on: "
            f"its criteria must come from the framework ({law})", "criterion_1_source",
        )
    if not choices:
        raise EngagementError("Choose at least one of the lot's quality criteria, with its weight", "criterion_1_source")
    if len(choices) > MAX_CRITERIA:
        raise EngagementError(f"Choose at most {MAX_CRITERIA} quality criteria", "criterion_1_source")
    published = {c.id: c for c in terms.quality}
    chosen: list[Criterion] = []
    for position, choice in enumerate(choices, start=1):
        criterion = published.get(choice.source) if choice.source is not None else None
        if criterion is None:
            named = f"“{choice.name.strip()}”" if choice.name and choice.name.strip() else f"Criterion {position}"
            raise EngagementError(
                f"{named} is not one of the award criteria published for lot {lot.number} of {framework.reference}: a mini-competition "
                f"uses the framework's award criteria, refined, never new ones ({law})", f"criterion_{position}_source",
            )
        if criterion in chosen:
            raise EngagementError(f"“{criterion.title}” is chosen twice", f"criterion_{position}_source")
        chosen.append(criterion)
    if not 0 <= price_weight <= 99:
        raise EngagementError("Enter the price weight as a whole number from 0 to 99", "price_weight")
    low, high = terms.bounds(terms.price_share)
    if not low <= price_weight <= high:
        raise EngagementError(
            f"The price weight must be from {low} to {high}: within {calloff_criteria.WEIGHT_BOUND} points of the framework's price share "
            f"of {terms.price_share} ({law})", "price_weight",
        )
    expected = calloff_criteria.framework_weights(chosen, 100 - price_weight)
    refined = []
    for position, (choice, criterion) in enumerate(zip(choices, chosen, strict=True), start=1):
        name = (choice.name or "").strip() or criterion.title
        if len(name) > 200:
            raise EngagementError(f"The wording of criterion {position} must be 200 characters or fewer", f"criterion_{position}_name")
        low, high = terms.bounds(expected[criterion.id])
        if not low <= choice.weight <= high or choice.weight < 1:
            raise EngagementError(
                f"The weight of “{name}” must be from {max(low, 1)} to {high}: within {calloff_criteria.WEIGHT_BOUND} points of the "
                f"{expected[criterion.id]} the framework's weights give “{criterion.title}” here ({law})", f"criterion_{position}_weight",
            )
        refined.append(calloff_criteria.Refined(criterion, name, choice.weight, expected[criterion.id]))
    total = sum(r.weight for r in refined) + price_weight
    if total != 100:
        raise EngagementError(f"The criteria's weights and the price weight must add up to 100: they add up to {total}", "price_weight")
    return refined


async def invite(user: CurrentUser, reference: str, *, zone: ZoneInfo = LONDON) -> list[int]:
    """Invite every supplier appointed to the lot, and tell them; the engagement is then invited."""
    async with _action(user, reference, "invite"):
        engagement = await for_buyer(user, reference, lock=True)
        _move(engagement, S.INVITED, "invite")
        framework = await frameworks.by_id(engagement.framework)
        check_route(framework, CallOffRoute.MINI_COMPETITION, "invite")
        if engagement.route != CallOffRoute.MINI_COMPETITION or not await criteria_of(engagement.id) or engagement.response_deadline is None:
            raise EngagementError("Set the criteria, the weights and the response deadline before inviting suppliers", "invite")
        now = clock.now()
        if engagement.response_deadline <= now:
            raise EngagementError("The response deadline has passed: set a new one before inviting suppliers", "invite")
        organisations = await Appointment.select(Appointment.organisation).where(
            Appointment.lot == engagement.lot
        ).order_by(Appointment.rank).output(as_list=True)
        if not organisations:
            raise EngagementError("No suppliers are appointed to the lot: there is no one to invite", "invite")
        for organisation_id in organisations:
            await Invitation.insert(Invitation(engagement=engagement.id, organisation=organisation_id, status=InvitationStatus.INVITED, invited_at=now))
        await Engagement.update({Engagement.state: S.INVITED, Engagement.invited_at: now, Engagement.updated_at: now}).where(Engagement.id == engagement.id)
        await audit.record(
            "engagement.invited", actor=user.actor, object_type="engagement", object_id=reference,
            payload={"organisations": organisations, "deadline": engagement.response_deadline.isoformat()},
        )
        await _open_data(reference, "invited")
        criteria_text = describe_criteria(await criteria_of(engagement.id), engagement.price_weight or 0)
        for organisation_id in organisations:
            await _tell(
                organisation_id, f"{reference}: invitation to a mini-competition",
                f"You are invited to respond to a mini-competition under {framework.reference}: {reference} – {engagement.title}.\n\n"
                f"Respond with your proposal and price by {local_time(engagement.response_deadline, zone)}.\n\n"
                f"{criteria_text}"
                f"Read the brief and respond: {supplier_link(reference)}\n",
                preference="engagement_opportunities",
            )
    return organisations


def _open_for_answers(engagement: Engagement, zone: ZoneInfo, field: str) -> None:
    if engagement.state != S.INVITED:
        raise EngagementError(f"This mini-competition is {label(engagement.state).lower()}: it no longer takes answers", field)
    if deadline_passed(engagement, clock.received()):
        raise ResponseDeadlinePassed(engagement.response_deadline, field)


async def _own_invitation(user: CurrentUser, reference: str) -> tuple[Engagement, Invitation]:
    engagement, invitation = await for_supplier(user, reference, lock=True)
    if invitation is None:
        raise Refused("Your organisation is not invited to this mini-competition")
    return engagement, invitation


async def accept(user: CurrentUser, reference: str, *, zone: ZoneInfo = LONDON) -> None:
    async with _action(user, reference, "accept"):
        engagement, invitation = await _own_invitation(user, reference)
        _open_for_answers(engagement, zone, "accept")
        if invitation.status != InvitationStatus.INVITED:
            raise EngagementError(f"Your organisation has already {invitation.status} this invitation", "accept")
        await Invitation.update({Invitation.status: InvitationStatus.ACCEPTED, Invitation.answered_at: clock.now()}).where(Invitation.id == invitation.id)
        await audit.record(
            "engagement.invitation_accepted", actor=user.actor, object_type="engagement", object_id=reference, payload={"organisation": user.organisation_id},
        )


async def decline(user: CurrentUser, reference: str, *, reason: str, zone: ZoneInfo = LONDON) -> None:
    reason = (reason or "").strip()
    async with _action(user, reference, "decline"):
        engagement, invitation = await _own_invitation(user, reference)
        _open_for_answers(engagement, zone, "decline_reason")
        if invitation.status not in (InvitationStatus.INVITED, InvitationStatus.ACCEPTED):
            raise EngagementError(f"Your organisation has already {invitation.status} this invitation", "decline_reason")
        if not reason:
            raise EngagementError("Say why your organisation is declining", "decline_reason")
        await Invitation.update({
            Invitation.status: InvitationStatus.DECLINED, Invitation.decline_reason: reason, Invitation.answered_at: clock.now(),
        }).where(Invitation.id == invitation.id)
        await audit.record(
            "engagement.invitation_declined", actor=user.actor, object_type="engagement", object_id=reference,
            payload={"organisation": user.organisation_id, "reason": reason},
        )


async def respond(user: CurrentUser, reference: str, *, proposal: str, price_pence: int | None, zone: ZoneInfo = LONDON) -> None:
    """Respond with a proposal and price, or revise the response, before the deadline. The response is sealed."""
    proposal = (proposal or "").strip()
    async with _action(user, reference, "respond"):
        engagement, invitation = await _own_invitation(user, reference)
        _open_for_answers(engagement, zone, "proposal")
        if invitation.status == InvitationStatus.DECLINED:
            raise EngagementError("Your organisation declined this invitation, so it cannot respond", "proposal")
        if not proposal:
            raise EngagementError("Describe your proposal: how you would deliver the brief", "proposal")
        if price_pence is None or price_pence <= 0:
            raise EngagementError("Enter your price, more than £0", "price")
        now = clock.received()
        await Invitation.update({
            Invitation.status: InvitationStatus.RESPONDED, Invitation.proposal: proposal, Invitation.price_pence: price_pence,
            Invitation.responded_at: now, Invitation.responded_by: user.id, Invitation.answered_at: invitation.answered_at or now,
        }).where(Invitation.id == invitation.id)
        digest = hashlib.sha256(f"{proposal}\n{price_pence}".encode()).hexdigest()  # the content itself stays sealed, out of the log
        await audit.record(
            "engagement.responded", actor=user.actor, object_type="engagement", object_id=reference,
            payload={"organisation": user.organisation_id, "revision": invitation.status == InvitationStatus.RESPONDED, "sha256": digest},
        )


@dataclass(frozen=True)
class ResponseView:
    """An invitation as the viewer may see it: whether, when and how the supplier answered only when
    unsealed for them (sealing.may_read_response); until then, only that it was invited."""

    invitation: Invitation
    supplier: str
    readable: bool
    scores: dict[int, ResponseScore]

    @property
    def status(self) -> InvitationStatus | None:
        return InvitationStatus(self.invitation.status) if self.readable else None

    @property
    def responded(self) -> bool:
        return self.status == InvitationStatus.RESPONDED

    @property
    def responded_at(self) -> datetime | None:
        return self.invitation.responded_at if self.readable else None

    @property
    def decline_reason(self) -> str | None:
        return self.invitation.decline_reason if self.readable else None

    @property
    def proposal(self) -> str | None:
        return self.invitation.proposal if self.readable else None

    @property
    def price_pence(self) -> int | None:
        return self.invitation.price_pence if self.readable else None


@dataclass(frozen=True)
class Competition:
    engagement: Engagement
    criteria: list[BriefCriterion]
    responses: list[ResponseView]  # every invitation
    sealed: bool
    ranked: list[scoring.Ranked]
    unscored: list[scoring.Response]

    @property
    def top(self) -> scoring.Ranked | None:
        return self.ranked[0] if self.ranked and not self.unscored else None


async def competition(engagement: Engagement, organisation_id: int) -> Competition:
    """The invitations and responses as `organisation_id` may see them, with the ranking once unsealed."""
    now = clock.now()
    invitations = await Invitation.objects().where(Invitation.engagement == engagement.id)
    names = await organisation_names([i.organisation for i in invitations])
    criteria = await criteria_of(engagement.id)
    ids = [i.id for i in invitations]
    marks = await ResponseScore.objects().where(ResponseScore.invitation.is_in(ids)) if ids else []
    views = sorted((
        ResponseView(i, names[i.organisation], may_read_response(engagement, i, organisation_id, now), {m.criterion: m for m in marks if m.invitation == i.id})
        for i in invitations
    ), key=lambda view: view.supplier)
    sealed = not deadline_passed(engagement, now) or organisation_id != engagement.buyer
    ranked, unscored = [], []
    if not sealed:
        responses = [
            scoring.Response(v.invitation.id, v.supplier, v.invitation.price_pence, {c: m.score for c, m in v.scores.items()})
            for v in views if v.responded
        ]
        ranked, unscored = scoring.rank(responses, {c.id: c.weight for c in criteria}, engagement.price_weight or 0)
    return Competition(engagement, criteria, views, sealed, ranked, unscored)


def _score(value: int | str | None, name: str, field: str) -> int:
    text = str(value).strip() if value is not None else ""
    if not is_whole_number(text) or not 0 <= int(text) <= scoring.SCALE_MAX:
        raise EngagementError(f"Score “{name}” as a whole number from 0 to {scoring.SCALE_MAX}", field)
    return int(text)


async def record_scores(user: CurrentUser, reference: str, invitation_id: int, marks: dict[int, tuple[int | str | None, str]]) -> None:
    """The commissioner's score (0 to 5) and note for a response on each criterion, once the deadline has passed."""
    async with _action(user, reference, "score"):
        engagement = await for_buyer(user, reference, lock=True)
        _require_state(engagement, S.INVITED, "Scoring responses", f"response-{invitation_id}")
        if not deadline_passed(engagement, clock.now()):
            raise EngagementError("Responses are sealed until the response deadline: score them after it", f"response-{invitation_id}")
        invitation = None
        if 0 < invitation_id <= MAX_ID:
            invitation = await Invitation.objects().where((Invitation.id == invitation_id) & (Invitation.engagement == engagement.id)).first()
        if invitation is None:
            raise Missing("There is no such response")
        if invitation.status != InvitationStatus.RESPONDED:
            raise EngagementError("This supplier did not respond: there is nothing to score", f"response-{invitation_id}")
        criteria = await criteria_of(engagement.id)
        scores = {}
        for criterion in criteria:
            value, note = marks.get(criterion.id, (None, ""))
            scores[criterion.id] = (_score(value, criterion.name, f"score-{invitation_id}-{criterion.id}"), (note or "").strip())
        now = clock.now()
        await ResponseScore.delete().where(ResponseScore.invitation == invitation.id)
        for criterion_id, (score, note) in scores.items():
            await ResponseScore.insert(ResponseScore(
                invitation=invitation.id, criterion=criterion_id, score=score, note=note, scored_by=user.id, scored_at=now,
            ))
        await audit.record(
            "engagement.response_scored", actor=user.actor, object_type="engagement", object_id=reference,
            payload={"invitation": invitation.id, "organisation": invitation.organisation, "scores": {str(c): s for c, (s, _) in scores.items()}},
        )


async def competition_choice(user: CurrentUser, reference: str, invitation_id: int | None, reason: str | None, *, lock: bool = False):
    """The engagement, the competition as its buyer sees it, the chosen response and the top-ranked
    one, when the award may go ahead as asked; EngagementError otherwise. For the award and its check page."""
    reason = (reason or "").strip()
    engagement = await for_buyer(user, reference, lock=lock)
    _require_state(engagement, S.INVITED, "Awarding a mini-competition", "response")
    if not deadline_passed(engagement, clock.now()):
        raise EngagementError("The response deadline has not passed: the responses are still sealed", "response")
    standing = await competition(engagement, user.organisation_id)
    if not standing.ranked and not standing.unscored:
        raise EngagementError("No supplier responded: there is nothing to award. Cancel the engagement, or commission it again", "response")
    if standing.unscored:
        raise EngagementError(f"Score {standing.unscored[0].supplier}'s response on every criterion before awarding", "response")
    chosen = next((r for r in standing.ranked if r.invitation_id == invitation_id), None)
    if chosen is None:
        raise EngagementError("Choose the response to award the engagement to", "response")
    top = standing.ranked[0]
    if chosen is not top and not reason:
        raise EngagementError(f"Give the reason for choosing {chosen.supplier} rather than {top.supplier}, ranked first", "reason")
    return engagement, standing, chosen, top


async def award_competition(user: CurrentUser, reference: str, *, invitation_id: int | None, reason: str | None) -> Engagement:
    """Award to a scored response; a reason is needed when it is not the top-ranked. Every invited supplier is told."""
    reason = (reason or "").strip()
    async with _action(user, reference, "award_competition"):
        engagement, standing, chosen, top = await competition_choice(user, reference, invitation_id, reason, lock=True)
        by_invitation = {v.invitation.id: v.invitation for v in standing.responses}
        now = clock.now()
        await Engagement.update({
            Engagement.state: S.AWARDED, Engagement.supplier: by_invitation[chosen.invitation_id].organisation,
            Engagement.proposed_supplier: by_invitation[top.invitation_id].organisation, Engagement.award_reason: reason or None,
            Engagement.awarded_price_pence: chosen.price_pence, Engagement.awarded_at: now, Engagement.awarded_by: user.id, Engagement.updated_at: now,
        }).where(Engagement.id == engagement.id)
        await audit.record(
            "engagement.awarded", actor=user.actor, object_type="engagement", object_id=reference,
            payload={
                "route": CallOffRoute.MINI_COMPETITION, "supplier": chosen.supplier, "price_pence": chosen.price_pence, "reason": reason or None,
                "ranking": [
                    {"rank": r.rank, "supplier": r.supplier, "quality": str(r.quality), "price": str(r.price_score), "total": str(r.total)}
                    for r in standing.ranked
                ],
            },
        )
        await _open_data(reference, "awarded")
        for view in standing.responses:
            won = view.invitation.id == chosen.invitation_id
            outcome = f"{view.supplier} has been awarded the engagement, for {pounds(chosen.price_pence)}." if won else (
                "The engagement has been awarded to another supplier." + (
                    f" Your response ranked {next(r.rank for r in standing.ranked if r.invitation_id == view.invitation.id)} of {len(standing.ranked)}."
                    if view.responded else ""
                )
            )
            await _tell(
                view.invitation.organisation, f"{reference}: the outcome of the mini-competition",
                f"The outcome of the mini-competition {reference} – {engagement.title}:\n\n{outcome}\n\nRead the engagement: {supplier_link(reference)}\n",
            )
    return await _engagement(reference)


# --- Delivery, completion, cancellation, review -------------------------------------------------


async def start_delivery(user: CurrentUser, reference: str) -> Engagement:
    async with _action(user, reference, "start_delivery"):
        engagement = await for_buyer(user, reference, lock=True)
        _move(engagement, S.IN_DELIVERY)
        now = clock.now()
        await Engagement.update({Engagement.state: S.IN_DELIVERY, Engagement.delivery_started_at: now, Engagement.updated_at: now}).where(
            Engagement.id == engagement.id
        )
        await audit.record("engagement.delivery_started", actor=user.actor, object_type="engagement", object_id=reference, payload={})
        await _open_data(reference, "delivery_started")
    return await _engagement(reference)


async def complete(user: CurrentUser, reference: str, *, reach: dict[str, int | str | None], deliverables: str) -> Engagement:
    """Record the participants reached in each of the brief's groups, and what was delivered."""
    deliverables = (deliverables or "").strip()
    async with _action(user, reference, "complete"):
        engagement = await for_buyer(user, reference, lock=True)
        _move(engagement, S.COMPLETED, "deliverables")
        figures = {}
        for code in engagement.groups:
            text = str(reach.get(code) if reach.get(code) is not None else "").strip()
            if not is_whole_number(text) or int(text) > MAX_PARTICIPANTS:
                raise EngagementError(
                    f"Enter the number of {taxonomies.name_of('groups', code).lower()} reached, as a whole number (0 or more)", f"reach-{code}",
                )
            figures[code] = int(text)
        if not deliverables:
            raise EngagementError("Describe what was delivered", "deliverables")
        now = clock.now()
        await Reach.delete().where(Reach.engagement == engagement.id)
        for code, participants in figures.items():
            await Reach.insert(Reach(engagement=engagement.id, group_code=code, participants=participants))
        await Engagement.update({
            Engagement.state: S.COMPLETED, Engagement.deliverables: deliverables, Engagement.completed_at: now, Engagement.updated_at: now,
        }).where(Engagement.id == engagement.id)
        await audit.record(
            "engagement.completed", actor=user.actor, object_type="engagement", object_id=reference,
            payload={"reach": figures, "deliverables": deliverables},
        )
        await _open_data(reference, "completed")
    return await _engagement(reference)


async def cancel(user: CurrentUser, reference: str, *, reason: str) -> Engagement:
    reason = (reason or "").strip()
    async with _action(user, reference, "cancel"):
        engagement = await for_buyer(user, reference, lock=True)
        _move(engagement, S.CANCELLED, "reason")
        if not reason:
            raise EngagementError("Say why the engagement is cancelled", "reason")
        now = clock.now()
        await Engagement.update({
            Engagement.state: S.CANCELLED, Engagement.cancel_reason: reason, Engagement.cancelled_at: now, Engagement.updated_at: now,
        }).where(Engagement.id == engagement.id)
        await audit.record(
            "engagement.cancelled", actor=user.actor, object_type="engagement", object_id=reference, payload={"from": engagement.state, "reason": reason},
        )
        await _open_data(reference, "cancelled", previous_state=engagement.state)
        told = set(await Invitation.select(Invitation.organisation).where(Invitation.engagement == engagement.id).output(as_list=True))
        if engagement.supplier:
            told.add(engagement.supplier)
        for organisation_id in told:
            await _tell(
                organisation_id, f"{reference}: the engagement is cancelled",
                f"{reference} – {engagement.title} has been cancelled.\n\nThe reason: {reason}\n\nRead the engagement: {supplier_link(reference)}\n",
            )
    return await _engagement(reference)


def check_rating(value: int | str | None, measure: str) -> int:
    """A rating from 1 to 5, or ValueError saying so."""
    text = str(value).strip() if value is not None else ""
    if not is_whole_number(text) or not 1 <= int(text) <= 5:
        raise ValueError(f"Rate {MEASURES[measure]} from 1 to 5")
    return int(text)


async def review(user: CurrentUser, reference: str, *, ratings: dict[str, int | str | None], comments: str) -> PerformanceReview:
    """The commissioner's review of a completed engagement; the supplier is told."""
    comments = (comments or "").strip()
    async with _action(user, reference, "review"):
        engagement = await for_buyer(user, reference, lock=True)
        _require_state(engagement, S.COMPLETED, "Reviewing the supplier's performance", "quality")
        if await review_of(engagement.id) is not None:
            raise EngagementError("This engagement has already been reviewed", "quality")
        scores = {}
        for measure in MEASURES:
            try:
                scores[measure] = check_rating(ratings.get(measure), measure)
            except ValueError as problem:
                raise EngagementError(str(problem), measure) from None
        made = PerformanceReview(
            engagement=engagement.id, supplier=engagement.supplier, comments=comments, reviewed_by=user.id, reviewed_at=clock.now(), **scores,
        )
        await made.save()
        await audit.record("engagement.reviewed", actor=user.actor, object_type="engagement", object_id=reference, payload={**scores, "comments": comments})
        await _tell(
            engagement.supplier, f"{reference}: your performance review",
            f"The commissioner has reviewed your delivery of {reference} – {engagement.title}.\n\n"
            + "".join(f"{MEASURES[m].capitalize()}: {scores[m]} of 5\n" for m in MEASURES)
            + f"\nRead the review, and reply if you wish: {supplier_link(reference)}\n",
        )
    return made


async def reply(user: CurrentUser, reference: str, *, text: str) -> None:
    """The supplier's one reply to its review."""
    text = (text or "").strip()
    async with _action(user, reference, "reply"):
        engagement, _ = await for_supplier(user, reference)
        if engagement.supplier != user.organisation_id:
            raise Refused("Only the supplier that delivered the engagement can reply to its review")
        found = await db.for_update(PerformanceReview.objects().where(PerformanceReview.engagement == engagement.id)).first()
        if found is None:
            raise EngagementError("The engagement has not been reviewed: there is nothing to reply to", "reply")
        if found.supplier_reply is not None:
            raise EngagementError("Your organisation has already replied to this review", "reply")
        if not text:
            raise EngagementError("Enter your reply", "reply")
        await PerformanceReview.update({
            PerformanceReview.supplier_reply: text, PerformanceReview.replied_by: user.id, PerformanceReview.replied_at: clock.now(),
        }).where(PerformanceReview.id == found.id)
        await audit.record("engagement.review_replied", actor=user.actor, object_type="engagement", object_id=reference, payload={"reply": text})


# --- For the supplier ---------------------------------------------------------------------------


async def supplier_engagements(user: CurrentUser) -> dict[str, list[tuple[Engagement, Invitation | None]]]:
    """The organisation's open invitations, its engagements (awarded to it), and past invitations."""
    if not user.has_role(Role.SUPPLIER):
        raise Refused("Only suppliers have engagements")
    organisation_id = user.organisation_id
    invitations = {i.engagement: i for i in await Invitation.objects().where(Invitation.organisation == organisation_id)}
    rows = await Engagement.objects().where(
        (Engagement.supplier == organisation_id) | Engagement.id.is_in(list(invitations) or [0])
    ).order_by(Engagement.updated_at, ascending=False)
    found: dict[str, list] = {"invitations": [], "engagements": [], "past": []}
    for engagement in rows:
        item = (engagement, invitations.get(engagement.id))
        if engagement.supplier == organisation_id:
            found["engagements"].append(item)
        elif engagement.state == S.INVITED:
            found["invitations"].append(item)
        else:
            found["past"].append(item)
    return found
