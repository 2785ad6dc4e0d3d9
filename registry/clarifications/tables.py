from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz
from piccolo.table import Table

from registry.accounts.tables import Organisation
from registry.frameworks.tables import Framework


class Clarification(Table):
    """A supplier's question and the authority's answer. Only the framework's officers and the
    asking organisation ever see who asked; the public sees the published wording and the answer."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    number = Integer()  # Q1, Q2… in the order asked, per framework
    asked_by_organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade)
    asked_by = Integer()
    question = Text()
    asked_at = Timestamptz()
    published_question = Text(null=True, default=None)  # the wording to publish, without anything identifying
    answer = Text(null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)
    answered_by = Integer(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)
