from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationInfo, field_validator

from registry.surveys.service import QuestionSpec
from registry.surveys.tables import QuestionKind
from registry.numbers import is_whole_number
from registry.web.forms import Form, moment_from_parts


class SurveyForm(Form):
    messages: ClassVar = {
        "title": "Enter the survey's title",
        "title:invalid": "Title must be 200 characters or fewer",
        "close_day": "Enter the closing date",
        "close_time": "Enter the closing time, like 17:00",
    }
    title: str = Field(max_length=200)
    introduction: str = ""
    open_day: str | None = None
    open_month: str | None = None
    open_year: str | None = None
    open_time: str | None = None
    opens_on: datetime | None = Field(default=None, validate_default=True)  # optional: from the parts above
    close_day: str | None = None
    close_month: str | None = None
    close_year: str | None = None
    close_time: str | None = None
    closes_on: datetime | None = Field(default=None, validate_default=True)  # made from the parts above

    @field_validator("opens_on", mode="before")
    @classmethod
    def _opens(cls, value: object, info: ValidationInfo) -> datetime | None:
        parts = [info.data.get(k) for k in ("open_day", "open_month", "open_year")]
        if not any(parts):
            return None
        return moment_from_parts(*parts, info.data.get("open_time") or "00:00", "opening")

    @field_validator("closes_on", mode="before")
    @classmethod
    def _closes(cls, value: object, info: ValidationInfo) -> datetime | None:
        return moment_from_parts(*(info.data.get(k) for k in ("close_day", "close_month", "close_year", "close_time")), "closing")

    def opens_at(self, zone: ZoneInfo) -> datetime | None:
        return self.opens_on.replace(tzinfo=zone) if self.opens_on else None

    def closes_at(self, zone: ZoneInfo) -> datetime:
        return self.closes_on.replace(tzinfo=zone)


class SectionForm(Form):
    messages: ClassVar = {"section_title": "Enter the section's title", "section_title:invalid": "Title must be 200 characters or fewer"}
    section_title: str = Field(max_length=200)


class QuestionForm(Form):
    messages: ClassVar = {
        "section_id": "Choose the section",
        "kind": "Choose the kind of question",
        "text": "Enter the question",
        "text:invalid": "The question must be 500 characters or fewer",
    }
    section_id: int
    kind: QuestionKind
    text: str = Field(max_length=500)
    help_text: str = ""
    required: str = "yes"
    options: str = ""
    allow_other: str | None = None
    max_length: str | None = None
    scale_points: str | None = None
    scale_low_label: str = ""
    scale_high_label: str = ""
    minimum: str | None = None
    maximum: str | None = None

    @field_validator("max_length", "scale_points", "minimum", "maximum")
    @classmethod
    def _whole_number(cls, value: str | None) -> str | None:
        if value is not None and not is_whole_number(value.removeprefix("-")):
            raise ValueError("Enter a whole number")
        return value

    def spec(self) -> QuestionSpec:
        def number(value: str | None) -> int | None:
            return int(value) if value else None

        return QuestionSpec(
            kind=self.kind, text=self.text, help_text=self.help_text, required=self.required != "no",
            options=tuple(line.strip() for line in self.options.splitlines() if line.strip()),
            allow_other=bool(self.allow_other), max_length=number(self.max_length),
            scale_points=number(self.scale_points) or (5 if self.kind == QuestionKind.SCALE else None),
            scale_low_label=self.scale_low_label, scale_high_label=self.scale_high_label,
            minimum=number(self.minimum), maximum=number(self.maximum),
        )


class ReasonedEntryForm(Form):
    messages: ClassVar = {
        "theme": "Enter the question or theme",
        "theme:invalid": "The theme must be 200 characters or fewer",
        "what_we_heard": "Say what you heard",
        "what_we_will_do": "Say what you will do and why",
    }
    theme: str = Field(max_length=200)
    what_we_heard: str
    what_we_will_do: str
