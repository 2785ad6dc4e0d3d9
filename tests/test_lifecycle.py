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


# --- The stage by the clock, and what it allows ----------------------------------------------------


def framework_at(state: State, **moments):
    """A stored framework's state and moments, as pages and services read them."""
    from types import SimpleNamespace

    return SimpleNamespace(state=state, **{"rfi_closes_at": None, "clarification_deadline": None, "tender_deadline": None, **moments})


def test_tendering_closes_at_the_deadline_whether_or_not_anyone_recorded_it():
    stored = framework_at(State.ITT_PUBLISHED, clarification_deadline=NOW - timedelta(days=10), tender_deadline=NOW)
    before, at = lifecycle.capabilities(stored, NOW - timedelta(seconds=1)), lifecycle.capabilities(stored, NOW)
    assert before.stage is State.ITT_PUBLISHED and before.may_tender and not before.tendering_closed
    assert at.stage is State.TENDERS_CLOSED and not at.may_tender and at.tendering_closed
    assert not at.may_ask_clarifications and not at.clarifications_closed  # tendering is over: so are its questions
    assert lifecycle.reached(stored, State.TENDERS_CLOSED, NOW) and not lifecycle.reached(stored, State.TENDERS_OPENED, NOW)


def test_the_request_for_information_closes_at_its_closing_time():
    stored = framework_at(State.RFI_OPEN, rfi_closes_at=NOW)
    assert lifecycle.capabilities(stored, NOW - timedelta(seconds=1)).rfi_open
    closed = lifecycle.capabilities(stored, NOW)
    assert closed.stage is State.RFI_CLOSED and not closed.rfi_open and closed.may_publish_itt and closed.in_rfi_stages


def test_clarification_questions_close_at_their_deadline_while_tendering_stays_open():
    stored = framework_at(State.ITT_PUBLISHED, clarification_deadline=NOW, tender_deadline=NOW + timedelta(days=10))
    asking = lifecycle.capabilities(stored, NOW - timedelta(seconds=1))
    assert asking.may_ask_clarifications and not asking.clarifications_closed
    late = lifecycle.capabilities(stored, NOW)
    assert late.may_tender and not late.may_ask_clarifications and late.clarifications_closed


@pytest.mark.parametrize("state", [s for s in State if s not in lifecycle.CLOSES_AT])
def test_stages_an_officer_ends_do_not_end_by_the_clock(state):
    stored = framework_at(state, rfi_closes_at=NOW - timedelta(days=60), clarification_deadline=NOW - timedelta(days=30), tender_deadline=NOW - timedelta(days=20))
    assert lifecycle.stage_of(stored, NOW) is state


@pytest.mark.parametrize("state", ORDER)
def test_capabilities_follow_the_order_of_the_stages(state):
    can = lifecycle.capabilities(framework_at(state), NOW)
    index = ORDER.index(state)
    assert can.may_edit_details is (state is State.DRAFT)
    assert can.before_itt is (index < ORDER.index(State.ITT_PUBLISHED))
    assert can.in_rfi_stages is (ORDER.index(State.PIN_PUBLISHED) <= index < ORDER.index(State.ITT_PUBLISHED))
    assert can.moderation_started is (index >= ORDER.index(State.MODERATION))
    assert can.finished is (state is State.EXPIRED)
    assert [s for s in ORDER if lifecycle.reached(framework_at(state), s, NOW)] == ORDER[: index + 1]


def test_a_cancelled_framework_has_reached_only_its_cancellation():
    can = lifecycle.capabilities(framework_at(State.CANCELLED, tender_deadline=NOW + timedelta(days=1)), NOW)
    assert can.finished and not can.may_tender and not can.moderation_started and not can.before_itt and not can.in_rfi_stages
    assert [s for s in State if lifecycle.reached(framework_at(State.CANCELLED), s, NOW)] == [State.CANCELLED]


def test_a_selected_row_is_read_like_a_framework():
    row = {"state": "itt_published", "tender_deadline": NOW, "rfi_closes_at": None}
    assert lifecycle.stage_of(row, NOW) is State.TENDERS_CLOSED
