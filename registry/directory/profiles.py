"""A supplier's page in the directory: its public profile, where it is appointed and how many
engagements it has completed; and, for commissioners and procurement officers, its availability
and its engagements' record (outcomes, people reached, performance ratings and comments)."""

from dataclasses import dataclass, field
from decimal import Decimal

from piccolo.query.functions.aggregate import Sum

from registry.accounts.tables import Organisation, OrganisationKind, User
from registry.award.tables import Appointment
from registry.directory.search import LotPlace
from registry.engagements import capacity
from registry.engagements.reports import Ratings
from registry.engagements.service import label
from registry.engagements.tables import MEASURES, Engagement, EngagementState, PerformanceReview, Reach
from registry.frameworks.tables import State
from registry.suppliers.tables import SupplierProfile

OUTCOMES = (EngagementState.AWARDED, EngagementState.IN_DELIVERY, EngagementState.COMPLETED, EngagementState.CANCELLED)  # awarded, at least


@dataclass(frozen=True)
class PastEngagement:
    reference: str
    title: str
    framework: str
    lot: int
    outcome: str
    participants: int | None  # reached, once completed
    rating: Decimal | None  # the review's mean over the measures
    comments: str
    completed_at: object | None


@dataclass(frozen=True)
class Record:
    """What officials see besides the public profile."""

    places_left: int | None
    engagements: list[PastEngagement]
    participants: int
    averages: dict[str, Decimal]  # measure: mean rating, for the measures reviewed
    reviews: int
    contacts: list[tuple[str, str]]  # the organisation's administrators: name and email, to ask about work


@dataclass(frozen=True)
class SupplierPage:
    organisation_id: int
    name: str
    size: str | None
    profile: SupplierProfile | None
    lots: dict[str, list[LotPlace]]  # framework reference: the lots it is appointed to, with rank
    framework_titles: dict[str, str]
    completed: int
    lot_ids: dict[tuple[str, int], int] = field(default_factory=dict)  # (framework reference, lot number): lot id, to start a brief
    record: Record | None = field(default=None)


async def supplier_page(organisation_id: int, *, official: bool) -> SupplierPage | None:
    """None unless the organisation is a supplier appointed to a lot of a live framework."""
    organisation = await Organisation.objects().where(
        (Organisation.id == organisation_id) & (Organisation.kind == OrganisationKind.SUPPLIER)
    ).first()
    if organisation is None:
        return None
    appointments = await Appointment.select(
        Appointment.rank, Appointment.framework.reference.as_alias("framework"), Appointment.framework.title.as_alias("framework_title"),
        Appointment.lot.number.as_alias("lot"), Appointment.lot.title.as_alias("lot_title"), Appointment.lot.id.as_alias("lot_id"),
    ).where((Appointment.organisation == organisation_id) & (Appointment.framework.state == State.LIVE)).order_by(
        Appointment.framework.reference
    ).order_by(Appointment.lot.number)
    if not appointments:
        return None
    lots: dict[str, list[LotPlace]] = {}
    for row in appointments:
        lots.setdefault(row["framework"], []).append(LotPlace(row["framework"], row["framework_title"], row["lot"], row["lot_title"], row["rank"]))
    profile = await SupplierProfile.objects().where(SupplierProfile.organisation == organisation_id).first()
    completed = await Engagement.count().where((Engagement.supplier == organisation_id) & (Engagement.state == EngagementState.COMPLETED))
    return SupplierPage(
        organisation_id=organisation_id, name=organisation.legal_name, size=organisation.size, profile=profile, lots=lots,
        framework_titles={row["framework"]: row["framework_title"] for row in appointments}, completed=completed,
        lot_ids={(row["framework"], row["lot"]): row["lot_id"] for row in appointments},
        record=await _record(organisation_id, profile) if official else None,
    )


async def _record(organisation_id: int, profile: SupplierProfile | None) -> Record:
    active = (await capacity.active_counts([organisation_id]))[organisation_id]
    rows = await Engagement.select(
        Engagement.id, Engagement.reference, Engagement.title, Engagement.state, Engagement.completed_at,
        Engagement.framework.reference.as_alias("framework"), Engagement.lot.number.as_alias("lot"),
    ).where((Engagement.supplier == organisation_id) & Engagement.state.is_in([str(state) for state in OUTCOMES])).order_by(Engagement.awarded_at, ascending=False)
    ids = [row["id"] for row in rows] or [0]
    reached = {
        row["engagement"]: row["participants"]
        for row in await Reach.select(Reach.engagement, Sum(Reach.participants, alias="participants")).where(Reach.engagement.is_in(ids)).group_by(Reach.engagement)
    }
    reviews = {review.engagement: review for review in await PerformanceReview.objects().where(PerformanceReview.supplier == organisation_id)}
    engagements = [
        PastEngagement(
            reference=row["reference"], title=row["title"], framework=row["framework"], lot=row["lot"], outcome=label(row["state"]),
            participants=reached.get(row["id"]), rating=Ratings.of([reviews[row["id"]]]).overall() if row["id"] in reviews else None,
            comments=reviews[row["id"]].comments if row["id"] in reviews else "", completed_at=row["completed_at"],
        )
        for row in rows
    ]
    ratings = Ratings.of(reviews.values())
    return Record(
        places_left=capacity.places_left(profile.capacity if profile else None, active),
        engagements=engagements,
        participants=sum(reached.values()),
        averages={measure: ratings.average(measure) for measure in MEASURES} if reviews else {},
        reviews=len(reviews),
        contacts=[(row["full_name"], row["email"]) for row in await User.select(User.full_name, User.email).where(
            (User.organisation == organisation_id) & (User.is_organisation_admin == True) & (User.is_active == True)  # noqa: E712
        ).order_by(User.full_name)],
    )
