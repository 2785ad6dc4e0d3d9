"""Suppliers asking clarification questions, and officers answering and publishing them to every
bidder without the asker's identity."""

from datetime import datetime

from registry import clock, db
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Role
from registry.audit import service as audit
from registry.dates import LONDON, local_time
from registry.clarifications.tables import Clarification
from registry.errors import Missing, Refused, RuleBroken
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.hooks import Hook
from registry.interest import service as interest
from registry import links
from registry import errors

QUESTION_LIMIT = 2000
ANSWER_LIMIT = 10000

# An answer was published to every bidder (open data: its OCDS release, registered by registry.opendata.stage).
answer_published: Hook[[Framework, int], None] = Hook("a clarification's answer was published")


class ClarificationError(RuleBroken):
    pass


class NotRegistered(ClarificationError):
    def __init__(self) -> None:
        super().__init__("Register your organisation's interest in this framework before asking a question")


class DeadlinePassed(errors.DeadlinePassed, ClarificationError):
    def __init__(self, deadline: datetime):
        super().__init__(
            deadline, "The deadline for clarification questions has passed",
            explanation="The deadline for clarification questions was {deadline}. You can no longer ask a question",
        )


def label(clarification: Clarification) -> str:
    return f"Q{clarification.number}"


def is_open(framework: Framework, now: datetime) -> bool:
    """Questions may be asked while the framework is open for tenders, until (not at) the deadline."""
    deadline = framework.clarification_deadline
    return framework.state == State.ITT_PUBLISHED and deadline is not None and now < deadline


async def ask(user: CurrentUser, reference: str, question: str) -> Clarification:
    if not user.has_role(Role.SUPPLIER):
        raise Refused("Only suppliers ask clarification questions")
    question = question.strip()
    if not question or len(question) > QUESTION_LIMIT:
        raise ClarificationError(f"Enter a question of {QUESTION_LIMIT:,} characters or fewer")
    async with audit.action("ask"):
        # Its row locked on PostgreSQL, so that questions asked at once get distinct numbers (SQLite's
        # write transactions already queue).
        framework = await db.for_update(Framework.objects().where(Framework.reference == reference)).first()
        if framework is None or framework.state == State.DRAFT:
            raise Missing(f"There is no published framework {reference}")
        if await interest.current(user.organisation_id, framework.id) is None:
            raise NotRegistered()
        now = clock.received()
        if framework.state != State.ITT_PUBLISHED or framework.clarification_deadline is None:
            raise ClarificationError("Clarification questions can only be asked while the framework is open for tenders")
        if now >= framework.clarification_deadline:
            raise DeadlinePassed(framework.clarification_deadline)
        number = await db.next_number(Clarification.number, Clarification.framework == framework.id, series=f"clarifications of {framework.id}")
        clarification = Clarification(
            framework=framework.id, number=number, asked_by_organisation=user.organisation_id,
            asked_by=user.id, question=question, asked_at=now,
        )
        await clarification.save()
        await audit.record(
            "clarification.asked", actor=user.actor, object_type="framework", object_id=reference,
            payload={"clarification": label(clarification), "organisation": user.organisation_id},
        )
        await frameworks.tell_officers(framework, subject=f"{reference}: a new clarification question ({label(clarification)})", body=question_email(framework, clarification))
    return clarification


def question_email(framework: Framework, clarification: Clarification, *, waiting_since: datetime | None = None) -> str:
    """What officers are told of a question: never who asked (the page says), and where to answer it."""
    opening = (
        f"A clarification question has been waiting for an answer since {local_time(waiting_since, LONDON)}"
        if waiting_since else "A supplier has asked a clarification question"
    )
    return (
        f"{opening} on {framework.title} ({framework.reference}): {label(clarification)}.\n\n"
        f"{clarification.question}\n\n"
        "Every bidder should have the answer in good time before the tender deadline: answer it and publish the answer to all bidders.\n\n"
        f"Answer it: {links.absolute(f'/manage/frameworks/{framework.reference}/clarifications')}\n"
    )


async def answer(
    user: CurrentUser, reference: str, clarification_id: int, *, published_question: str, answer: str, publish: bool
) -> Clarification:
    """Save the answer and the wording to publish; when `publish`, publish both to every bidder.
    Answering is not bound by the clarification deadline. A published answer is final."""
    published_question, answer = published_question.strip(), answer.strip()
    if not published_question or len(published_question) > QUESTION_LIMIT:
        raise ClarificationError(f"Enter the question to publish, in {QUESTION_LIMIT:,} characters or fewer")
    if not answer or len(answer) > ANSWER_LIMIT:
        raise ClarificationError(f"Enter an answer of {ANSWER_LIMIT:,} characters or fewer")
    async with audit.action("answer"):
        framework = await frameworks.for_officer(user, reference)
        clarification = await find(framework.id, clarification_id)
        if clarification is None:
            raise Missing("There is no such question")
        if clarification.published_at is not None:
            raise ClarificationError(f"The answer to {label(clarification)} has already been published")
        now = clock.now()
        values = {
            Clarification.published_question: published_question, Clarification.answer: answer,
            Clarification.answered_at: now, Clarification.answered_by: user.id,
        }
        if publish:
            values[Clarification.published_at] = now
        await Clarification.update(values).where(Clarification.id == clarification.id)
        await audit.record(
            "clarification.published" if publish else "clarification.answered", actor=user.actor, object_type="framework",
            object_id=reference, payload={"clarification": label(clarification)},
        )
        if publish:
            await answer_published.run(framework, clarification.id)  # its OCDS release, in this transaction
            await interest.tell_interested_suppliers(
                framework.id,
                subject=f"{reference}: clarification {label(clarification)} answered",
                body=(
                    f"The authority has published an answer to a clarification question about {reference} – {framework.title}. "
                    f"Every bidder is told the same.\n\n{label(clarification)}: {published_question}\n\nAnswer: {answer}\n\n"
                ),
            )
    return await find(framework.id, clarification_id)


async def find(framework_id: int, clarification_id: int) -> Clarification | None:
    return await Clarification.objects().where((Clarification.id == clarification_id) & (Clarification.framework == framework_id)).first()


async def asked_by(organisation_id: int, framework_id: int) -> list[Clarification]:
    return await Clarification.objects().where(
        (Clarification.framework == framework_id) & (Clarification.asked_by_organisation == organisation_id)
    ).order_by(Clarification.number)


async def published(framework_id: int) -> list[dict]:
    """The public Q&A log: the published wording and answer, nothing about who asked."""
    return await Clarification.select(
        Clarification.number, Clarification.published_question, Clarification.answer, Clarification.published_at
    ).where((Clarification.framework == framework_id) & Clarification.published_at.is_not_null()).order_by(Clarification.number)


async def all_for_officers(framework_id: int) -> list[dict]:
    """Every question with the organisation that asked it: for the framework's officers only."""
    return await Clarification.select(
        Clarification.id, Clarification.number, Clarification.question, Clarification.asked_at, Clarification.answer,
        Clarification.published_at, Clarification.asked_by_organisation.legal_name.as_alias("organisation"),
    ).where(Clarification.framework == framework_id).order_by(Clarification.number)


async def organisation_name(clarification: Clarification) -> str:
    row = await Clarification.select(Clarification.asked_by_organisation.legal_name.as_alias("name")).where(Clarification.id == clarification.id).first()
    return row["name"]
