"""An engagement's stages and what each allows, by the server clock: the questions pages ask instead
of listing states. A mini-competition's responses close at its response deadline, whoever looks."""

from dataclasses import dataclass
from datetime import datetime

from registry import clock
from registry.accounts.tables import Role
from registry.engagements.sealing import deadline_passed
from registry.engagements.tables import EngagementState as S
from registry.frameworks.lifecycle import Transition, transitions

COMMISSIONER = frozenset({Role.COMMISSIONER})
CANCELLABLE = (S.DRAFT, S.INVITED, S.AWARDED, S.IN_DELIVERY)

# The only moves an engagement makes, of the same kind as a framework's (registry.frameworks.lifecycle).
TRANSITIONS: dict[tuple[S, S], Transition[S]] = transitions(
    Transition(S.DRAFT, S.INVITED, "Invite the suppliers to respond", roles=COMMISSIONER),
    Transition(S.DRAFT, S.AWARDED, "Award directly", roles=COMMISSIONER),
    Transition(S.INVITED, S.AWARDED, "Award the mini-competition", roles=COMMISSIONER),
    Transition(S.AWARDED, S.IN_DELIVERY, "Start delivery", roles=COMMISSIONER),
    Transition(S.IN_DELIVERY, S.COMPLETED, "Record completion", roles=COMMISSIONER),
    *[Transition(state, S.CANCELLED, "Cancel the engagement", roles=COMMISSIONER) for state in CANCELLABLE],
)


def transition_for(state: S | str, target: S) -> Transition[S] | None:
    """The move from `state` to `target`, or None when there is none."""
    return TRANSITIONS.get((S(state), S(target)))


@dataclass(frozen=True)
class Capabilities:
    stage: S
    may_prepare: bool  # the brief and the route (direct award or a mini-competition) can still change
    invited: bool  # a mini-competition's invitations are out and no one is awarded yet
    responses_open: bool  # invited, and the response deadline has not passed
    responses_closed: bool  # invited, and the response deadline has passed
    may_score: bool  # responses are scored and the mini-competition awarded while invited
    may_start_delivery: bool
    may_record_completion: bool
    completed: bool  # delivered: completion recorded, the supplier's performance can be reviewed
    cancelled: bool
    may_cancel: bool


def capabilities(engagement, now: datetime) -> Capabilities:
    """What `engagement` allows at `now`."""
    stage = S(engagement.state)
    invited = stage is S.INVITED
    closed = deadline_passed(engagement, now)
    return Capabilities(
        stage=stage,
        may_prepare=stage is S.DRAFT,
        invited=invited,
        responses_open=invited and not closed,
        responses_closed=invited and closed,
        may_score=invited,
        may_start_delivery=stage is S.AWARDED,
        may_record_completion=stage is S.IN_DELIVERY,
        completed=stage is S.COMPLETED,
        cancelled=stage is S.CANCELLED,
        may_cancel=transition_for(stage, S.CANCELLED) is not None,
    )


def next_moment(engagement, now: datetime) -> datetime | None:
    """When the engagement's pages read differently with nothing written: its response deadline, while
    it is still to come (the only moment `capabilities` reads); None once it has passed, or for none."""
    deadline = engagement.response_deadline
    return deadline if deadline is not None and now < deadline else None


# What templates ask, registered once at app start: `engagement_can(engagement).may_cancel`.
TEMPLATE_GLOBALS = {"engagement_can": lambda engagement: capabilities(engagement, clock.received())}
