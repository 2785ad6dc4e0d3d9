"""Terms frozen at the tender deadline: the one rule, and the list of the terms it keeps.

Bidders price and write their tenders on the published terms. Changing one of them once tenders are
in would judge the tenders against terms nobody bid on, and shut out suppliers who would have bid on
the new ones. That breaks equal treatment and transparency (Public Contracts (Scotland) Regulations
2015, reg. 19(1): treat economic operators equally and without discrimination, act transparently
and proportionately). The Procurement Act 2023 lets an authority modify the terms of a competitive
procurement only before the deadline for tenders (s.31, "Modifying a section 19 procurement"), and
once the framework agreement is concluded a change is a modification of it, allowed only on the
grounds of reg. 72 (Scotland) or s.74 and Schedule 8 (England) – otherwise it needs a new
procurement. So from the tender deadline on, whatever stage the framework has reached, a material
term cannot change here; wording that changes no term (a typo in the title or summary) can still be
corrected, and is published as an amendment like any other. docs/regimes.md lists the terms."""

from collections.abc import Mapping
from datetime import datetime

from registry.frameworks.tables import Framework

EXPLANATION = (
    "The tender deadline has passed, so the terms bidders priced cannot change. You can correct wording that does not "
    "change the terms (a typo in the title or summary), or cancel the procurement and run it again."
)

# The material terms, by the field that holds each, with what to call it.
FRAMEWORK_TERMS = {
    "estimated_value": "estimated value",
    "duration_months": "duration",
    "regime": "procurement regime",
    "call_off_routes": "call-off routes",
}
LOT_TERMS = {  # a lot's title is part of its scope: what the lot is for
    "title": "lot's title",
    "scope": "lot's scope",
    "max_suppliers": "maximum number of suppliers",
    "estimated_value": "lot's estimated value",
}
LOTS = "lots"  # adding or removing a lot
CRITERIA = "criteria"  # the criteria, their weights, the quality/price split and the scale


def terms_frozen(framework: Framework, now: datetime) -> bool:
    """Whether the framework's tender deadline has passed: its stored stage does not matter."""
    return framework.tender_deadline is not None and now >= framework.tender_deadline


def material_changes(old: Mapping, new: Mapping, terms: Mapping[str, str] = FRAMEWORK_TERMS) -> list[str]:
    """The material terms (fields of `terms`) whose values differ between `old` and `new`."""
    return [field for field in terms if _compared(old.get(field)) != _compared(new.get(field))]


def _compared(value: object) -> object:
    # The call-off routes are a set of routes: the order they were ticked in is not a term.
    return frozenset(value) if isinstance(value, list | tuple) else value


def cannot_change(field: str, terms: Mapping[str, str] = FRAMEWORK_TERMS) -> str:
    """What to say beside a field whose change is refused."""
    if field == LOTS:
        return "Lots cannot be added or removed after the tender deadline"
    if field == CRITERIA:
        return "The assessment criteria cannot change after the tender deadline"
    return f"The {terms[field]} cannot change after the tender deadline"


def refusal(names: list[str]) -> str:
    """The whole answer, naming what would have changed."""
    return f"{EXPLANATION} This would change: {', '.join(names)}."
