"""Who may learn what of the tenders, and when (rule 1 of docs/design.md).

Sealed means the existence, the number and the identity of tenders as well as their content. The
supplier organisation knows its own tenders at any time. Everyone else, at each stage of a framework:

- open (until the tender deadline has passed): nothing, not even whether anyone has drafted or
  submitted a tender. No page, endpoint, audit log view or outbox view answers differently because
  a tender exists, and an evaluator gets the same refusal whatever tender id it asks for;
- closed (the deadline has passed, the tenders are not yet opened): the authority's procurement
  officers may learn how many tenders each lot received, and nothing more;
- opened (two different procurement officers have opened them): the authority's officers read every
  tender, and an evaluator reads the tenders of a lot on whose panel it is, once it has declared no
  conflict of interest; the admin's views show the tender events in full.

The price envelope: an evaluator scores quality, and reads no price of a lot's tenders until it has
submitted its final marks for every tender of that lot (`price_withheld`); price is scored by
formula, never by the panel. What it keeps back is the price in the content and the documents the
supplier marked as priced: such a document is left out of the list, and asking for it gets the
answer a document that does not exist gets. Not required by either regime's law: good practice,
docs/regimes.md "Price kept from quality evaluators" gives the guidance.

Every refused attempt to read a tender is an audit event, and so is every read of another
organisation's tender or document (who, which, when; never what it says). Every page and endpoint
goes through this module: `stage_of`, `received_per_lot`, `counts_per_lot`, `tenders_received`,
`check_evaluator`, `readable_tender` (with `price_withheld`) and `readable_document`."""

import json
from enum import StrEnum

from registry import clock
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Role
from registry.audit import service as audit
from registry.errors import Missing, Refused
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, Lot
from registry.hooks import Hook
from registry.notifications import service as notifications
from registry.tenders import opening
from registry.tenders.service import SEALED_EVENTS, counting_submission, sealed_mail
from registry.tenders.tables import Tender, TenderDocument, TenderOpening, TenderSubmission


class Sealed(Refused):
    """The tender's content is sealed for this user (the attempt has been recorded)."""


class Stage(StrEnum):
    OPEN = "open"  # before the tender deadline: nothing of any tender
    CLOSED = "closed"  # the deadline has passed, not yet opened: the number per lot, to the officers
    OPENED = "opened"


async def stage_of(framework: Framework) -> Stage:
    if await opening.is_opened(framework.id):
        return Stage.OPENED
    if framework.tender_deadline is not None and clock.now() >= framework.tender_deadline:
        return Stage.CLOSED
    return Stage.OPEN


async def _refuse(user: CurrentUser, framework: Framework, reason: str, tender_id: int | None = None) -> None:
    await audit.record(
        "tender.sealed_access_refused", actor=user.actor, object_type="tender" if tender_id else "framework",
        object_id=tender_id or framework.reference, payload={"framework": framework.reference, "reason": reason},
    )
    raise Sealed(reason)


SEALED_UNTIL_OPENED = "The tenders are sealed until the deadline has passed and two procurement officers have opened them"
OFFICERS_AND_PANEL = "Only the authority's procurement officers, and evaluators of the lot once they have declared no conflict, read its tenders"


async def check_unsealed_for(user: CurrentUser, framework: Framework, tender_id: int | None = None, lot_id: int | None = None) -> None:
    """Pass when the user may read the framework's tenders (of other organisations; of one lot for an
    evaluator); otherwise record the attempt and raise Sealed. The answer depends on who asks and on
    the lot, never on whether the tender asked for exists."""
    if not await opening.is_opened(framework.id):
        await _refuse(user, framework, SEALED_UNTIL_OPENED, tender_id)
    if user.has_role(Role.PROCUREMENT_OFFICER) and user.organisation_id == framework.authority:
        return
    if user.has_role(Role.EVALUATOR) and lot_id is not None and await _evaluating(user, lot_id):
        return
    await _refuse(user, framework, OFFICERS_AND_PANEL, tender_id)


async def check_evaluator(user: CurrentUser, framework: Framework, tender_id: int, *, reads_lot: bool) -> None:
    """An evaluator asking, under one of its assignments, for a tender of that assignment's lot: refused
    (and recorded) alike for every tender id unless the tenders are opened and the assignment lets it
    read the lot (`reads_lot`: on the panel, not removed, no conflict declared; the evaluation stage's rule)."""
    if not await opening.is_opened(framework.id):
        await _refuse(user, framework, SEALED_UNTIL_OPENED, tender_id)
    if not (user.has_role(Role.EVALUATOR) and reads_lot):
        await _refuse(user, framework, OFFICERS_AND_PANEL, tender_id)


# Whether a user may read a lot's tenders as one of its evaluators: the evaluation stage's rule,
# registered by registry.evaluation.stage (no one, until it is).
panel_reads_lot: Hook[[int, int], bool] = Hook("whether a user reads a lot's tenders on its panel")


async def _evaluating(user: CurrentUser, lot_id: int) -> bool:
    return any(await panel_reads_lot.run(user.id, lot_id))


# Whether an evaluator, on a lot's panel, has submitted its final marks for every tender of the lot
# (user id, lot id): registered by registry.evaluation.stage (no one has, until it is).
lot_marks_submitted: Hook[[int, int], bool] = Hook("whether an evaluator has submitted final marks for every tender of a lot")


async def price_withheld(user: CurrentUser, framework: Framework, lot_id: int, *, as_evaluator: bool = False) -> bool:
    """Whether the prices of the lot's tenders are kept from the reader: they are from an evaluator
    (anyone reading as one: `as_evaluator`, or not the authority's officer) until it has submitted its
    final marks for every tender of the lot, since one price known would colour the quality marks
    still to give the others. Good practice, required by neither regime's law: the Scottish Government's Procurement
    Journey, route 2, Evaluation, "Evaluation Tools" (panel members should not assess both the
    quality/technical and the commercial elements of a tender); in England neither the Procurement Act
    2023 (ss.19, 23) nor the Cabinet Office's guidance on assessing competitive tenders requires it, and
    the same practice applies (docs/regimes.md, "Price kept from quality evaluators")."""
    officer = user.has_role(Role.PROCUREMENT_OFFICER) and user.organisation_id == framework.authority
    if officer and not as_evaluator:
        return False
    return not any(await lot_marks_submitted.run(user.id, lot_id))


def without_price(content: dict) -> dict:
    """A tender's content as a quality evaluator reads it: everything but the price and the documents
    marked as priced (the commercial envelope)."""
    documents = [document for document in content["documents"] if not document.get("priced")]
    return {key: value for key, value in content.items() if key != "price"} | {"documents": documents}


# --- How many ------------------------------------------------------------------------------------


async def received_per_lot(framework: Framework) -> dict[int, int] | None:
    """How many tenders count in each lot (by lot id; a lot without any is left out): None until the
    tender deadline has passed. For pages of the authority's officers, and the award that follows."""
    if await stage_of(framework) == Stage.OPEN:
        return None
    rows = await TenderSubmission.select(TenderSubmission.tender.lot.as_alias("lot")).where(
        (TenderSubmission.tender.framework == framework.id) & TenderSubmission.counting()
    )
    counts: dict[int, int] = {}
    for row in rows:
        counts[row["lot"]] = counts.get(row["lot"], 0) + 1
    return counts


async def counts_per_lot(user: CurrentUser, framework: Framework) -> dict[int, int] | None:
    """How many tenders each lot received (by lot number): only for the authority's officers and only
    after the deadline; None before."""
    frameworks.check_officer(user, framework)
    received = await received_per_lot(framework)
    if received is None:
        return None
    lots = await Lot.select(Lot.id, Lot.number).where(Lot.framework == framework.id)
    return {lot["number"]: received.get(lot["id"], 0) for lot in lots}


# --- Who, and what ---------------------------------------------------------------------------------


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


async def _readable(user: CurrentUser, framework: Framework, tender_id: int) -> tuple[Tender, TenderSubmission, dict, bool]:
    """The tender, its counting submission and content, and whether it is the user's organisation's own.
    To anyone else a tender that does not count (a draft, a withdrawn one) is no tender at all."""
    tender = await Tender.objects().where((Tender.id == tender_id) & (Tender.framework == framework.id)).first()
    own = tender is not None and user.has_role(Role.SUPPLIER) and user.organisation_id == tender.organisation
    submission = await counting_submission(tender.id) if tender else None
    if not own:
        if submission is None:
            tender = None
        await check_unsealed_for(user, framework, tender_id, lot_id=tender.lot if tender else None)
    if tender is None:
        raise Missing("There is no such tender")
    if submission is None:
        raise Missing("This tender was not submitted")
    return tender, submission, json.loads(submission.content), own


async def readable_tender(
    user: CurrentUser, framework: Framework, tender_id: int, *, as_evaluator: bool = False,
) -> tuple[Tender, TenderSubmission, dict]:
    """A tender's counting submission and its content, for someone allowed to read it (recorded, unless
    it is the reader's organisation's own); without the price for an evaluator who has not yet
    submitted its marks for every tender of the lot (`price_withheld`: check the content for "price")."""
    tender, submission, content, own = await _readable(user, framework, tender_id)
    if not own:
        withheld = await price_withheld(user, framework, tender.lot, as_evaluator=as_evaluator)
        if withheld:
            content = without_price(content)
        await audit.record(
            "tender.read", actor=user.actor, object_type="tender", object_id=tender.id,
            payload={"framework": framework.reference, "lot": content["lot"], "submission": submission.number, "price_withheld": withheld},
        )
    return tender, submission, content


async def readable_document(
    user: CurrentUser, framework: Framework, tender_id: int, sha256: str, *, as_evaluator: bool = False,
) -> TenderDocument:
    """A document of a tender's counting submission (by its SHA-256), for someone allowed to read it
    (recorded, unless it is the reader's organisation's own). A document marked as priced is, to an
    evaluator from whom the price is withheld, no document at all."""
    tender, submission, content, own = await _readable(user, framework, tender_id)
    if not own and await price_withheld(user, framework, tender.lot, as_evaluator=as_evaluator):
        content = without_price(content)
    if sha256 not in {d["sha256"] for d in content["documents"]}:
        raise Missing("There is no such document in this tender")
    if not own:
        await audit.record(
            "tender.document_read", actor=user.actor, object_type="tender", object_id=tender.id,
            payload={"framework": framework.reference, "lot": content["lot"], "submission": submission.number, "sha256": sha256},
        )
    return await TenderDocument.objects().where((TenderDocument.tender == tender.id) & (TenderDocument.sha256 == sha256)).first()


# --- The admin's views ---------------------------------------------------------------------------
# The audit log and the outbox are platform packages: they know nothing of tenders, and ask these
# rules, each time they show anything, which events and emails are still sealed.


def _unopened_frameworks():
    """The ids of the frameworks whose tenders have not been opened (a subquery)."""
    return Framework.select(Framework.id).where(
        Framework.id.not_in(TenderOpening.select(TenderOpening.framework).where(TenderOpening.confirmed_at.is_not_null()))
    )


async def sealed_events() -> audit.Sealed:
    """The bidders' own events (drafts, documents, submissions, withdrawals) on tenders not yet opened."""
    ids = await Tender.select(Tender.id).where(Tender.framework.is_in(_unopened_frameworks())).output(as_list=True)
    return audit.Sealed(object_type="tender", actions=SEALED_EVENTS, object_ids=frozenset(str(i) for i in ids))


async def sealed_emails() -> set[str]:
    """The receipts and withdrawals of tenders not yet opened, by the mark they were queued with."""
    references = await Framework.select(Framework.reference).where(Framework.id.is_in(_unopened_frameworks())).output(as_list=True)
    return {sealed_mail(reference) for reference in references}


audit.add_sealer(sealed_events)
notifications.add_sealer(sealed_emails)
