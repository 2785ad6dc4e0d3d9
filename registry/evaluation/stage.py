"""What the evaluation adds to the stages before it (registered by registry.app.register_hooks):
what blocks starting evaluation and moderation (the checks those transitions name), which
evaluators read a lot's tenders, and which of them have submitted their marks for every tender of a
lot (and so may read the lot's prices)."""

from registry.conflicts import service as conflicts
from registry.evaluation import service as evaluation
from registry.evaluation.tables import EvaluatorAssignment
from registry.frameworks import stages
from registry.tenders import sealing


async def reads_lot(user_id: int, lot_id: int) -> bool:
    """On the lot's panel, not removed, no conflict declared: the evaluation stage's rule."""
    return evaluation.may_read_lot(await evaluation.active_assignment(user_id, lot_id))


async def panel_declarations(framework) -> list[conflicts.PanelDeclaration]:
    """Each evaluator's declaration for each lot, for the framework's conflicts assessment: everyone
    on a panel, and everyone who declared before leaving one (an assignment an officer removed before
    any declaration was never acted on)."""
    rows = await EvaluatorAssignment.select(
        EvaluatorAssignment.evaluator, EvaluatorAssignment.evaluator.full_name.as_alias("name"), EvaluatorAssignment.lot.number.as_alias("lot_number"),
        EvaluatorAssignment.declared_at, EvaluatorAssignment.conflict_details, EvaluatorAssignment.removed_at,
    ).where(EvaluatorAssignment.framework == framework.id).order_by(EvaluatorAssignment.assigned_at)
    return [
        conflicts.PanelDeclaration(row["evaluator"], row["name"], row["lot_number"], row["declared_at"], row["conflict_details"], row["removed_at"] is not None)
        for row in rows if row["removed_at"] is None or row["declared_at"] is not None
    ]


def register() -> None:
    stages.checks.register("evaluation panels assigned", evaluation.panels_assigned)
    stages.checks.register("evaluations submitted", evaluation.evaluations_submitted)
    sealing.panel_reads_lot.register(reads_lot)
    conflicts.panel_declarations.register(panel_declarations)
    sealing.lot_marks_submitted.register(evaluation.lot_marks_submitted)
