"""What tendering adds to the framework's lifecycle: who requested and who confirmed the opening of
the tenders, which the move to "tenders opened" checks (registered by registry.app.register_hooks)."""

from typing import Any

from registry.frameworks import stages
from registry.frameworks.tables import Framework
from registry.tenders import opening


async def opening_officers(framework: Framework) -> dict[str, Any]:
    requested_by, confirmed_by = await opening.officers_of(framework.id)
    return {"opening_requested_by": requested_by, "opening_confirmed_by": confirmed_by}


def register() -> None:
    stages.facts.register(opening_officers)
