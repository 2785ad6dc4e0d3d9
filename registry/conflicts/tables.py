from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.accounts.tables import User
from registry.frameworks.tables import Framework


class NamedPerson(Table):
    """Someone acting in the procurement who is not one of the authority's users: an adviser, a
    consultant, a colleague from another team who influences a decision (PA23 s.81(3))."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    name = Varchar(length=200)
    role = Varchar(length=200)
    organisation = Varchar(length=200)
    named_by = Integer()
    named_at = Timestamptz()


class Declaration(Table):
    """One version of a person's declaration: conflict or none, its details and what is done about it.
    A revision is a new row; the newest is the current one and the older stay readable."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    user = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.cascade)  # an officer or evaluator
    person = ForeignKey(references=NamedPerson, null=True, default=None, on_delete=OnDelete.cascade)  # or someone named
    conflict = Boolean()
    details = Text(default="")
    mitigation = Text(default="")  # the steps taken or to be taken (PA23 s.83(3)(b), (4))
    recorded_by = Integer()
    recorded_at = Timestamptz(index=True)


class Review(Table):
    """An officer confirmed the assessment reviewed and complete, at a stage of the procurement."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    stage = Varchar(length=30)
    confirmed_by = Integer()
    confirmed_at = Timestamptz(index=True)
