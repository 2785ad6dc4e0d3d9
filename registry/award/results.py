"""A lot's results: pass/fail gating, quality and price scores, totals, ranks and abnormally low
prices, computed by the database in one query per lot.

The rules (stated on the results pages and in every debrief letter):

- A tender is excluded when it fails any selection question, or when its consensus score on a quality
  criterion is under that criterion's minimum. The reasons are given.
- Quality score = Σ (consensus score ÷ scale maximum × weight) ÷ 100 × quality share.
- Price score = lowest compliant price ÷ the tender's price × price share.
- Each score is rounded to two decimal places (halves up); the total is their sum.
- Compliant tenders are ranked by total, highest first; equal totals are decided by the higher quality
  score; tenders equal on both share a rank.
- A compliant price under `abnormally_low_share` of the median compliant price is flagged, for the
  officer to investigate before the award.

All the arithmetic is on whole numbers (pence and hundredths of a point), so that SQLite and
PostgreSQL give exactly the same scores and ranks."""

from dataclasses import dataclass
from decimal import Decimal

from registry.criteria.service import Scheme
from registry.evaluation.tables import LotModeration
from registry.frameworks.tables import Lot

TIE_BREAK_RULE = (
    "Compliant tenders are ranked by total score, highest first. Where totals are equal, the tender with the higher "
    "quality score ranks higher; tenders equal on both share a rank."
)
ROUNDING_RULE = "Each score is rounded to two decimal places; the total is the sum of the rounded scores."

# Whether the consensus `m` on an applicable criterion `a` (either null) excludes the tender, and
# whether it is missing: totalled per tender, and shown against each mark.
FAILS_SQL = """CASE WHEN a.kind = 'selection' AND m.passed = FALSE THEN 1
             WHEN a.kind = 'quality' AND a.minimum_score IS NOT NULL AND m.score < a.minimum_score THEN 1
             ELSE 0 END"""
MISSING_SQL = "CASE WHEN (a.kind = 'selection' AND m.passed IS NULL) OR (a.kind = 'quality' AND m.score IS NULL) THEN 1 ELSE 0 END"

# One row per tender and criterion (selection and quality) of the lot, with the tender's scores,
# rank and flags alongside (window functions over the lot's tenders). Parameters, in order: lot,
# framework, lot, quality share, scale maximum (twice), price share, abnormally low share in
# thousandths. Halves round up: (2a + b) / 2b is a ÷ b rounded, in whole-number division.
# Each tender is joined to the criteria ON 1 = 1 (a LEFT JOIN keeps it when there are none) and
# to its consensus through moderated_score's (tender, criterion) index, and no CTE is joined on a
# key: a CTE has no index, and such a join was a scan per tender (seconds for 2,000 tenders on
# SQLite, and on PostgreSQL before it had statistics; see benchmarks/evaluation_scale.py).
RESULTS_SQL = """
WITH bids AS (
    SELECT t.id AS tender_id, t.organisation AS organisation_id, o.legal_name AS supplier, s.price_pence AS price_pence
    FROM tender t
    JOIN tender_submission s ON s.tender = t.id AND s.superseded_at IS NULL AND s.withdrawn_at IS NULL
    JOIN organisation o ON o.id = t.organisation
    WHERE t.lot = CAST({} AS BIGINT)
),
applicable AS (
    SELECT c.id AS criterion_id, c.kind, c.title, c.position, c.weight, c.minimum_score
    FROM criterion c
    WHERE c.framework = CAST({} AS BIGINT) AND (c.lot IS NULL OR c.lot = CAST({} AS BIGINT)) AND c.kind IN ('selection', 'quality')
),
marks AS (
    SELECT b.tender_id, b.organisation_id, b.supplier, b.price_pence, <fails> AS fails, <missing> AS missing,
        CASE WHEN a.kind = 'quality' THEN COALESCE(m.score, 0) * COALESCE(a.weight, 0) ELSE 0 END AS weighted
    FROM bids b
    LEFT JOIN applicable a ON 1 = 1
    LEFT JOIN moderated_score m ON m.tender = b.tender_id AND m.criterion = a.criterion_id
),
per_tender AS (
    SELECT k.tender_id, k.organisation_id, k.supplier, k.price_pence,
        COALESCE(SUM(k.weighted), 0) AS weighted,
        COALESCE(MAX(k.missing), 0) AS incomplete,
        CASE WHEN COALESCE(MAX(k.fails), 0) = 1 OR k.price_pence IS NULL OR k.price_pence <= 0 THEN 0 ELSE 1 END AS compliant
    FROM marks k
    GROUP BY k.tender_id, k.organisation_id, k.supplier, k.price_pence
),
positioned AS (
    SELECT p.*,
        MIN(CASE WHEN p.compliant = 1 THEN p.price_pence END) OVER () AS lowest_pence,
        SUM(p.compliant) OVER () AS compliant_count,
        ROW_NUMBER() OVER (PARTITION BY p.compliant ORDER BY p.price_pence, p.tender_id) AS price_position
    FROM per_tender p
),
medians AS (
    SELECT q.*,
        SUM(CASE WHEN q.compliant = 1 AND q.price_position IN ((q.compliant_count + 1) / 2, (q.compliant_count + 2) / 2)
                 THEN q.price_pence ELSE 0 END) OVER () AS middle_sum,
        SUM(CASE WHEN q.compliant = 1 AND q.price_position IN ((q.compliant_count + 1) / 2, (q.compliant_count + 2) / 2)
                 THEN 1 ELSE 0 END) OVER () AS middle_count
    FROM positioned q
),
scored AS (
    SELECT d.*,
        (2 * d.weighted * CAST({} AS BIGINT) + CAST({} AS BIGINT)) / (2 * CAST({} AS BIGINT)) AS quality_hundredths,
        CASE WHEN d.compliant = 1
             THEN (2 * d.lowest_pence * CAST({} AS BIGINT) * 100 + d.price_pence) / (2 * d.price_pence) END AS price_hundredths,
        CASE WHEN d.compliant = 1 AND d.middle_count > 0 AND d.price_pence * 1000 * d.middle_count < CAST({} AS BIGINT) * d.middle_sum
             THEN 1 ELSE 0 END AS abnormally_low
    FROM medians d
),
ranked AS (
    SELECT r.*,
        CASE WHEN r.compliant = 1 THEN r.quality_hundredths + r.price_hundredths END AS total_hundredths,
        CASE WHEN r.compliant = 1
             THEN RANK() OVER (PARTITION BY r.compliant ORDER BY r.quality_hundredths + r.price_hundredths DESC, r.quality_hundredths DESC)
        END AS rank
    FROM scored r
)
SELECT r.tender_id, r.organisation_id, r.supplier, r.price_pence, r.compliant, r.incomplete, r.lowest_pence, r.compliant_count,
    r.middle_sum, r.middle_count, r.quality_hundredths, r.price_hundredths, r.total_hundredths, r.rank, r.abnormally_low,
    a.criterion_id, a.kind, a.title, a.weight, a.minimum_score, m.score, m.passed, m.rationale, <fails> AS fails, <missing> AS missing
FROM ranked r
LEFT JOIN applicable a ON 1 = 1
LEFT JOIN moderated_score m ON m.tender = r.tender_id AND m.criterion = a.criterion_id
ORDER BY CASE WHEN r.rank IS NULL THEN 1 ELSE 0 END, r.rank, r.supplier, r.tender_id,
    CASE WHEN a.kind = 'selection' THEN 0 ELSE 1 END, a.position, a.criterion_id
""".replace("<fails>", FAILS_SQL).replace("<missing>", MISSING_SQL)


@dataclass(frozen=True)
class Mark:
    """A tender's consensus on one criterion."""

    criterion_id: int
    kind: str
    title: str
    weight: int | None
    minimum_score: int | None
    score: int | None
    passed: bool | None
    rationale: str | None
    fails: bool

    def as_dict(self) -> dict:
        return {
            "criterion_id": self.criterion_id, "kind": self.kind, "title": self.title, "weight": self.weight,
            "minimum_score": self.minimum_score, "score": self.score, "passed": self.passed, "rationale": self.rationale, "fails": self.fails,
        }


@dataclass(frozen=True)
class TenderResult:
    tender_id: int
    organisation_id: int
    supplier: str
    price_pence: int | None
    compliant: bool
    reasons: tuple[str, ...]  # why it is excluded (empty when compliant)
    quality: Decimal  # points, two decimal places
    price_score: Decimal | None  # compliant tenders only
    total: Decimal | None
    rank: int | None
    abnormally_low: bool
    missing: tuple[str, ...]  # criteria without a consensus
    marks: tuple[Mark, ...]

    def as_dict(self) -> dict:
        return {
            "tender_id": self.tender_id, "organisation_id": self.organisation_id, "supplier": self.supplier, "price_pence": self.price_pence,
            "compliant": self.compliant, "reasons": list(self.reasons), "quality": str(self.quality),
            "price_score": None if self.price_score is None else str(self.price_score), "total": None if self.total is None else str(self.total),
            "rank": self.rank, "abnormally_low": self.abnormally_low, "marks": [m.as_dict() for m in self.marks],
        }


@dataclass(frozen=True)
class LotResults:
    lot_id: int
    lot_number: int
    lot_title: str
    max_suppliers: int
    scheme: Scheme
    abnormally_low_share: float
    tenders: tuple[TenderResult, ...]  # ranked first (by rank, then supplier name), then the excluded
    lowest_price_pence: int | None
    median_price_pence: Decimal | None

    @property
    def compliant(self) -> list[TenderResult]:
        return [t for t in self.tenders if t.compliant]

    @property
    def excluded(self) -> list[TenderResult]:
        return [t for t in self.tenders if not t.compliant]

    @property
    def incomplete(self) -> list[TenderResult]:
        return [t for t in self.tenders if t.missing]

    @property
    def flagged(self) -> list[TenderResult]:
        return [t for t in self.tenders if t.abnormally_low]

    def default_choice(self) -> list[int]:
        """The tenders proposed unless the officer chooses otherwise: the top ranked, up to the lot's maximum."""
        return [t.tender_id for t in self.compliant[: self.max_suppliers]]

    def by_tender(self) -> dict[int, TenderResult]:
        return {t.tender_id: t for t in self.tenders}


def points(hundredths: int | None) -> Decimal | None:
    return None if hundredths is None else (Decimal(int(hundredths)) / 100).quantize(Decimal("0.01"))


def _reason(mark: Mark, scale_max: int) -> str:
    if mark.kind == "selection":
        return f"Failed the selection question “{mark.title}”"
    return f"Scored {mark.score} out of {scale_max} on “{mark.title}”, under the minimum of {mark.minimum_score}"


async def for_lot(lot: Lot, scheme: Scheme, abnormally_low_share: float) -> LotResults:
    """The lot's results, in one query."""
    rows = await LotModeration.raw(
        RESULTS_SQL,
        lot.id, lot.framework, lot.id,
        scheme.quality_share, scheme.scale_max, scheme.scale_max,
        scheme.price_share,
        round(abnormally_low_share * 1000),
    )
    grouped: dict[int, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["tender_id"], []).append(row)
    tenders = []
    for tender_rows in grouped.values():
        first = tender_rows[0]
        marks = tuple(
            Mark(
                criterion_id=row["criterion_id"], kind=row["kind"], title=row["title"], weight=row["weight"], minimum_score=row["minimum_score"],
                score=row["score"], passed=None if row["passed"] is None else bool(row["passed"]), rationale=row["rationale"],
                fails=bool(row["fails"]),
            )
            for row in tender_rows if row["criterion_id"] is not None
        )
        reasons = [_reason(mark, scheme.scale_max) for mark in marks if mark.fails]
        if not first["price_pence"] or first["price_pence"] <= 0:
            reasons.append("The tender has no valid price")
        tenders.append(TenderResult(
            tender_id=first["tender_id"], organisation_id=first["organisation_id"], supplier=first["supplier"],
            price_pence=None if first["price_pence"] is None else int(first["price_pence"]), compliant=bool(first["compliant"]),
            reasons=tuple(reasons), quality=points(first["quality_hundredths"]), price_score=points(first["price_hundredths"]),
            total=points(first["total_hundredths"]), rank=None if first["rank"] is None else int(first["rank"]),
            abnormally_low=bool(first["abnormally_low"]),
            missing=tuple(row["title"] for row in tender_rows if row["missing"]), marks=marks,
        ))
    first = rows[0] if rows else None
    middle_count = int(first["middle_count"] or 0) if first else 0
    return LotResults(
        lot_id=lot.id, lot_number=lot.number, lot_title=lot.title, max_suppliers=lot.max_suppliers or 0, scheme=scheme,
        abnormally_low_share=abnormally_low_share, tenders=tuple(tenders),
        lowest_price_pence=int(first["lowest_pence"]) if first and first["lowest_pence"] is not None else None,
        median_price_pence=(Decimal(int(first["middle_sum"])) / middle_count) if middle_count else None,
    )


async def moderated(lot_id: int) -> bool:
    """Whether the lot's moderation is complete, so that its consensus scores are final."""
    return await LotModeration.exists().where(LotModeration.lot == lot_id)
