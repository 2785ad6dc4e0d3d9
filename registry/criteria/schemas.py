from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationInfo, field_validator

from registry.criteria.service import CriterionSpec
from registry.criteria.tables import CriterionKind
from registry.numbers import is_whole_number
from registry.web.forms import Form, moment_from_parts


def _whole_number(value: str | None) -> str | None:
    if value is not None and not is_whole_number(value.strip()):
        raise ValueError("Enter a whole number")
    return value


class SchemeForm(Form):
    messages: ClassVar = {"quality_share": "Enter the quality share, as a percentage", "scale": "Describe each point of the scale, one per line"}
    quality_share: str
    scale: str
    change_summary: str | None = None

    _numbers = field_validator("quality_share")(_whole_number)

    def scale_labels(self) -> list[str]:
        return [line.strip() for line in self.scale.splitlines() if line.strip()]


class CriterionForm(Form):
    messages: ClassVar = {
        "kind": "Choose what kind of criterion this is",
        "title": "Enter the criterion's title",
        "title:invalid": "The title must be 200 characters or fewer",
        "guidance": "Give guidance: what suppliers must show, and how it is assessed",
    }
    kind: CriterionKind
    title: str = Field(max_length=200)
    guidance: str
    lot: str = ""
    weight: str | None = None
    minimum_score: str | None = None
    word_limit: str | None = None
    change_summary: str | None = None

    _numbers = field_validator("weight", "minimum_score", "word_limit", "lot")(_whole_number)

    def spec(self) -> CriterionSpec:
        def number(value: str | None) -> int | None:
            return int(value) if value else None

        return CriterionSpec(
            kind=self.kind, title=self.title, guidance=self.guidance, lot_number=number(self.lot),
            weight=number(self.weight), minimum_score=number(self.minimum_score), word_limit=number(self.word_limit),
        )


class InvitationForm(Form):
    messages: ClassVar = {}
    clarification_day: str | None = None
    clarification_month: str | None = None
    clarification_year: str | None = None
    clarification_time: str | None = None
    clarification_deadline: datetime | None = Field(default=None, validate_default=True)
    tender_day: str | None = None
    tender_month: str | None = None
    tender_year: str | None = None
    tender_time: str | None = None
    tender_deadline: datetime | None = Field(default=None, validate_default=True)

    @field_validator("clarification_deadline", mode="before")
    @classmethod
    def _clarification(cls, value: object, info: ValidationInfo) -> datetime:
        parts = (info.data.get(f"clarification_{k}") for k in ("day", "month", "year", "time"))
        return moment_from_parts(*parts, "clarification deadline")

    @field_validator("tender_deadline", mode="before")
    @classmethod
    def _tender(cls, value: object, info: ValidationInfo) -> datetime:
        return moment_from_parts(*(info.data.get(f"tender_{k}") for k in ("day", "month", "year", "time")), "tender deadline")

    def deadlines(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return self.clarification_deadline.replace(tzinfo=zone), self.tender_deadline.replace(tzinfo=zone)
