"""What the assessment criteria add to the framework's lifecycle: the invitation to tender is not
published until they are complete (registered by registry.app.register_hooks)."""

from registry.criteria.service import problems_for
from registry.frameworks import stages
from registry.frameworks.tables import Framework, State


async def itt_problems(framework: Framework) -> dict[State, list[str]]:
    return {State.ITT_PUBLISHED: await problems_for(framework.id)}


def register() -> None:
    stages.checks.register(itt_problems)
