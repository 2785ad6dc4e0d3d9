"""The framework state machine: every transition that exists, and every one that does not."""

from datetime import UTC, date, datetime, timedelta

import pytest

from registry.frameworks import lifecycle
from registry.frameworks.lifecycle import FrameworkFacts, LotFacts
from registry.frameworks.tables import State

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ORDER = [
    State.DRAFT, State.PIN_PUBLISHED, State.RFI_OPEN, State.RFI_CLOSED, State.ITT_PUBLISHED, State.TENDERS_CLOSED,
    State.TENDERS_OPENED, State.EVALUATION, State.MODERATION, State.AWARD_APPROVED, State.STANDSTILL, State.LIVE, State.EXPIRED,
]
LEGAL = {(a, b) for a, b in zip(ORDER, ORDER[1:])} | {(s, State.CANCELLED) for s in ORDER[: ORDER.index(State.LIVE)]}


def complete_facts(**changes) -> FrameworkFacts:
    facts = dict(
        title="Participation services", summary="Citizens' panels and more", description="A framework.",
        estimated_value=2_000_000, start_date=date(2027, 6, 1), duration_months=36, call_off_routes=("direct_award",),
        lots=(LotFacts(1, "Adults", "Engagement with adults", 6),),
    )
    return FrameworkFacts(**{**facts, **changes})


def test_the_transition_table_is_exactly_the_designed_one():
    assert set(lifecycle.TRANSITIONS) == LEGAL


@pytest.mark.parametrize("source", list(State))
@pytest.mark.parametrize("target", list(State))
def test_every_pair_of_states_is_either_a_transition_or_refused(source, target):
    if (source, target) in LEGAL:
        assert lifecycle.transition_for(source, target).target == target
    else:
        with pytest.raises(lifecycle.IllegalTransition, match="cannot become"):
            lifecycle.transition_for(source, target)


def test_nothing_leaves_cancelled_or_expired_and_live_cannot_be_cancelled():
    assert lifecycle.next_steps(State.CANCELLED) == [] and lifecycle.next_steps(State.EXPIRED) == []
    assert (State.LIVE, State.CANCELLED) not in lifecycle.TRANSITIONS


def test_a_complete_draft_may_publish_its_notice():
    assert lifecycle.problems_blocking(State.DRAFT, State.PIN_PUBLISHED, complete_facts(), NOW) == []


def test_publishing_lists_every_missing_field():
    facts = complete_facts(summary="", estimated_value=None, call_off_routes=(), lots=(LotFacts(1, "Adults", "", None),))
    problems = lifecycle.problems_blocking(State.DRAFT, State.PIN_PUBLISHED, facts, NOW)
    assert problems == [
        "Enter a summary", "Enter the estimated value", "Choose at least one call-off route",
        "Complete lot 1: it needs a title, a scope and a maximum number of suppliers",
    ]
    assert "Add at least one lot" in lifecycle.pin_problems(complete_facts(lots=()))


def test_deadlines_are_checked_against_the_time_given():
    closes = NOW + timedelta(days=14)
    assert lifecycle.problems_blocking(State.PIN_PUBLISHED, State.RFI_OPEN, complete_facts(rfi_closes_at=closes), NOW) == []
    assert lifecycle.problems_blocking(State.PIN_PUBLISHED, State.RFI_OPEN, complete_facts(rfi_closes_at=NOW - timedelta(seconds=1)), NOW)
    assert lifecycle.problems_blocking(State.RFI_OPEN, State.RFI_CLOSED, complete_facts(rfi_closes_at=closes), NOW) == ["The request for information's closing time has not passed yet"]
    assert lifecycle.problems_blocking(State.RFI_OPEN, State.RFI_CLOSED, complete_facts(rfi_closes_at=closes), closes) == []


def test_the_tender_deadline_must_follow_the_clarification_deadline():
    bad = complete_facts(clarification_deadline=NOW + timedelta(days=20), tender_deadline=NOW + timedelta(days=10))
    assert lifecycle.problems_blocking(State.RFI_CLOSED, State.ITT_PUBLISHED, bad, NOW) == [
        "The clarification deadline must be in the future and before the tender deadline"
    ]
    good = complete_facts(clarification_deadline=NOW + timedelta(days=10), tender_deadline=NOW + timedelta(days=20))
    assert lifecycle.problems_blocking(State.RFI_CLOSED, State.ITT_PUBLISHED, good, NOW) == []
    assert lifecycle.problems_blocking(State.ITT_PUBLISHED, State.TENDERS_CLOSED, good, NOW + timedelta(days=20) - timedelta(seconds=1))
    assert lifecycle.problems_blocking(State.ITT_PUBLISHED, State.TENDERS_CLOSED, good, NOW + timedelta(days=20)) == []


def test_a_live_framework_expires_only_after_its_term():
    facts = complete_facts(start_date=date(2027, 6, 1), duration_months=36)
    assert lifecycle.problems_blocking(State.LIVE, State.EXPIRED, facts, datetime(2030, 5, 31, tzinfo=UTC)) == ["The framework's term runs until 1 June 2030"]
    assert lifecycle.problems_blocking(State.LIVE, State.EXPIRED, facts, datetime(2030, 6, 1, tzinfo=UTC)) == []
