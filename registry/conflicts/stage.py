"""What the conflicts assessment adds to the framework's lifecycle (registered by
registry.app.register_hooks): the tender notice waits for the assessment, and the moves after it
for the assessment kept under review (registry.conflicts.service says why each holds)."""

from registry.conflicts import service as conflicts
from registry.frameworks import stages


def register() -> None:
    stages.checks.register("conflicts assessment prepared", conflicts.prepared_problems)
    stages.checks.register("conflicts assessment up to date", conflicts.up_to_date_problems)
    stages.checks.register("conflicts assessment reviewed at this stage", conflicts.reviewed_problems)
