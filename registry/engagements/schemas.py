"""The engagement forms: what each field must be, and what to say when it is not. The rules of the
call-off itself (which lot, which supplier, the deadline, the weights adding up) are the service's."""

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationInfo, field_validator

from registry import money
from registry.engagements.service import MAX_CRITERIA, MAX_PARTICIPANTS, MEASURES, Brief, check_rating
from registry.reference import taxonomies
from registry.numbers import is_whole_number
from registry.web.forms import Form, moment_from_parts

MAX_POUNDS = Decimal(1_000_000_000)


def pence_from(text: str, what: str) -> int:
    """An amount typed in pounds (with or without £, commas and pence) as pence; ValueError in words otherwise."""
    try:
        amount = money.typed_pounds(text, below=MAX_POUNDS)
    except money.NotAnAmount as refused:
        raise ValueError({
            money.Flaw.MISSING: f"Enter {what}",
            money.Flaw.NOT_A_NUMBER: f"Enter {what} as a number of pounds, like 45000 or 45000.50",
            money.Flaw.NEGATIVE: f"Enter {what} of more than £0",
            money.Flaw.TOO_LARGE: f"Enter {what} of less than £1,000,000,000",
            money.Flaw.TOO_PRECISE: f"Enter {what} in pounds and pence, with at most two decimal places",
        }[refused.flaw]) from None
    if amount == 0:
        raise ValueError(f"Enter {what} of more than £0")
    return money.pence_of(amount)


def _date(parts: tuple, which: str) -> date | None:
    if not any(parts):
        return None
    if not all(parts):
        raise ValueError(f"The {which} date must include a day, month and year")
    day, month, year = parts
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"The {which} date must be a real date, like 1 4 2027") from None


class BriefForm(Form):
    messages: ClassVar = {
        "lot": "Choose the framework and lot to commission under",
        "title": "Enter the engagement's title",
        "title:invalid": "The title must be 200 characters or fewer",
        "objectives": "Describe the engagement's objectives: what it must find out or achieve",
        "objectives:invalid": "The objectives must be 5,000 characters or fewer",
        "groups": "Select the groups of people the engagement must reach",
    }
    multi_value_fields: ClassVar = ("groups", "regions", "methods")
    lot: str
    title: str = Field(max_length=200)
    objectives: str = Field(max_length=5000)
    groups: taxonomies.codes_field("groups", "groups")
    regions: taxonomies.codes_field("regions", "regions") = []
    participants_target: str | None = None
    methods: taxonomies.codes_field("engagement_methods", "engagement methods") = []
    budget: str | None = None
    starts_on_day: str | None = None
    starts_on_month: str | None = None
    starts_on_year: str | None = None
    starts_on: date | None = Field(default=None, validate_default=True)
    ends_on_day: str | None = None
    ends_on_month: str | None = None
    ends_on_year: str | None = None
    ends_on: date | None = Field(default=None, validate_default=True)

    @field_validator("lot")
    @classmethod
    def _lot(cls, value: str) -> str:
        if not is_whole_number(value):
            raise ValueError("Choose the framework and lot from the list")
        return value

    @field_validator("participants_target")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        if value is not None and (not is_whole_number(value.replace(",", "")) or not 1 <= int(value.replace(",", "")) <= MAX_PARTICIPANTS):
            raise ValueError(f"Enter the number of participants as a whole number from 1 to {MAX_PARTICIPANTS:,}, like 40")
        return value.replace(",", "") if value else value

    @field_validator("budget")
    @classmethod
    def _budget(cls, value: str | None) -> str | None:
        if value is not None:
            pence_from(value, "the budget")
        return value

    @field_validator("starts_on", mode="before")
    @classmethod
    def _starts_on(cls, value: object, info: ValidationInfo) -> date | None:
        return _date(tuple(info.data.get(f"starts_on_{part}") for part in ("day", "month", "year")), "start")

    @field_validator("ends_on", mode="before")
    @classmethod
    def _ends_on(cls, value: object, info: ValidationInfo) -> date | None:
        return _date(tuple(info.data.get(f"ends_on_{part}") for part in ("day", "month", "year")), "end")

    def brief(self) -> Brief:
        return Brief(
            lot_id=int(self.lot), title=self.title, objectives=self.objectives, groups=tuple(self.groups), regions=tuple(self.regions),
            participants_target=int(self.participants_target) if self.participants_target else None, methods=tuple(self.methods),
            budget_pence=pence_from(self.budget, "the budget") if self.budget else None, starts_on=self.starts_on, ends_on=self.ends_on,
        )


class DirectAwardForm(Form):
    messages: ClassVar = {
        "supplier": "Choose the supplier to award the engagement to",
        "price": "Enter the price agreed with the supplier",
        "reason:invalid": "The reason must be 2,000 characters or fewer",
    }
    supplier: str
    price: str
    reason: str | None = Field(default=None, max_length=2000)

    @field_validator("supplier")
    @classmethod
    def _supplier(cls, value: str) -> str:
        if not is_whole_number(value):
            raise ValueError("Choose the supplier from the list")
        return value

    @field_validator("price")
    @classmethod
    def _price(cls, value: str) -> str:
        pence_from(value, "the agreed price")
        return value

    def price_pence(self) -> int:
        return pence_from(self.price, "the agreed price")


def _weight_fields() -> list[str]:
    return [f"criterion_{n}_weight" for n in range(1, MAX_CRITERIA + 1)]


class CompetitionForm(Form):
    """Up to MAX_CRITERIA of the lot's published quality criteria (`criterion_n_source`, the criterion's
    id), each with its wording (blank keeps the framework's) and weight."""

    messages: ClassVar = {
        "price_weight": "Enter the price weight: the share of the 100 points given to price (0 if price does not count)",
        **{f"criterion_{n}_name:invalid": "The criterion's wording must be 200 characters or fewer" for n in range(1, MAX_CRITERIA + 1)},
    }
    criterion_1_source: str = ""
    criterion_1_name: str = Field(default="", max_length=200)
    criterion_1_weight: str = Field(default="", validate_default=True)
    criterion_2_source: str = ""
    criterion_2_name: str = Field(default="", max_length=200)
    criterion_2_weight: str = Field(default="", validate_default=True)
    criterion_3_source: str = ""
    criterion_3_name: str = Field(default="", max_length=200)
    criterion_3_weight: str = Field(default="", validate_default=True)
    criterion_4_source: str = ""
    criterion_4_name: str = Field(default="", max_length=200)
    criterion_4_weight: str = Field(default="", validate_default=True)
    criterion_5_source: str = ""
    criterion_5_name: str = Field(default="", max_length=200)
    criterion_5_weight: str = Field(default="", validate_default=True)
    price_weight: str
    deadline_day: str | None = None
    deadline_month: str | None = None
    deadline_year: str | None = None
    deadline_time: str | None = None
    deadline: datetime | None = Field(default=None, validate_default=True)

    @field_validator(*(f"criterion_{n}_name" for n in range(1, MAX_CRITERIA + 1)))
    @classmethod
    def _wording(cls, value: str, info: ValidationInfo) -> str:
        if value.strip() and not info.data.get(info.field_name.replace("_name", "_source")):
            raise ValueError("Choose which of the lot's criteria this wording refines: a mini-competition uses the framework's criteria")
        return value

    @field_validator(*_weight_fields())
    @classmethod
    def _weight(cls, value: str, info: ValidationInfo) -> str:
        chosen = info.data.get(info.field_name.replace("_weight", "_source"), "")
        if value and not is_whole_number(value):
            raise ValueError("Enter the weight as a whole number, like 30")
        if chosen and not value:
            raise ValueError("Enter the weight of the criterion chosen")
        if value and not chosen:
            raise ValueError("Choose the criterion this weight is for")
        return value

    @field_validator("price_weight")
    @classmethod
    def _price_weight(cls, value: str) -> str:
        if not is_whole_number(value):
            raise ValueError("Enter the price weight as a whole number, like 30 (0 if price does not count)")
        return value

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, value: object, info: ValidationInfo) -> datetime:
        return moment_from_parts(*(info.data.get(f"deadline_{part}") for part in ("day", "month", "year", "time")), "response deadline")

    def criteria(self) -> list[tuple[int | None, str, int]]:
        """(the lot's criterion id, the wording, the weight) for each slot filled in; an id that is no
        whole number is None, which the service refuses as no criterion of the lot."""
        found = []
        for n in range(1, MAX_CRITERIA + 1):
            chosen, name, weight = (getattr(self, f"criterion_{n}_{part}") for part in ("source", "name", "weight"))
            if chosen:
                found.append((int(chosen) if is_whole_number(chosen) and int(chosen) < 2**31 else None, name, int(weight)))
        return found

    def deadline_in(self, zone: ZoneInfo) -> datetime:
        return self.deadline.replace(tzinfo=zone)


class ResponseForm(Form):
    messages: ClassVar = {
        "proposal": "Describe your proposal: how you would deliver the brief",
        "proposal:invalid": "Your proposal must be 20,000 characters or fewer",
        "price": "Enter your price",
    }
    proposal: str = Field(max_length=20000)
    price: str

    @field_validator("price")
    @classmethod
    def _price(cls, value: str) -> str:
        pence_from(value, "your price")
        return value

    def price_pence(self) -> int:
        return pence_from(self.price, "your price")


class AwardForm(Form):
    messages: ClassVar = {"response": "Choose the response to award the engagement to", "reason:invalid": "The reason must be 2,000 characters or fewer"}
    response: str
    reason: str | None = Field(default=None, max_length=2000)

    @field_validator("response")
    @classmethod
    def _response(cls, value: str) -> str:
        if not is_whole_number(value):
            raise ValueError("Choose the response from the list")
        return value


class CancelForm(Form):
    messages: ClassVar = {"reason": "Say why the engagement is cancelled", "reason:invalid": "The reason must be 2,000 characters or fewer"}
    reason: str = Field(max_length=2000)


class DeclineForm(Form):
    messages: ClassVar = {
        "decline_reason": "Say why your organisation is declining",
        "decline_reason:invalid": "The reason must be 2,000 characters or fewer",
    }
    decline_reason: str = Field(max_length=2000)


class ReviewForm(Form):
    messages: ClassVar = {
        **{measure: f"Rate {words} from 1 to 5" for measure, words in MEASURES.items()},
        "comments:invalid": "The comments must be 5,000 characters or fewer",
    }
    quality: str
    timeliness: str
    inclusion: str
    value: str
    comments: str = Field(default="", max_length=5000)

    @field_validator(*MEASURES)
    @classmethod
    def _rating(cls, value: str, info: ValidationInfo) -> str:
        check_rating(value, info.field_name)
        return value

    def ratings(self) -> dict[str, int]:
        return {measure: int(getattr(self, measure)) for measure in MEASURES}


class ReplyForm(Form):
    messages: ClassVar = {"reply": "Enter your reply", "reply:invalid": "Your reply must be 5,000 characters or fewer"}
    reply: str = Field(max_length=5000)
