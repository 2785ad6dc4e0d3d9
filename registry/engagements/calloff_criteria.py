"""A mini-competition's criteria come from the framework: the lot's published award criteria, refined.

England: a competitive selection process under a framework assesses tenders by reference to one or
more of the award criteria the framework was awarded on, which the authority may refine but not
replace (Procurement Act 2023 s.46(8) and (9)). Scotland: a contract based on a framework agreement
must under no circumstances entail substantial modifications to the terms laid down in it (Public
Contracts (Scotland) Regulations 2015 reg. 34(5)); the Scottish Government's buyer guides let a
mini-competition refine the framework's terms and vary weightings to the requirement, not replace
them. So in both regimes the commissioner picks among the lot's published quality criteria, may
reword each (its subject stays the framework's), and sets weights within recorded bounds:

- each criterion's weight stays within WEIGHT_BOUND points of the weight the framework's criteria
  give it in this competition: its framework weight within quality, shared among the criteria
  chosen, times the quality points (100 less the price weight);
- the price weight stays within WEIGHT_BOUND points of the framework's price share.

Ten points lets a commissioner tilt the balance to the call-off's need (a workshop-heavy brief may
value approach over team) while the framework's balance stays recognisable, so no supplier is
judged on a weighting it could not have foreseen when it bid for a place. The law sets no number:
docs/regimes.md records the choice. Every refinement is audited and shown to invited suppliers."""

from dataclasses import dataclass

from registry.criteria import service as criteria
from registry.criteria.tables import Criterion, CriterionKind
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework, Lot

WEIGHT_BOUND = 10  # percentage points either side of the framework's weight

SOURCES = {
    Regime.ENGLAND: "Procurement Act 2023 s.46(8) and (9)",
    Regime.SCOTLAND: "Public Contracts (Scotland) Regulations 2015 reg. 34(5)",
}


def source(framework: Framework) -> str:
    return SOURCES[Regime(framework.regime)]


@dataclass(frozen=True)
class Choice:
    """One criterion as the commissioner set it: the lot's criterion it refines, its wording, its weight."""

    source: int | None
    name: str
    weight: int

    @classmethod
    def of(cls, value: "Choice | tuple") -> "Choice":
        if isinstance(value, Choice):
            return value
        if len(value) == 2:  # a name and weight with no criterion of the framework behind it
            return cls(None, value[0], value[1])
        return cls(*value)


@dataclass(frozen=True)
class Refined:
    """A chosen criterion, checked: what the framework said of it and what the brief says."""

    criterion: Criterion
    name: str
    weight: int
    framework_weight: int  # what the framework's weights give it in this competition

    @property
    def reworded(self) -> bool:
        return self.name != self.criterion.title

    def as_record(self) -> dict:
        return {
            "source": self.criterion.id, "framework_title": self.criterion.title, "framework_weight": self.framework_weight,
            "name": self.name, "weight": self.weight, "reworded": self.reworded,
        }


@dataclass(frozen=True)
class LotTerms:
    """What the framework published for the lot: its quality criteria and the price share."""

    quality: list[Criterion]
    price_share: int

    def bounds(self, centre: int) -> tuple[int, int]:
        return max(centre - WEIGHT_BOUND, 0), min(centre + WEIGHT_BOUND, 100)


async def lot_terms(framework: Framework, lot: Lot) -> LotTerms:
    applicable = criteria.for_lot(await criteria.criteria_of(framework.id), lot.id)
    scheme = await criteria.scheme_of(framework.id)
    return LotTerms([c for c in applicable if c.kind == CriterionKind.QUALITY], 100 - scheme.quality_share)


def framework_weights(chosen: list[Criterion], quality_points: int) -> dict[int, int]:
    """The weight each chosen criterion has in this competition by the framework's own weights."""
    total = sum(c.weight or 0 for c in chosen)
    return {c.id: round(quality_points * (c.weight or 0) / total) if total else 0 for c in chosen}
