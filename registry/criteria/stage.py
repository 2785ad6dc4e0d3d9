"""What the assessment criteria add to the framework's lifecycle: the invitation to tender is not
published until they are complete (registered by registry.app.register_hooks)."""

from registry import clock
from registry.criteria.service import problems_for
from registry.frameworks import periods, stages
from registry.frameworks.tables import Framework


async def criteria_complete(framework: Framework) -> list[str]:
    """Bidders must know how their tenders will be assessed, with the weighting of each criterion,
    when the invitation to tender is published (the award criteria, stated in the procurement documents under PCSR 2015; Procurement Act 2023 s.23)."""
    return await problems_for(framework.id)


async def minimum_period_kept(framework: Framework) -> list[str]:
    """The tender deadline leaves suppliers at least the tendering period the regime's law sets, counted
    from when the tender notice would be published: the receipt of the action or page asking
    (registry.frameworks.periods: PA23 s.54; PCSR 2015 reg. 28). A deadline not yet set is the
    guard's to ask for."""
    if framework.tender_deadline is None:
        return []
    problem = periods.deadline_problem(await periods.minimum_for(framework, clock.received()), framework.tender_deadline)
    return [problem] if problem else []


def register() -> None:
    stages.checks.register("assessment criteria complete", criteria_complete)
    stages.checks.register("minimum tendering period", minimum_period_kept)
