"""What the award adds to the framework's lifecycle: what blocks approving it, notifying the bidders
and appointing the suppliers, under the names those transitions give (registered by
registry.app.register_hooks). Why each holds is said beside each check in registry.award.service."""

from registry.award import service as award
from registry.frameworks import stages


def register() -> None:
    stages.checks.register("award approved for every lot", award.approval_problems)
    stages.checks.register("bidders notified", award.notification_problems)
    stages.checks.register("suppliers appointed", award.appointment_problems)
