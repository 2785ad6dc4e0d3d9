"""The framework's one state machine (docs/design.md): the only transitions that exist, who may
make each, and what must hold first. Every move is audited, added to the framework's timeline and
told to the suppliers who registered interest.

Guards take plain facts and the server's current time, and return the problems that block the move
(empty when it may go ahead), so that the task list can show the same problems before anyone tries.

The stored state is the record of the moves made. The stage a framework is in is read with the
clock (`stage_of`): past the tender deadline it is closed for tenders whether or not an officer has
recorded the close. Pages and services ask `capabilities` and `reached` rather than listing states;
submissions still go by their time of receipt (registry.tenders.service.accepting_tenders)."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from typing import Generic, TypeVar

from registry import clock
from registry.accounts.tables import Role
from registry.dates import LONDON, add_months
from registry.frameworks.tables import Procedure, State

OFFICER = frozenset({Role.PROCUREMENT_OFFICER})


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
    # The term ends at the start of the same day of the month its duration later (the open data's
    # contract period too: registry.opendata.releases), a day in the United Kingdom, as its start
    # date is one, whatever the hour in UTC.
    if facts.start_date is None or facts.duration_months is None:
        return ["The framework has no term"]
    ends = add_months(facts.start_date, facts.duration_months)
    return [] if now.astimezone(LONDON).date() >= ends else [f"The framework's term runs until {ends:%-d %B %Y}"]


def _nothing(facts: FrameworkFacts, now: datetime) -> list[str]:
    return []


S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class Transition(Generic[S]):
    """One move a state machine allows (a framework's, or an engagement's: registry.engagements)."""

    source: S
    target: S
    action: str  # what the button says
    guard: Guard = _nothing
    roles: frozenset[Role] = OFFICER
    # What later stages check before this move, and the facts of theirs the guard reads, by the
    # names they registered them under (registry.frameworks.stages): only these run for this move.
    checks: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()


def transitions(*listed: Transition[S]) -> dict[tuple[S, S], Transition[S]]:
    return {(t.source, t.target): t for t in listed}


class IllegalTransition(ValueError):
    pass


@dataclass(frozen=True)
class Page:
    """A page under the framework's management page that guides a move needing more than a button:
    its checks, its deadlines, or the two officers or the award steps it takes."""

    path: str
    link: str  # what the task list's link to it says
    # A check-your-answers page: linked only when nothing blocks the move (until then the task list
    # lists what does), and its button confirms the move on the task list's own form.
    once_ready: bool = False
    meanwhile: "Page | None" = None  # while the move is blocked: the page where what blocks it is done


@dataclass(frozen=True)
class Stage:
    label: str
    description: str  # completes "a framework that is …"
    meaning: str  # what the stage means for suppliers and the public, and what comes next, in plain words
    page: Page | None = None  # the page that guides the move into this stage; None: a button on the task list


@dataclass(frozen=True)
class Lifecycle:
    """A procedure: its stages in the order a framework reaches them, the moves between them, and
    the stages that end at a published moment rather than at an officer's click."""

    procedure: str
    stages: dict[State, Stage]
    transitions: dict[tuple[State, State], Transition[State]]
    closes_at: dict[State, tuple[str, State]] = field(default_factory=dict)  # stage: (the framework's moment, the stage after it)
    cancelled: State | None = State.CANCELLED  # the stage that ends the procedure early, outside the order
    finished: frozenset[State] = frozenset({State.EXPIRED, State.CANCELLED})  # nothing more happens

    @property
    def order(self) -> list[State]:
        """The stages in the order a framework reaches them (not the cancellation)."""
        return [state for state in self.stages if state is not self.cancelled]

    @property
    def labels(self) -> dict[State, str]:
        return {state: stage.label for state, stage in self.stages.items()}

    @property
    def meanings(self) -> dict[State, str]:
        return {state: stage.meaning for state, stage in self.stages.items()}

    @property
    def public(self) -> list[State]:
        """The stages the public sees (all but the first, the draft)."""
        return list(self.stages)[1:]

    def describe(self, state: State | str) -> str:
        """Its words for `state`, or any procedure's for a stage this one does not have."""
        stage = self.stages.get(State(state))
        return stage.description if stage else DESCRIPTIONS[state]

    def transition_for(self, source: State | str, target: State | str) -> Transition[State]:
        transition = self.transitions.get((State(source), State(target)))
        if transition is None:
            raise IllegalTransition(f"A framework that is {self.describe(source)} cannot become {self.describe(target)}")
        return transition

    def next_steps(self, state: State | str) -> list[Transition[State]]:
        return [t for (source, _), t in self.transitions.items() if source == state]

    def forward_steps(self, state: State | str) -> list[Transition[State]]:
        """The next steps that take the procedure on (the task list's), not its cancellation."""
        return [t for t in self.next_steps(state) if t.target is not self.cancelled]

    def cancellable(self, state: State | str) -> bool:
        return self.cancelled is not None and (State(state), self.cancelled) in self.transitions

    def problems_blocking(self, source: State | str, target: State | str, facts: FrameworkFacts, now: datetime) -> list[str]:
        transition = self.transition_for(source, target)
        return [*transition.guard(facts, now), *facts.extra_problems.get(State(target), [])]

    def has_reached(self, stage: State, wanted: State | str) -> bool:
        """Whether a framework at `stage` is at `wanted` or beyond it. A cancelled framework has
        reached only its cancellation: whatever it had reached before no longer goes ahead. A stage
        this procedure does not have is never reached."""
        wanted = State(wanted)
        if stage is self.cancelled or wanted is self.cancelled:
            return stage is wanted
        order = self.order
        return wanted in order and stage in order and order.index(stage) >= order.index(wanted)

    def stage_of(self, framework, now: datetime) -> State:
        state = State(column_of(framework, "state"))
        if state in self.closes_at:
            attribute, closed = self.closes_at[state]
            moment = column_of(framework, attribute)
            if moment is not None and now >= moment:
                return closed
        return state


BEFORE_LIVE = [s for s in State if s not in (State.LIVE, State.EXPIRED, State.CANCELLED)]

STANDARD = Lifecycle(
    procedure=Procedure.STANDARD,
    stages={
        State.DRAFT: Stage("Draft", "a draft", "The authority is preparing the framework."),
        State.PIN_PUBLISHED: Stage(
            "Prior information notice", "announced (prior information notice published)",
            "The authority has announced that it plans to set up this framework. Suppliers can register interest to be kept informed. A request for information or the invitation to tender comes next.",
            Page("check", "Check and publish the prior information notice", once_ready=True),
        ),
        State.RFI_OPEN: Stage(
            "Request for information open", "open for request for information responses",
            "The authority is asking the market questions before it writes the tender. Any supplier can answer: answers shape the framework, and do not count towards any tender.",
            Page("rfi", "Prepare and open the request for information"),
        ),
        State.RFI_CLOSED: Stage(
            "Request for information closed", "closed for request for information responses",
            "The request for information has closed. The authority is preparing the invitation to tender, and will publish what it heard and what it will do.",
        ),
        State.ITT_PUBLISHED: Stage(
            "Open for tenders", "open for tenders",
            "Suppliers that registered interest can prepare and submit tenders, and ask clarification questions until the clarification deadline. Tenders stay sealed until the deadline.",
            Page("itt", "Prepare and publish the invitation to tender"),
        ),
        State.TENDERS_CLOSED: Stage(
            "Tenders closed", "closed for tenders",
            "The tender deadline has passed: no more tenders are accepted. Two officers of the authority will open the tenders.",
        ),
        State.TENDERS_OPENED: Stage(
            "Tenders opened", "tenders opened",
            "The tenders have been opened. An evaluation panel will assess them against the published criteria.",
            Page("tenders", "Open the tenders (two procurement officers)"),
        ),
        State.EVALUATION: Stage("Evaluation", "in evaluation", "Each evaluator is assessing the tenders on their own, against the published criteria."),
        State.MODERATION: Stage(
            "Moderation", "in moderation",
            "The evaluators are agreeing a consensus mark for each tender. Bidders will then be told the outcome.",
        ),
        State.AWARD_APPROVED: Stage(
            "Award approved", "award approved",
            "The authority has approved which suppliers to appoint. Every bidder will be told the outcome, with the reasons.",
            Page(
                "award", "Propose the suppliers to appoint to each lot, for a different officer to approve",
                meanwhile=Page("evaluation", "Moderate each lot: record the panel's consensus for every tender, then complete the lot"),
            ),
        ),
        State.STANDSTILL: Stage(
            "Standstill", "in the standstill period",
            "Every bidder has been told the outcome. Suppliers are appointed once the standstill period ends, unless the decision is challenged.",
            Page("award", "Notify the bidders and start the standstill period"),
        ),
        State.LIVE: Stage(
            "Live", "live", "The appointed suppliers can be commissioned under the framework until it ends.",
            Page("award", "Appoint the suppliers after the standstill period"),
        ),
        State.EXPIRED: Stage("Expired", "expired", "The framework's term has ended: no new work can be commissioned under it."),
        State.CANCELLED: Stage("Cancelled", "cancelled", "The authority has cancelled this procurement."),
    },
    transitions=transitions(
        Transition(State.DRAFT, State.PIN_PUBLISHED, "Publish the prior information notice", pin_problems),
        Transition(State.PIN_PUBLISHED, State.RFI_OPEN, "Open the request for information", _rfi_can_open),
        Transition(State.RFI_OPEN, State.RFI_CLOSED, "Close the request for information", _deadline_passed("request for information's closing time", "rfi_closes_at")),
        Transition(
            State.RFI_CLOSED, State.ITT_PUBLISHED, "Publish the invitation to tender", _itt_can_publish,
            checks=("assessment criteria complete", "minimum tendering period", "community benefits stated", "conflicts assessment prepared"),
        ),
        Transition(State.ITT_PUBLISHED, State.TENDERS_CLOSED, "Close tendering", _deadline_passed("tender deadline", "tender_deadline")),
        Transition(State.TENDERS_CLOSED, State.TENDERS_OPENED, "Open the tenders", _opened_by_two_officers, facts=("opening officers",)),
        Transition(State.TENDERS_OPENED, State.EVALUATION, "Start evaluation", checks=("evaluation panels assigned",)),
        Transition(
            State.EVALUATION, State.MODERATION, "Start moderation",
            checks=("evaluation panels assigned", "evaluations submitted", "conflicts assessment up to date"),
        ),
        Transition(
            State.MODERATION, State.AWARD_APPROVED, "Approve the award",
            checks=("award approved for every lot", "core supplier information confirmed", "conflicts assessment reviewed at this stage"),
        ),
        Transition(
            State.AWARD_APPROVED, State.STANDSTILL, "Notify bidders and start the standstill period",
            checks=("bidders notified", "conflicts assessment up to date"),
        ),
        Transition(
            State.STANDSTILL, State.LIVE, "Appoint the suppliers", _deadline_passed("end of the standstill period", "standstill_ends_at"),
            checks=("suppliers appointed", "conflicts assessment up to date"),
        ),
        Transition(State.LIVE, State.EXPIRED, "Mark the framework as expired", _term_ended),
        *[Transition(state, State.CANCELLED, "Cancel the framework") for state in BEFORE_LIVE],
    ),
    # The stages that end at a published moment rather than at an officer's click: once the moment
    # has passed the framework is in the next stage for every page and capability, whether or not
    # anyone has recorded the move yet (the record follows, from the task list or the action that needs it).
    closes_at={State.RFI_OPEN: ("rfi_closes_at", State.RFI_CLOSED), State.ITT_PUBLISHED: ("tender_deadline", State.TENDERS_CLOSED)},
)

# Every procedure a framework may follow, by the name its `procedure` column keeps.
LIFECYCLES: dict[Procedure, Lifecycle] = {Procedure.STANDARD: STANDARD}


def lifecycle_of(framework) -> Lifecycle:
    """The procedure `framework` follows (a Framework, or a selected row with its `procedure`)."""
    return LIFECYCLES[column_of(framework, "procedure") or Procedure.STANDARD]


class _AnyProcedure(Mapping):
    """What the stages are called, whichever procedure has them: for pages that list frameworks of
    several procedures side by side."""

    def __init__(self, of_stage: Callable[[Stage], str]):
        self._of_stage = of_stage

    def _stages(self) -> dict[State, Stage]:
        merged: dict[State, Stage] = {}
        for cycle in reversed(list(LIFECYCLES.values())):  # the standard procedure's words first
            merged.update(cycle.stages)
        return merged

    def __getitem__(self, state: State | str) -> str:
        return self._of_stage(self._stages()[State(state)])

    def __iter__(self):
        return iter(self._stages())

    def __len__(self) -> int:
        return len(self._stages())


LABELS = _AnyProcedure(lambda stage: stage.label)
DESCRIPTIONS = _AnyProcedure(lambda stage: stage.description)
MEANINGS = _AnyProcedure(lambda stage: stage.meaning)
PUBLIC_STATES = STANDARD.public
FOLLOWED_UNTIL_TENDERING = (State.PIN_PUBLISHED, State.RFI_OPEN, State.RFI_CLOSED, State.ITT_PUBLISHED)
BEFORE_ITT = (State.DRAFT, State.PIN_PUBLISHED, State.RFI_OPEN, State.RFI_CLOSED)


def before_itt(state: State | str) -> bool:
    """Whether the invitation to tender is still to come (a cancelled framework's never comes)."""
    return state in BEFORE_ITT


def column_of(framework, name: str):
    """A framework's column, from its row or from a selected row (a dict)."""
    return framework.get(name) if isinstance(framework, dict) else getattr(framework, name, None)


def first_after(framework, names: Iterable[str], now: datetime) -> datetime | None:
    """The soonest of the framework's moments `names` still to come after `now` (those it has, or a
    selected row selected)."""
    return min((moment for name in names if (moment := column_of(framework, name)) and moment > now), default=None)


def stage_of(framework, now: datetime) -> State:
    """The stage `framework` is in at `now`: its recorded state, or the next one once the moment
    that closes the recorded one has passed."""
    return lifecycle_of(framework).stage_of(framework, now)


def reaching(wanted: State | str) -> list[State]:
    """Every stored stage, of any procedure, at `wanted` or beyond it: for queries over frameworks
    ("live or past it": the frameworks under which call-offs can exist)."""
    return list(dict.fromkeys(stage for cycle in LIFECYCLES.values() for stage in cycle.order if cycle.has_reached(stage, wanted)))


def reached(framework, wanted: State | str, now: datetime) -> bool:
    cycle = lifecycle_of(framework)
    return cycle.has_reached(cycle.stage_of(framework, now), wanted)


@dataclass(frozen=True)
class Capabilities:
    """What a framework's stage allows, by the clock, in the words pages and services use. Pages ask
    these instead of listing states."""

    stage: State
    may_edit_details: bool  # the draft's details and lots, before the prior information notice
    in_rfi_stages: bool  # announced, and the invitation to tender still to come
    may_change_rfi: bool  # the request for information can still be written or changed: until it closes
    rfi_published: bool  # the request for information is out: open, or closed with the tender notice still to come
    rfi_open: bool
    may_publish_itt: bool
    may_tender: bool
    tendering_closed: bool  # the tender deadline has passed, for a framework that was open for tenders
    may_ask_clarifications: bool
    clarifications_closed: bool  # open for tenders, but the deadline for questions has passed
    may_change_panels: bool  # evaluators are assigned and removed from the invitation to tender until moderation
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
    cycle = lifecycle_of(framework)
    stage = cycle.stage_of(framework, now)
    has_reached = partial(cycle.has_reached, stage)
    clarification_deadline = column_of(framework, "clarification_deadline")
    open_for_tenders = stage is State.ITT_PUBLISHED
    return Capabilities(
        stage=stage,
        may_edit_details=stage is State.DRAFT,
        in_rfi_stages=has_reached(State.PIN_PUBLISHED) and not has_reached(State.ITT_PUBLISHED),
        may_change_rfi=stage in (State.DRAFT, State.PIN_PUBLISHED, State.RFI_OPEN),
        rfi_published=stage in (State.RFI_OPEN, State.RFI_CLOSED),
        rfi_open=stage is State.RFI_OPEN,
        may_publish_itt=stage is State.RFI_CLOSED,
        may_tender=open_for_tenders,
        tendering_closed=stage is State.TENDERS_CLOSED,
        may_ask_clarifications=open_for_tenders and clarification_deadline is not None and now < clarification_deadline,
        clarifications_closed=open_for_tenders and clarification_deadline is not None and now >= clarification_deadline,
        may_change_panels=has_reached(State.ITT_PUBLISHED) and not has_reached(State.MODERATION),
        moderation_started=has_reached(State.MODERATION),
        may_approve_award=stage is State.MODERATION,
        may_notify_bidders=stage is State.AWARD_APPROVED,
        in_standstill=stage is State.STANDSTILL,
        finished=stage in cycle.finished,
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
