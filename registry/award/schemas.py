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
