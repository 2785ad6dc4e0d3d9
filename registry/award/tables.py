from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.accounts.tables import Organisation
from registry.criteria.tables import Criterion
from registry.frameworks.tables import Framework, Lot
from registry.tenders.tables import Tender


class Outcome(StrEnum):
    SUCCESSFUL = "successful"  # proposed, approved and (after the standstill) appointed
    UNSUCCESSFUL = "unsuccessful"  # compliant, but not among those appointed
    EXCLUDED = "excluded"  # failed a selection question or scored under a minimum


class AwardProposal(Table):
    """The suppliers an officer proposes to appoint to a lot, for a different officer to approve. A new
    proposal before approval supersedes the last one, which is kept."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    lot = ForeignKey(references=Lot, null=False, on_delete=OnDelete.cascade)
    tenders = Text(default="[]")  # JSON: the chosen tender ids, best ranked first
    reason = Text(null=True, default=None)  # why not simply the top ranked, up to the lot's maximum
    low_price_note = Text(null=True, default=None)  # what investigating an abnormally low price found
    results = Text(default="{}")  # JSON: the lot's results as the proposing officer saw them
    proposed_by = Integer()
    proposed_at = Timestamptz()
    approved_by = Integer(null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    superseded_at = Timestamptz(null=True, default=None)


class Debrief(Table):
    """The letter a bidder gets for its tender for a lot, written when the bidders are notified: it
    does not change afterwards."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    lot = ForeignKey(references=Lot, null=False, on_delete=OnDelete.cascade)
    tender = ForeignKey(references=Tender, null=False, unique=True, on_delete=OnDelete.cascade)
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade)
    outcome = Varchar(length=20, choices=Outcome)
    content = Text()  # JSON: everything the letter says
    written_at = Timestamptz()


class WithheldPart(StrEnum):
    RATIONALE = "rationale"  # the panel's reasons on a criterion
    SCORE = "score"  # the consensus score on a quality criterion


class Withholding(Table):
    """A part of what the letters would disclose about a tender to be appointed, withheld by an
    officer as commercially sensitive, with the reason the letters give in its place (Procurement Act
    2023 s.94; PCSR 2015 reg. 56(4)). Chosen before the bidders are notified; fixed once they are."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    lot = ForeignKey(references=Lot, null=False, on_delete=OnDelete.cascade)
    tender = ForeignKey(references=Tender, null=False, on_delete=OnDelete.cascade)
    criterion = ForeignKey(references=Criterion, null=False, on_delete=OnDelete.cascade)
    part = Varchar(length=20, choices=WithheldPart)
    reason = Text()
    withheld_by = Integer()
    withheld_at = Timestamptz()


class Challenge(Table):
    """A challenge to the award decision, recorded by an officer during the standstill period. While
    one is unresolved, no one can be appointed."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    organisation = ForeignKey(references=Organisation, null=True, default=None, on_delete=OnDelete.set_null)  # who challenged
    details = Text()
    recorded_by = Integer()
    recorded_at = Timestamptz()
    resolution = Text(null=True, default=None)
    resolved_by = Integer(null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)


class Appointment(Table):
    """A supplier appointed to a lot of a live framework, with its rank in the lot."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    lot = ForeignKey(references=Lot, null=False, on_delete=OnDelete.cascade)
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade)
    tender = ForeignKey(references=Tender, null=False, on_delete=OnDelete.cascade)
    rank = Integer()
    appointed_at = Timestamptz()
