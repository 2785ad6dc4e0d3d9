"""Opening the tenders: after the deadline one procurement officer requests the opening and a
different one confirms it. Until both have acted, every tender stays sealed."""

from registry import clock
from registry.accounts import duties
from registry.accounts.auth import CurrentUser
from registry.audit import checkpoints as audit_checkpoints
from registry.audit import service as audit
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.tenders.tables import TenderOpening
from registry.errors import RuleBroken


class OpeningError(RuleBroken):
    pass


async def record_of(framework_id: int) -> TenderOpening | None:
    return await TenderOpening.objects().where(TenderOpening.framework == framework_id).first()


async def officers_of(framework_id: int) -> tuple[int | None, int | None]:
    """Who requested and who confirmed the opening (None for each not yet done)."""
    record = await record_of(framework_id)
    return (record.requested_by, record.confirmed_by) if record else (None, None)


async def is_opened(framework_id: int) -> bool:
    return await TenderOpening.exists().where((TenderOpening.framework == framework_id) & TenderOpening.confirmed_at.is_not_null())


async def _check_officer_not_too_new(user: CurrentUser, reference: str) -> None:
    """Separation of duties (accounts.duties): an officer an admin appointed lately takes no part."""
    if problem := await duties.officer_too_new(user, "take part in opening tenders"):
        await audit.record("tenders.opening_refused", actor=user.actor, object_type="framework", object_id=reference, payload={"reason": problem})
        raise OpeningError(problem)


async def request(user: CurrentUser, reference: str) -> TenderOpening:
    """The first officer's step. Closes tendering first if the deadline has passed and it is still open."""
    await _check_officer_not_too_new(user, reference)
    async with audit.action("request"):
        framework = await frameworks.for_officer(user, reference)
        now = clock.now()
        if framework.state == State.ITT_PUBLISHED:
            if framework.tender_deadline is None or now < framework.tender_deadline:
                raise OpeningError("Tenders cannot be opened before the tender deadline has passed")
            framework = await frameworks.move(user, reference, State.TENDERS_CLOSED)
        if framework.state != State.TENDERS_CLOSED:
            raise OpeningError(f"A framework that is {lifecycle.describe(framework.state)} has no tenders waiting to be opened")
        existing = await record_of(framework.id)
        if existing is not None:
            raise OpeningError("The opening has already been requested; a different procurement officer must confirm it")
        record = TenderOpening(framework=framework.id, requested_by=user.id, requested_at=now)
        await record.save()
        await audit.record("tenders.opening_requested", actor=user.actor, object_type="framework", object_id=reference)
    return record


async def confirm(user: CurrentUser, reference: str) -> Framework:
    """The second officer's step: the tenders are opened and the framework moves to tenders_opened.
    The audit log's head, with the opening in it, is checkpointed (published, signed) as it lands."""
    await _check_officer_not_too_new(user, reference)
    async with audit.action("confirm"):
        framework = await frameworks.for_officer(user, reference)
        record = await record_of(framework.id)
        if record is None or framework.state != State.TENDERS_CLOSED:
            raise OpeningError("No opening is waiting to be confirmed: a procurement officer must request it first")
        if record.requested_by == user.id:
            raise OpeningError("You requested the opening, so a different procurement officer must confirm it")
        await TenderOpening.update({TenderOpening.confirmed_by: user.id, TenderOpening.confirmed_at: clock.now()}).where(TenderOpening.id == record.id)
        await audit.record("tenders.opening_confirmed", actor=user.actor, object_type="framework", object_id=reference, payload={"requested_by": record.requested_by})
        framework = await frameworks.move(user, reference, State.TENDERS_OPENED)
        await audit_checkpoints.checkpoint(audit_checkpoints.TENDERS_OPENED)
        return framework
