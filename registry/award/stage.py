"""What the award adds to the framework's lifecycle: what blocks approving it, notifying the bidders
and appointing the suppliers (registered by registry.app.register_hooks)."""

from registry.award import service as award
from registry.frameworks import stages


def register() -> None:
    stages.checks.register(award.stage_problems)
