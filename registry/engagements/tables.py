from enum import StrEnum

from piccolo.columns import Array, BigInt, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.accounts.tables import Organisation
from registry.criteria.tables import Criterion
from registry.frameworks.tables import CallOffRoute, Framework, Lot


class EngagementState(StrEnum):
    DRAFT = "draft"
    INVITED = "invited"  # a mini-competition's invitations are out
    AWARDED = "awarded"
    IN_DELIVERY = "in_delivery"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


ACTIVE_STATES = (EngagementState.AWARDED, EngagementState.IN_DELIVERY)  # what uses a supplier's capacity
COMMITTED_STATES = (*ACTIVE_STATES, EngagementState.COMPLETED)  # whose price is spent from the lot's value


class Engagement(Table):
    """A call-off under a live framework: a commissioner's brief, how it is awarded, its delivery and
    how it went."""

    reference = Varchar(length=50, unique=True, index=True)  # the framework's reference, then -E and a number
    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    lot = ForeignKey(references=Lot, null=False, on_delete=OnDelete.cascade)
    buyer = ForeignKey(references=Organisation, null=False)  # the commissioner's organisation
    created_by = Integer()
    # The brief
    title = Varchar(length=200)
    objectives = Text(default="")
    groups = Array(base_column=Varchar(length=60), default=list)  # the people to reach
    regions = Array(base_column=Varchar(length=60), default=list)
    participants_target = Integer(null=True, default=None)
    methods = Array(base_column=Varchar(length=60), default=list)
    budget_pence = BigInt(null=True, default=None)
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None)
    route = Varchar(length=30, choices=CallOffRoute, null=True, default=None)
    price_weight = Integer(null=True, default=None)  # mini-competition: price's share of 100; criteria have the rest
    # Where it is
    state = Varchar(length=20, choices=EngagementState, default=EngagementState.DRAFT, index=True)
    response_deadline = Timestamptz(null=True, default=None)  # mini-competition
    invited_at = Timestamptz(null=True, default=None)
    supplier = ForeignKey(references=Organisation, null=True, default=None, index=True)  # awarded to
    proposed_supplier = ForeignKey(references=Organisation, null=True, default=None)  # what the service proposed (direct award)
    award_reason = Text(null=True, default=None)  # why not the proposed supplier, or the best-scored response
    awarded_price_pence = BigInt(null=True, default=None)
    awarded_at = Timestamptz(null=True, default=None)
    awarded_by = Integer(null=True, default=None)
    delivery_started_at = Timestamptz(null=True, default=None)
    deliverables = Text(null=True, default=None)  # what was delivered, recorded on completion
    completed_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    cancel_reason = Text(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class BriefCriterion(Table):
    """A quality criterion a mini-competition's responses are scored against, with its weight: one of
    the lot's published award criteria (`source`), its wording and weight refined within bounds
    (registry.engagements.calloff_criteria). `source_title` and `framework_weight` keep what the
    framework said, so that the refinement stays visible; a brief set up before the rule has none."""

    engagement = ForeignKey(references=Engagement, null=False, on_delete=OnDelete.cascade)
    position = Integer()
    name = Varchar(length=200)
    weight = Integer()
    source = ForeignKey(references=Criterion, null=True, default=None, on_delete=OnDelete.set_null)
    source_title = Varchar(length=200, default="")
    framework_weight = Integer(null=True, default=None)  # the weight the framework's criteria give it in this competition


class InvitationStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"  # will respond
    DECLINED = "declined"
    RESPONDED = "responded"


class Invitation(Table):
    """An appointed supplier invited to a mini-competition, and its response. The proposal and price
    are sealed from the commissioner until the response deadline has passed."""

    engagement = ForeignKey(references=Engagement, null=False, on_delete=OnDelete.cascade)
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade)
    status = Varchar(length=20, choices=InvitationStatus, default=InvitationStatus.INVITED)
    invited_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)  # accepted or declined
    decline_reason = Text(null=True, default=None)
    proposal = Text(null=True, default=None)
    price_pence = BigInt(null=True, default=None)
    responded_at = Timestamptz(null=True, default=None)
    responded_by = Integer(null=True, default=None)


class ResponseScore(Table):
    """The commissioner's mark for one response against one criterion."""

    invitation = ForeignKey(references=Invitation, null=False, on_delete=OnDelete.cascade)
    criterion = ForeignKey(references=BriefCriterion, null=False, on_delete=OnDelete.cascade)
    score = Integer()  # 0 to 5
    note = Text(default="")
    scored_by = Integer()
    scored_at = Timestamptz()


class Reach(Table):
    """How many people of one group an engagement reached, recorded on completion."""

    engagement = ForeignKey(references=Engagement, null=False, on_delete=OnDelete.cascade)
    group_code = Varchar(length=60)  # a groups code
    participants = Integer()


MEASURES = {"quality": "quality", "timeliness": "timeliness", "inclusion": "inclusion", "value": "value for money"}  # a review's, with their names


class PerformanceReview(Table):
    """The commissioner's review of a completed engagement (1 to 5 on each measure), and the supplier's reply."""

    engagement = ForeignKey(references=Engagement, null=False, unique=True, on_delete=OnDelete.cascade)
    supplier = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade)
    quality = Integer()
    timeliness = Integer()
    inclusion = Integer()
    value = Integer()
    comments = Text(default="")
    reviewed_by = Integer()
    reviewed_at = Timestamptz()
    supplier_reply = Text(null=True, default=None)
    replied_by = Integer(null=True, default=None)
    replied_at = Timestamptz(null=True, default=None)
