"""The framework state machine: every transition that exists, and every one that does not. The
general tests run for every procedure in LIFECYCLES, and for a three-stage one that exists only
here, to show that a procedure is data: it needs no change to the services or the templates."""

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from collections.abc import Iterator

import pytest

import registry.app  # noqa: F401  (registers every stage's checks, as the served app does)
from registry.frameworks import lifecycle, stages
from registry.frameworks import service as frameworks
from registry.frameworks.lifecycle import FrameworkFacts, Lifecycle, LotFacts, Stage, Transition
from registry.frameworks.tables import Framework, Procedure, State
from tests import support
from tests.support import PASSWORD, officer_and_supplier, post_form
from tests.test_frameworks import DETAILS

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


# A procedure defined only here: a framework is drafted, opened and closed, and opening it waits
# for a check that a test registers.
THREE_STAGES = Lifecycle(
    procedure="three_stages",
    stages={
        State.DRAFT: Stage("Draft", "a draft", "The authority is preparing it."),
        State.LIVE: Stage("Open", "open", "Anyone can take part."),
        State.EXPIRED: Stage("Closed", "closed", "It is over."),
    },
    transitions=lifecycle.transitions(
        Transition(State.DRAFT, State.LIVE, "Open it", checks=("ready to open",)),
        Transition(State.LIVE, State.EXPIRED, "Close it"),
    ),
    cancelled=None,
    finished=frozenset({State.EXPIRED}),
)


@pytest.fixture
def three_stages(monkeypatch) -> Iterator[Lifecycle]:
    """THREE_STAGES registered as a procedure, with its check: it is ready to open once it has a summary."""

    async def ready_to_open(framework) -> list[str]:
        return [] if framework.summary else ["Write a summary first"]

    monkeypatch.setitem(lifecycle.LIFECYCLES, THREE_STAGES.procedure, THREE_STAGES)
    with stages.checks.replaced("ready to open", ready_to_open):
        yield THREE_STAGES


@pytest.fixture(params=[*lifecycle.LIFECYCLES, THREE_STAGES.procedure])
def procedure(request, three_stages) -> Lifecycle:
    return lifecycle.LIFECYCLES[request.param]


def test_the_transition_table_is_exactly_the_designed_one():
    assert set(lifecycle.STANDARD.transitions) == LEGAL
    assert lifecycle.LIFECYCLES[Procedure.STANDARD] is lifecycle.STANDARD


def test_every_pair_of_stages_is_either_a_transition_or_refused(procedure):
    for source in procedure.stages:
        for target in procedure.stages:
            if (source, target) in procedure.transitions:
                assert procedure.transition_for(source, target).target == target
            else:
                with pytest.raises(lifecycle.IllegalTransition, match="cannot become"):
                    procedure.transition_for(source, target)


def test_every_stage_is_reached_from_the_first_and_every_move_is_between_its_stages(procedure):
    first, *rest = procedure.order
    reachable, frontier = {first}, [first]
    while frontier:
        for step in procedure.next_steps(frontier.pop()):
            if step.target not in reachable:
                reachable.add(step.target)
                frontier.append(step.target)
    assert reachable == set(procedure.stages)
    assert all(source in procedure.stages and target in procedure.stages for source, target in procedure.transitions)
    assert all(procedure.forward_steps(state)[0].target == after for state, after in zip(procedure.order, procedure.order[1:]))


def test_every_check_and_fact_a_move_names_is_registered(procedure):
    for step in procedure.transitions.values():
        assert all(stages.checks.registered(name) for name in step.checks), step
        assert all(stages.facts.registered(name) for name in step.facts), step


def test_nothing_leaves_the_finished_stages(procedure):
    assert all(procedure.next_steps(state) == [] for state in procedure.finished)


def test_live_cannot_be_cancelled():
    assert (State.LIVE, State.CANCELLED) not in lifecycle.STANDARD.transitions


def test_a_complete_draft_may_publish_its_notice():
    assert lifecycle.STANDARD.problems_blocking(State.DRAFT, State.PIN_PUBLISHED, complete_facts(), NOW) == []


def test_publishing_lists_every_missing_field():
    facts = complete_facts(summary="", estimated_value=None, call_off_routes=(), lots=(LotFacts(1, "Adults", "", None),))
    problems = lifecycle.STANDARD.problems_blocking(State.DRAFT, State.PIN_PUBLISHED, facts, NOW)
    assert problems == [
        "Enter a summary", "Enter the estimated value", "Choose at least one call-off route",
        "Complete lot 1: it needs a title, a scope and a maximum number of suppliers",
    ]
    assert "Add at least one lot" in lifecycle.pin_problems(complete_facts(lots=()))


def test_deadlines_are_checked_against_the_time_given():
    closes = NOW + timedelta(days=14)
    assert lifecycle.STANDARD.problems_blocking(State.PIN_PUBLISHED, State.RFI_OPEN, complete_facts(rfi_closes_at=closes), NOW) == []
    assert lifecycle.STANDARD.problems_blocking(State.PIN_PUBLISHED, State.RFI_OPEN, complete_facts(rfi_closes_at=NOW - timedelta(seconds=1)), NOW)
    assert lifecycle.STANDARD.problems_blocking(State.RFI_OPEN, State.RFI_CLOSED, complete_facts(rfi_closes_at=closes), NOW) == ["The request for information's closing time has not passed yet"]
    assert lifecycle.STANDARD.problems_blocking(State.RFI_OPEN, State.RFI_CLOSED, complete_facts(rfi_closes_at=closes), closes) == []


def test_the_tender_deadline_must_follow_the_clarification_deadline():
    bad = complete_facts(clarification_deadline=NOW + timedelta(days=20), tender_deadline=NOW + timedelta(days=10))
    assert lifecycle.STANDARD.problems_blocking(State.RFI_CLOSED, State.ITT_PUBLISHED, bad, NOW) == [
        "The clarification deadline must be in the future and before the tender deadline"
    ]
    good = complete_facts(clarification_deadline=NOW + timedelta(days=10), tender_deadline=NOW + timedelta(days=20))
    assert lifecycle.STANDARD.problems_blocking(State.RFI_CLOSED, State.ITT_PUBLISHED, good, NOW) == []
    assert lifecycle.STANDARD.problems_blocking(State.ITT_PUBLISHED, State.TENDERS_CLOSED, good, NOW + timedelta(days=20) - timedelta(seconds=1))
    assert lifecycle.STANDARD.problems_blocking(State.ITT_PUBLISHED, State.TENDERS_CLOSED, good, NOW + timedelta(days=20)) == []


def test_a_live_framework_expires_only_after_its_term():
    facts = complete_facts(start_date=date(2027, 6, 1), duration_months=36)
    assert lifecycle.STANDARD.problems_blocking(State.LIVE, State.EXPIRED, facts, datetime(2030, 5, 31, tzinfo=UTC)) == ["The framework's term runs until 1 June 2030"]
    assert lifecycle.STANDARD.problems_blocking(State.LIVE, State.EXPIRED, facts, datetime(2030, 6, 1, tzinfo=UTC)) == []


def test_a_term_ends_on_the_same_day_of_the_month_its_duration_later_or_that_months_last_day():
    mid_june = complete_facts(start_date=date(2027, 6, 15), duration_months=36)
    ends = datetime(2030, 6, 14, 23, tzinfo=UTC)  # midnight in London, British Summer Time
    assert lifecycle.STANDARD.problems_blocking(State.LIVE, State.EXPIRED, mid_june, ends - timedelta(seconds=1)) == [
        "The framework's term runs until 15 June 2030"
    ]
    assert lifecycle.STANDARD.problems_blocking(State.LIVE, State.EXPIRED, mid_june, ends) == []
    end_of_january = complete_facts(start_date=date(2028, 1, 31), duration_months=1)
    assert lifecycle.STANDARD.problems_blocking(State.LIVE, State.EXPIRED, end_of_january, datetime(2028, 2, 28, 12, tzinfo=UTC)) == [
        "The framework's term runs until 29 February 2028"
    ]


def test_a_term_ends_at_the_start_of_the_day_in_the_united_kingdom():
    facts = complete_facts(start_date=date(2027, 6, 1), duration_months=36)
    midnight_in_london = datetime(2030, 5, 31, 23, tzinfo=UTC)  # British Summer Time
    assert lifecycle.STANDARD.problems_blocking(State.LIVE, State.EXPIRED, facts, midnight_in_london - timedelta(seconds=1))
    assert lifecycle.STANDARD.problems_blocking(State.LIVE, State.EXPIRED, facts, midnight_in_london) == []


# --- The stage by the clock, and what it allows ----------------------------------------------------


def framework_at(state: State, procedure: str = Procedure.STANDARD, **moments):
    """A stored framework's state and moments, as pages and services read them."""
    return SimpleNamespace(
        state=state, procedure=procedure, **{"rfi_closes_at": None, "clarification_deadline": None, "tender_deadline": None, **moments},
    )


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


def test_stages_an_officer_ends_do_not_end_by_the_clock(procedure):
    for state in (s for s in procedure.stages if s not in procedure.closes_at):
        stored = framework_at(
            state, procedure.procedure,
            rfi_closes_at=NOW - timedelta(days=60), clarification_deadline=NOW - timedelta(days=30), tender_deadline=NOW - timedelta(days=20),
        )
        assert lifecycle.stage_of(stored, NOW) is state


def test_each_stage_has_reached_those_before_it_and_no_other(procedure):
    order = procedure.order
    for index, state in enumerate(order):
        assert [s for s in State if lifecycle.reached(framework_at(state, procedure.procedure), s, NOW)] == order[: index + 1]
        assert lifecycle.capabilities(framework_at(state, procedure.procedure), NOW).finished is (state in procedure.finished)
    if procedure.cancelled:
        assert [s for s in State if lifecycle.reached(framework_at(procedure.cancelled, procedure.procedure), s, NOW)] == [procedure.cancelled]


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


# --- A framework following another procedure, through the services and the pages -------------------


async def test_a_move_runs_only_the_checks_its_target_names(database, monkeypatch):
    officer, _ = await officer_and_supplier()
    framework = await frameworks.create(officer, DETAILS)
    await frameworks.save_lot(officer, framework.reference, number=None, title="Adults", scope="Scope", subject="adults", max_suppliers=5)

    async def must_not_run(framework) -> list[str]:
        raise AssertionError("the invitation to tender's check ran for another move")

    with stages.checks.replaced("assessment criteria complete", must_not_run):
        assert (await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)).state == State.PIN_PUBLISHED


async def test_a_framework_follows_its_own_procedure_through_the_services(database, three_stages):
    officer, _ = await officer_and_supplier()
    framework = await frameworks.create(officer, DETAILS)
    await Framework.update({Framework.procedure: three_stages.procedure, Framework.summary: ""}).where(Framework.id == framework.id)
    with pytest.raises(lifecycle.IllegalTransition, match="A framework that is a draft cannot become announced"):
        await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    with pytest.raises(frameworks.TransitionBlocked, match="Write a summary first"):
        await frameworks.move(officer, framework.reference, State.LIVE)
    await Framework.update({Framework.summary: "For everyone"}).where(Framework.id == framework.id)
    assert (await frameworks.move(officer, framework.reference, State.LIVE)).state == State.LIVE
    assert (await frameworks.move(officer, framework.reference, State.EXPIRED)).state == State.EXPIRED


async def test_the_task_list_shows_another_procedure_without_a_template_of_its_own(client, database, three_stages):
    officer, _ = await officer_and_supplier()
    framework = await frameworks.create(officer, DETAILS)
    await Framework.update({Framework.procedure: three_stages.procedure, Framework.state: State.LIVE}).where(Framework.id == framework.id)
    assert (await support.sign_in(client, "officer@authority.example", PASSWORD)).status_code == 303

    tasks = await client.get(f"/manage/frameworks/{framework.reference}")
    assert tasks.status_code == 200
    assert re.search(r"Stage: <strong class=\"govuk-tag\">\s*Open\s*</strong>", tasks.text)
    assert "Close it" in tasks.text and "Cancel this framework" not in tasks.text and "Clarification questions" not in tasks.text
    moved = await post_form(client, f"/manage/frameworks/{framework.reference}/stage", {"target": "expired"}, form_page=f"/manage/frameworks/{framework.reference}")
    assert moved.status_code == 303 and moved.headers["location"].endswith("?done=expired")
    done = await client.get(moved.headers["location"])
    assert "Closed: done" in done.text and "It is over." in done.text and "There are no further stages." in done.text
