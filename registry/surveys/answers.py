"""What counts as an answer to each kind of question: the one place raw form values become answers."""

from dataclasses import dataclass
from typing import Any

from registry.surveys.tables import Question, QuestionKind
from registry.numbers import is_whole_number

DEFAULT_LONG_TEXT_LIMIT = 2000
SHORT_TEXT_LIMIT = 200
OTHER = "__other__"


@dataclass(frozen=True)
class Checked:
    value: Any  # None when unanswered
    other_text: str = ""
    error: str | None = None


def check(question: Question, raw: list[str], other_text: str = "") -> Checked:
    """Check the values submitted for one question (a list: checkboxes send several)."""
    values = [v.strip() for v in raw if v is not None and v.strip()]
    if not values:
        return Checked(None)
    kind = QuestionKind(question.kind)
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        limit = SHORT_TEXT_LIMIT if kind == QuestionKind.SHORT_TEXT else (question.max_length or DEFAULT_LONG_TEXT_LIMIT)
        text = values[0]
        if len(text) > limit:
            return Checked(None, error=f"Your answer must be {limit:,} characters or fewer (it is {len(text):,})")
        return Checked(text)
    if kind == QuestionKind.SINGLE_CHOICE:
        if len(values) != 1 or values[0] not in question.options:
            return Checked(None, error="Select one of the options")
        return Checked(values[0])
    if kind == QuestionKind.MULTIPLE_CHOICE:
        allowed = set(question.options) | ({OTHER} if question.allow_other else set())
        if not set(values) <= allowed:
            return Checked(None, error="Select from the options given")
        other = other_text.strip() if OTHER in values else ""
        if OTHER in values and not other:
            return Checked(None, error="Say what 'other' is")
        return Checked([v for v in question.options if v in values] + ([OTHER] if OTHER in values else []), other_text=other)
    if kind == QuestionKind.YES_NO:
        if values[0] not in ("yes", "no"):
            return Checked(None, error="Select yes or no")
        return Checked(values[0])
    if kind == QuestionKind.SCALE:
        points = question.scale_points or 5
        if not is_whole_number(values[0]) or not 1 <= int(values[0]) <= points:
            return Checked(None, error=f"Select a point from 1 to {points}")
        return Checked(int(values[0]))
    if kind == QuestionKind.NUMBER:
        try:
            number = float(values[0].replace(",", ""))
        except ValueError:
            return Checked(None, error="Enter a number, like 12")
        number = int(number) if number.is_integer() else number
        if question.minimum is not None and number < question.minimum:
            return Checked(None, error=f"Enter a number of {question.minimum:,} or more")
        if question.maximum is not None and number > question.maximum:
            return Checked(None, error=f"Enter a number of {question.maximum:,} or less")
        return Checked(number)
    raise ValueError(f"unknown question kind {kind}")


def missing_message(question: Question) -> str:
    kind = QuestionKind(question.kind)
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.YES_NO, QuestionKind.SCALE):
        return "Select an answer"
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return "Select at least one option"
    return "Enter an answer"


def about(question: Question, message: str) -> str:
    """A message about one answer that says which question it is about, as the error summary lists
    them all together: "How many staff? Enter a number of 500 or less", "Contact name: enter an answer"."""
    text = question.text.strip()
    if text.endswith(("?", ".", "!")):
        return f"{text} {message}"
    return f"{text}: {message[:1].lower()}{message[1:]}"
