"""Assessment criteria: what tenders are judged on, how heavily, and on what scale.

Officers may change the criteria freely until the invitation to tender is published. From then on
they are locked: a change is an amendment, allowed only before the tender deadline, with a reason;
it is audited, published as a new version of the tender notice and told to every bidder. An
amendment must leave the criteria complete (quality weights still adding up to 100 for every lot).
From the tender deadline on, the criteria are among the terms frozen for every framework, whatever
its stage (registry.frameworks.terms)."""

from dataclasses import dataclass
from datetime import datetime

from registry import clock, db
from registry.accounts.auth import CurrentUser
from registry.audit import service as audit
from registry.criteria.tables import DEFAULT_SCALE, AssessmentScheme, Criterion, CriterionKind
from registry.frameworks import lifecycle, terms
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, Lot, NoticeKind, State
from registry.errors import Missing, Refused, RuleBroken

KIND_ORDER = [CriterionKind.SELECTION, CriterionKind.QUALITY, CriterionKind.PRICE]
KIND_NAMES = {CriterionKind.SELECTION: "Selection question", CriterionKind.QUALITY: "Quality criterion", CriterionKind.PRICE: "Price"}
DEFAULT_WORD_LIMIT = 500
MAX_WORD_LIMIT = 3000


class CriteriaError(RuleBroken):
    field = "title"


@dataclass(frozen=True)
class CriterionSpec:
    kind: CriterionKind
    title: str
    guidance: str
    lot_number: int | None = None  # None: every lot
    weight: int | None = None
    minimum_score: int | None = None
    word_limit: int | None = None

    def problems(self, scale_max: int) -> dict[str, str]:
        found = {}
        if not self.title.strip():
            found["title"] = "Enter the criterion's title" if self.kind != CriterionKind.SELECTION else "Enter the question"
        if not self.guidance.strip():
            found["guidance"] = {
                CriterionKind.SELECTION: "Say what a supplier must show to pass",
                CriterionKind.QUALITY: "Give guidance: what a good answer covers and how it will be scored",
                CriterionKind.PRICE: "Say what suppliers must price",
            }[self.kind]
        if self.kind == CriterionKind.QUALITY:
            if self.weight is None or not 1 <= self.weight <= 100:
                found["weight"] = "Enter a weight from 1 to 100 (per cent of the quality score)"
            if self.minimum_score is not None and not 0 <= self.minimum_score <= scale_max:
                found["minimum_score"] = f"The minimum score must be on the scale, from 0 to {scale_max}"
            if self.word_limit is not None and not 50 <= self.word_limit <= MAX_WORD_LIMIT:
                found["word_limit"] = f"The word limit must be from 50 to {MAX_WORD_LIMIT}"
        return found


@dataclass(frozen=True)
class Scheme:
    quality_share: int
    scale: tuple[str, ...]
    locked: bool

    @property
    def price_share(self) -> int:
        return 100 - self.quality_share

    @property
    def scale_max(self) -> int:
        return len(self.scale) - 1


def check_scheme(quality_share: int | None, scale: list[str]) -> dict[str, str]:
    found = {}
    if quality_share == 0:
        found["quality_share"] = "A price-only assessment is not allowed: give quality a share of 1 to 100 per cent"
    elif quality_share is None or not 1 <= quality_share <= 100:
        found["quality_share"] = "Enter the quality share as a whole number from 1 to 100"
    if len(scale) < 3 or any(not label.strip() for label in scale):
        found["scale"] = "Describe every point of the scale, one per line, with at least three points (0, 1 and 2)"
    elif len(scale) > 11:
        found["scale"] = "The scale can have at most 11 points (0 to 10)"
    return found


# --- Reading ------------------------------------------------------------------------------------


async def scheme_of(framework_id: int) -> Scheme:
    row = await AssessmentScheme.objects().where(AssessmentScheme.framework == framework_id).first()
    if row is None:
        return Scheme(quality_share=60, scale=tuple(DEFAULT_SCALE), locked=False)
    return Scheme(quality_share=row.quality_share, scale=tuple(row.scale), locked=row.locked_at is not None)


async def criteria_of(framework_id: int) -> list[Criterion]:
    return in_kind_order(await criteria_query(framework_id))


def criteria_query(framework_id: int):
    """The framework's criteria in their positions: `in_kind_order` then orders them as `criteria_of` does."""
    return Criterion.objects().where(Criterion.framework == framework_id).order_by(Criterion.position)


def in_kind_order(criteria: list[Criterion]) -> list[Criterion]:
    return sorted(criteria, key=lambda c: KIND_ORDER.index(CriterionKind(c.kind)))


def for_lot(criteria: list[Criterion], lot_id: int) -> list[Criterion]:
    return [c for c in criteria if c.lot is None or c.lot == lot_id]


def problems(criteria: list[Criterion], lots: list[Lot]) -> list[str]:
    """What stops the criteria being published, in task-list words."""
    found = []
    for lot in lots:
        applicable = for_lot(criteria, lot.id)
        quality = [c for c in applicable if c.kind == CriterionKind.QUALITY]
        prices = [c for c in applicable if c.kind == CriterionKind.PRICE]
        if not quality:
            found.append(f"Lot {lot.number}: add at least one quality criterion")
        elif (total := sum(c.weight or 0 for c in quality)) != 100:
            found.append(f"Lot {lot.number}: the quality weights add up to {total}; they must add up to 100")
        if len(prices) != 1:
            found.append(f"Lot {lot.number}: add the price criterion" if not prices else f"Lot {lot.number}: has {len(prices)} price criteria; keep one")
    return found


async def problems_for(framework_id: int) -> list[str]:
    return problems(await criteria_of(framework_id), await frameworks.lots(framework_id))


# --- Changing -----------------------------------------------------------------------------------


def changeable(framework: Framework, now: datetime) -> bool:
    """Whether the criteria may change: freely before the invitation to tender, by amendment while it
    is open, and never once the tender deadline has passed."""
    return not terms.terms_frozen(framework, now) and (lifecycle.before_itt(framework.state) or framework.state == State.ITT_PUBLISHED)


def _is_amendment(framework: Framework, change_summary: str | None) -> bool:
    """Whether changing the criteria now amends published ones; refused when they may not change."""
    now = clock.now()
    if terms.terms_frozen(framework, now):
        raise CriteriaError(terms.refusal(["assessment criteria"]))
    if not changeable(framework, now):
        raise CriteriaError(f"The criteria of a framework that is {lifecycle.describe(framework.state)} can no longer change")
    if lifecycle.before_itt(framework.state):
        return False
    if not (change_summary or "").strip():
        raise CriteriaError("The criteria are published: say what is changing and why, so that bidders are told", field="change_summary")
    return True


async def _after_change(user: CurrentUser, framework: Framework, amendment: bool, change_summary: str | None) -> None:
    if not amendment:
        return
    remaining = await problems_for(framework.id)
    if remaining:
        raise CriteriaError("This change would leave the criteria incomplete: " + "; ".join(remaining))
    notice = await frameworks.publish_notice(framework, NoticeKind.TENDER, user, change_summary=change_summary, extra=await tender_notice_content(framework))
    await audit.record(
        "criteria.amended", actor=user.actor, object_type="framework", object_id=framework.reference,
        payload={"change_summary": change_summary, "notice_version": notice.version},
    )
    await frameworks.tell_of_amendment(framework, notice, what="The invitation to tender's assessment criteria")


async def save_scheme(user: CurrentUser, reference: str, *, quality_share: int, scale: list[str], change_summary: str | None = None) -> Scheme:
    if found := check_scheme(quality_share, scale):
        field, message = next(iter(found.items()))
        raise CriteriaError(message, field=field)
    async with audit.action("save scheme"):
        framework = await frameworks.for_officer(user, reference)
        amendment = _is_amendment(framework, change_summary)
        criteria = await criteria_of(framework.id)
        too_high = [c.title for c in criteria if c.minimum_score is not None and c.minimum_score > len(scale) - 1]
        if too_high:
            raise CriteriaError(f"Lower the minimum score of {', '.join(too_high)} first: it is above the new scale", field="scale")
        values = {AssessmentScheme.quality_share: quality_share, AssessmentScheme.scale: scale}
        if await AssessmentScheme.exists().where(AssessmentScheme.framework == framework.id):
            await AssessmentScheme.update(values).where(AssessmentScheme.framework == framework.id)
        else:
            await AssessmentScheme.insert(AssessmentScheme(framework=framework.id, quality_share=quality_share, scale=scale))
        await audit.record(
            "criteria.scheme_saved", actor=user.actor, object_type="framework", object_id=reference,
            payload={"quality_share": quality_share, "scale": scale},
        )
        await _after_change(user, framework, amendment, change_summary)
    return await scheme_of(framework.id)


async def save_criterion(
    user: CurrentUser, reference: str, criterion_id: int | None, spec: CriterionSpec, *, change_summary: str | None = None
) -> Criterion:
    """Add a criterion (criterion_id None) or change one."""
    async with audit.action("save criterion"):
        framework = await frameworks.for_officer(user, reference)
        amendment = _is_amendment(framework, change_summary)
        scheme = await scheme_of(framework.id)
        if found := spec.problems(scheme.scale_max):
            field, message = next(iter(found.items()))
            raise CriteriaError(message, field=field)
        lot_id = None
        if spec.lot_number is not None:
            lot = await frameworks.lot_numbered(framework.id, spec.lot_number)
            if lot is None:
                raise CriteriaError(f"There is no lot {spec.lot_number}", field="lot")
            lot_id = lot.id
        quality = spec.kind == CriterionKind.QUALITY
        values = {
            "kind": spec.kind, "lot": lot_id, "title": spec.title.strip(), "guidance": spec.guidance.strip(),
            "weight": spec.weight if quality else None, "minimum_score": spec.minimum_score if quality else None,
            "word_limit": (spec.word_limit or DEFAULT_WORD_LIMIT) if quality else None,
        }
        if criterion_id is None:
            position = await db.next_number(Criterion.position, Criterion.framework == framework.id, series=f"criteria of {framework.id}")
            criterion = Criterion(framework=framework.id, position=position, **values)
            await criterion.save()
            action = "criteria.added"
        else:
            criterion = await _criterion(framework, criterion_id)
            await Criterion.update(values).where(Criterion.id == criterion.id)
            action = "criteria.changed"
        await audit.record(
            action, actor=user.actor, object_type="framework", object_id=reference,
            payload={**values, "kind": str(spec.kind), "criterion": criterion.id},
        )
        await _after_change(user, framework, amendment, change_summary)
    return await Criterion.objects().get(Criterion.id == criterion.id)


async def save_weights(user: CurrentUser, reference: str, weights: dict[int, int], *, change_summary: str | None = None) -> None:
    """Change several quality weights at once, so that they can be rebalanced to add up to 100."""
    async with audit.action("save weights"):
        framework = await frameworks.for_officer(user, reference)
        amendment = _is_amendment(framework, change_summary)
        quality = {c.id: c for c in await criteria_of(framework.id) if c.kind == CriterionKind.QUALITY}
        if not weights:
            raise CriteriaError("There are no quality criteria to weigh yet", field="weights")
        for criterion_id, weight in weights.items():
            if criterion_id not in quality:
                raise CriteriaError("Choose quality criteria of this framework", field="weights")
            if not 1 <= weight <= 100:
                raise CriteriaError(f"{quality[criterion_id].title}: enter a weight from 1 to 100", field=f"weight-{criterion_id}")
            await Criterion.update({Criterion.weight: weight}).where(Criterion.id == criterion_id)
        await audit.record("criteria.weights_changed", actor=user.actor, object_type="framework", object_id=reference, payload={str(k): v for k, v in weights.items()})
        await _after_change(user, framework, amendment, change_summary)


async def remove_criterion(user: CurrentUser, reference: str, criterion_id: int, *, change_summary: str | None = None) -> None:
    async with audit.action("remove criterion"):
        framework = await frameworks.for_officer(user, reference)
        amendment = _is_amendment(framework, change_summary)
        criterion = await _criterion(framework, criterion_id)
        await Criterion.delete().where(Criterion.id == criterion.id)
        await audit.record("criteria.removed", actor=user.actor, object_type="framework", object_id=reference, payload={"criterion": criterion.id, "title": criterion.title})
        await _after_change(user, framework, amendment, change_summary)


async def _criterion(framework: Framework, criterion_id: int) -> Criterion:
    criterion = await Criterion.objects().where((Criterion.id == criterion_id) & (Criterion.framework == framework.id)).first()
    if criterion is None:
        raise Missing("There is no such criterion")
    return criterion


async def lock(framework_id: int) -> None:
    """Fix the criteria as published with the invitation to tender."""
    if not await AssessmentScheme.exists().where(AssessmentScheme.framework == framework_id):
        await AssessmentScheme.insert(AssessmentScheme(framework=framework_id, quality_share=60, scale=list(DEFAULT_SCALE)))
    await AssessmentScheme.update({AssessmentScheme.locked_at: clock.now()}).where(AssessmentScheme.framework == framework_id)


async def readable(user: CurrentUser | None, framework: Framework) -> dict:
    """The criteria as `user` may read them, in the tender notice's form: the authority's procurement
    officers the current ones (drafts too); everyone else what the latest tender notice published."""
    if frameworks.is_officer(user, framework):
        return await tender_notice_content(framework)
    published = [n for n in await frameworks.notices(framework.id) if n.kind == NoticeKind.TENDER]
    if not published:
        raise Refused("The assessment criteria are published with the invitation to tender")
    return frameworks.notice_content(published[-1])


async def tender_notice_content(framework: Framework) -> dict:
    """The criteria as the tender notice publishes them."""
    fresh = await frameworks.by_id(framework.id)
    scheme = await scheme_of(framework.id)
    lots = {lot.id: lot.number for lot in await frameworks.lots(framework.id)}
    return {
        "clarification_deadline": fresh.clarification_deadline.isoformat() if fresh.clarification_deadline else None,
        "tender_deadline": fresh.tender_deadline.isoformat() if fresh.tender_deadline else None,
        "quality_share": scheme.quality_share,
        "price_share": scheme.price_share,
        "scale": list(scheme.scale),
        "criteria": [
            {
                "kind": c.kind, "lot": lots.get(c.lot), "title": c.title, "guidance": c.guidance,
                "weight": c.weight, "minimum_score": c.minimum_score, "word_limit": c.word_limit,
            }
            for c in await criteria_of(framework.id)
        ],
    }
