"""Evaluation at scale (issue 10): how long a lot's results take, and how many SQL statements they
issue, for a lot with 2,000 tenders x 12 criteria x 3 evaluators.

It builds, with bulk inserts, a framework in moderation with one lot: an assessment scheme, the
criteria (one selection question, the quality criteria weighted to 100, the price), a counting
submission per tender at distinct prices, every evaluator's submitted scores on every tender and
criterion, and the consensus scores of a completed moderation. Then it times, best and median of
five runs after a warm-up:

- `registry.award.results.for_lot`, the lot's scores, ranks and exclusions;
- `registry.evaluation.service.moderation_sheet`, the data of the officer's moderation page: every
  evaluator's marks side by side with the consensus (the page's rendering is not timed);
- the moderation page itself, as the officer asks for it (its first, middle and last page of
  tenders, through the whole app in-process: every layer, the statements and the rendering), with
  the size of its HTML.

The figures are reported, not judged: the issue's aim is under a second, in one aggregate query.

    python -m benchmarks.evaluation_scale                      # SQLite, in a temporary file
    REGISTRY_BENCH_POSTGRES_URL=postgresql://registry:registry@127.0.0.1:5432/postgres \\
        python -m benchmarks.evaluation_scale --database postgres --json evaluation.json

PostgreSQL gets a fresh database, registry_bench_eval_<random>, dropped at the end.
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from registry import db
from registry.accounts.auth import CurrentUser, load_user
from registry.accounts.tables import Organisation, OrganisationKind, Role, User
from registry.award import results
from registry.criteria.service import scheme_of
from registry.criteria.tables import DEFAULT_SCALE, AssessmentScheme, Criterion, CriterionKind
from registry.db import migrations, scratch
from registry.db.querycount import counting
from registry.evaluation import service as evaluation
from registry.evaluation.tables import Evaluation, EvaluatorAssignment, LotModeration, ModeratedScore, Score
from registry.frameworks.tables import Framework, Lot, State
from registry.tenders.tables import Tender, TenderOpening, TenderStatus, TenderSubmission

SEED = 10
RUNS = 5
ABNORMALLY_LOW_SHARE = 0.7
REFERENCE = "PF-2027-0100"
TENDER_DEADLINE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
OPENED_AT = TENDER_DEADLINE + timedelta(hours=2)
MODERATED_AT = TENDER_DEADLINE + timedelta(days=30)

SUPPLIER_FIRST = (
    "Northern", "Riverside", "Harbour", "Highland", "Lowland", "Civic", "Common Ground", "Bright", "Thistle", "Granite",
    "Firth", "Meadow", "Lantern", "Compass", "Bridge", "Open Door", "Kelvin", "Tayside", "Borders", "Island",
    "Heather", "Clyde", "Forth", "Pentland", "Cairn", "Loch", "Strath", "Glen", "Orchard", "Beacon",
)
SUPPLIER_SECOND = (
    "Voices", "Engagement", "Consulting", "Research", "Insight", "Dialogue", "Partners", "Collective", "Works", "Forum",
    "Participation", "Listening", "Conversations", "Communities", "Futures", "Associates", "Exchange", "Studio", "Network", "Trust",
)
SUPPLIER_FORM = ("Ltd", "CIC", "LLP", "Co-operative", "SCIO")
EVALUATOR_NAMES = ("Aileen Campbell", "Duncan Fraser", "Priya Shah", "Tomasz Nowak", "Kirsty MacLeod", "Joe Okafor")
QUALITY_TITLES = (
    "Reaching seldom-heard groups", "Your team", "Method and plan", "Accessibility", "Safeguarding", "Analysis and reporting",
    "Digital engagement", "Working with community groups", "Managing risk", "Social value", "Data protection", "Evaluation of impact",
)
VERDICTS = (
    "Does not answer the question.", "Answers only in part, with little evidence.", "Meets the requirement, with some evidence.",
    "A good answer with clear, relevant examples.", "An excellent answer: specific, evidenced and realistic.",
)
EVIDENCE = (
    "The examples are from similar public engagement work.", "Named staff have the experience described.",
    "The timetable is credible for the lot's scope.", "Costs and resourcing are not explained.",
    "Partner organisations are named and their roles are clear.", "The approach to accessibility is generic.",
)


@dataclass(frozen=True)
class Built:
    """What `build` wrote, and what measuring it needs."""

    lot_id: int
    officer_id: int
    tenders: int
    criteria: int
    evaluators: int
    evaluator_scores: int
    consensus_scores: int


@dataclass(frozen=True)
class Timing:
    best_ms: float
    median_ms: float
    queries: int


@dataclass(frozen=True)
class Figures:
    engine: str
    tenders: int
    criteria: int
    evaluators: int
    evaluator_scores: int
    consensus_scores: int
    build_seconds: float
    for_lot: Timing
    moderation_sheet: Timing
    sheet_pages: dict[str, Timing]  # the moderation page's first, middle and last page, by address
    sheet_page_bytes: int  # the largest of them


# --- Building -----------------------------------------------------------------------------------


def supplier_names(count: int, rng: random.Random) -> list[str]:
    names = [f"{first} {second} {form}" for first in SUPPLIER_FIRST for second in SUPPLIER_SECOND for form in SUPPLIER_FORM]
    rng.shuffle(names)
    return [names[n % len(names)] + ("" if n < len(names) else f" {n // len(names) + 1}") for n in range(count)]


def evaluator_name(n: int) -> str:
    name = EVALUATOR_NAMES[(n - 1) % len(EVALUATOR_NAMES)]
    return name if n <= len(EVALUATOR_NAMES) else f"{name} {n}"


def quality_weights(count: int) -> list[int]:
    """`count` whole-number weights summing to 100, the first ones the heaviest."""
    base, extra = divmod(100, count)
    return [base + (1 if n < extra else 0) for n in range(count)]


async def authority_and_people(evaluators: int) -> tuple[int, int, list[int]]:
    """The contracting authority, its procurement officer and its evaluators."""
    now = TENDER_DEADLINE - timedelta(days=90)
    authority = Organisation(kind=OrganisationKind.AUTHORITY, legal_name="Scottish Participation Office", created_at=now)
    await authority.save()
    people = [User(
        email="officer@participation.example", full_name="Morag Officer", organisation=authority.id,
        roles=[Role.PROCUREMENT_OFFICER], email_confirmed_at=now, created_at=now,
    )] + [User(
        email=f"evaluator{n}@participation.example", full_name=evaluator_name(n), organisation=authority.id,
        roles=[Role.EVALUATOR], email_confirmed_at=now, created_at=now,
    ) for n in range(1, evaluators + 1)]
    await db.insert_many(User, people)
    rows = await User.select(User.email, User.id).where(User.organisation == authority.id)
    ids = {row["email"]: row["id"] for row in rows}
    return authority.id, ids[people[0].email], [ids[person.email] for person in people[1:]]


async def framework_in_moderation(authority_id: int, officer_id: int) -> tuple[Framework, Lot]:
    created = TENDER_DEADLINE - timedelta(days=120)
    framework = Framework(
        reference=REFERENCE, title="Community engagement and participation services", authority=authority_id,
        state=State.MODERATION, tender_deadline=TENDER_DEADLINE, clarification_deadline=TENDER_DEADLINE - timedelta(days=10),
        created_at=created, updated_at=MODERATED_AT,
    )
    await framework.save()
    lot = Lot(framework=framework.id, number=1, title="Engagement with seldom-heard groups", max_suppliers=20)
    await lot.save()
    await AssessmentScheme.insert(AssessmentScheme(framework=framework.id, quality_share=60, scale=list(DEFAULT_SCALE), locked_at=created))
    await TenderOpening.insert(TenderOpening(
        framework=framework.id, requested_by=officer_id, requested_at=OPENED_AT, confirmed_by=officer_id, confirmed_at=OPENED_AT,
    ))
    return framework, lot


async def assessment_criteria(framework_id: int, count: int) -> tuple[int, list[int]]:
    """One selection question, `count` - 2 quality criteria (the first two with a minimum score) and
    the price. Returns the selection question's id and the quality criteria's."""
    quality = count - 2
    rows = [Criterion(
        framework=framework_id, kind=CriterionKind.SELECTION, position=1,
        title="Do you hold public liability insurance of at least £5 million?", guidance="Pass: yes, with the insurer named.",
    )] + [Criterion(
        framework=framework_id, kind=CriterionKind.QUALITY, position=n + 1, title=QUALITY_TITLES[(n - 1) % len(QUALITY_TITLES)],
        guidance="Describe your approach, with examples.", weight=weight, minimum_score=2 if n <= 2 else None, word_limit=500,
    ) for n, weight in enumerate(quality_weights(quality), start=1)] + [Criterion(
        framework=framework_id, kind=CriterionKind.PRICE, position=count, title="Price for the sample engagement",
        guidance="Your total price, excluding VAT.",
    )]
    await db.insert_many(Criterion, rows)
    found = await Criterion.select(Criterion.id, Criterion.kind).where(Criterion.framework == framework_id).order_by(Criterion.position)
    selection = next(row["id"] for row in found if row["kind"] == CriterionKind.SELECTION)
    return selection, [row["id"] for row in found if row["kind"] == CriterionKind.QUALITY]


async def bidders(framework: Framework, lot: Lot, count: int, rng: random.Random) -> list[int]:
    """`count` supplier organisations, each with a submitted tender at its own price."""
    names = supplier_names(count, rng)
    await db.insert_many(Organisation, [
        Organisation(kind=OrganisationKind.SUPPLIER, legal_name=name, size=rng.choice(("micro", "small", "medium", "large")), created_at=framework.created_at)
        for name in names
    ])
    rows = await Organisation.select(Organisation.id, Organisation.legal_name).where(Organisation.kind == OrganisationKind.SUPPLIER)
    organisation_of = {row["legal_name"]: row["id"] for row in rows}
    organisations = [organisation_of[name] for name in names]
    await db.insert_many(Tender, [Tender(
        framework=framework.id, lot=lot.id, organisation=organisation, status=TenderStatus.SUBMITTED, draft="{}",
        created_at=TENDER_DEADLINE - timedelta(days=20), updated_at=TENDER_DEADLINE - timedelta(hours=1),
    ) for organisation in organisations])
    rows = await Tender.select(Tender.id, Tender.organisation).where(Tender.lot == lot.id)
    tender_of = {row["organisation"]: row["id"] for row in rows}
    tenders = [tender_of[organisation] for organisation in organisations]
    prices = rng.sample(range(20_000, 90_000), count)  # whole pounds, all different
    await db.insert_many(TenderSubmission, [
        submission(framework, lot, tender, organisation, name, pounds * 100)
        for tender, organisation, name, pounds in zip(tenders, organisations, names, prices, strict=True)
    ])
    return tenders


QUALITY_ANSWER = ("We will recruit participants through community organisations they already trust.\n\n"
                  "Sessions run in the evenings and at weekends, with travel and childcare paid.")


def submission(framework: Framework, lot: Lot, tender_id: int, organisation_id: int, name: str, price_pence: int) -> TenderSubmission:
    content = json.dumps({  # as the tender service freezes a tender's content (registry.tenders.service)
        "framework": framework.reference, "lot": lot.number, "supplier": {"organisation_id": organisation_id, "name": name},
        "selection": [{"question": "Do you hold public liability insurance of at least £5 million?", "answer": "yes", "detail": ""}],
        "quality": [{"title": f"Quality question {n}", "answer": QUALITY_ANSWER} for n in range(1, 11)],
        "price": {"title": "Price", "amount": f"{price_pence // 100}.00"},
        "declarations": ["We have no conflict of interest"], "documents": [],
    }, sort_keys=True, separators=(",", ":"))
    return TenderSubmission(
        tender=tender_id, number=1, content=content, sha256=hashlib.sha256(content.encode()).hexdigest(), price_pence=price_pence,
        received_at=TENDER_DEADLINE - timedelta(hours=1),
    )


async def panel(framework: Framework, lot: Lot, officer_id: int, evaluator_ids: list[int]) -> list[int]:
    await db.insert_many(EvaluatorAssignment, [EvaluatorAssignment(
        framework=framework.id, lot=lot.id, evaluator=evaluator, assigned_by=officer_id, assigned_at=TENDER_DEADLINE - timedelta(days=30),
        declared_at=OPENED_AT + timedelta(hours=1),
    ) for evaluator in evaluator_ids])
    rows = await EvaluatorAssignment.select(EvaluatorAssignment.id).where(EvaluatorAssignment.lot == lot.id).order_by(EvaluatorAssignment.id)
    return [row["id"] for row in rows]


async def evaluations(assignments: list[int], tenders: list[int]) -> dict[tuple[int, int], int]:
    """Each evaluator's submitted evaluation of each tender, by (assignment, tender)."""
    submitted = OPENED_AT + timedelta(days=10)
    await db.insert_many(Evaluation, [Evaluation(assignment=a, tender=t, submitted_at=submitted) for a in assignments for t in tenders])
    rows = await Evaluation.select(Evaluation.id, Evaluation.assignment, Evaluation.tender).where(Evaluation.assignment.is_in(assignments))
    return {(row["assignment"], row["tender"]): row["id"] for row in rows}


def justification(score: int, rng: random.Random) -> str:
    return f"{VERDICTS[score]} {rng.choice(EVIDENCE)}"


def marks_of_panel(evaluators: int, quality: list[int], rng: random.Random) -> tuple[list[bool], dict[int, list[int]]]:
    """Every evaluator's pass/fail on the selection question and score on each quality criterion
    for one tender: scattered around the tender's own standard."""
    standard = rng.gauss(2.6, 0.7)
    insured = rng.random() < 0.97
    passes = [insured if rng.random() < 0.95 else not insured for _ in range(evaluators)]
    scores = {}
    for criterion_id in quality:
        merit = standard + rng.gauss(0, 0.5)
        scores[criterion_id] = [min(4, max(0, round(merit + rng.gauss(0, 0.6)))) for _ in range(evaluators)]
    return passes, scores


async def scores(
    selection_id: int, quality: list[int], assignments: list[int], tenders: list[int],
    evaluation_ids: dict[tuple[int, int], int], officer_id: int, rng: random.Random,
) -> tuple[int, int]:
    """Every evaluator's scores and the consensus on every tender and criterion; returns how many of each."""
    individual, consensus = [], []
    for tender in tenders:
        passes, marks = marks_of_panel(len(assignments), quality, rng)
        for assignment, passed in zip(assignments, passes, strict=True):
            individual.append(Score(
                evaluation=evaluation_ids[(assignment, tender)], criterion=selection_id, passed=passed,
                justification="Insurer named, cover confirmed." if passed else "No evidence of the required cover.",
            ))
        agreed = passes.count(True) * 2 > len(passes)
        consensus.append(ModeratedScore(
            tender=tender, criterion=selection_id, passed=agreed, rationale="The panel agreed on the evidence of cover.",
            moderated_by=officer_id, moderated_at=MODERATED_AT,
        ))
        for criterion_id, given in marks.items():
            for assignment, score in zip(assignments, given, strict=True):
                individual.append(Score(
                    evaluation=evaluation_ids[(assignment, tender)], criterion=criterion_id, score=score, justification=justification(score, rng),
                ))
            agreed_score = statistics.median_low(given)
            consensus.append(ModeratedScore(
                tender=tender, criterion=criterion_id, score=agreed_score, rationale=f"Consensus after discussion. {VERDICTS[agreed_score]}",
                moderated_by=officer_id, moderated_at=MODERATED_AT,
            ))
    await db.insert_many(Score, individual)
    await db.insert_many(ModeratedScore, consensus)
    return len(individual), len(consensus)


async def build(tenders: int = 2000, criteria: int = 12, evaluators: int = 3) -> Built:
    """On the bound, migrated and empty database: a framework in moderation with one lot whose
    moderation is complete, `tenders` bids, `criteria` criteria and `evaluators` evaluators."""
    if criteria < 3:
        raise ValueError("criteria: at least 3 (a selection question, a quality criterion and the price)")
    rng = random.Random(SEED)
    async with db.transaction():
        authority_id, officer_id, evaluator_ids = await authority_and_people(evaluators)
        framework, lot = await framework_in_moderation(authority_id, officer_id)
        selection_id, quality = await assessment_criteria(framework.id, criteria)
        tender_ids = await bidders(framework, lot, tenders, rng)
        assignments = await panel(framework, lot, officer_id, evaluator_ids)
        evaluation_ids = await evaluations(assignments, tender_ids)
        individual, consensus = await scores(selection_id, quality, assignments, tender_ids, evaluation_ids, officer_id, rng)
        await LotModeration.insert(LotModeration(lot=lot.id, completed_by=officer_id, completed_at=MODERATED_AT))
    return Built(
        lot_id=lot.id, officer_id=officer_id, tenders=tenders, criteria=criteria, evaluators=evaluators,
        evaluator_scores=individual, consensus_scores=consensus,
    )


# --- Measuring ----------------------------------------------------------------------------------


async def timed(work: Callable[[], Awaitable]) -> Timing:
    """Best and median wall time of RUNS runs after a warm-up, and the statements one run issues."""
    with counting() as count:
        await work()
    durations = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await work()
        durations.append((time.perf_counter() - started) * 1000)
    return Timing(best_ms=round(min(durations), 1), median_ms=round(statistics.median(durations), 1), queries=count.statements)


async def measure(built: Built) -> tuple[Timing, Timing]:
    lot = await Lot.objects().get(Lot.id == built.lot_id)
    scheme = await scheme_of(lot.framework)
    framework = await Framework.objects().get(Framework.id == lot.framework)
    officer: CurrentUser = (await load_user(built.officer_id))[0]

    async def lot_results():
        found = await results.for_lot(lot, scheme, ABNORMALLY_LOW_SHARE)
        assert len(found.tenders) == built.tenders

    async def sheet():
        *_, rows, completed = await evaluation.moderation_sheet(officer, framework.reference, lot.number)
        assert len(rows) == built.tenders and completed is not None

    return await timed(lot_results), await timed(sheet)


async def officers_session(officer_id: int) -> str:
    from benchmarks.dataset import _sessions

    (key,) = await _sessions([officer_id], datetime.now(UTC))
    return key


async def measure_pages(url: str, built: Built, session: str) -> tuple[dict[str, Timing], int]:
    """The moderation page as its officer asks for it: its first, middle and last page, each timed
    through the whole app, in-process (the server's own time, without the network)."""
    import httpx

    from registry.app import create_app
    from registry.evaluation.controllers import MODERATION_PAGE_SIZE
    from registry.settings import Settings

    app = create_app(Settings(database_url=url, migrate_on_start=False, postgres_pool_size=4))
    async with app.lifespan():
        lot = await Lot.objects().get(Lot.id == built.lot_id)
        framework = await Framework.objects().get(Framework.id == lot.framework)
        sheet = f"/manage/frameworks/{framework.reference}/evaluation/moderation/{lot.number}"
        pages = -(-built.tenders // MODERATION_PAGE_SIZE)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.local", cookies={"registry_session": session}) as client:
            timings, largest = {}, 0
            for number in sorted({1, (pages + 1) // 2, pages}):
                address = f"{sheet}?page={number}"

                async def page(address=address):
                    nonlocal largest
                    response = await client.get(address, headers={"Accept": "text/html"})
                    assert response.status_code == 200, f"{address}: {response.status_code}"
                    largest = max(largest, len(response.content))

                timings[address] = await timed(page)
    return timings, largest


# --- Databases ----------------------------------------------------------------------------------


@asynccontextmanager
async def sqlite_database():
    with tempfile.TemporaryDirectory(prefix="registry_bench_eval_") as folder:
        yield f"sqlite:///{Path(folder) / 'registry.sqlite3'}"


@asynccontextmanager
async def postgres_database():
    maintenance = os.environ.get("REGISTRY_BENCH_POSTGRES_URL")
    if not maintenance:
        sys.exit("--database postgres needs REGISTRY_BENCH_POSTGRES_URL, e.g. postgresql://registry:registry@127.0.0.1:5432/postgres")
    async with scratch.database(maintenance, "registry_bench_eval") as url:
        yield url


async def run(kind: str, tenders: int, criteria_count: int, evaluators: int) -> Figures:
    database = sqlite_database() if kind == "sqlite" else postgres_database()
    async with database as url:
        engine = db.create_engine(url)
        db.bind(engine)
        await db.connect(engine, pool_size=4)
        try:
            await migrations.apply()
            started = time.perf_counter()
            built = await build(tenders, criteria_count, evaluators)
            build_seconds = round(time.perf_counter() - started, 2)
            if kind == "postgres":
                await engine.run_ddl("ANALYZE")  # as autovacuum would soon after a load this size
            lot_results, sheet = await measure(built)
            session = await officers_session(built.officer_id)
        finally:
            await db.disconnect(engine)
        sheet_pages, sheet_page_bytes = await measure_pages(url, built, session)
    return Figures(
        engine=kind, tenders=built.tenders, criteria=built.criteria, evaluators=built.evaluators,
        evaluator_scores=built.evaluator_scores, consensus_scores=built.consensus_scores, build_seconds=build_seconds,
        for_lot=lot_results, moderation_sheet=sheet, sheet_pages=sheet_pages, sheet_page_bytes=sheet_page_bytes,
    )


def table(figures: Figures) -> str:
    rows = [
        ("engine", figures.engine),
        ("tenders", f"{figures.tenders:,}"),
        ("criteria", figures.criteria),
        ("evaluators", figures.evaluators),
        ("scores written", f"{figures.evaluator_scores:,} by evaluators + {figures.consensus_scores:,} consensus"),
        ("build", f"{figures.build_seconds} s"),
        ("for_lot", f"median {figures.for_lot.median_ms} ms, best {figures.for_lot.best_ms} ms, {figures.for_lot.queries} queries"),
        ("moderation view", f"median {figures.moderation_sheet.median_ms} ms, best {figures.moderation_sheet.best_ms} ms, "
                            f"{figures.moderation_sheet.queries} queries"),
        *((f"moderation page {address.rpartition('?')[2]}", f"median {t.median_ms} ms, best {t.best_ms} ms, {t.queries} queries")
          for address, t in figures.sheet_pages.items()),
        ("moderation page size", f"{figures.sheet_page_bytes / 1024:.0f} kB of HTML at most"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.evaluation_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenders", type=int, default=2000)
    parser.add_argument("--criteria", type=int, default=12)
    parser.add_argument("--evaluators", type=int, default=3)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here, as JSON")
    arguments = parser.parse_args(argv)
    figures = asyncio.run(run(arguments.database, arguments.tenders, arguments.criteria, arguments.evaluators))
    print(table(figures))
    if arguments.json:
        arguments.json.write_text(json.dumps(asdict(figures), indent=2) + "\n")


if __name__ == "__main__":
    main()
