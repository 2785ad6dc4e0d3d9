"""A large synthetic data set for the benchmarks and the query-count tests: supplier organisations
with profiles, appointed to the lots of live frameworks; frameworks at every stage; engagements at
every stage with reviews; tenders prepared for a framework open for tenders; and signed-in
sessions for some of its users.

Everything is written in bulk, straight to the tables, as the services would have left it (the
services themselves would take hours at this size); one complete tender draft is made through the
tender service and copied, so that every prepared tender is one the service accepts. Deterministic
for a given size and seed.

    python -m benchmarks.dataset --database sqlite:///var/bench.sqlite3 --suppliers 1000
"""

import argparse
import asyncio
import json
import random
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from registry import clock, db
from registry.accounts.auth import load_user
from registry.accounts.passwords import hash_password
from registry.accounts.sessions import IDLE_TIMEOUT
from registry.accounts.tables import Organisation, OrganisationKind, OrganisationSize, Role, SessionRecord, User
from registry.award.tables import Appointment
from registry.criteria.tables import DEFAULT_SCALE, AssessmentScheme, Criterion, CriterionKind
from registry.db import migrations
from registry.directory import index
from registry.engagements.tables import Engagement, EngagementState, PerformanceReview
from registry.frameworks.tables import CallOffRoute, Framework, Lot, State
from registry.interest.tables import ExpressionOfInterest
from registry.reference import taxonomies
from registry.suppliers.tables import SupplierProfile
from registry.tenders import service as tenders
from registry.tenders.tables import Tender, TenderStatus

PASSWORD = "benchmark-password-2026"
CHUNK = 400  # values per IN (...) when looking rows up
LOTS_PER_FRAMEWORK = 3
OPEN_FOR_TENDERS = "BENCH-ITT"  # the framework whose prepared tenders the benchmarks submit

FIRST = ["North", "South", "East", "West", "Upper", "Lower", "Old", "New", "Green", "Bright", "Open", "Common", "Harbour", "River",
         "Hill", "Valley", "Bridge", "Market", "Thistle", "Heather", "Oak", "Rowan", "Birch", "Willow", "Cedar", "Kestrel", "Lark", "Wren"]
SECOND = ["gate", "field", "wood", "brook", "stone", "moor", "ford", "haven", "vale", "side", "bank", "wick", "ton", "ley", "mouth"]
KINDS = ["Community Voices", "Participation", "Engagement", "Dialogue", "Deliberation", "Youth Voice", "Citizen Panels", "Listening",
         "Co-design", "Civic Labs", "Public Conversations", "Inclusion Partners", "Consultation", "Futures", "Assemblies"]
FORMS = ["Ltd", "CIC", "LLP", "Trust", "Co-operative", "SCIO", "Partnership"]
PHRASES = [
    "We design deliberative processes that bring people with lived experience into decisions.",
    "Our facilitators run citizens' juries, assemblies and panels across the country.",
    "We work with children and young people through schools, youth clubs and online.",
    "Digital participation platforms with moderated online consultation and surveys.",
    "Community researchers who reach seldom-heard groups in their own languages.",
    "Creative engagement: theatre, photography and storytelling with communities.",
    "Independent analysis and reporting of consultation responses at scale.",
    "Accessible engagement with disabled people, with easy read and British Sign Language.",
    "Rural and island engagement with travel to where people live and work.",
    "Training public servants to run inclusive engagement themselves.",
]
ENGAGEMENT_TITLES = ["Citizens' panel on", "Youth consultation on", "Community workshops on", "Online consultation on", "Deliberative review of"]
TOPICS = ["active travel", "local health services", "net zero homes", "school meals", "town centre renewal", "libraries", "social care",
          "flood resilience", "housing allocations", "community safety", "bus routes", "green spaces"]
STATE_MIX = [  # the frameworks' states, by share
    (State.LIVE, 40), (State.EXPIRED, 10), (State.DRAFT, 10), (State.PIN_PUBLISHED, 10), (State.RFI_OPEN, 8), (State.RFI_CLOSED, 5),
    (State.ITT_PUBLISHED, 7), (State.EVALUATION, 5), (State.MODERATION, 3), (State.CANCELLED, 2),
]
ENGAGEMENT_MIX = [
    (EngagementState.DRAFT, 10), (EngagementState.INVITED, 5), (EngagementState.AWARDED, 15), (EngagementState.IN_DELIVERY, 20),
    (EngagementState.COMPLETED, 45), (EngagementState.CANCELLED, 5),
]


@dataclass(frozen=True)
class Size:
    suppliers: int = 10_000
    frameworks: int = 200
    engagements: int = 50_000
    tenders: int = 5_000  # prepared, complete and not yet submitted, for the framework open for tenders
    sessions: int = 200  # signed-in sessions, for suppliers with a prepared tender

    def times(self, factor: int) -> "Size":
        return Size(*(value * factor for value in asdict(self).values()))


@dataclass
class Manifest:
    """What the benchmarks and tests need to find their way around the data set."""

    size: dict
    search_path: str  # the public directory, searched by text and two filters
    framework_path: str  # a live framework's public page
    tender_framework: str  # the framework open for tenders
    tender_deadline: str  # ISO 8601
    supplier_sessions: list[str] = field(default_factory=list)  # session ids of suppliers with a prepared tender (lot 1)
    commissioner_session: str = ""
    officer_session: str = ""
    supplier_profile_path: str = ""  # a supplier's public profile in the directory
    engagement_path: str = ""  # a completed engagement, as its commissioner sees it
    supplier_engagement_path: str = ""  # the same, as its supplier sees it
    officer_framework_path: str = ""  # a framework's task list, as its procurement officer sees it (the moderated one)
    moderation_path: str = ""  # the moderation sheet of a lot whose tenders the panel has scored
    scoring_path: str = ""  # an evaluator's scoring page of one of that lot's tenders
    moderating_officer_session: str = ""
    evaluator_session: str = ""


def weighted(rng: random.Random, mix: list[tuple]) -> object:
    return rng.choices([value for value, _ in mix], weights=[weight for _, weight in mix])[0]


def codes(taxonomy: str) -> list[str]:
    return [term.code for term in taxonomies.terms(taxonomy)]


async def generate(size: Size, seed: int = 2026, deadline_in: timedelta = timedelta(days=30)) -> Manifest:
    """Fill the bound, migrated and empty database; frameworks open for tenders close `deadline_in` from now."""
    rng = random.Random(seed)
    now = clock.now()
    password_hash = await hash_password(PASSWORD)  # one hash for every account: hashing thousands would take minutes
    authorities = await _authorities(now, password_hash)
    suppliers = await _suppliers(rng, size.suppliers, now, password_hash)
    frameworks = await _frameworks(rng, size.frameworks, authorities, now, now + deadline_in)
    appointed = await _appointments(rng, frameworks, suppliers, now)
    await _interest(rng, frameworks, suppliers, now)
    completed = await _engagements(rng, size.engagements, frameworks, appointed, authorities, now)
    deadline = await _prepared_tenders(size.tenders, frameworks, suppliers, authorities, now)
    moderated = await _moderated_lot(size)
    await index.rebuild()
    sessions = await _sessions([user for _, user in suppliers[: min(size.sessions, size.tenders)]], now)
    officials = await _sessions([authorities[0]["officer"], authorities[0]["commissioner"]], now)
    moderating_officer, evaluator = await _sessions([moderated["officer"], moderated["evaluator"]], now)
    await db.analyze()
    return Manifest(
        size=asdict(size),
        search_path=await _search_finding(suppliers[0][0]),
        framework_path=f"/frameworks/{frameworks[0]['reference']}",
        tender_framework=OPEN_FOR_TENDERS,
        tender_deadline=deadline.isoformat(),
        supplier_sessions=sessions,
        officer_session=officials[0],
        commissioner_session=officials[1],
        supplier_profile_path=f"/suppliers/{suppliers[0][0]}",
        engagement_path=f"/commissioning/{completed['reference']}" if completed else "",
        supplier_engagement_path=f"/organisation/engagements/{completed['reference']}" if completed else "",
        officer_framework_path=f"/manage/frameworks/{moderated['reference']}",
        moderation_path=f"/manage/frameworks/{moderated['reference']}/evaluation/moderation/1",
        scoring_path=f"/evaluation/{moderated['assignment']}/tenders/{moderated['tender']}",
        moderating_officer_session=moderating_officer,
        evaluator_session=evaluator,
    )


async def _moderated_lot(size: Size) -> dict:
    """A framework in moderation whose one lot's tenders (a quarter as many as the prepared tenders, at
    least five) three evaluators have scored on twelve criteria, as benchmarks.evaluation_scale builds it."""
    from benchmarks import evaluation_scale
    from registry.evaluation.tables import EvaluatorAssignment
    from registry.evaluation.service import bidders

    built = await evaluation_scale.build(tenders=max(5, size.tenders // 4))
    assignment = await EvaluatorAssignment.objects().where(EvaluatorAssignment.lot == built.lot_id).order_by(EvaluatorAssignment.id).first()
    return {
        "reference": evaluation_scale.REFERENCE, "officer": built.officer_id, "evaluator": assignment.evaluator,
        "assignment": assignment.id, "tender": (await bidders(built.lot_id))[0]["tender_id"],
    }


async def _search_finding(organisation_id: int) -> str:
    """A directory search by text and two filters that finds at least this supplier (and many others)."""
    profile = await SupplierProfile.objects().get(SupplierProfile.organisation == organisation_id)
    word = max(profile.description.split(), key=len).strip(".,'")
    return f"/suppliers?q={word}&region={profile.regions[0]}&method={profile.engagement_methods[0]}&seed=12345"


async def _authorities(now: datetime, password_hash: str) -> list[dict]:
    """Ten public bodies, each with a procurement officer and a commissioner."""
    names = [f"Bench Council {n}" for n in range(1, 11)]
    await db.insert_many(Organisation, [Organisation(kind=OrganisationKind.AUTHORITY, legal_name=name, created_at=now) for name in names])
    ids = await _ids(Organisation, Organisation.legal_name, names)
    users = []
    for n, name in enumerate(names, start=1):
        for role in (Role.PROCUREMENT_OFFICER, Role.COMMISSIONER):
            users.append(User(email=f"{role.value.replace('_', '-')}{n}@council{n}.bench.example", full_name=f"{role.value.title()} {n}",
                              organisation=ids[name], roles=[role.value], password_hash=password_hash, email_confirmed_at=now, created_at=now))
    await db.insert_many(User, users)
    user_ids = await _ids(User, User.email, [u.email for u in users])
    return [
        {"id": ids[name], "officer": user_ids[users[2 * i].email], "commissioner": user_ids[users[2 * i + 1].email]}
        for i, name in enumerate(names)
    ]


def _supplier_name(rng: random.Random, n: int) -> str:
    return f"{rng.choice(FIRST)}{rng.choice(SECOND)} {rng.choice(KINDS)} {rng.choice(FORMS)} {n}"


async def _suppliers(rng: random.Random, count: int, now: datetime, password_hash: str) -> list[tuple[int, int]]:
    """(organisation id, user id) of each supplier, with its profile."""
    names = [_supplier_name(rng, n) for n in range(1, count + 1)]
    sizes = [weighted(rng, [(OrganisationSize.MICRO, 30), (OrganisationSize.SMALL, 40), (OrganisationSize.MEDIUM, 20), (OrganisationSize.LARGE, 10)])
             for _ in names]
    await db.insert_many(Organisation, [
        Organisation(kind=OrganisationKind.SUPPLIER, legal_name=name, size=size, organisation_type="company", created_at=now)
        for name, size in zip(names, sizes)
    ])
    ids = await _ids(Organisation, Organisation.legal_name, names)
    emails = [f"bids@supplier{n}.bench.example" for n in range(1, count + 1)]
    await db.insert_many(User, [
        User(email=email, full_name=f"Bid Manager {n}", organisation=ids[name], roles=[Role.SUPPLIER.value], password_hash=password_hash,
             email_confirmed_at=now, is_organisation_admin=True, created_at=now)
        for n, (email, name) in enumerate(zip(emails, names), start=1)
    ])
    user_ids = await _ids(User, User.email, emails)
    lists = {taxonomy: codes(taxonomy) for taxonomy in index.TAXONOMIES}
    await db.insert_many(SupplierProfile, [
        SupplierProfile(
            organisation=ids[name], trading_name=name.rsplit(" ", 2)[0], description=" ".join(rng.sample(PHRASES, 3)), town="Glasgow",
            regions=rng.sample(lists["regions"], rng.randint(1, 4)), engagement_methods=rng.sample(lists["engagement_methods"], rng.randint(2, 5)),
            groups=rng.sample(lists["groups"], rng.randint(1, 4)), languages=["english", *rng.sample(lists["languages"][1:], rng.randint(0, 2))],
            accessible_formats=rng.sample(lists["accessible_formats"], rng.randint(0, 3)), capacity=rng.choice([None, 2, 3, 5, 8, 12]), updated_at=now,
        )
        for name in names
    ])
    return [(ids[name], user_ids[email]) for name, email in zip(names, emails)]


async def _frameworks(rng: random.Random, count: int, authorities: list[dict], now: datetime, deadline: datetime) -> list[dict]:
    """The frameworks, the first live and one open for tenders, each with three lots."""
    states = [State.LIVE, State.ITT_PUBLISHED] + [weighted(rng, STATE_MIX) for _ in range(max(count - 2, 0))]
    references = [f"BENCH-{n:04d}" for n in range(1, count + 1)]
    references[1] = OPEN_FOR_TENDERS
    subjects = codes("lot_subjects")
    rows = []
    for reference, state in zip(references, states):
        authority = rng.choice(authorities)
        rows.append(Framework(
            reference=reference, title=f"{rng.choice(KINDS)} Services Framework {reference[-4:]}", summary="Participation services for public bodies",
            description="A framework for participation and engagement services, in three lots.", authority=authority["id"],
            estimated_value=rng.randint(1, 40) * 250_000, start_date=date(2027, 4, 1), duration_months=48,
            call_off_routes=[CallOffRoute.DIRECT_AWARD.value, CallOffRoute.MINI_COMPETITION.value], state=state,
            tender_deadline=deadline if state == State.ITT_PUBLISHED else now - timedelta(days=60),
            clarification_deadline=deadline - timedelta(days=10) if state == State.ITT_PUBLISHED else now - timedelta(days=70),
            created_at=now - timedelta(days=200), updated_at=now,
        ))
    await db.insert_many(Framework, rows)
    ids = await _ids(Framework, Framework.reference, references)
    await db.insert_many(Lot, [
        Lot(framework=ids[reference], number=number, title=f"Lot {number}: {taxonomies.name_of('lot_subjects', subjects[number - 1])}",
            scope="Participation work", subject=subjects[number - 1], max_suppliers=60, estimated_value=2_000_000)
        for reference in references for number in range(1, LOTS_PER_FRAMEWORK + 1)
    ])
    lots = await Lot.select(Lot.id, Lot.framework, Lot.number)
    lots_of: dict[int, dict[int, int]] = {}
    for lot in lots:
        lots_of.setdefault(lot["framework"], {})[lot["number"]] = lot["id"]
    return [
        {"id": ids[reference], "reference": reference, "state": state, "authority": row.authority, "lots": lots_of[ids[reference]]}
        for reference, state, row in zip(references, states, rows)
    ]


async def _appointments(rng: random.Random, frameworks: list[dict], suppliers: list[tuple[int, int]], now: datetime) -> dict[int, list[int]]:
    """Every supplier appointed to one or two lots of live frameworks; each lot's appointed organisations."""
    live = [f for f in frameworks if f["state"] == State.LIVE]
    chosen: list[tuple[dict, int, int]] = []  # framework, lot id, organisation
    for organisation, _ in suppliers:
        for framework in rng.sample(live, min(len(live), rng.randint(1, 2))):
            chosen.append((framework, framework["lots"][rng.randint(1, LOTS_PER_FRAMEWORK)], organisation))
    await db.insert_many(Tender, [
        Tender(framework=f["id"], lot=lot, organisation=organisation, status=TenderStatus.SUBMITTED, created_at=now, updated_at=now)
        for f, lot, organisation in chosen
    ])
    tender_of = {(row["lot"], row["organisation"]): row["id"] for row in await Tender.select(Tender.id, Tender.lot, Tender.organisation)}
    appointed: dict[int, list[int]] = {}
    rows = []
    for f, lot, organisation in chosen:
        appointed.setdefault(lot, []).append(organisation)
        rows.append(Appointment(framework=f["id"], lot=lot, organisation=organisation, tender=tender_of[(lot, organisation)],
                                rank=len(appointed[lot]), appointed_at=now - timedelta(days=90)))
    await db.insert_many(Appointment, rows)
    return appointed


async def _interest(rng: random.Random, frameworks: list[dict], suppliers: list[tuple[int, int]], now: datetime) -> None:
    """Each supplier follows a few frameworks (its dashboard's list), and every one follows the one open for tenders."""
    open_ids = [f["id"] for f in frameworks if f["state"] not in (State.DRAFT,) and f["reference"] != OPEN_FOR_TENDERS]
    tendering = next(f["id"] for f in frameworks if f["reference"] == OPEN_FOR_TENDERS)
    rows = []
    for organisation, user in suppliers:
        for framework in [tendering, *rng.sample(open_ids, min(3, len(open_ids)))]:
            rows.append(ExpressionOfInterest(organisation=organisation, framework=framework, all_lots=True, registered_at=now, registered_by=user))
    await db.insert_many(ExpressionOfInterest, rows)


async def _engagements(rng, count: int, frameworks: list[dict], appointed: dict[int, list[int]], authorities: list[dict], now: datetime) -> dict | None:
    """Call-offs under the live frameworks' lots at every stage, completed ones reviewed. Returns a completed one."""
    by_id = {f["id"]: f for f in frameworks}
    lots = [(lot, framework) for lot, _ in appointed.items() for framework in [next(f for f in frameworks if lot in f["lots"].values())]]
    groups, regions, methods = codes("groups"), codes("regions"), codes("engagement_methods")
    rows, reviews = [], []
    for n in range(1, count + 1):
        lot, framework = lots[n % len(lots)]
        authority = next(a for a in authorities if a["id"] == by_id[framework["id"]]["authority"])
        state = weighted(rng, ENGAGEMENT_MIX)
        supplier = rng.choice(appointed[lot]) if state in (EngagementState.AWARDED, EngagementState.IN_DELIVERY, EngagementState.COMPLETED) else None
        starts = date(2027, 1, 1) + timedelta(days=rng.randint(0, 700))
        price = rng.randint(5, 150) * 100_000 if supplier else None
        rows.append(Engagement(
            reference=f"{framework['reference']}-E{n:05d}", framework=framework["id"], lot=lot, buyer=authority["id"], created_by=authority["commissioner"],
            title=f"{rng.choice(ENGAGEMENT_TITLES)} {rng.choice(TOPICS)}", objectives="Hear from residents who are rarely heard.",
            groups=rng.sample(groups, 2), regions=rng.sample(regions, 1), participants_target=rng.randint(20, 2000), methods=rng.sample(methods, 2),
            budget_pence=(price or 5_000_000) + 1_000_000, starts_on=starts, ends_on=starts + timedelta(days=rng.randint(30, 180)),
            route=CallOffRoute.DIRECT_AWARD.value, state=state, supplier=supplier, proposed_supplier=supplier, awarded_price_pence=price,
            awarded_at=now - timedelta(days=rng.randint(1, 300)) if supplier else None, awarded_by=authority["commissioner"] if supplier else None,
            delivery_started_at=now - timedelta(days=10) if state in (EngagementState.IN_DELIVERY, EngagementState.COMPLETED) else None,
            deliverables="A report of what people said, and a summary in easy read." if state == EngagementState.COMPLETED else None,
            completed_at=now - timedelta(days=5) if state == EngagementState.COMPLETED else None,
            cancelled_at=now - timedelta(days=3) if state == EngagementState.CANCELLED else None,
            cancel_reason="The policy it was for was withdrawn." if state == EngagementState.CANCELLED else None,
            created_at=now - timedelta(days=400), updated_at=now,
        ))
    await db.insert_many(Engagement, rows)
    completed = await Engagement.select(Engagement.id, Engagement.reference, Engagement.supplier, Engagement.created_by).where(
        Engagement.state == EngagementState.COMPLETED
    ).order_by(Engagement.id)
    await db.insert_many(PerformanceReview, [
        PerformanceReview(engagement=row["id"], supplier=row["supplier"], quality=rng.randint(2, 5), timeliness=rng.randint(2, 5),
                          inclusion=rng.randint(2, 5), value=rng.randint(2, 5), comments="Delivered what was asked, on time.",
                          reviewed_by=row["created_by"], reviewed_at=now)
        for row in completed
    ])
    first_authority = authorities[0]["id"]
    own = await Engagement.select(Engagement.reference).where(
        (Engagement.state == EngagementState.COMPLETED) & (Engagement.buyer == first_authority)
    ).order_by(Engagement.id).first()
    return own


async def _prepared_tenders(count: int, frameworks: list[dict], suppliers: list[tuple[int, int]], authorities: list[dict], now: datetime) -> datetime:
    """The framework open for tenders gets its criteria; the first `count` suppliers a complete draft for lot 1."""
    framework = next(f for f in frameworks if f["reference"] == OPEN_FOR_TENDERS)
    lot = framework["lots"][1]
    await AssessmentScheme.insert(AssessmentScheme(framework=framework["id"], quality_share=60, scale=DEFAULT_SCALE, locked_at=now))
    specs = [
        (CriterionKind.SELECTION, "Do you hold public liability insurance of at least £5 million?", None, None),
        (CriterionKind.QUALITY, "Reaching seldom-heard groups", 60, 500),
        (CriterionKind.QUALITY, "Your team", 40, 500),
        (CriterionKind.PRICE, "Price for the sample engagement", None, None),
    ]
    await Criterion.insert(*[
        Criterion(framework=framework["id"], kind=kind, position=position, title=title, guidance="Answer fully.", weight=weight, word_limit=limit)
        for position, (kind, title, weight, limit) in enumerate(specs, start=1)
    ])
    draft = await _one_complete_draft(framework["reference"], suppliers[0][1])
    await db.insert_many(Tender, [
        Tender(framework=framework["id"], lot=lot, organisation=organisation, status=TenderStatus.DRAFT, draft=draft, created_at=now, updated_at=now)
        for organisation, _ in suppliers[1:count]
    ])
    return (await Framework.select(Framework.tender_deadline).where(Framework.id == framework["id"]).first())["tender_deadline"]


async def _one_complete_draft(reference: str, user_id: int) -> str:
    """A draft made through the tender service, so that it is one the service accepts."""
    user, _ = await load_user(user_id)
    criteria = {c.kind: c for c in await Criterion.objects().where(Criterion.framework.reference == reference).order_by(Criterion.position)}
    quality = await Criterion.objects().where((Criterion.framework.reference == reference) & (Criterion.kind == CriterionKind.QUALITY))
    await tenders.save_selection(user, reference, 1, {criteria[CriterionKind.SELECTION].id: ("yes", "Insured with Example Mutual for £10 million")})
    for criterion in quality:
        await tenders.save_quality_answer(user, reference, 1, criterion.id, "We go where people already are, with facilitators who live locally.")
    await tenders.save_price(user, reference, 1, "48250.00")
    await tenders.save_declarations(user, reference, 1, list(tenders.DECLARATIONS))
    return (await Tender.select(Tender.draft).where(Tender.organisation == user.organisation_id).where(Tender.status == TenderStatus.DRAFT).first())["draft"]


async def _sessions(user_ids: list[int], now: datetime) -> list[str]:
    """Signed-in sessions (with the second factor entered, as officials' must be), stored as the session middleware stores them (compact JSON: otherwise the
    middleware stores each again on its first request, a write no real session makes); returns their
    ids (the cookie values)."""
    stamps = {row["id"]: row["session_stamp"] for row in await User.select(User.id, User.session_stamp).where(User.id.is_in(user_ids))}
    keys = [secrets.token_hex(32) for _ in user_ids]
    await db.insert_many(SessionRecord, [
        SessionRecord(key=key, value=json.dumps({"user_id": user_id, "stamp": stamps[user_id], "signed_in_at": now.timestamp(), "second_factor": True}, separators=(",", ":")).encode(),
                      expires_at=now + IDLE_TIMEOUT)
        for key, user_id in zip(keys, user_ids)
    ])
    return keys


async def _ids(table, column, values: list[str]) -> dict[str, int]:
    found = {}
    for start in range(0, len(values), CHUNK):
        for row in await table.select(table.id, column.as_alias("key")).where(column.is_in(values[start:start + CHUNK])):
            found[row["key"]] = row["id"]
    return found


async def create(url: str, size: Size, seed: int = 2026, deadline_in: timedelta = timedelta(days=30)) -> Manifest:
    """Migrate the (empty) database at `url` and fill it."""
    engine = db.create_engine(url)
    db.bind(engine)
    await db.connect(engine, pool_size=2)
    try:
        await migrations.apply()
        return await generate(size, seed, deadline_in)
    finally:
        await db.disconnect(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="sqlite:///path or postgresql://... (an empty database)")
    for name, default in asdict(Size()).items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--manifest", help="write the manifest (paths, session ids) here as JSON")
    args = parser.parse_args()
    size = Size(**{name: getattr(args, name) for name in asdict(Size())})
    started = datetime.now(UTC)
    manifest = asyncio.run(create(args.database, size))
    print(f"Generated {size} in {(datetime.now(UTC) - started).total_seconds():.1f} s")
    if args.manifest:
        with open(args.manifest, "w") as file:
            json.dump(asdict(manifest), file, indent=2)


if __name__ == "__main__":
    main()
