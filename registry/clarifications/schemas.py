from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator

from registry.clarifications.service import ANSWER_LIMIT, QUESTION_LIMIT
from registry.web.forms import Form


def _not_blank(cls, value: str, info: ValidationInfo) -> str:
    if not value:  # only spaces, stripped away
        raise ValueError(cls.messages[info.field_name])
    return value


class QuestionForm(Form):
    messages: ClassVar = {
        "question": "Enter your question",
        "question:invalid": f"Your question must be {QUESTION_LIMIT:,} characters or fewer",
    }
    question: str = Field(max_length=QUESTION_LIMIT)

    _question_given = field_validator("question")(_not_blank)


class AnswerForm(Form):
    messages: ClassVar = {
        "published_question": "Enter the question as it will be published",
        "published_question:invalid": f"The question must be {QUESTION_LIMIT:,} characters or fewer",
        "answer": "Enter the answer",
        "answer:invalid": f"The answer must be {ANSWER_LIMIT:,} characters or fewer",
    }
    published_question: str = Field(max_length=QUESTION_LIMIT)
    answer: str = Field(max_length=ANSWER_LIMIT)
    action: str = "save"

    _given = field_validator("published_question", "answer")(_not_blank)

    @property
    def publish(self) -> bool:
        return self.action == "publish"
