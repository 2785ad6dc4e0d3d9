"""Building blocks for tests of the directory and of commissioning: a live framework whose lots
have appointed suppliers with profiles, written straight to the tables (as the award stage leaves
them) so that each test starts in a moment, and the people who use it."""

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from registry.accounts import service as accounts
from registry.accounts.tables import Organisation, OrganisationKind, Role, User
from registry.award.tables import Appointment
from registry.criteria.tables import DEFAULT_SCALE, AssessmentScheme, Criterion, CriterionKind
from registry.frameworks.tables import CallOffRoute, EligibleAuthority, Framework, Lot, State
from registry.suppliers.tables import SupplierProfile
from registry.tenders.tables import Tender, TenderStatus
from tests.awarding import user

APPOINTED_AT = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Supplier:
    """An appointed supplier: its profile, and its rank in each lot it is appointed to ({lot number: rank})."""

    name: str
    ranks: dict
    description: str = "We run participation work with communities."
    size: str = "small"
    regions: tuple = ("glasgow-city",)
    methods: tuple = ("deliberative-workshops",)
    groups: tuple = ("children-and-young-people",)
    languages: tuple = ("english",)
    formats: tuple = ("easy-read",)
    capacity: int | None = 3

    @property
    def email(self) -> str:
        return f"bids@{self.name.lower().replace(' ', '-')}.example"


QUALITY_SHARE = 70  # the framework's quality share: price has 30 of 100
QUALITY = {"Approach": 70, "Team": 30}  # its quality criteria, for every lot, with their weights within quality


@dataclass
class Live:
    framework: Framework
    lots: dict  # number: Lot
    authority: int
    officer: object
    commissioner: object
    organisations: dict = field(default_factory=dict)  # supplier name: organisation id
    users: dict = field(default_factory=dict)  # supplier name: CurrentUser
    criteria: dict = field(default_factory=dict)  # the published quality criteria, by title: Approach (70% of quality), Team (30%)

    @property
    def reference(self) -> str:
        return self.framework.reference


async def live_framework(
    suppliers: list[Supplier], *, reference: str = "LIVE-2027", lots: int = 2, routes=(CallOffRoute.DIRECT_AWARD, CallOffRoute.MINI_COMPETITION),
    lot_value: int | None = 500_000, authority_name: str = "Department for Testing",
) -> Live:
    authority = await accounts.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name=authority_name)
    slug = reference.lower()
    officer = await user(f"officer@{slug}.example", (Role.PROCUREMENT_OFFICER,), authority)
    commissioner = await user(f"commissioner@{slug}.example", (Role.COMMISSIONER,), authority)
    now = APPOINTED_AT
    framework = Framework(
        reference=reference, title=f"Participation Services {reference}", summary="Participation services for public bodies",
        description="A framework for participation services.", authority=authority.id, estimated_value=2_000_000,
        start_date=date(2027, 3, 1), duration_months=48, call_off_routes=[str(route) for route in routes], state=State.LIVE,
        created_at=now, updated_at=now,
    )
    await framework.save()
    made_lots = {}
    for number in range(1, lots + 1):
        lot = Lot(framework=framework.id, number=number, title=f"Lot {number} services", scope="Participation work",
                  subject="adults", max_suppliers=10, estimated_value=lot_value)
        await lot.save()
        made_lots[number] = lot
    live = Live(framework=framework, lots=made_lots, authority=authority.id, officer=officer, commissioner=commissioner)
    await AssessmentScheme.insert(AssessmentScheme(framework=framework.id, quality_share=QUALITY_SHARE, scale=list(DEFAULT_SCALE), locked_at=now))
    for position, (title, weight) in enumerate(QUALITY.items(), start=1):
        criterion = Criterion(framework=framework.id, kind=CriterionKind.QUALITY, position=position, title=title, weight=weight, minimum_score=None)
        await criterion.save()
        live.criteria[title] = criterion
    await Criterion.insert(Criterion(framework=framework.id, kind=CriterionKind.PRICE, position=1, title="Price"))
    for supplier in suppliers:
        await add_supplier(live, supplier)
    from registry.directory import index

    await index.rebuild()
    return live


async def entitle(live: Live, organisation_id: int) -> None:
    """Name the (registered) authority on `live`'s framework as entitled to call off under it."""
    organisation = await Organisation.objects().get(Organisation.id == organisation_id)
    await EligibleAuthority.insert(EligibleAuthority(framework=live.framework.id, organisation=organisation_id, name=organisation.legal_name))


def picks(live: Live, *chosen: tuple) -> list[tuple[int, str, int]]:
    """A mini-competition's criteria, each (the framework criterion's title, weight) or (title, wording, weight)."""
    return [
        (live.criteria[c[0]].id, c[0], c[1]) if len(c) == 2 else (live.criteria[c[0]].id, c[1], c[2]) for c in chosen
    ]


async def add_supplier(live: Live, supplier: Supplier) -> int:
    """A supplier organisation with one user (its admin), a profile, and its appointments in `live`."""
    organisation = await accounts.create_organisation(kind=OrganisationKind.SUPPLIER, legal_name=supplier.name, size=supplier.size)
    made = await user(supplier.email, (Role.SUPPLIER,), organisation)
    await User.update({User.is_organisation_admin: True}).where(User.id == made.id)
    await SupplierProfile.insert(SupplierProfile(
        organisation=organisation.id, trading_name=supplier.name, description=supplier.description, town="Glasgow",
        regions=list(supplier.regions), engagement_methods=list(supplier.methods), groups=list(supplier.groups),
        languages=list(supplier.languages), accessible_formats=list(supplier.formats), capacity=supplier.capacity, updated_at=APPOINTED_AT,
    ))
    for number, rank in supplier.ranks.items():
        await appoint(live, organisation.id, number, rank)
    live.organisations[supplier.name] = organisation.id
    live.users[supplier.name] = await _current(made)
    from registry.directory import index

    await index.refresh(organisation.id)
    return organisation.id


async def appoint(live: Live, organisation_id: int, lot_number: int, rank: int) -> None:
    """Appoint the organisation to a lot of `live` (its tender submitted), as the award would."""
    lot = live.lots[lot_number]
    tender = Tender(framework=live.framework.id, lot=lot.id, organisation=organisation_id, status=TenderStatus.SUBMITTED,
                    created_at=APPOINTED_AT, updated_at=APPOINTED_AT)
    await tender.save()
    await Appointment.insert(Appointment(framework=live.framework.id, lot=lot.id, organisation=organisation_id, tender=tender.id,
                                         rank=rank, appointed_at=APPOINTED_AT))


async def _current(made):
    from tests.support import current

    return await current(made)


async def organisation_named(name: str) -> Organisation:
    return await Organisation.objects().get(Organisation.legal_name == name)
