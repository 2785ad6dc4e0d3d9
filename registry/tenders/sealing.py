"""Who may read a submitted tender, and when (rule 1 of ../shared/DESIGN.md).

The supplier organisation reads its own tender at any time. Anyone else reads it only after the tender
deadline has passed and two different procurement officers of the framework's authority have opened
the tenders; before that they may learn only how many tenders each lot received, and only once the
deadline has passed. Every refused attempt is an audit event. Every read of another organisation's
tender goes through `readable_tender` or `tenders_received`."""

import json

from registry import clock
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Role
from registry.audit import service as audit
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, Lot
from registry.tenders import opening
from registry.tenders.service import counting_submission
from registry.tenders.tables import Tender, TenderDocument, TenderSubmission


class Sealed(PermissionError):
    """The tender's content is sealed for this user (the attempt has been recorded)."""


async def _refuse(user: CurrentUser, framework: Framework, reason: str, tender_id: int | None = None) -> None:
    await audit.record(
        "tender.sealed_access_refused", actor=user.actor, object_type="tender" if tender_id else "framework",
        object_id=tender_id or framework.reference, payload={"framework": framework.reference, "reason": reason},
    )
    raise Sealed(reason)


async def check_unsealed_for(user: CurrentUser, framework: Framework, tender_id: int | None = None, lot_id: int | None = None) -> None:
    """Pass when the user may read the framework's tenders (of other organisations; of one lot for an
    evaluator); otherwise record the attempt and raise Sealed."""
    if not await opening.is_opened(framework.id):
        await _refuse(user, framework, "The tenders are sealed until the deadline has passed and two procurement officers have opened them", tender_id)
    if user.has_role(Role.PROCUREMENT_OFFICER) and user.organisation_id == framework.authority:
        return
    if user.has_role(Role.EVALUATOR) and lot_id is not None and await _evaluating(user, lot_id):
        return
    await _refuse(user, framework, "Only the authority's procurement officers, and evaluators of the lot once they have declared no conflict, read its tenders", tender_id)


async def _evaluating(user: CurrentUser, lot_id: int) -> bool:
    from registry.evaluation import service as evaluation  # evaluation builds on tenders

    return evaluation.may_read_lot(await evaluation.active_assignment(user.id, lot_id))


async def counts_per_lot(user: CurrentUser, framework: Framework) -> dict[int, int] | None:
    """How many tenders each lot received (by lot number): only for the authority's officers and only
    after the deadline; None before."""
    frameworks.check_officer(user, framework)
    if framework.tender_deadline is None or clock.now() < framework.tender_deadline:
        return None
    rows = await TenderSubmission.select(TenderSubmission.tender.lot.number.as_alias("lot")).where(
        (TenderSubmission.tender.framework == framework.id) & TenderSubmission.counting()
    )
    counts = dict.fromkeys(await Lot.select(Lot.number).where(Lot.framework == framework.id).output(as_list=True), 0)
    for row in rows:
        counts[row["lot"]] += 1
    return counts


async def tenders_received(user: CurrentUser, framework: Framework) -> list[dict]:
    """The counting submission of every tender, with supplier and lot: after opening only."""
    await check_unsealed_for(user, framework)
    return await TenderSubmission.select(
        TenderSubmission.id, TenderSubmission.number, TenderSubmission.sha256, TenderSubmission.received_at,
        TenderSubmission.tender.id.as_alias("tender_id"), TenderSubmission.tender.lot.number.as_alias("lot"),
        TenderSubmission.tender.organisation.legal_name.as_alias("supplier"),
    ).where(
        (TenderSubmission.tender.framework == framework.id) & TenderSubmission.counting()
    ).order_by(TenderSubmission.tender.lot.number).order_by(TenderSubmission.received_at)


async def readable_tender(user: CurrentUser, framework: Framework, tender_id: int) -> tuple[Tender, TenderSubmission, dict]:
    """A tender's counting submission and its content, for someone allowed to read it."""
    tender = await Tender.objects().where((Tender.id == tender_id) & (Tender.framework == framework.id)).first()
    if tender is None or not (user.has_role(Role.SUPPLIER) and user.organisation_id == tender.organisation):
        await check_unsealed_for(user, framework, tender_id, lot_id=tender.lot if tender else None)
    if tender is None:
        raise LookupError("There is no such tender")
    submission = await counting_submission(tender.id)
    if submission is None:
        raise LookupError("This tender was not submitted")
    return tender, submission, json.loads(submission.content)


async def readable_document(user: CurrentUser, framework: Framework, tender_id: int, sha256: str) -> TenderDocument:
    """A document of a tender's counting submission (by its SHA-256), for someone allowed to read it."""
    tender, submission, content = await readable_tender(user, framework, tender_id)
    if sha256 not in {d["sha256"] for d in content["documents"]}:
        raise LookupError("There is no such document in this tender")
    return await TenderDocument.objects().where((TenderDocument.tender == tender.id) & (TenderDocument.sha256 == sha256)).first()

