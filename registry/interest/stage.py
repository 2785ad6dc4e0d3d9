"""What registering interest adds to the framework's lifecycle: the suppliers who follow a framework
are told of each new stage and of each amended notice (registered by registry.app.register_hooks)."""

from registry.frameworks import lifecycle, stages
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, Notice, State
from registry.interest.service import tell_interested_suppliers


async def tell_of_stage(framework: Framework, target: State, note: str | None) -> None:
    await tell_interested_suppliers(
        framework.id,
        subject=f"{framework.reference}: {lifecycle.lifecycle_of(framework).stages[target].label.lower()}",
        body=frameworks.stage_email(framework, target, note),
    )


async def tell_of_amendment(framework: Framework, notice: Notice, what: str) -> None:
    subject, body = frameworks.amendment_email(framework, notice, what)
    await tell_interested_suppliers(framework.id, subject=subject, body=body)


def register() -> None:
    stages.entered.register(tell_of_stage)
    stages.amended.register(tell_of_amendment)
