"""Rules about frameworks, lots and notices, callable without HTTP. Each public function is one action
in one transaction, audited."""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import ValidationInfo, field_validator

from registry import clock, db, money
from registry.accounts import duties
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Organisation, OrganisationKind, Role
from registry.audit import service as audit
from registry.dates import LONDON, local_time
from registry.email_addresses import is_email_address
from registry.errors import Invalid, Missing, Refused, RuleBroken, Rules
from registry.frameworks import community_benefits, eligibility, lifecycle, periods, stages, terms
from registry.frameworks import notices as notice_types
from registry.frameworks.lifecycle import FrameworkFacts, LotFacts
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import CallOffRoute, EligibleAuthority, Framework, Lot, Notice, NoticeKind, StageChange, State
from registry.notifications import service as notifications
from registry.reference import cpv, taxonomies
from registry import links

MAX_DURATION_MONTHS = periods.MAX_TERM_MONTHS  # the term each regime allows: periods.TERM_LIMITS
MAX_ESTIMATED_VALUE = 2_000_000_000  # whole pounds: what the database's integer column holds, on either engine


class FrameworkError(RuleBroken):
    """A rule was broken; the message says which, in words the officer can act on."""


class TermsFrozen(FrameworkError, Invalid):
    """A material term would change after the tender deadline (registry.frameworks.terms): `problems`
    names each refused field, with what to say beside it."""

    def __init__(self, problems: dict[str, str], names: list[str]):
        super().__init__(problems, terms.refusal(names))

    @property
    def fields(self) -> list[str]:
        return list(self.problems)


class TransitionBlocked(FrameworkError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


ESTIMATED_VALUE_FORMAT = "Enter the estimated value in whole pounds, like 2500000"
ESTIMATED_VALUE_TOO_LARGE = f"Estimated value must be {money.pounds(MAX_ESTIMATED_VALUE * 100)} or less"
DURATION_FORMAT = "Enter the duration as a whole number of months, like 36"
MAX_SUPPLIERS_RANGE = "Enter a whole number of suppliers from 1 to 100"


def _required(value: str, message: str) -> str:
    if not value.strip():
        raise ValueError(message)
    return value


def _at_most(value: str, characters: int, message: str) -> str:
    if len(value) > characters:
        raise ValueError(message)
    return value


def _estimated_value(value: int | None) -> int | None:
    """Whole pounds, from nothing to what the database's integer column holds."""
    if value is not None and value < 0:
        raise ValueError(ESTIMATED_VALUE_FORMAT)
    if value is not None and value > MAX_ESTIMATED_VALUE:
        raise ValueError(ESTIMATED_VALUE_TOO_LARGE)
    return value


class Details(Rules):
    """A framework's details, as a draft may have them: incomplete, but what is given must be right.
    The task list (lifecycle.pin_problems) says what is still missing."""

    messages: ClassVar = {
        "title": "Enter the framework's title",
        "estimated_value:invalid": ESTIMATED_VALUE_FORMAT,
        "start_date:invalid": "The start date must be a real date, like 1 4 2027",
        "duration_months:invalid": DURATION_FORMAT,
        "regime": "Select the procurement regime",
        "call_off_routes:invalid": "Select call-off routes from the list",
        "cpv_codes:invalid": "Select CPV codes from the list",
    }
    title: str
    summary: str = ""
    description: str = ""
    estimated_value: int | None = None  # whole pounds
    start_date: date | None = None
    regime: Regime = Regime.SCOTLAND  # before the duration, which its law limits
    duration_months: int | None = None
    call_off_routes: tuple[CallOffRoute, ...] = ()
    contact_name: str = ""  # the procuring entity's contact point, for the notices and the open data
    contact_email: str = ""
    contact_telephone: str = ""
    cpv_codes: tuple[str, ...] = ()  # CPV 2008 codes, eight digits (registry.reference.cpv)
    # Procurement Reform (Scotland) Act 2014 s.25(3): required by the invitation to tender of a Scottish
    # procurement of £4m or more (registry.frameworks.community_benefits), optional otherwise
    community_benefits: str = ""
    community_benefits_none_reason: str = ""

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _at_most(_required(value, cls.messages["title"]), 200, "Title must be 200 characters or fewer")

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _at_most(value, 600, "Summary must be 600 characters or fewer")

    @field_validator("estimated_value")
    @classmethod
    def _value(cls, value: int | None) -> int | None:
        return _estimated_value(value)

    @field_validator("duration_months")
    @classmethod
    def _duration(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and value < 1:
            raise ValueError(DURATION_FORMAT)
        if too_long := periods.term_problem(value, info.data.get("regime") or Regime.SCOTLAND):
            raise ValueError(too_long)
        return value

    @field_validator("call_off_routes")
    @classmethod
    def _routes(cls, value: tuple[CallOffRoute, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(str(route) for route in value))  # each once, as stored

    @field_validator("contact_name")
    @classmethod
    def _contact_name(cls, value: str) -> str:
        return _at_most(value, 200, "Contact name must be 200 characters or fewer")

    @field_validator("contact_email")
    @classmethod
    def _contact_email(cls, value: str) -> str:
        if value and not is_email_address(value):
            raise ValueError("Enter the contact email address in the correct format, like procurement@council.example")
        return value

    @field_validator("contact_telephone")
    @classmethod
    def _contact_telephone(cls, value: str) -> str:
        if value and (not re.fullmatch(r"\+?[0-9 ()-]{6,30}", value) or sum(c.isdigit() for c in value) < 6):
            raise ValueError("Enter a telephone number, like 0131 496 0000 or +44 131 496 0000")
        return value

    @field_validator("community_benefits", "community_benefits_none_reason")
    @classmethod
    def _community_benefits(cls, value: str) -> str:
        return _at_most(value.strip(), 4000, "Community benefits must be 4,000 characters or fewer")

    @field_validator("cpv_codes")
    @classmethod
    def _cpv_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [code for code in value if cpv.find(code) is None]
        if unknown:
            raise ValueError(f"“{unknown[0][:20]}” is not a CPV code: enter codes from the CPV list, like 79311000-7")
        if len(set(value)) > cpv.MAX_CODES:
            raise ValueError(f"Enter at most {cpv.MAX_CODES} CPV codes")
        return tuple(code.code for code in cpv.in_order(set(value)))  # each once, participation services first


class Amendment(Details):
    """The details a published notice is amended to, and what changed, said for the notice's readers."""

    messages: ClassVar = {**Details.messages, "change_summary": "Say what has changed, for the notice's readers"}
    change_summary: str

    @field_validator("change_summary")
    @classmethod
    def _change_summary(cls, value: str) -> str:
        return _required(value, cls.messages["change_summary"])


class LotSpec(Rules):
    """A lot as its officer describes it."""

    messages: ClassVar = {
        "title": "Enter the lot's title",
        "scope": "Describe what the lot covers",
        "subject:invalid": "Select the lot's subject from the list",
        "max_suppliers": "Enter the most suppliers to appoint to the lot",
        "max_suppliers:invalid": MAX_SUPPLIERS_RANGE,
        "estimated_value:invalid": ESTIMATED_VALUE_FORMAT,
    }
    title: str
    scope: str
    subject: str | None = None  # a lot_subjects code
    max_suppliers: int
    estimated_value: int | None = None  # whole pounds

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _at_most(_required(value, cls.messages["title"]), 200, "Title must be 200 characters or fewer")

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        return _required(value, cls.messages["scope"])

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str | None) -> str | None:
        if value and value not in taxonomies.codes("lot_subjects"):
            raise ValueError(cls.messages["subject:invalid"])
        return value or None

    @field_validator("max_suppliers")
    @classmethod
    def _max_suppliers(cls, value: int) -> int:
        if not 1 <= value <= 100:
            raise ValueError(MAX_SUPPLIERS_RANGE)
        return value

    @field_validator("estimated_value")
    @classmethod
    def _value(cls, value: int | None) -> int | None:
        return _estimated_value(value)


def is_officer(user: CurrentUser | None, framework: Framework) -> bool:
    """Only procurement officers of the framework's own authority manage it."""
    return user is not None and user.has_role(Role.PROCUREMENT_OFFICER) and user.organisation_id == framework.authority


def check_officer(user: CurrentUser, framework: Framework) -> None:
    if not is_officer(user, framework):
        raise Refused(f"Only procurement officers of the framework's authority can change {framework.reference}")


_by_reference = db.row_by(Framework, Framework.reference)
_by_id = db.row_by(Framework, Framework.id)
_lot_by_id = db.row_by(Lot, Lot.id)


async def get(reference: str) -> Framework | None:
    return await _by_reference(reference)


async def by_id(framework_id: int) -> Framework | None:
    return await _by_id(framework_id)


async def lot_by_id(lot_id: int) -> Lot | None:
    return await _lot_by_id(lot_id)


async def for_officer(user: CurrentUser, reference: str, *, lock: bool = False) -> Framework:
    """The framework, for a procurement officer of its authority: Missing when there is none,
    Refused for anyone else. With `lock`, inside an action's transaction, its row is held until the
    transaction ends, so that a double click or two officers at once act one after the other."""
    if lock:
        framework = await db.for_update(Framework.objects().where(Framework.reference == reference)).first()
    else:
        framework = await _by_reference(reference)
    if framework is None:
        raise Missing(f"There is no framework {reference}")
    check_officer(user, framework)
    return framework


def may_read(user: CurrentUser | None, framework: Framework) -> bool:
    """A published framework is public; a draft is for its authority's procurement officers alone."""
    return framework.state != State.DRAFT or is_officer(user, framework)


async def readable_framework(user: CurrentUser | None, reference: str) -> Framework:
    """The framework, when the user may read it; Missing otherwise (a draft is not for others to know of)."""
    framework = await get(reference)
    if framework is None or not may_read(user, framework):
        raise Missing(f"There is no framework {reference}")
    return framework


async def create(user: CurrentUser, details: "Details | Mapping[str, Any]", *, reference: str | None = None) -> Framework:
    """A draft framework, numbered the next of the year unless given its `reference` (the demo's
    fixtures name theirs, so that they stay the same whatever day the demo is loaded). Invalid
    names each detail that breaks a rule."""
    if not user.has_role(Role.PROCUREMENT_OFFICER):
        raise Refused("Only procurement officers create frameworks")
    details = Details.checked(details)
    now = clock.now()
    async with audit.action("create"):
        framework = Framework(
            reference=reference or await db.next_reference(Framework.reference, f"PF-{now.year}-", series="framework references"),
            authority=user.organisation_id,
            state=State.DRAFT,
            created_at=now,
            updated_at=now,
            **_columns(details),
        )
        await framework.save()
        await audit.record("framework.created", actor=user.actor, object_type="framework", object_id=framework.reference, payload=_audit_view(details))
    return framework


def _columns(details: Details) -> dict:
    return {
        "title": details.title,
        "summary": details.summary,
        "description": details.description,
        "estimated_value": details.estimated_value,
        "start_date": details.start_date,
        "duration_months": details.duration_months,
        "regime": details.regime,
        "call_off_routes": list(details.call_off_routes),
        "contact_name": details.contact_name,
        "contact_email": details.contact_email,
        "contact_telephone": details.contact_telephone,
        "cpv_codes": list(details.cpv_codes),
        "community_benefits": details.community_benefits,
        "community_benefits_none_reason": details.community_benefits_none_reason,
    }


def _audit_view(details: Details) -> dict:
    view = _columns(details)
    view["start_date"] = details.start_date.isoformat() if details.start_date else None
    return view


async def update_details(user: CurrentUser, reference: str, details: "Details | Mapping[str, Any]") -> Framework:
    """Edit a draft. Once its notice is published, a change is an amendment (see amend_notice).
    Invalid names each detail that breaks a rule."""
    details = Details.checked(details)
    async with audit.action("update details"):
        framework = await for_officer(user, reference, lock=True)
        _keep_frozen_terms(framework, terms.material_changes(framework.to_dict(), _columns(details)))
        if framework.state != State.DRAFT:
            raise FrameworkError("The notice is published: change it by amending the notice, so that readers see what changed")
        await Framework.update({**_columns(details), Framework.updated_at: clock.now()}).where(Framework.id == framework.id)
        await audit.record("framework.updated", actor=user.actor, object_type="framework", object_id=reference, payload=_audit_view(details))
    return await get(reference)


def _keep_frozen_terms(framework: Framework, changed: list[str], names: Mapping[str, str] = terms.FRAMEWORK_TERMS) -> None:
    """Refuse a change of these material terms once the framework's tender deadline has passed."""
    if changed and terms.terms_frozen(framework, clock.now()):
        raise TermsFrozen({field: terms.cannot_change(field, names) for field in changed}, [names.get(field, field) for field in changed])


# --- Lots ---------------------------------------------------------------------------------------


async def lots(framework_id: int) -> list[Lot]:
    return await Lot.objects().where(Lot.framework == framework_id).order_by(Lot.number)


async def lot_numbered(framework_id: int, number: int) -> Lot | None:
    """The framework's lot with this number (as people and addresses name lots), or None."""
    return await Lot.objects().where((Lot.framework == framework_id) & (Lot.number == number)).first()


async def save_lot(
    user: CurrentUser, reference: str, *, number: int | None, title: str, scope: str, subject: str | None, max_suppliers: int,
    estimated_value: int | None = None,
) -> Lot:
    """Add a lot (number None) or change one, while the framework is a draft. Invalid names each of
    its values that breaks a rule."""
    spec = LotSpec(title=title, scope=scope, subject=subject, max_suppliers=max_suppliers, estimated_value=estimated_value)
    async with audit.action("save lot"):
        framework = await for_officer(user, reference, lock=True)
        values = dict(spec)
        lot = None if number is None else await lot_numbered(framework.id, number)
        if number is not None and lot is None:
            raise FrameworkError(f"There is no lot {number}")
        changed = [terms.LOTS] if lot is None else terms.material_changes(lot.to_dict(), values, terms.LOT_TERMS)
        _keep_frozen_terms(framework, changed, terms.LOT_TERMS)
        if framework.state != State.DRAFT:
            raise FrameworkError("Lots can only change while the framework is a draft")
        if lot is None:
            number = await db.next_number(Lot.number, Lot.framework == framework.id, series=f"lots of {framework.id}")
            lot = Lot(framework=framework.id, number=number, **values)
            await lot.save()
            action = "lot.added"
        else:
            await Lot.update(values).where(Lot.id == lot.id)
            action = "lot.changed"
        await audit.record(action, actor=user.actor, object_type="framework", object_id=reference, payload={"lot": lot.number, **values})
    return await lot_by_id(lot.id)


async def remove_lot(user: CurrentUser, reference: str, number: int) -> None:
    async with audit.action("remove lot"):
        framework = await for_officer(user, reference, lock=True)
        _keep_frozen_terms(framework, [terms.LOTS])
        if framework.state != State.DRAFT:
            raise FrameworkError("Lots can only change while the framework is a draft")
        removed = await Lot.delete().where((Lot.framework == framework.id) & (Lot.number == number)).returning(Lot.id)
        if not removed:
            raise FrameworkError(f"There is no lot {number}")
        await audit.record("lot.removed", actor=user.actor, object_type="framework", object_id=reference, payload={"lot": number})


# --- The state machine, applied -----------------------------------------------------------------


async def facts_for(framework: Framework, targets: list[State] | None = None) -> FrameworkFacts:
    """The facts the guards of the moves to `targets` look at (by default, every move the framework
    can make next): the framework's own, and what the later stages registered under the names
    those transitions give (registry.frameworks.stages), their facts and their checks. No other
    stage's checks run."""
    moves = [t for t in lifecycle.lifecycle_of(framework).next_steps(framework.state) if targets is None or t.target in targets]
    later_facts: dict = {}
    for provided in await stages.facts.run(list(dict.fromkeys(name for t in moves for name in t.facts)), framework):
        later_facts.update(provided)
    extra_problems: dict[State, list[str]] = {}
    for transition in moves:
        for problems in await stages.checks.run(transition.checks, framework):
            extra_problems.setdefault(transition.target, []).extend(problems)
    return FrameworkFacts(
        title=framework.title,
        summary=framework.summary,
        description=framework.description,
        estimated_value=framework.estimated_value,
        start_date=framework.start_date,
        duration_months=framework.duration_months,
        call_off_routes=tuple(framework.call_off_routes or ()),
        lots=tuple(LotFacts(lot.number, lot.title, lot.scope, lot.max_suppliers) for lot in await lots(framework.id)),
        rfi_closes_at=framework.rfi_closes_at,
        clarification_deadline=framework.clarification_deadline,
        tender_deadline=framework.tender_deadline,
        standstill_ends_at=framework.standstill_ends_at,
        extra_problems=extra_problems,
        **later_facts,
    )


async def move(user: CurrentUser, reference: str, target: State, *, note: str | None = None) -> Framework:
    """Take the framework to `target` if the transition exists, the user may make it and its guard holds."""
    async with audit.action("move"):
        framework = await for_officer(user, reference, lock=True)
        procedure = lifecycle.lifecycle_of(framework)
        transition = procedure.transition_for(framework.state, target)
        if not user.roles & transition.roles:
            raise Refused("Only procurement officers move a framework between stages")
        problems = procedure.problems_blocking(framework.state, target, await facts_for(framework, [State(target)]), clock.now())
        if problems:
            raise TransitionBlocked(problems)
        await _enter(framework, target, user, note)
        if target == State.PIN_PUBLISHED:
            await publish_notice(framework, NoticeKind.PIN, user, change_summary=None)
        if target == State.RFI_OPEN and notice_types.publishes(framework.regime, NoticeKind.MARKET_ENGAGEMENT):
            # the request for information is preliminary market engagement: Procurement Act 2023 s.17(1)
            await publish_notice(framework, NoticeKind.MARKET_ENGAGEMENT, user, change_summary=None, extra={
                "rfi_closes_at": framework.rfi_closes_at.isoformat() if framework.rfi_closes_at else None,
            })
        if target == State.CANCELLED:
            await publish_notice(framework, NoticeKind.CANCELLATION, user, change_summary=note)
    return await get(reference)


async def _enter(framework: Framework, target: State, user: CurrentUser, note: str | None) -> None:
    now = clock.now()
    await Framework.update({Framework.state: target, Framework.updated_at: now}).where(Framework.id == framework.id)
    await StageChange.insert(
        StageChange(framework=framework.id, from_state=framework.state, to_state=target, changed_at=now, actor_id=user.id, note=note)
    )
    await audit.record(
        "framework.stage_changed",
        actor=user.actor,
        object_type="framework",
        object_id=framework.reference,
        payload={"from": framework.state, "to": str(target), "note": note},
    )
    await stages.entered.run(framework, target, note)


def stage_email(framework: Framework, target: State, note: str | None, zone: ZoneInfo = LONDON) -> str:
    """The email that tells interested suppliers of a new stage: what it means, its deadlines, where to read more."""
    dates = [(what, moment) for what, moment in _stage_dates(framework, target) if moment is not None]
    stage = lifecycle.lifecycle_of(framework).stages[State(target)]
    return (
        f"{framework.title} ({framework.reference}) has reached a new stage: {stage.label.lower()}.\n\n"
        f"{stage.meaning}\n\n"
        + "".join(f"{what}: {local_time(moment, zone)}\n" for what, moment in dates) + ("\n" if dates else "")
        + (f"{note}\n\n" if note else "")
        + f"Read the framework: {links.absolute(f'/frameworks/{framework.reference}')}\n"
    )


def _stage_dates(framework: Framework, target: State) -> list[tuple[str, datetime | None]]:
    if target == State.RFI_OPEN:
        return [("The request for information closes", framework.rfi_closes_at)]
    if target == State.ITT_PUBLISHED:
        return [("Clarification questions close", framework.clarification_deadline), ("Tenders close", framework.tender_deadline)]
    return []


# --- Notices ------------------------------------------------------------------------------------


# What every notice says of the framework itself (publish_notice); the rest of a notice is what its stage adds.
NOTICE_DETAILS = (
    "title", "summary", "description", "estimated_value", "start_date", "duration_months", "regime", "call_off_routes", "lots", "contact",
    "cpv_codes", "eligible_authorities", "community_benefits",
)


async def publish_notice(
    framework: Framework, kind: NoticeKind, user: CurrentUser, change_summary: str | None, extra: dict | None = None
) -> Notice:
    """A new version of the framework's notice of this kind: the framework as it now stands, plus what
    the stage adds (`extra`, for example the tender notice's deadlines and criteria)."""
    fresh = await by_id(framework.id)
    version = await db.next_number(Notice.version, (Notice.framework == framework.id) & (Notice.kind == kind), series=f"{kind} notices of {framework.id}")
    content = {
        "title": fresh.title,
        "summary": fresh.summary,
        "description": fresh.description,
        "estimated_value": fresh.estimated_value,
        "start_date": fresh.start_date.isoformat() if fresh.start_date else None,
        "duration_months": fresh.duration_months,
        "regime": fresh.regime,
        "call_off_routes": list(fresh.call_off_routes or []),
        "lots": [{"number": lot.number, "title": lot.title, "scope": lot.scope, "max_suppliers": lot.max_suppliers} for lot in await lots(framework.id)],
        "contact": {"name": fresh.contact_name, "email": fresh.contact_email, "telephone": fresh.contact_telephone},
        "cpv_codes": list(fresh.cpv_codes or []),
        "eligible_authorities": [authority.as_content() for authority in await eligibility.entitled(fresh)],
        "community_benefits": {"requirements": fresh.community_benefits or "", "none_reason": fresh.community_benefits_none_reason or ""},
        **(extra or {}),
    }
    notice = Notice(
        framework=framework.id,
        kind=kind,
        version=version,
        title=fresh.title,
        body=json.dumps(content, ensure_ascii=False),
        change_summary=change_summary,
        published_at=clock.now(),
        published_by=user.id,
    )
    await notice.save()
    await audit.record(
        "notice.published",
        actor=user.actor,
        object_type="framework",
        object_id=framework.reference,
        payload={"kind": kind, "version": notice.version, "change_summary": change_summary},
    )
    await stages.notice_published.run(fresh, notice)  # its OCDS release, in this same transaction
    return notice


async def amend_notice(user: CurrentUser, reference: str, details: "Details | Mapping[str, Any]", change_summary: str) -> Notice:
    """Change a published notice: the framework takes the new details and a new notice version says
    what changed; the previous version stays readable. After the tender deadline only wording that
    changes no term may be corrected (registry.frameworks.terms). Invalid names each detail that
    breaks a rule, and the change summary when it says nothing."""
    details = Amendment.checked({**(dict(details) if isinstance(details, Rules) else details), "change_summary": change_summary})
    change_summary = details.change_summary
    async with audit.action("amend notice"):
        framework = await for_officer(user, reference, lock=True)
        cycle = lifecycle.lifecycle_of(framework)
        if framework.state == State.DRAFT or framework.state in cycle.finished:
            raise FrameworkError(f"A framework that is {cycle.describe(framework.state)} has no notice to amend")
        _keep_frozen_terms(framework, terms.material_changes(framework.to_dict(), _columns(details)))
        kind, stage_content = await _notice_to_amend(framework)
        if kind == NoticeKind.TENDER and community_benefits.notice_problems(
            details.regime, details.estimated_value, details.community_benefits, details.community_benefits_none_reason,
        ):  # the contract notice must keep stating them: Procurement Reform (Scotland) Act 2014 s.25(3)
            raise Invalid({"community_benefits": community_benefits.NOTICE_RULE})
        await Framework.update({**_columns(details), Framework.updated_at: clock.now()}).where(Framework.id == framework.id)
        notice = await publish_notice(framework, kind, user, change_summary=change_summary, extra=stage_content)
        await tell_of_amendment(framework, notice, what=f"The {notice_types.notice_type(framework.regime, kind).in_sentence}")
    return notice


async def _notice_to_amend(framework: Framework) -> tuple[NoticeKind, dict | None]:
    """The notice that describes the framework now: the prior information notice until the invitation
    to tender is out, then the tender notice, keeping what the invitation added (its deadlines and
    criteria) as its latest version published them. Once the suppliers are appointed (live), a change
    of the framework agreement is a contract change notice (Procurement Act 2023 s.75; a modification
    notice in Scotland, PCSR 2015 reg. 72), keeping what the award published."""
    if framework.state == State.LIVE:
        return NoticeKind.CONTRACT_CHANGE, await _stage_content(framework, NoticeKind.CONTRACT_CHANGE, NoticeKind.CONTRACT_DETAILS, NoticeKind.AWARD)
    content = await _stage_content(framework, NoticeKind.TENDER)
    return (NoticeKind.PIN, None) if content is None else (NoticeKind.TENDER, content)


async def _stage_content(framework: Framework, *kinds: NoticeKind) -> dict | None:
    """What the latest notice of the first of `kinds` that has one added to the framework's details."""
    for kind in kinds:
        latest = await Notice.objects().where((Notice.framework == framework.id) & (Notice.kind == kind)).order_by(
            Notice.version, ascending=False,
        ).first()
        if latest is not None:
            return {key: value for key, value in json.loads(latest.body).items() if key not in NOTICE_DETAILS}
    return None


# --- Who may use the framework (registry.frameworks.eligibility) -------------------------------


MAX_ELIGIBLE = 200


async def set_eligible_authorities(
    user: CurrentUser, reference: str, *, organisations: list[int], others: list[tuple[str, str]],
) -> list[EligibleAuthority]:
    """Name the contracting authorities entitled to award call-offs under the framework, besides its
    own: registered authorities by id, others by name and identifier. Only until the invitation to
    tender is published; once a notice is out, the change is published as an amendment of it."""
    async with audit.action("set eligible authorities"):
        framework = await for_officer(user, reference, lock=True)
        if not eligibility.may_change(framework):
            raise FrameworkError(
                "The contracting authorities entitled to use the framework cannot change once the invitation to tender is published: "
                f"the call for competition names them ({eligibility.source(framework)})", "organisations",
            )
        wanted = list(dict.fromkeys(i for i in organisations if i != framework.authority))
        rows = await Organisation.objects().where(Organisation.id.is_in(wanted)) if wanted else []
        found = {o.id: o for o in rows if o.kind == OrganisationKind.AUTHORITY}
        if len(found) != len(wanted):
            raise FrameworkError("Choose contracting authorities from the list", "organisations")
        named: list[tuple[str, str]] = []
        for position, (name, identifier) in enumerate(others, start=1):
            name, identifier = (name or "").strip(), (identifier or "").strip()
            if not name and not identifier:
                continue
            if not name or len(name) > 200:
                raise FrameworkError(f"Enter the name of authority {position} (200 characters or fewer)", f"other_{position}_name")
            if not identifier or len(identifier) > 100:
                raise FrameworkError(
                    f"Enter how {name} is identified (its register number or other identifier, 100 characters or fewer)", f"other_{position}_identifier",
                )
            if any(name.casefold() == n.casefold() for n, _ in named) or any(name.casefold() == o.legal_name.casefold() for o in found.values()):
                raise FrameworkError(f"{name} is named twice", f"other_{position}_name")
            named.append((name, identifier))
        if len(found) + len(named) > MAX_ELIGIBLE:
            raise FrameworkError(f"Name at most {MAX_ELIGIBLE} contracting authorities", "organisations")
        before = [(a.name, a.identifier, a.organisation) for a in await eligibility.listed(framework.id)]
        await EligibleAuthority.delete().where(EligibleAuthority.framework == framework.id)
        for organisation_id in wanted:
            organisation = found[organisation_id]
            await EligibleAuthority.insert(EligibleAuthority(
                framework=framework.id, organisation=organisation_id, name=organisation.legal_name, identifier=organisation.registration_number or "",
            ))
        for name, identifier in named:
            await EligibleAuthority.insert(EligibleAuthority(framework=framework.id, organisation=None, name=name, identifier=identifier))
        after = await eligibility.listed(framework.id)
        await audit.record(
            "framework.eligible_authorities_set", actor=user.actor, object_type="framework", object_id=reference,
            payload={"authorities": [{"name": a.name, "identifier": a.identifier, "organisation": a.organisation} for a in after]},
        )
        changed = before != [(a.name, a.identifier, a.organisation) for a in after]
        if changed and framework.state != State.DRAFT:
            kind, stage_content = await _notice_to_amend(framework)
            notice = await publish_notice(
                framework, kind, user, change_summary="The contracting authorities entitled to use the framework changed", extra=stage_content,
            )
            await tell_of_amendment(framework, notice, what=f"The {notice_types.notice_type(framework.regime, kind).in_sentence}")
    return after


async def registered_authorities() -> list[Organisation]:
    """The authorities an officer may choose from."""
    return await Organisation.objects().where(Organisation.kind == OrganisationKind.AUTHORITY).order_by(Organisation.legal_name)


async def tell_of_amendment(framework: Framework, notice: Notice, *, what: str) -> None:
    await stages.amended.run(framework, notice, what)


def amendment_email(framework: Framework, notice: Notice, what: str) -> tuple[str, str]:
    """The subject and body of the email that tells interested suppliers of an amended notice."""
    return (
        f"{framework.reference}: {what[0].lower() + what[1:]} has been amended",
        f"{what} for {framework.reference} – {notice.title} – has been amended (version {notice.version}).\n\nWhat changed: {notice.change_summary}\n",
    )


async def notices(framework_id: int) -> list[Notice]:
    return await Notice.objects().where(Notice.framework == framework_id).order_by(Notice.kind).order_by(Notice.version)


def notice_content(notice: Notice) -> dict:
    return json.loads(notice.body)


def changes_between(previous: dict, current: dict) -> list[str]:
    """The fields that differ between two versions of a notice, by their labels."""
    labels = {
        "title": "Title", "summary": "Summary", "description": "Description", "estimated_value": "Estimated value",
        "start_date": "Start date", "duration_months": "Duration", "regime": "Regime", "call_off_routes": "Call-off routes", "lots": "Lots",
        "clarification_deadline": "Clarification deadline", "tender_deadline": "Tender deadline", "quality_share": "Quality and price split",
        "scale": "Scoring scale", "criteria": "Assessment criteria", "contact": "Contact", "cpv_codes": "CPV codes",
        "eligible_authorities": "Contracting authorities entitled to use the framework",
        "community_benefits": "Community benefits",
    }
    return [label for key, label in labels.items() if previous.get(key) != current.get(key)]


async def timeline(framework_id: int) -> list[StageChange]:
    return await StageChange.objects().where(StageChange.framework == framework_id).order_by(StageChange.changed_at)


# --- Finding frameworks -------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    text: str | None = None
    states: tuple[str, ...] = ()
    lot_subject: str | None = None
    closing_within_days: int | None = None


async def published(criteria: Search) -> list[dict]:
    """Published frameworks (never drafts) matching the search, soonest deadline first."""
    query = Framework.select(
        Framework.id, Framework.reference, Framework.title, Framework.summary, Framework.state, Framework.procedure,
        Framework.estimated_value, Framework.rfi_closes_at, Framework.tender_deadline,
        Framework.authority.legal_name.as_alias("authority_name"),
    ).where(Framework.state != State.DRAFT)
    if criteria.text:
        words = criteria.text.strip()
        query = query.where(
            db.contains(Framework.title, words) | db.contains(Framework.summary, words) | db.contains(Framework.reference, words)
        )
    if criteria.lot_subject:
        with_subject = await Lot.select(Lot.framework).where(Lot.subject == criteria.lot_subject).output(as_list=True)
        query = query.where(Framework.id.is_in(with_subject or [-1]))
    rows = await query.order_by(Framework.updated_at, ascending=False)
    now = clock.now()
    if criteria.states:  # by the stage the clock puts it in, as every page shows it (lifecycle.stage_of)
        rows = [row for row in rows if lifecycle.stage_of(row, now) in criteria.states]
    if criteria.closing_within_days is not None:
        horizon = now.timestamp() + criteria.closing_within_days * 86400
        rows = [row for row in rows if (deadline := next_deadline(row, now)) and deadline.timestamp() <= horizon]
    return rows


DEADLINES = ("rfi_closes_at", "clarification_deadline", "tender_deadline")


def next_deadline(framework, now: datetime) -> datetime | None:
    """The soonest of a framework's deadlines still to come (from a Framework, or a selected row:
    the deadlines it selected)."""
    return lifecycle.first_after(framework, DEADLINES, now)


async def tell_officers(framework: Framework, *, subject: str, body: str) -> None:
    """Email every active procurement officer of the framework's authority."""
    for officer in await duties.officers_of(framework.authority):
        await notifications.enqueue(recipient=officer["email"], subject=subject, body=body)


async def managed_by(organisation_id: int) -> list[Framework]:
    return await Framework.objects().where(Framework.authority == organisation_id).order_by(Framework.updated_at, ascending=False)


async def authority_name(framework: Framework) -> str:
    return (await Organisation.select(Organisation.legal_name).where(Organisation.id == framework.authority).first())["legal_name"]
