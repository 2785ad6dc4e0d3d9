"""What tendering adds to the framework's lifecycle: who requested and who confirmed the opening of
the tenders, which the move to "tenders opened" checks, and, under the Procurement Act 2023, the
officers' confirmation of every tender's core supplier information, which approving the award checks
(registered by registry.app.register_hooks)."""

from typing import Any

from registry.frameworks import stages
from registry.frameworks.tables import Framework
from registry.tenders import core_information, opening


async def opening_officers(framework: Framework) -> dict[str, Any]:
    """Who requested and who confirmed the opening: two different officers open the tenders, so
    that no one sees them alone before the other is there (the authority's own control; in
    Scotland no tender may be examined before the deadline: Directive 2014/24/EU art. 22(3), the
    requirement behind reg. 23 of the Public Contracts (Scotland) Regulations 2015)."""
    requested_by, confirmed_by = await opening.officers_of(framework.id)
    return {"opening_requested_by": requested_by, "opening_confirmed_by": confirmed_by}


def register() -> None:
    stages.facts.register("opening officers", opening_officers)
    # Procurement Regulations 2024 regs. 6 and 7(3): registry.tenders.core_information.
    stages.checks.register("core supplier information confirmed", core_information.award_problems)
