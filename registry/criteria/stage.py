"""What the assessment criteria add to the framework's lifecycle: the invitation to tender is not
published until they are complete (registered by registry.app.register_hooks)."""

from registry.criteria.service import problems_for
from registry.frameworks import stages
from registry.frameworks.tables import Framework


async def criteria_complete(framework: Framework) -> list[str]:
    """Bidders must know how their tenders will be assessed, with the weighting of each criterion,
    when the invitation to tender is published (the award criteria, stated in the procurement documents under PCSR 2015; Procurement Act 2023 s.23)."""
    return await problems_for(framework.id)


def register() -> None:
    stages.checks.register("assessment criteria complete", criteria_complete)
