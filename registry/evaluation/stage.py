"""What the evaluation adds to the stages before it (registered by registry.app.register_hooks):
what blocks starting evaluation and moderation (the checks those transitions name), which
evaluators read a lot's tenders, and which of them have submitted their marks for every tender of a
lot (and so may read the lot's prices)."""

from registry.evaluation import service as evaluation
from registry.frameworks import stages
from registry.tenders import sealing


async def reads_lot(user_id: int, lot_id: int) -> bool:
    """On the lot's panel, not removed, no conflict declared: the evaluation stage's rule."""
    return evaluation.may_read_lot(await evaluation.active_assignment(user_id, lot_id))


def register() -> None:
    stages.checks.register("evaluation panels assigned", evaluation.panels_assigned)
    stages.checks.register("evaluations submitted", evaluation.evaluations_submitted)
    sealing.panel_reads_lot.register(reads_lot)
    sealing.lot_marks_submitted.register(evaluation.lot_marks_submitted)
