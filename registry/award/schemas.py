from typing import ClassVar

from pydantic import Field, field_validator

from registry.numbers import is_whole_number
from registry.web.forms import Form


class ProposalForm(Form):
    messages: ClassVar = {
        "reason:invalid": "The reason must be 2,000 characters or fewer",
        "low_price_note:invalid": "What you found must be 2,000 characters or fewer",
    }
    multi_value_fields: ClassVar = ("tenders",)
    tenders: list[str] = []
    reason: str | None = Field(default=None, max_length=2000)
    low_price_note: str | None = Field(default=None, max_length=2000)

    @field_validator("tenders")
    @classmethod
    def _tender_ids(cls, value: list[str]) -> list[str]:
        if any(not is_whole_number(item) for item in value):
            raise ValueError("Choose the suppliers from the list")
        return value

    def tender_ids(self) -> list[int]:
        return [int(item) for item in self.tenders]


class ChallengeForm(Form):
    messages: ClassVar = {
        "organisation": "Choose who made the challenge",
        "details": "Describe the challenge: what it says and when it was received",
        "details:invalid": "The description must be 5,000 characters or fewer",
    }
    organisation: str
    details: str = Field(max_length=5000)

    def organisation_id(self) -> int | None:
        return int(self.organisation) if is_whole_number(self.organisation) else None


class WithholdingForm(Form):
    """One part of what the letters say about a proposed supplier (`withhold_part`: tender, criterion
    and part, as "12:34:rationale"), withheld with the reason the letters give in its place."""

    messages: ClassVar = {
        "withhold_part": "Choose the part of a proposed supplier's assessment to withhold",
        "withhold_reason:invalid": "The reason must be 1,000 characters or fewer",
    }
    withhold_part: str
    withhold_reason: str | None = Field(default=None, max_length=1000)

    @field_validator("withhold_part")
    @classmethod
    def _part(cls, value: str) -> str:
        tender, _, rest = value.partition(":")
        criterion, _, part = rest.partition(":")
        if not (is_whole_number(tender) and is_whole_number(criterion) and part):
            raise ValueError("Choose the part of a proposed supplier's assessment to withhold")
        return value

    def target(self) -> tuple[int, int, str]:
        tender, criterion, part = self.withhold_part.split(":", 2)
        return int(tender), int(criterion), part
