from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz
from piccolo.table import Table

from registry.accounts.tables import User
from registry.criteria.tables import Criterion
from registry.frameworks.tables import Framework, Lot
from registry.tenders.tables import Tender


class EvaluatorAssignment(Table):
    """An evaluator on a lot's panel. They see the lot's tenders only once they have declared no
    conflict of interest with any bidder; a declared conflict takes them off the lot."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    lot = ForeignKey(references=Lot, null=False, on_delete=OnDelete.cascade)
    evaluator = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    assigned_by = Integer()
    assigned_at = Timestamptz()
    declared_at = Timestamptz(null=True, default=None)  # when they declared (no conflict, or a conflict)
    conflict_details = Text(null=True, default=None)  # set when they declared a conflict: off the lot
    removed_at = Timestamptz(null=True, default=None)  # off the panel, by conflict or by an officer


class Evaluation(Table):
    """One evaluator's independent assessment of one tender: a draft until submitted."""

    assignment = ForeignKey(references=EvaluatorAssignment, null=False, on_delete=OnDelete.cascade)
    tender = ForeignKey(references=Tender, null=False, on_delete=OnDelete.cascade)
    submitted_at = Timestamptz(null=True, default=None)


class Score(Table):
    """An evaluator's mark against one criterion: a score on the scale (quality) or pass/fail
    (selection), always with the reason."""

    evaluation = ForeignKey(references=Evaluation, null=False, on_delete=OnDelete.cascade)
    criterion = ForeignKey(references=Criterion, null=False, on_delete=OnDelete.cascade)
    score = Integer(null=True, default=None)
    passed = Boolean(null=True, default=None)
    justification = Text()


class ModeratedScore(Table):
    """The panel's consensus on one tender and criterion, recorded by the moderating officer."""

    tender = ForeignKey(references=Tender, null=False, on_delete=OnDelete.cascade)
    criterion = ForeignKey(references=Criterion, null=False, on_delete=OnDelete.cascade)
    score = Integer(null=True, default=None)
    passed = Boolean(null=True, default=None)
    rationale = Text()
    moderated_by = Integer()
    moderated_at = Timestamptz()


class LotModeration(Table):
    """A lot whose moderation the officer has completed: its consensus scores are final."""

    lot = ForeignKey(references=Lot, null=False, unique=True, on_delete=OnDelete.cascade)
    completed_by = Integer()
    completed_at = Timestamptz()
