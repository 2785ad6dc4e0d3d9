"""A framework's conflicts assessment: everyone acting in the procurement, what each declared, and
what is done about each conflict; kept under review at each stage.

The law (read at legislation.gov.uk, ukpga/2023/54, Part 5):
- PA23 s.81(1)-(3): identify, and keep under review, conflicts and potential conflicts of anyone
  acting for the authority in the procurement; whoever influences a decision is acting in it.
- s.82(1): take all reasonable steps so that a conflict puts no supplier at an unfair advantage or
  disadvantage.
- s.83(1): before publishing the tender notice, prepare a conflicts assessment; (3) with the details
  of the conflicts identified and the steps taken or to be taken; (4) the same for circumstances
  that would make a reasonable person wrongly believe there is one; (5) keep it under review, revise
  it as necessary and, when publishing a relevant notice (the tender notice, a contract details
  notice, a contract change notice), confirm it has been prepared and revised.
- Scotland: Public Contracts (Scotland) Regulations 2015 reg. 24 (conflicts of interest: appropriate
  measures to prevent, identify and remedy them). Its text could not be read here: the same
  assessment is kept, the stricter course (docs/regimes.md).

Who acts: the authority's procurement officers (all of them: any may act on its frameworks), each
evaluator once assigned to a panel (the evaluation stage feeds in their per-lot declarations through
`panel_declarations`), and anyone else an officer names with their role and organisation."""

from dataclasses import dataclass, field
from datetime import datetime

from registry import clock
from registry.accounts import duties
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import User
from registry.audit import service as audit
from registry.errors import Invalid, Missing, RuleBroken
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework, StageChange
from registry.conflicts.tables import Declaration, NamedPerson, Review
from registry.hooks import Hook

MAX_TEXT = 4000
MAX_NAME = 200

SOURCE = {
    Regime.ENGLAND: {
        "prepared": "Procurement Act 2023 s.83(1) and (3)",
        "mitigated": "Procurement Act 2023 s.82(1), s.83(3)(b)",
        "reviewed": "Procurement Act 2023 s.83(5)",
    },
    Regime.SCOTLAND: {
        "prepared": "Public Contracts (Scotland) Regulations 2015 reg. 24",
        "mitigated": "Public Contracts (Scotland) Regulations 2015 reg. 24",
        "reviewed": "Public Contracts (Scotland) Regulations 2015 reg. 24",
    },
}


def source(framework: Framework, what: str) -> str:
    return SOURCE.get(framework.regime, SOURCE[Regime.SCOTLAND])[what]


@dataclass(frozen=True)
class PanelDeclaration:
    """An evaluator's declaration for one lot, as the evaluation stage keeps it."""

    user_id: int
    name: str
    lot: int
    declared_at: datetime | None
    conflict_details: str | None  # a declared conflict: the evaluator is off the lot's panel
    removed: bool


# The evaluators assigned to the framework's panels and their per-lot declarations (registered by
# registry.evaluation.stage; the evaluation builds on this package, not the other way round).
panel_declarations: Hook[[Framework], list[PanelDeclaration]] = Hook("who is on the framework's evaluation panels")


@dataclass
class Person:
    key: str  # "user-12" or "named-3": how the pages name them
    name: str
    role: str
    organisation: str
    history: list[Declaration] = field(default_factory=list)  # newest first
    panel: list[PanelDeclaration] = field(default_factory=list)

    @property
    def current(self) -> Declaration | None:
        return self.history[0] if self.history else None

    @property
    def declared(self) -> bool:
        """Declared in the assessment, or (an evaluator) on every lot they were assigned to."""
        return self.current is not None or (bool(self.panel) and all(p.declared_at is not None for p in self.panel))

    @property
    def conflicts(self) -> list[str]:
        found = [self.current.details] if self.current and self.current.conflict else []
        return found + [f"Lot {p.lot}: {p.conflict_details}" for p in self.panel if p.conflict_details]

    @property
    def unmitigated(self) -> bool:
        """A conflict with no step recorded. An evaluator's per-lot conflict took them off the lot."""
        return bool(self.current and self.current.conflict and not self.current.mitigation.strip())


@dataclass
class Assessment:
    framework: Framework
    people: list[Person]
    reviews: list[Review]  # newest first
    entered_stage_at: datetime | None

    @property
    def last_change(self) -> datetime | None:
        moments = [d.recorded_at for p in self.people for d in p.history]
        return max(moments, default=None)

    @property
    def last_review(self) -> Review | None:
        return self.reviews[0] if self.reviews else None

    @property
    def reviewed_since_change(self) -> bool:
        review = self.last_review
        return review is not None and (self.last_change is None or review.confirmed_at >= self.last_change)

    @property
    def reviewed_in_stage(self) -> bool:
        review = self.last_review
        return self.reviewed_since_change and (self.entered_stage_at is None or review.confirmed_at >= self.entered_stage_at)

    def person(self, key: str) -> Person:
        for person in self.people:
            if person.key == key:
                return person
        raise Missing("There is no such person in this framework's conflicts assessment")


async def _officers(framework: Framework) -> list[dict]:
    return sorted(await duties.officers_of(framework.authority), key=lambda officer: officer["full_name"])


async def _entered_stage_at(framework: Framework) -> datetime | None:
    """When the framework entered the stage it is in: its last recorded move."""
    row = await StageChange.select(StageChange.changed_at).where(StageChange.framework == framework.id).order_by(
        StageChange.changed_at, ascending=False
    ).first()
    return row["changed_at"] if row else None


async def assessment_of(framework: Framework) -> Assessment:
    """The assessment as it stands: the officers, the evaluators, the people named, and each one's declarations."""
    declarations = await Declaration.objects().where(Declaration.framework == framework.id).order_by(Declaration.recorded_at, ascending=False).order_by(
        Declaration.id, ascending=False
    )
    authority = await frameworks.authority_name(framework)
    people: dict[str, Person] = {}
    for officer in await _officers(framework):
        people[f"user-{officer['id']}"] = Person(f"user-{officer['id']}", officer["full_name"], "Procurement officer", authority)
    for answered in await panel_declarations.run(framework):
        for row in answered:
            key = f"user-{row.user_id}"
            if key not in people:
                people[key] = Person(key, row.name, "Evaluator", authority)
            elif "Evaluator" not in people[key].role:
                people[key].role += " and evaluator"
            people[key].panel.append(row)
    for named in await NamedPerson.objects().where(NamedPerson.framework == framework.id).order_by(NamedPerson.id):
        people[f"named-{named.id}"] = Person(f"named-{named.id}", named.name, named.role, named.organisation)
    for declaration in declarations:
        key = f"user-{declaration.user}" if declaration.user else f"named-{declaration.person}"
        if key not in people:  # someone who acted and has left the authority: their declarations stay
            user = await User.select(User.full_name).where(User.id == declaration.user).first()
            people[key] = Person(key, user["full_name"] if user else "Former user", "No longer acting", authority)
        people[key].history.append(declaration)
    reviews = await Review.objects().where(Review.framework == framework.id).order_by(Review.confirmed_at, ascending=False).order_by(Review.id, ascending=False)
    return Assessment(framework, list(people.values()), reviews, await _entered_stage_at(framework))


# --- What blocks the moves --------------------------------------------------------------------


def completeness(assessment: Assessment) -> list[str]:
    framework = assessment.framework
    problems = []
    for person in assessment.people:
        if person.role == "No longer acting":
            continue
        if not person.declared:
            problems.append(
                f"Record {person.name}'s declaration of interests ({person.role}) in the conflicts assessment: {source(framework, 'prepared')}"
            )
        elif person.unmitigated:
            problems.append(
                f"Say what has been or will be done about {person.name}'s conflict of interest in the conflicts assessment: {source(framework, 'mitigated')}"
            )
    return problems


async def prepared_problems(framework: Framework) -> list[str]:
    """Before the tender notice (PA23 s.83(1), (3)): every officer and everyone named has declared,
    every conflict has its steps, and an officer has confirmed the assessment since its last change."""
    assessment = await assessment_of(framework)
    problems = completeness(assessment)
    if not problems and not assessment.reviewed_since_change:
        problems.append(f"Confirm the conflicts assessment is complete before the tender notice is published: {source(framework, 'prepared')}")
    return problems


async def up_to_date_problems(framework: Framework) -> list[str]:
    """Kept under review and revised (PA23 s.83(5)): everyone acting by now, the evaluators too, has
    declared, every conflict has its steps, and nothing changed since an officer last confirmed it."""
    assessment = await assessment_of(framework)
    problems = completeness(assessment)
    if not problems and not assessment.reviewed_since_change:
        problems.append(f"Confirm the conflicts assessment reviewed: it has changed since it was last confirmed ({source(framework, 'reviewed')})")
    return problems


async def reviewed_problems(framework: Framework) -> list[str]:
    """Before the award decision: up to date, and reviewed by an officer at this stage (PA23 s.83(5)(a)-(b))."""
    assessment = await assessment_of(framework)
    problems = completeness(assessment)
    if not problems and not assessment.reviewed_in_stage:
        stage = lifecycle.lifecycle_of(framework).stages[lifecycle.stage_of(framework, clock.now())].label.lower()
        problems.append(f"Review the conflicts assessment and confirm it at this stage ({stage}): {source(framework, 'reviewed')}")
    return problems


# --- What the officers do ----------------------------------------------------------------------


def _checked_declaration(conflict: bool | None, details: str, mitigation: str) -> tuple[bool, str, str]:
    details, mitigation = details.strip(), mitigation.strip()
    problems = {}
    if conflict is None:
        problems["conflict"] = "Select whether this person has a conflict or potential conflict of interest"
    elif conflict and not details:
        problems["details"] = "Describe the conflict: the interest, and which supplier or decision it concerns"
    if len(details) > MAX_TEXT:
        problems["details"] = f"The details must be {MAX_TEXT:,} characters or fewer"
    if conflict and not mitigation:
        problems["mitigation"] = "Say what has been or will be done about the conflict"
    if len(mitigation) > MAX_TEXT:
        problems["mitigation"] = f"The steps must be {MAX_TEXT:,} characters or fewer"
    if problems:
        raise Invalid(problems)
    return bool(conflict), details, mitigation


async def record(user: CurrentUser, reference: str, person_key: str, *, conflict: bool | None, details: str = "", mitigation: str = "") -> Declaration:
    """Record a person's declaration, or revise it: a new version, the earlier ones kept. With no
    conflict, `details` and `mitigation` may say what was considered (s.83(4): steps that show there is none)."""
    async with audit.action("record a declaration of interests"):
        framework = await frameworks.for_officer(user, reference, lock=True)
        conflict, details, mitigation = _checked_declaration(conflict, details, mitigation)
        person = (await assessment_of(framework)).person(person_key)
        kind, _, number = person_key.partition("-")
        declaration = Declaration(
            framework=framework.id, user=int(number) if kind == "user" else None, person=int(number) if kind == "named" else None,
            conflict=conflict, details=details, mitigation=mitigation, recorded_by=user.id, recorded_at=clock.now(),
        )
        await declaration.save()
        await audit.record(
            "conflicts.declaration_recorded", actor=user.actor, object_type="framework", object_id=reference,
            payload={"person": person.name, "role": person.role, "conflict": conflict, "revision": len(person.history) + 1},
        )
    return declaration


async def name_person(user: CurrentUser, reference: str, *, name: str, role: str, organisation: str) -> NamedPerson:
    """Add someone acting in the procurement who is not one of the authority's users (s.81(3))."""
    async with audit.action("name a person acting"):
        framework = await frameworks.for_officer(user, reference, lock=True)
        values = {"name": name.strip(), "role": role.strip(), "organisation": organisation.strip()}
        problems = {}
        for column, what in (("name", "the person's name"), ("role", "their role in the procurement"), ("organisation", "their organisation")):
            if not values[column]:
                problems[column] = f"Enter {what}"
            elif len(values[column]) > MAX_NAME:
                problems[column] = f"{what[0].upper()}{what[1:]} must be {MAX_NAME} characters or fewer"
        if problems:
            raise Invalid(problems)
        person = NamedPerson(framework=framework.id, named_by=user.id, named_at=clock.now(), **values)
        await person.save()
        await audit.record("conflicts.person_named", actor=user.actor, object_type="framework", object_id=reference, payload=values)
    return person


async def confirm_reviewed(user: CurrentUser, reference: str) -> Review:
    """An officer confirms the assessment reviewed and complete, at the stage the framework is in.
    Refused while someone has not declared or a conflict has no steps recorded."""
    async with audit.action("confirm the conflicts assessment"):
        framework = await frameworks.for_officer(user, reference, lock=True)
        assessment = await assessment_of(framework)
        if problems := completeness(assessment):
            raise RuleBroken(problems[0], field="confirm")
        stage = lifecycle.stage_of(framework, clock.now())
        review = Review(framework=framework.id, stage=stage, confirmed_by=user.id, confirmed_at=clock.now())
        await review.save()
        await audit.record(
            "conflicts.assessment_confirmed", actor=user.actor, object_type="framework", object_id=reference,
            payload={"stage": str(stage), "people": len(assessment.people), "conflicts": sum(1 for p in assessment.people if p.conflicts)},
        )
    return review
