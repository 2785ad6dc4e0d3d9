"""Building the request for information, answering it, and opening it to suppliers."""

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from registry import clock, db
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Organisation, Role, User
from registry.audit import service as audit
from registry.errors import Missing, Refused, RuleBroken
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.hooks import Hook
from registry.notifications import service as notifications
from registry.surveys import answers
from registry.surveys.tables import Answer, Question, QuestionKind, ReasonedResponse, ResponseStatus, Section, Survey, SurveyResponse
from registry import links
from registry import errors


# The reasoned response was published (open data: its OCDS release, registered by registry.opendata.stage).
reasoned_response_published: Hook[[Framework, int], None] = Hook("a reasoned response was published")


class SurveyError(RuleBroken):
    pass


class SurveyClosed(errors.DeadlinePassed, SurveyError):
    def __init__(self, closes_at: datetime | None):
        super().__init__(
            closes_at, "The request for information has closed. Your answers are kept and you can still read them",
            explanation="The request for information closed at {deadline}. Your answers are kept and you can still read them",
        )
        self.closes_at = closes_at


@dataclass(frozen=True)
class QuestionSpec:
    kind: QuestionKind
    text: str
    help_text: str = ""
    required: bool = True
    options: tuple[str, ...] = ()
    allow_other: bool = False
    max_length: int | None = None
    scale_points: int | None = None
    scale_low_label: str = ""
    scale_high_label: str = ""
    minimum: int | None = None
    maximum: int | None = None

    def problems(self) -> dict[str, str]:
        found = {}
        if self.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE) and len(self.options) < 2:
            found["options"] = "Give at least two options, one on each line"
        if self.kind == QuestionKind.SCALE and not (self.scale_low_label and self.scale_high_label):
            found["scale_low_label"] = "Label both ends of the scale"
        if self.minimum is not None and self.maximum is not None and self.minimum >= self.maximum:
            found["maximum"] = "The largest number allowed must be more than the smallest"
        return found


# --- Building -----------------------------------------------------------------------------------


async def current_survey(framework_id: int) -> Survey | None:
    return await Survey.objects().where((Survey.framework == framework_id) & Survey.superseded_at.is_null()).first()


async def _survey_for_officer(user: CurrentUser, survey_id: int) -> Survey:
    survey = await Survey.objects().where(Survey.id == survey_id).first()
    if survey is None:
        raise Missing("There is no such survey")
    frameworks.check_officer(user, await frameworks.by_id(survey.framework))
    return survey


def check_times(opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> dict[str, str]:
    problems = {}
    if closes_at is None:
        problems["closes_at"] = "Enter the closing date and time"
    elif closes_at <= now:
        problems["closes_at"] = "The closing time must be in the future"
    elif opens_at is not None and closes_at <= opens_at:
        problems["closes_at"] = "The closing time must be after the opening time"
    return problems


async def save_survey(
    user: CurrentUser, reference: str, *, title: str, introduction: str, opens_at: datetime | None, closes_at: datetime | None
) -> Survey:
    """Create the framework's survey, or change its title, introduction and times."""
    problems = check_times(opens_at, closes_at, clock.now())
    if problems:
        raise SurveyError(next(iter(problems.values())))
    async with audit.action("save survey"):
        framework = await frameworks.for_officer(user, reference)
        can = lifecycle.capabilities(framework, clock.received())  # closed at its closing time, whether or not an officer has moved it on
        if not can.may_change_rfi:
            raise SurveyError("The request for information has closed")
        survey = await current_survey(framework.id)
        values = {"title": title, "introduction": introduction, "opens_at": opens_at, "closes_at": closes_at}
        if survey is None:
            survey = Survey(framework=framework.id, created_at=clock.now(), **values)
            await survey.save()
        else:
            await Survey.update(values).where(Survey.id == survey.id)
        if can.rfi_open:  # a key date changed: the framework did (its calendar events say when)
            await Framework.update({Framework.rfi_closes_at: closes_at, Framework.updated_at: clock.now()}).where(Framework.id == framework.id)
        await audit.record(
            "survey.saved", actor=user.actor, object_type="framework", object_id=reference,
            payload={"title": title, "closes_at": closes_at.isoformat() if closes_at else None},
        )
    return await Survey.objects().get(Survey.id == survey.id)


async def has_submissions(survey_id: int) -> bool:
    return await SurveyResponse.exists().where(
        (SurveyResponse.survey == survey_id) & (SurveyResponse.status == ResponseStatus.SUBMITTED)
    )


async def _check_editable(survey: Survey) -> None:
    if await has_submissions(survey.id):
        raise SurveyError("Questions cannot change once a response has been submitted. Make a new version of the survey instead")


async def add_section(user: CurrentUser, survey_id: int, title: str) -> Section:
    async with audit.action("add section"):
        survey = await _survey_for_officer(user, survey_id)
        await _check_editable(survey)
        position = await db.next_number(Section.position, Section.survey == survey.id, series=f"sections of {survey.id}")
        section = Section(survey=survey.id, position=position, title=title)
        await section.save()
        await audit.record("survey.section_added", actor=user.actor, object_type="survey", object_id=survey.id, payload={"title": title})
    return section


async def add_question(user: CurrentUser, survey_id: int, section_id: int, spec: QuestionSpec) -> Question:
    if problems := spec.problems():
        raise SurveyError(next(iter(problems.values())))
    async with audit.action("add question"):
        survey = await _survey_for_officer(user, survey_id)
        await _check_editable(survey)
        if not await Section.exists().where((Section.id == section_id) & (Section.survey == survey.id)):
            raise SurveyError("Choose a section of this survey")
        position = await db.next_number(Question.position, Question.survey == survey.id, series=f"questions of {survey.id}")
        question = Question(survey=survey.id, section=section_id, position=position, **_columns(spec))
        await question.save()
        await audit.record("survey.question_added", actor=user.actor, object_type="survey", object_id=survey.id, payload={"text": spec.text, "kind": str(spec.kind)})
    return question


def _columns(spec: QuestionSpec) -> dict:
    return {
        "kind": spec.kind, "text": spec.text, "help_text": spec.help_text, "required": spec.required, "options": list(spec.options),
        "allow_other": spec.allow_other, "max_length": spec.max_length, "scale_points": spec.scale_points,
        "scale_low_label": spec.scale_low_label, "scale_high_label": spec.scale_high_label, "minimum": spec.minimum, "maximum": spec.maximum,
    }


async def remove_question(user: CurrentUser, survey_id: int, question_id: int) -> None:
    async with audit.action("remove question"):
        survey = await _survey_for_officer(user, survey_id)
        await _check_editable(survey)
        removed = await Question.delete().where((Question.id == question_id) & (Question.survey == survey.id)).returning(Question.id)
        if not removed:
            raise Missing("There is no such question")
        await audit.record("survey.question_removed", actor=user.actor, object_type="survey", object_id=survey.id, payload={"question": question_id})


async def move_question(user: CurrentUser, survey_id: int, question_id: int, *, up: bool) -> None:
    """Swap the question with its neighbour in the same section."""
    async with audit.action("move question"):
        survey = await _survey_for_officer(user, survey_id)
        await _check_editable(survey)
        question = await Question.objects().where((Question.id == question_id) & (Question.survey == survey.id)).first()
        if question is None:
            raise SurveyError("There is no such question")
        neighbours = await Question.objects().where(Question.section == question.section).order_by(Question.position)
        index = [q.id for q in neighbours].index(question.id)
        other_index = index - 1 if up else index + 1
        if not 0 <= other_index < len(neighbours):
            return
        other = neighbours[other_index]
        await Question.update({Question.position: other.position}).where(Question.id == question.id)
        await Question.update({Question.position: question.position}).where(Question.id == other.id)
        await audit.record("survey.question_moved", actor=user.actor, object_type="survey", object_id=survey.id, payload={"question": question_id, "up": up})


async def new_version(user: CurrentUser, survey_id: int) -> Survey:
    """Copy the survey and its questions into a new version; the old one is kept, superseded."""
    async with audit.action("new version"):
        old = await _survey_for_officer(user, survey_id)
        await Survey.update({Survey.superseded_at: clock.now()}).where(Survey.id == old.id)
        survey = Survey(
            framework=old.framework, version=old.version + 1, title=old.title, introduction=old.introduction,
            opens_at=old.opens_at, closes_at=old.closes_at, created_at=clock.now(),
        )
        await survey.save()
        for section in await sections(old.id):
            copy = Section(survey=survey.id, position=section.position, title=section.title)
            await copy.save()
            for question in await Question.objects().where(Question.section == section.id).order_by(Question.position):
                values = {name: getattr(question, name) for name in _columns(QuestionSpec(kind=QuestionKind.SHORT_TEXT, text=""))}
                await Question.insert(Question(survey=survey.id, section=copy.id, position=question.position, **values))
        await audit.record("survey.new_version", actor=user.actor, object_type="survey", object_id=survey.id, payload={"version": survey.version, "replaces": old.id})
    return survey


async def sections(survey_id: int) -> list[Section]:
    return await Section.objects().where(Section.survey == survey_id).order_by(Section.position)


async def questions(survey_id: int) -> list[Question]:
    return await Question.objects().where(Question.survey == survey_id).order_by(Question.position)


async def structure(survey_id: int) -> list[tuple[Section, list[Question]]]:
    all_questions = await questions(survey_id)
    return [(section, [q for q in all_questions if q.section == section.id]) for section in await sections(survey_id)]


async def open_rfi(user: CurrentUser, reference: str) -> Framework:
    """Open the survey to suppliers: the framework moves to rfi_open, closing when the survey does."""
    async with audit.action("open rfi"):
        framework = await frameworks.for_officer(user, reference)
        survey = await current_survey(framework.id)
        if survey is None or not await questions(survey.id):
            raise frameworks.TransitionBlocked(["Write the request for information's questions first"])
        await Framework.update({Framework.rfi_closes_at: survey.closes_at}).where(Framework.id == framework.id)
        return await frameworks.move(user, reference, State.RFI_OPEN)


# --- Answering ----------------------------------------------------------------------------------


def _check_supplier(user: CurrentUser) -> None:
    if not user.has_role(Role.SUPPLIER):
        raise Refused("Only suppliers answer the request for information")


async def open_survey_for(reference: str) -> tuple[Framework, Survey]:
    framework = await frameworks.get(reference)
    survey = await current_survey(framework.id) if framework else None
    if framework is None or survey is None or not lifecycle.capabilities(framework, clock.received()).rfi_published:
        raise Missing("This framework has no request for information open")
    return framework, survey


async def survey_for_reader(user: CurrentUser, framework: Framework) -> Survey:
    """The framework's current survey: for its authority's procurement officers at any stage, for
    suppliers while it is open or closed. Refused for anyone else; Missing when there is none."""
    if frameworks.is_officer(user, framework):
        survey = await current_survey(framework.id)
        if survey is None:
            raise Missing("This framework has no request for information yet")
        return survey
    _check_supplier(user)
    return (await open_survey_for(framework.reference))[1]


async def responses_for_reader(user: CurrentUser, framework: Framework, survey: Survey) -> list[dict]:
    """The responses the user may read, with the responding organisation's name: every submitted one
    for the authority's procurement officers; a supplier's own organisation's (draft or submitted)."""
    query = SurveyResponse.select(
        SurveyResponse.all_columns(), SurveyResponse.organisation.legal_name.as_alias("organisation_name"),
    ).where(SurveyResponse.survey == survey.id).order_by(SurveyResponse.id)
    if frameworks.is_officer(user, framework):
        return await query.where(SurveyResponse.status == ResponseStatus.SUBMITTED)
    _check_supplier(user)
    return await query.where(SurveyResponse.organisation == user.organisation_id)


def is_open(survey: Survey, framework: Framework, now: datetime) -> bool:
    """Whether the survey takes answers at `now`. The request for information is closed only once its
    closing time has passed, so an answer received before then and handled after the close is on time."""
    return lifecycle.capabilities(framework, now).rfi_published and (survey.opens_at is None or survey.opens_at <= now) and survey.closes_at > now


async def response_of(organisation_id: int, survey_id: int) -> SurveyResponse | None:
    return await SurveyResponse.objects().where(
        (SurveyResponse.survey == survey_id) & (SurveyResponse.organisation == organisation_id)
    ).first()


async def answers_of(response_id: int) -> dict[int, Answer]:
    return {a.question: a for a in await Answer.objects().where(Answer.response == response_id)}


def answer_value(answer: Answer | None):
    if answer is None:
        return None
    return json.loads(answer.value) if isinstance(answer.value, str) else answer.value


@dataclass
class SaveResult:
    errors: dict[str, str] = field(default_factory=dict)  # field name q<id> -> message


async def save_section(
    user: CurrentUser, reference: str, section_id: int, submitted: dict[int, tuple[list[str], str]], *, require_all: bool = False
) -> SaveResult:
    """Save this section's answers. Nothing is saved when any answer is invalid. Missing required
    answers block when `require_all` (the "continue" button) and always once the response has been
    submitted: a submitted response stays submitted and complete, changed in place until the close."""
    _check_supplier(user)
    framework, survey = await open_survey_for(reference)
    now = clock.received()
    if not is_open(survey, framework, now):
        raise SurveyClosed(survey.closes_at)
    existing = await response_of(user.organisation_id, survey.id)
    require_all = require_all or (existing is not None and existing.status == ResponseStatus.SUBMITTED)
    section_questions = await Question.objects().where((Question.section == section_id) & (Question.survey == survey.id)).order_by(Question.position)
    if not section_questions:
        raise SurveyError("There is no such section")
    result, checked = SaveResult(), {}
    for question in section_questions:
        raw, other = submitted.get(question.id, ([], ""))
        outcome = answers.check(question, raw, other)
        if outcome.error:
            result.errors[f"q{question.id}"] = answers.about(question, outcome.error)
        elif outcome.value is None and question.required and require_all:
            result.errors[f"q{question.id}"] = answers.about(question, answers.missing_message(question))
        checked[question.id] = outcome
    if result.errors:
        return result
    async with audit.action("save section"):
        response = await _response_for_writing(user, survey, reference)
        if response.status == ResponseStatus.SUBMITTED and not require_all:  # submitted while this was checked
            missing = {f"q{q.id}": answers.about(q, answers.missing_message(q)) for q in section_questions if q.required and checked[q.id].value is None}
            if missing:
                result.errors.update(missing)
                return result
        for question_id, outcome in checked.items():
            values = {Answer.value: json.dumps(outcome.value), Answer.other_text: outcome.other_text, Answer.updated_at: now, Answer.updated_by: user.id}
            updated = await Answer.update(values).where((Answer.response == response.id) & (Answer.question == question_id)).returning(Answer.id)
            if not updated:
                await Answer.insert(Answer(response=response.id, question=question_id, value=json.dumps(outcome.value), other_text=outcome.other_text, updated_at=now, updated_by=user.id))
        await SurveyResponse.update({SurveyResponse.updated_at: now}).where(SurveyResponse.id == response.id)
        await audit.record("survey_response.saved", actor=user.actor, object_type="survey_response", object_id=response.reference, payload={"section": section_id})
    return result


async def _response_for_writing(user: CurrentUser, survey: Survey, reference: str) -> SurveyResponse:
    await db.queue_under(Organisation, user.organisation_id)  # its response and answers are written one action at a time
    response = await response_of(user.organisation_id, survey.id)
    if response is None:  # answering does not register interest: the supplier chooses that, and its lots
        response = SurveyResponse(
            survey=survey.id, organisation=user.organisation_id, reference=f"RFI-{secrets.token_hex(4).upper()}",
            started_at=clock.now(), updated_at=clock.now(),
        )
        await response.save()
    return response


async def unanswered_required(survey_id: int, response_id: int | None) -> list[Question]:
    given = await answers_of(response_id) if response_id else {}
    return [q for q in await questions(survey_id) if q.required and answer_value(given.get(q.id)) is None]


async def submit(user: CurrentUser, reference: str) -> SurveyResponse:
    _check_supplier(user)
    framework, survey = await open_survey_for(reference)
    if not is_open(survey, framework, clock.received()):
        raise SurveyClosed(survey.closes_at)
    async with audit.action("submit"):
        await db.queue_under(Organisation, user.organisation_id)  # a section saved meanwhile is saved before or after, whole
        response = await response_of(user.organisation_id, survey.id)
        if response is None:
            raise SurveyError("Answer the questions before submitting")
        missing = await unanswered_required(survey.id, response.id)
        if missing:
            raise SurveyError(f"Answer every required question before submitting: {len(missing)} still to answer")
        await SurveyResponse.update({SurveyResponse.status: ResponseStatus.SUBMITTED, SurveyResponse.submitted_at: clock.received()}).where(SurveyResponse.id == response.id)
        await audit.record("survey_response.submitted", actor=user.actor, object_type="survey_response", object_id=response.reference, payload={"framework": reference})
        await notifications.enqueue(recipient=user.email, subject=f"Your response to {framework.reference}'s request for information ({response.reference})", body=await response_copy(survey, response, framework))
    return await SurveyResponse.objects().get(SurveyResponse.id == response.id)


async def response_copy(survey: Survey, response: SurveyResponse, framework: Framework) -> str:
    given = await answers_of(response.id)
    lines = [f"Thank you. Your organisation's response {response.reference} to '{survey.title}' ({framework.reference}) has been submitted.", ""]
    for section, section_questions in await structure(survey.id):
        lines += [section.title, "-" * len(section.title)]
        for question in section_questions:
            lines += [question.text, f"  {display(question, given.get(question.id))}", ""]
    lines.append(f"You can change your answers until the survey closes: {links.absolute(f'/frameworks/{framework.reference}/rfi')}")
    return "\n".join(lines)


def display(question: Question, answer: Answer | None) -> str:
    value = answer_value(answer)
    if value is None:
        return "Not answered"
    if isinstance(value, list):
        return ", ".join(answer.other_text if v == answers.OTHER else v for v in value)
    if question.kind == QuestionKind.YES_NO:
        return "Yes" if value == "yes" else "No"
    if question.kind == QuestionKind.SCALE:
        return f"{value} of {question.scale_points or 5}"
    return str(value)


# --- The reasoned response ------------------------------------------------------------------------


async def reasoned_entries(survey_id: int, *, published_only: bool = False) -> list[ReasonedResponse]:
    query = ReasonedResponse.objects().where(ReasonedResponse.survey == survey_id)
    if published_only:
        query = query.where(ReasonedResponse.published_at.is_not_null())
    return await query.order_by(ReasonedResponse.position)


async def add_reasoned_entry(user: CurrentUser, survey_id: int, *, theme: str, what_we_heard: str, what_we_will_do: str) -> ReasonedResponse:
    async with audit.action("add reasoned entry"):
        survey = await _survey_for_officer(user, survey_id)
        position = await db.next_number(ReasonedResponse.position, ReasonedResponse.survey == survey.id, series=f"reasoned response of {survey.id}")
        entry = ReasonedResponse(survey=survey.id, position=position, theme=theme, what_we_heard=what_we_heard, what_we_will_do=what_we_will_do)
        await entry.save()
        await audit.record("reasoned_response.entry_added", actor=user.actor, object_type="survey", object_id=survey.id, payload={"theme": theme})
    return entry


async def publish_reasoned_response(user: CurrentUser, survey_id: int) -> int:
    """Publish the entries not yet published, once the survey has closed; respondents are told."""
    async with audit.action("publish reasoned response"):
        survey = await _survey_for_officer(user, survey_id)
        if survey.closes_at is None or clock.now() < survey.closes_at:
            raise SurveyError("The reasoned response can only be published once the survey has closed")
        waiting = await ReasonedResponse.select(ReasonedResponse.id).where(
            (ReasonedResponse.survey == survey.id) & ReasonedResponse.published_at.is_null()
        ).output(as_list=True)
        if not waiting:
            raise SurveyError("Add at least one theme before publishing")
        await ReasonedResponse.update({ReasonedResponse.published_at: clock.now()}).where(ReasonedResponse.id.is_in(waiting))
        framework = await frameworks.by_id(survey.framework)
        await audit.record("reasoned_response.published", actor=user.actor, object_type="framework", object_id=framework.reference, payload={"entries": len(waiting)})
        await reasoned_response_published.run(framework, survey.id)  # its OCDS release, in this transaction
        organisations = await SurveyResponse.select(SurveyResponse.organisation).where(
            (SurveyResponse.survey == survey.id) & (SurveyResponse.status == ResponseStatus.SUBMITTED)
        ).output(as_list=True)
        for row in await User.select(User.email).where(User.organisation.is_in(organisations or [-1]) & User.is_active.eq(True)):
            await notifications.enqueue(
                recipient=row["email"],
                subject=f"{framework.reference}: what we heard from the request for information",
                body=(
                    f"Thank you for answering the request for information for {framework.reference} – {framework.title}.\n\n"
                    f"We have published what we heard and what we will do: {links.absolute(f'/frameworks/{framework.reference}')}\n"
                ),
            )
    return len(waiting)
