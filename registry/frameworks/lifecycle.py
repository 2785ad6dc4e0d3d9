"""The framework's one state machine (docs/design.md): the only transitions that exist, who may
make each, and what must hold first. Every move is audited, added to the framework's timeline and
told to the suppliers who registered interest.

Guards take plain facts and the server's current time, and return the problems that block the move
(empty when it may go ahead), so that the task list can show the same problems before anyone tries.

The stored state is the record of the moves made. The stage a framework is in is read with the
clock (`stage_of`): past the tender deadline it is closed for tenders whether or not an officer has
recorded the close. Pages and services ask `capabilities` and `reached` rather than listing states;
submissions still go by their time of receipt (registry.tenders.service.accepting_tenders)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from registry import clock
from registry.accounts.tables import Role
from registry.frameworks.tables import State

OFFICER = frozenset({Role.PROCUREMENT_OFFICER})
BEFORE_LIVE = [s for s in State if s not in (State.LIVE, State.EXPIRED, State.CANCELLED)]


@dataclass(frozen=True)
class LotFacts:
    number: int
    title: str
    scope: str
    max_suppliers: int | None


@dataclass(frozen=True)
class FrameworkFacts:
    """What the guards look at. Later stages add the facts they need (with defaults that block)."""

    title: str
    summary: str
    description: str
    estimated_value: int | None
    start_date: date | None
    duration_months: int | None
    call_off_routes: tuple[str, ...]
    lots: tuple[LotFacts, ...]
    rfi_closes_at: datetime | None = None
    clarification_deadline: datetime | None = None
    tender_deadline: datetime | None = None
    standstill_ends_at: datetime | None = None
    opening_requested_by: int | None = None
    opening_confirmed_by: int | None = None
    extra_problems: dict[State, list[str]] = field(default_factory=dict)


Guard = Callable[[FrameworkFacts, datetime], list[str]]


def pin_problems(facts: FrameworkFacts, now: datetime | None = None) -> list[str]:
    """What is missing before the Prior Information Notice can be published, in task-list words."""
    problems = []
    if not facts.title.strip():
        problems.append("Enter the framework's title")
    if not facts.summary.strip():
        problems.append("Enter a summary")
    if not facts.description.strip():
        problems.append("Enter a description")
    if facts.estimated_value is None:
        problems.append("Enter the estimated value")
    if facts.start_date is None:
        problems.append("Enter the start date")
    if facts.duration_months is None:
        problems.append("Enter the duration")
    if not facts.call_off_routes:
        problems.append("Choose at least one call-off route")
    if not facts.lots:
        problems.append("Add at least one lot")
    for lot in facts.lots:
        if not lot.title.strip() or not lot.scope.strip() or not lot.max_suppliers:
            problems.append(f"Complete lot {lot.number}: it needs a title, a scope and a maximum number of suppliers")
    return problems


def _deadline_passed(name: str, attribute: str) -> Guard:
    def guard(facts: FrameworkFacts, now: datetime) -> list[str]:
        moment = getattr(facts, attribute)
        if moment is None:
            return [f"Set the {name} first"]
        if now < moment:
            return [f"The {name} has not passed yet"]
        return []

    return guard


def _rfi_can_open(facts: FrameworkFacts, now: datetime) -> list[str]:
    if facts.rfi_closes_at is None:
        return ["Set the request for information's closing time"]
    if facts.rfi_closes_at <= now:
        return ["The request for information's closing time must be in the future"]
    return []


def _itt_can_publish(facts: FrameworkFacts, now: datetime) -> list[str]:
    problems = []
    if facts.tender_deadline is None or facts.clarification_deadline is None:
        problems.append("Set the tender deadline and the clarification deadline")
    elif not now < facts.clarification_deadline < facts.tender_deadline:
        problems.append("The clarification deadline must be in the future and before the tender deadline")
    return problems


def _opened_by_two_officers(facts: FrameworkFacts, now: datetime) -> list[str]:
    if facts.opening_requested_by is None:
        return ["A procurement officer must request the opening"]
    if facts.opening_confirmed_by is None or facts.opening_confirmed_by == facts.opening_requested_by:
        return ["A different procurement officer must confirm the opening"]
    return _deadline_passed("tender deadline", "tender_deadline")(facts, now)


def _term_ended(facts: FrameworkFacts, now: datetime) -> list[str]:
    if facts.start_date is None or facts.duration_months is None:
        return ["The framework has no term"]
    year, month = divmod(facts.start_date.month - 1 + facts.duration_months, 12)
    ends = facts.start_date.replace(year=facts.start_date.year + year, month=month + 1, day=1)
    return [] if now.date() >= ends else [f"The framework's term runs until {ends:%-d %B %Y}"]


def _nothing(facts: FrameworkFacts, now: datetime) -> list[str]:
    return []


@dataclass(frozen=True)
class Transition:
    source: State
    target: State
    action: str  # what the button says
    guard: Guard = _nothing
    roles: frozenset[Role] = OFFICER
    # What later stages check before this move, and the facts of theirs the guard reads, by the
    # names they registered them under (registry.frameworks.stages): only these run for this move.
    checks: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()


TRANSITIONS: dict[tuple[State, State], Transition] = {
    (t.source, t.target): t
    for t in [
        Transition(State.DRAFT, State.PIN_PUBLISHED, "Publish the prior information notice", pin_problems),
        Transition(State.PIN_PUBLISHED, State.RFI_OPEN, "Open the request for information", _rfi_can_open),
        Transition(State.RFI_OPEN, State.RFI_CLOSED, "Close the request for information", _deadline_passed("request for information's closing time", "rfi_closes_at")),
        Transition(State.RFI_CLOSED, State.ITT_PUBLISHED, "Publish the invitation to tender", _itt_can_publish, checks=("assessment criteria complete",)),
        Transition(State.ITT_PUBLISHED, State.TENDERS_CLOSED, "Close tendering", _deadline_passed("tender deadline", "tender_deadline")),
        Transition(State.TENDERS_CLOSED, State.TENDERS_OPENED, "Open the tenders", _opened_by_two_officers, facts=("opening officers",)),
        Transition(State.TENDERS_OPENED, State.EVALUATION, "Start evaluation", checks=("evaluation panels assigned",)),
        Transition(State.EVALUATION, State.MODERATION, "Start moderation", checks=("evaluation panels assigned", "evaluations submitted")),
        Transition(State.MODERATION, State.AWARD_APPROVED, "Approve the award", checks=("award approved for every lot",)),
        Transition(State.AWARD_APPROVED, State.STANDSTILL, "Notify bidders and start the standstill period", checks=("bidders notified",)),
        Transition(
            State.STANDSTILL, State.LIVE, "Appoint the suppliers", _deadline_passed("end of the standstill period", "standstill_ends_at"),
            checks=("suppliers appointed",),
        ),
        Transition(State.LIVE, State.EXPIRED, "Mark the framework as expired", _term_ended),
        *[Transition(state, State.CANCELLED, "Cancel the framework") for state in BEFORE_LIVE],
    ]
}


# The moves that need more than a button, and the page (under the framework's management page)
# that guides each: its checks, its deadlines, or the two officers or the award steps it takes.
GUIDED_BY = {
    State.PIN_PUBLISHED: "check", State.RFI_OPEN: "rfi", State.ITT_PUBLISHED: "itt", State.TENDERS_OPENED: "tenders",
    State.AWARD_APPROVED: "award", State.STANDSTILL: "award", State.LIVE: "award",
}


class IllegalTransition(ValueError):
    pass


def transition_for(source: State, target: State) -> Transition:
    transition = TRANSITIONS.get((State(source), State(target)))
    if transition is None:
        raise IllegalTransition(f"A framework that is {describe(source)} cannot become {describe(target)}")
    return transition


def problems_blocking(source: State, target: State, facts: FrameworkFacts, now: datetime) -> list[str]:
    transition = transition_for(source, target)
    return [*transition.guard(facts, now), *facts.extra_problems.get(State(target), [])]


def next_steps(state: State) -> list[Transition]:
    return [t for (source, _), t in TRANSITIONS.items() if source == state]


DESCRIPTIONS = {
    State.DRAFT: "a draft",
    State.PIN_PUBLISHED: "announced (prior information notice published)",
    State.RFI_OPEN: "open for request for information responses",
    State.RFI_CLOSED: "closed for request for information responses",
    State.ITT_PUBLISHED: "open for tenders",
    State.TENDERS_CLOSED: "closed for tenders",
    State.TENDERS_OPENED: "tenders opened",
    State.EVALUATION: "in evaluation",
    State.MODERATION: "in moderation",
    State.AWARD_APPROVED: "award approved",
    State.STANDSTILL: "in the standstill period",
    State.LIVE: "live",
    State.EXPIRED: "expired",
    State.CANCELLED: "cancelled",
}

# What each stage means for suppliers and the public, and what comes next, in plain words: for the
# public timeline and the emails that announce a stage.
MEANINGS = {
    State.DRAFT: "The authority is preparing the framework.",
    State.PIN_PUBLISHED: "The authority has announced that it plans to set up this framework. Suppliers can register interest to be kept informed. A request for information or the invitation to tender comes next.",
    State.RFI_OPEN: "The authority is asking the market questions before it writes the tender. Any supplier can answer: answers shape the framework, and do not count towards any tender.",
    State.RFI_CLOSED: "The request for information has closed. The authority is preparing the invitation to tender, and will publish what it heard and what it will do.",
    State.ITT_PUBLISHED: "Suppliers that registered interest can prepare and submit tenders, and ask clarification questions until the clarification deadline. Tenders stay sealed until the deadline.",
    State.TENDERS_CLOSED: "The tender deadline has passed: no more tenders are accepted. Two officers of the authority will open the tenders.",
    State.TENDERS_OPENED: "The tenders have been opened. An evaluation panel will assess them against the published criteria.",
    State.EVALUATION: "Each evaluator is assessing the tenders on their own, against the published criteria.",
    State.MODERATION: "The evaluators are agreeing a consensus mark for each tender. Bidders will then be told the outcome.",
    State.AWARD_APPROVED: "The authority has approved which suppliers to appoint. Every bidder will be told the outcome, with the reasons.",
    State.STANDSTILL: "Every bidder has been told the outcome. Suppliers are appointed once the standstill period ends, unless the decision is challenged.",
    State.LIVE: "The appointed suppliers can be commissioned under the framework until it ends.",
    State.EXPIRED: "The framework's term has ended: no new work can be commissioned under it.",
    State.CANCELLED: "The authority has cancelled this procurement.",
}

LABELS = {
    State.DRAFT: "Draft",
    State.PIN_PUBLISHED: "Prior information notice",
    State.RFI_OPEN: "Request for information open",
    State.RFI_CLOSED: "Request for information closed",
    State.ITT_PUBLISHED: "Open for tenders",
    State.TENDERS_CLOSED: "Tenders closed",
    State.TENDERS_OPENED: "Tenders opened",
    State.EVALUATION: "Evaluation",
    State.MODERATION: "Moderation",
    State.AWARD_APPROVED: "Award approved",
    State.STANDSTILL: "Standstill",
    State.LIVE: "Live",
    State.EXPIRED: "Expired",
    State.CANCELLED: "Cancelled",
}

PUBLIC_STATES = [s for s in State if s is not State.DRAFT]
FOLLOWED_UNTIL_TENDERING = (State.PIN_PUBLISHED, State.RFI_OPEN, State.RFI_CLOSED, State.ITT_PUBLISHED)
BEFORE_ITT = (State.DRAFT, State.PIN_PUBLISHED, State.RFI_OPEN, State.RFI_CLOSED)
FINISHED = (State.EXPIRED, State.CANCELLED)
ORDER = [s for s in State if s is not State.CANCELLED]  # the stages in the order a framework reaches them

# The stages that end at a published moment rather than at an officer's click: once the moment has
# passed the framework is in the next stage for every page and capability, whether or not anyone
# has recorded the move yet (the record follows, from the task list or the action that needs it).
CLOSES_AT = {State.RFI_OPEN: ("rfi_closes_at", State.RFI_CLOSED), State.ITT_PUBLISHED: ("tender_deadline", State.TENDERS_CLOSED)}


def before_itt(state: State | str) -> bool:
    """Whether the invitation to tender is still to come (a cancelled framework's never comes)."""
    return state in BEFORE_ITT


def column_of(framework, name: str):
    """A framework's column, from its row or from a selected row (a dict)."""
    return framework.get(name) if isinstance(framework, dict) else getattr(framework, name, None)


def stage_of(framework, now: datetime) -> State:
    """The stage `framework` is in at `now`: its recorded state, or the next one once the moment
    that closes the recorded one has passed."""
    state = State(column_of(framework, "state"))
    if state in CLOSES_AT:
        attribute, closed = CLOSES_AT[state]
        moment = column_of(framework, attribute)
        if moment is not None and now >= moment:
            return closed
    return state


def has_reached(stage: State, wanted: State | str) -> bool:
    """Whether a framework at `stage` is at `wanted` or beyond it. A cancelled framework has reached
    only its cancellation: whatever it had reached before no longer goes ahead."""
    wanted = State(wanted)
    if stage is State.CANCELLED or wanted is State.CANCELLED:
        return stage is wanted
    return ORDER.index(stage) >= ORDER.index(wanted)


def reached(framework, wanted: State | str, now: datetime) -> bool:
    return has_reached(stage_of(framework, now), wanted)


@dataclass(frozen=True)
class Capabilities:
    """What a framework's stage allows, by the clock, in the words pages and services use. Pages ask
    these instead of listing states."""

    stage: State
    may_edit_details: bool  # the draft's details and lots, before the prior information notice
    in_rfi_stages: bool  # announced, and the invitation to tender still to come
    rfi_open: bool
    may_publish_itt: bool
    may_tender: bool
    tendering_closed: bool  # the tender deadline has passed, for a framework that was open for tenders
    may_ask_clarifications: bool
    clarifications_closed: bool  # open for tenders, but the deadline for questions has passed
    moderation_started: bool
    may_approve_award: bool
    may_notify_bidders: bool
    in_standstill: bool
    finished: bool

    @property
    def before_itt(self) -> bool:
        return before_itt(self.stage)


def capabilities(framework, now: datetime) -> Capabilities:
    """What `framework` allows at `now`."""
    stage = stage_of(framework, now)
    clarification_deadline = column_of(framework, "clarification_deadline")
    open_for_tenders = stage is State.ITT_PUBLISHED
    return Capabilities(
        stage=stage,
        may_edit_details=stage is State.DRAFT,
        in_rfi_stages=has_reached(stage, State.PIN_PUBLISHED) and not has_reached(stage, State.ITT_PUBLISHED),
        rfi_open=stage is State.RFI_OPEN,
        may_publish_itt=stage is State.RFI_CLOSED,
        may_tender=open_for_tenders,
        tendering_closed=stage is State.TENDERS_CLOSED,
        may_ask_clarifications=open_for_tenders and clarification_deadline is not None and now < clarification_deadline,
        clarifications_closed=open_for_tenders and clarification_deadline is not None and now >= clarification_deadline,
        moderation_started=has_reached(stage, State.MODERATION),
        may_approve_award=stage is State.MODERATION,
        may_notify_bidders=stage is State.AWARD_APPROVED,
        in_standstill=stage is State.STANDSTILL,
        finished=stage in FINISHED,
    )


def open_for_interest(state: State | str, tender_deadline: datetime | None, now: datetime) -> bool:
    """Whether suppliers may register interest: from the notice until the tender deadline, since
    registering is how a supplier comes to tender. After the deadline no one new can take part."""
    return state in FOLLOWED_UNTIL_TENDERING and (tender_deadline is None or now < tender_deadline)


def describe(state: State | str) -> str:
    return DESCRIPTIONS[State(state)]



# What templates ask of the lifecycle (registered once, at app start), at the time of receipt of
# the request being handled: `framework_can(framework).may_tender`, `stage_reached(framework, "moderation")`.
TEMPLATE_GLOBALS = {
    "framework_can": lambda framework: capabilities(framework, clock.received()),
    "stage_reached": lambda framework, wanted: reached(framework, wanted, clock.received()),
}
