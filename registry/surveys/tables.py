from enum import StrEnum

from piccolo.columns import JSON, Array, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.accounts.tables import Organisation
from registry.frameworks.tables import Framework


class QuestionKind(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    YES_NO = "yes_no"
    NUMBER = "number"


class Survey(Table):
    """A framework's request for information. Once a response is submitted its questions are fixed;
    a change is a new version of the survey."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    version = Integer(default=1)
    title = Varchar(length=200)
    introduction = Text(default="")
    opens_at = Timestamptz(null=True, default=None)
    closes_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    superseded_at = Timestamptz(null=True, default=None)


class Section(Table):
    survey = ForeignKey(references=Survey, null=False, on_delete=OnDelete.cascade)
    position = Integer()
    title = Varchar(length=200)


class Question(Table):
    survey = ForeignKey(references=Survey, null=False, on_delete=OnDelete.cascade)
    section = ForeignKey(references=Section, null=False, on_delete=OnDelete.cascade)
    position = Integer()
    kind = Varchar(length=20, choices=QuestionKind)
    text = Varchar(length=500)
    help_text = Text(default="")
    required = Boolean(default=True)
    options = Array(base_column=Varchar(length=200), default=list)  # single and multiple choice
    allow_other = Boolean(default=False)  # multiple choice: "Other, please specify"
    max_length = Integer(null=True, default=None)  # long text
    scale_points = Integer(null=True, default=None)
    scale_low_label = Varchar(length=100, default="")
    scale_high_label = Varchar(length=100, default="")
    minimum = Integer(null=True, default=None)  # number
    maximum = Integer(null=True, default=None)


class ResponseStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class SurveyResponse(Table):
    survey = ForeignKey(references=Survey, null=False, on_delete=OnDelete.cascade)
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade)
    status = Varchar(length=20, choices=ResponseStatus, default=ResponseStatus.DRAFT)
    reference = Varchar(length=40, unique=True)
    started_at = Timestamptz()
    updated_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)


class Answer(Table):
    """One question's answer. Each save writes only the questions on the page saved, so two tabs on
    different pages never overwrite each other; on the same question the last save wins."""

    response = ForeignKey(references=SurveyResponse, null=False, on_delete=OnDelete.cascade)
    question = ForeignKey(references=Question, null=False, on_delete=OnDelete.cascade)
    value = JSON(default="null")
    other_text = Text(default="")
    updated_at = Timestamptz()
    updated_by = Integer(null=True, default=None)


class ReasonedResponse(Table):
    """What the authority heard and what it will do, per question or theme; public once published."""

    survey = ForeignKey(references=Survey, null=False, on_delete=OnDelete.cascade)
    position = Integer()
    theme = Varchar(length=200)
    what_we_heard = Text()
    what_we_will_do = Text()
    published_at = Timestamptz(null=True, default=None)
