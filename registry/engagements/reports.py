"""What a framework's call-offs add up to, for the authority that runs it: engagements and spend per
lot and per supplier, the share that went to small and medium-sized enterprises, the regions and
groups reached and how suppliers were rated. Three queries per report, whatever its size."""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from registry.accounts.auth import CurrentUser
from registry.accounts.tables import SME_SIZES, Role
from registry.engagements.tables import COMMITTED_STATES, MEASURES, Engagement, EngagementState, PerformanceReview, Reach
from registry.errors import Refused
from registry.frameworks.tables import Framework, Lot
from registry.reference import taxonomies
from registry.spreadsheets import spreadsheet_safe

READERS = (Role.PROCUREMENT_OFFICER, Role.COMMISSIONER)


def may_read(user: CurrentUser, framework: Framework) -> bool:
    """The authority's procurement officers and commissioners read its frameworks' reports."""
    return user.organisation_id == framework.authority and any(user.has_role(role) for role in READERS)


@dataclass
class Ratings:
    """Running totals of performance reviews, and their averages to one decimal place."""

    count: int = 0
    totals: dict = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))

    @classmethod
    def of(cls, reviews) -> "Ratings":
        ratings = cls()
        for review in reviews:
            ratings.add(review)
        return ratings

    def add(self, review) -> None:
        """Count a review: a PerformanceReview, or a row of one as a dict."""
        self.count += 1
        for measure in MEASURES:
            self.totals[measure] += review[measure] if isinstance(review, dict) else getattr(review, measure)

    def average(self, measure: str) -> Decimal | None:
        if not self.count:
            return None
        return (Decimal(self.totals[measure]) / self.count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def overall(self) -> Decimal | None:
        if not self.count:
            return None
        return (Decimal(sum(self.totals.values())) / (self.count * len(MEASURES))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Line:
    """One lot's or one supplier's engagements and spend."""

    name: str
    engagements: int = 0
    committed: int = 0
    completed: int = 0
    spend_pence: int = 0
    size: str | None = None
    value_pounds: int | None = None  # a lot's estimated value
    ratings: Ratings = field(default_factory=Ratings)

    @property
    def remaining_pence(self) -> int | None:
        return None if self.value_pounds is None else self.value_pounds * 100 - self.spend_pence


@dataclass
class Report:
    framework: Framework
    engagements: list[dict]
    by_state: Counter
    lots: list[Line]
    suppliers: list[Line]
    regions: list[tuple[str, int]]  # region name, engagements that aimed to reach it
    groups: list[tuple[str, int, int]]  # group name, engagements that aimed to reach it, participants reached
    ratings: Ratings
    spend_pence: int
    sme_spend_pence: int
    sme_suppliers: int

    def sme_share(self) -> Decimal | None:
        """The share of committed spend that went to SMEs, as a percentage to one place."""
        if not self.spend_pence:
            return None
        return (Decimal(self.sme_spend_pence * 100) / self.spend_pence).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


async def _engagements(framework_id: int) -> list[dict]:
    return await Engagement.select(
        Engagement.id, Engagement.reference, Engagement.title, Engagement.lot.number.as_alias("lot_number"), Engagement.route,
        Engagement.state, Engagement.supplier.id.as_alias("supplier_id"), Engagement.supplier.legal_name.as_alias("supplier_name"),
        Engagement.supplier.size.as_alias("supplier_size"), Engagement.awarded_price_pence, Engagement.budget_pence, Engagement.regions,
        Engagement.groups, Engagement.participants_target, Engagement.awarded_at, Engagement.completed_at, Engagement.starts_on, Engagement.ends_on,
    ).where(Engagement.framework == framework_id).order_by(Engagement.reference)


async def framework_report(user: CurrentUser, framework: Framework) -> Report:
    if not may_read(user, framework):
        raise Refused("Only the authority's procurement officers and commissioners read its framework's reports")
    lots = await Lot.select(Lot.number, Lot.title, Lot.estimated_value).where(Lot.framework == framework.id).order_by(Lot.number)
    engagements = await _engagements(framework.id)
    reach = await Reach.select(Reach.engagement, Reach.group_code, Reach.participants).where(Reach.engagement.framework == framework.id)
    reviews = await PerformanceReview.select(PerformanceReview.engagement, *(getattr(PerformanceReview, m) for m in MEASURES)).where(
        PerformanceReview.engagement.framework == framework.id
    )
    return _compile(framework, lots, engagements, reach, reviews)


def _compile(framework: Framework, lots: list[dict], engagements: list[dict], reach: list[dict], reviews: list[dict]) -> Report:
    lot_lines = {lot["number"]: Line(name=f"Lot {lot['number']}: {lot['title']}", value_pounds=lot["estimated_value"]) for lot in lots}
    supplier_lines: dict[int, Line] = {}
    review_of = {review["engagement"]: review for review in reviews}
    reached_by_engagement = defaultdict(dict)
    for row in reach:
        reached_by_engagement[row["engagement"]][row["group_code"]] = row["participants"]
    region_counts, group_counts, participants = Counter(), Counter(), Counter()
    ratings = Ratings()
    spend = sme_spend = 0
    for engagement in engagements:
        committed = engagement["state"] in COMMITTED_STATES
        price = (engagement["awarded_price_pence"] or 0) if committed else 0
        engagement["participants_reached"] = sum(reached_by_engagement[engagement["id"]].values()) if engagement["id"] in reached_by_engagement else None
        engagement["review"] = review_of.get(engagement["id"])
        lines = [lot_lines[engagement["lot_number"]]]
        if engagement["supplier_id"] is not None:
            line = supplier_lines.setdefault(engagement["supplier_id"], Line(name=engagement["supplier_name"], size=engagement["supplier_size"]))
            lines.append(line)
        for line in lines:
            line.engagements += 1
            line.committed += committed
            line.completed += engagement["state"] == EngagementState.COMPLETED
            line.spend_pence += price
            if engagement["review"]:
                line.ratings.add(engagement["review"])
        if engagement["review"]:
            ratings.add(engagement["review"])
        spend += price
        sme_spend += price if engagement["supplier_size"] in SME_SIZES else 0
        if engagement["state"] != EngagementState.CANCELLED:
            region_counts.update(engagement["regions"] or [])
            group_counts.update(engagement["groups"] or [])
        participants.update(reached_by_engagement.get(engagement["id"], {}))
    suppliers = sorted(supplier_lines.values(), key=lambda line: (-line.spend_pence, line.name))
    return Report(
        framework=framework, engagements=engagements, by_state=Counter(e["state"] for e in engagements), lots=list(lot_lines.values()),
        suppliers=suppliers,
        regions=sorted(((taxonomies.name_of("regions", code), n) for code, n in region_counts.items()), key=lambda item: (-item[1], item[0])),
        groups=sorted(
            ((taxonomies.name_of("groups", code), group_counts[code], participants[code]) for code in group_counts.keys() | participants.keys()),
            key=lambda item: (-item[2], -item[1], item[0]),
        ),
        ratings=ratings, spend_pence=spend, sme_spend_pence=sme_spend,
        sme_suppliers=sum(1 for line in suppliers if line.size in SME_SIZES),
    )


CSV_COLUMNS = (
    "Reference", "Title", "Lot", "Route", "State", "Supplier", "Supplier size", "SME", "Budget (£)", "Awarded price (£)", "Starts",
    "Ends", "Awarded", "Completed", "Regions", "Groups", "Participants reached", *(f"Rating: {m}" for m in MEASURES),
)


def _pounds(pence: int | None) -> str:
    return "" if pence is None else f"{Decimal(pence) / 100:.2f}"


def as_csv(report: Report) -> str:
    """One row per engagement; organisations only, no one's personal details."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in report.engagements:
        review = e["review"] or {}
        writer.writerow([spreadsheet_safe(str(value)) for value in (
            e["reference"], e["title"], e["lot_number"], (e["route"] or "").replace("_", " "), e["state"].replace("_", " "),
            e["supplier_name"] or "", e["supplier_size"] or "", "" if e["supplier_size"] is None else ("yes" if e["supplier_size"] in SME_SIZES else "no"),
            _pounds(e["budget_pence"]), _pounds(e["awarded_price_pence"]), e["starts_on"] or "", e["ends_on"] or "",
            e["awarded_at"].date() if e["awarded_at"] else "", e["completed_at"].date() if e["completed_at"] else "",
            "; ".join(taxonomies.name_of("regions", code) for code in e["regions"] or []),
            "; ".join(taxonomies.name_of("groups", code) for code in e["groups"] or []),
            "" if e["participants_reached"] is None else e["participants_reached"], *(review.get(m, "") for m in MEASURES),
        )])
    return out.getvalue()
