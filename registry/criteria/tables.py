from enum import StrEnum

from piccolo.columns import Array, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.frameworks.tables import Framework, Lot

DEFAULT_SCALE = ["Unacceptable", "Poor", "Acceptable", "Good", "Excellent"]


class CriterionKind(StrEnum):
    SELECTION = "selection"  # pass or fail
    QUALITY = "quality"  # scored on the framework's scale, weighted
    PRICE = "price"


class AssessmentScheme(Table):
    """How a framework's tenders are assessed: the quality/price split and the scoring scale.
    Locked when the invitation to tender is published; later changes are amendments."""

    framework = ForeignKey(references=Framework, null=False, unique=True, on_delete=OnDelete.cascade)
    quality_share = Integer(default=60)  # percent of the total; price has the rest
    scale = Array(base_column=Varchar(length=60), default=list)  # descriptor of each score, from 0 up
    locked_at = Timestamptz(null=True, default=None)


class Criterion(Table):
    """One thing tenders are assessed on, for every lot (lot is null) or for one lot."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    lot = ForeignKey(references=Lot, null=True, default=None, on_delete=OnDelete.cascade)
    kind = Varchar(length=20, choices=CriterionKind)
    position = Integer()
    title = Varchar(length=200)
    guidance = Text(default="")
    weight = Integer(null=True, default=None)  # quality: percent within quality
    minimum_score = Integer(null=True, default=None)  # quality: a lower consensus score excludes the tender
    word_limit = Integer(null=True, default=None)  # quality: the answer's limit
