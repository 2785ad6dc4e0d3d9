"""Suppliers preparing, submitting and withdrawing tenders.

A tender is prepared as a draft (selection answers, an answer per quality criterion, the price,
declarations, documents). Submitting stores the canonical JSON of the draft with its SHA-256 and the
server's time of receipt, checked against the tender deadline inside the same transaction; the same
content submitted again returns the same receipt. Each submission is kept; the newest that is
neither superseded nor withdrawn counts."""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from registry import clock, db, money
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Organisation, Role
from registry.audit import service as audit
from registry.audit.service import canonical_json
from registry.criteria import service as criteria
from registry.criteria.tables import Criterion, CriterionKind
from registry.db import units
from registry.errors import Missing, Refused, RuleBroken
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, Lot, State
from registry.interest.tables import ExpressionOfInterest
from registry.notifications import service as notifications
from registry.notifications.tables import Notification
from registry.suppliers import service as suppliers
from registry.tenders import cdp
from registry.tenders.tables import Tender, TenderDocument, TenderStatus, TenderSubmission
from registry import links
from registry import errors
from registry.files import storage

DECLARATIONS = {
    "accurate": "The information in this tender is true, complete and accurate.",
    "no_collusion": "We have not colluded with any other bidder, nor canvassed anyone at the contracting authority.",
    "conflicts": "We have declared any actual or potential conflict of interest in our answers.",
    "terms": "We accept the framework's terms and conditions, as published with the invitation to tender.",
}
MAX_DETAIL = 2000
MAX_PRICE = Decimal("1000000000")
# What a bidder does with its tender, as the audit log records it: sealed from the admin's view, as the
# tender itself is, until the framework's tenders are opened (registry.tenders.sealing).
SEALED_EVENTS = frozenset({"tender.draft_saved", "tender.document_attached", "tender.document_removed", "tender.submitted", "tender.withdrawn"})


def sealed_mail(reference: str) -> str:
    """The mark of a framework's tender receipts and withdrawals in the outbox, sealed like the tenders."""
    return f"tenders:{reference}"


class TenderError(RuleBroken):
    field = "tender"


class NotRegistered(TenderError):
    """The supplier has not registered interest in the lot: it may register, then tender."""


class DeadlinePassed(errors.DeadlinePassed, TenderError):
    def __init__(self, deadline: datetime):
        super().__init__(
            deadline, "The tender deadline has passed: tenders received after it are refused",
            explanation="The tender deadline was {deadline}: tenders received after it are refused, and tenders can no longer change",
        )


@dataclass(frozen=True)
class Receipt:
    number: int
    received_at: datetime
    sha256: str
    repeated: bool  # the same content had already been received: no new submission


@dataclass
class Workspace:
    """Everything a supplier's tender pages show for one lot."""

    framework: Framework
    lot: Lot
    criteria: list[Criterion]
    tender: Tender | None
    draft: dict
    documents: list[TenderDocument]
    counting: TenderSubmission | None  # the submission that counts, if any

    def of_kind(self, kind: CriterionKind) -> list[Criterion]:
        return [c for c in self.criteria if c.kind == kind]

    @property
    def price_criterion(self) -> Criterion | None:
        return next(iter(self.of_kind(CriterionKind.PRICE)), None)

    @property
    def open(self) -> bool:
        return accepting_tenders(self.framework)


def accepting_tenders(framework: Framework) -> bool:
    """Whether the action being handled was received while the framework took tenders: before its
    tender deadline. Tendering is closed only once the deadline has passed, so a tender received
    before the deadline and stored after tendering was closed is on time."""
    return framework.state in (State.ITT_PUBLISHED, State.TENDERS_CLOSED) and clock.before(framework.tender_deadline)


# --- Reading a supplier's own tender ------------------------------------------------------------


def _check_supplier(user: CurrentUser) -> None:
    if not user.has_role(Role.SUPPLIER):
        raise Refused("Only suppliers prepare tenders")


async def registered_for(organisation_id: int, framework_id: int, lot_number: int) -> bool:
    interest = await ExpressionOfInterest.objects().where(
        (ExpressionOfInterest.organisation == organisation_id) & (ExpressionOfInterest.framework == framework_id)
        & ExpressionOfInterest.withdrawn_at.is_null()
    ).first()
    return interest is not None and (interest.all_lots or lot_number in (interest.lot_numbers or []))


async def tendering_framework(reference: str) -> Framework:
    framework = await frameworks.get(reference)
    if framework is None or lifecycle.before_itt(framework.state):
        raise Missing("This framework is not open for tenders")
    return framework


async def workspace(user: CurrentUser, reference: str, lot_number: int) -> Workspace:
    _check_supplier(user)
    framework = await tendering_framework(reference)
    lot = await frameworks.lot_numbered(framework.id, lot_number)
    if lot is None:
        raise Missing(f"There is no lot {lot_number}")
    tender = await Tender.objects().where((Tender.lot == lot.id) & (Tender.organisation == user.organisation_id)).first()
    if tender is None and not await registered_for(user.organisation_id, framework.id, lot_number):
        raise NotRegistered(f"Your organisation has not registered interest in lot {lot_number}. Register interest in it to tender")
    return Workspace(
        framework=framework, lot=lot, criteria=criteria.for_lot(await criteria.criteria_of(framework.id), lot.id), tender=tender,
        draft=json.loads(tender.draft) if tender else {}, documents=await _documents(tender.id) if tender else [],
        counting=await counting_submission(tender.id) if tender else None,
    )


async def _documents(tender_id: int) -> list[TenderDocument]:
    return await _documents_query(tender_id)


def _documents_query(tender_id: int):
    """The documents on the draft (those only kept for a submission that listed them are not)."""
    return TenderDocument.objects().where((TenderDocument.tender == tender_id) & TenderDocument.removed_at.is_null()).order_by(TenderDocument.uploaded_at)


async def counting_submission(tender_id: int) -> TenderSubmission | None:
    return await TenderSubmission.objects().where(
        (TenderSubmission.tender == tender_id) & TenderSubmission.counting()
    ).order_by(TenderSubmission.number, ascending=False).first()


async def submissions_of(tender_id: int) -> list[TenderSubmission]:
    return await TenderSubmission.objects().where(TenderSubmission.tender == tender_id).order_by(TenderSubmission.number, ascending=False)


async def tenders_of_organisation(user: CurrentUser) -> list[tuple[dict, TenderSubmission | None]]:
    """The supplier organisation's tenders on every framework (framework reference, lot number,
    status), each with the submission that counts, if any."""
    _check_supplier(user)
    rows = await Tender.select(
        Tender.id, Tender.status, Tender.framework.reference.as_alias("framework"), Tender.lot.number.as_alias("lot"),
    ).where(Tender.organisation == user.organisation_id).order_by(Tender.id)
    return [(row, await counting_submission(row["id"])) for row in rows]


async def own_tenders(user: CurrentUser, framework: Framework) -> dict[int, Tender]:
    """The organisation's tenders on the framework, by lot id."""
    rows = await Tender.objects().where((Tender.framework == framework.id) & (Tender.organisation == user.organisation_id))
    return {tender.lot: tender for tender in rows}


# --- What is still to do ------------------------------------------------------------------------


def word_count(text: str) -> int:
    return len(text.split())


def task_problems(space: Workspace) -> dict[str, list[str]]:
    """What each part of the tender still needs, by task: empty lists mean ready to submit."""
    draft = space.draft
    selection = draft.get("selection", {})
    quality = draft.get("quality", {})
    found: dict[str, list[str]] = {"selection": [], "quality": [], "price": [], "declarations": []}
    for c in space.of_kind(CriterionKind.SELECTION):
        if selection.get(str(c.id), {}).get("answer") not in ("yes", "no"):
            found["selection"].append(f"Answer the selection question: {c.title}")
    for c in space.of_kind(CriterionKind.QUALITY):
        text = quality.get(str(c.id), "")
        if not text.strip():
            found["quality"].append(f"Answer the quality question: {c.title}")
        elif c.word_limit and word_count(text) > c.word_limit:
            found["quality"].append(f"Shorten your answer to {c.title}: it must be {c.word_limit} words or fewer")
    if draft.get("price") is None:
        found["price"].append("Enter your price")
    if set(draft.get("declarations", [])) != set(DECLARATIONS):
        found["declarations"].append("Make every declaration")
    if cdp.applies(space.framework):
        found["core_supplier_information"] = cdp.task_problems(space.framework, draft)
    return found


# --- Changing the draft -------------------------------------------------------------------------


async def _editable(user: CurrentUser, reference: str, lot_number: int) -> tuple[Workspace, Tender]:
    """The workspace and its tender (made on first use), while the tender deadline has not passed.
    Changes to an organisation's drafts and its submissions queue (`submit` queues the same way):
    two tabs saving at once keep both changes, and concurrent uploads are counted one by one."""
    await db.queue_under(Organisation, user.organisation_id)
    space = await workspace(user, reference, lot_number)
    if not space.open:
        raise DeadlinePassed(space.framework.tender_deadline) if space.framework.tender_deadline else TenderError("This framework is not open for tenders")
    tender = space.tender
    if tender is None:
        now = clock.now()
        tender = Tender(framework=space.framework.id, lot=space.lot.id, organisation=user.organisation_id, status=TenderStatus.DRAFT, created_at=now, updated_at=now)
        await tender.save()
        space.tender = tender
    return space, tender


async def _save_draft(user: CurrentUser, space: Workspace, tender: Tender, draft: dict, what: str) -> None:
    await Tender.update({Tender.draft: json.dumps(draft, ensure_ascii=False), Tender.updated_at: clock.now()}).where(Tender.id == tender.id)
    # The audit log says what part changed, never the content: that stays sealed.
    await audit.record("tender.draft_saved", actor=user.actor, object_type="tender", object_id=tender.id, payload={"framework": space.framework.reference, "lot": space.lot.number, "part": what})


async def save_selection(user: CurrentUser, reference: str, lot_number: int, answers: dict[int, tuple[str, str]]) -> None:
    """Answers to the selection questions, by criterion id: ("yes" or "no", details). Unanswered questions may wait."""
    async with audit.action("save selection"):
        space, tender = await _editable(user, reference, lot_number)
        questions = {c.id: c for c in space.of_kind(CriterionKind.SELECTION)}
        saved = dict(space.draft.get("selection", {}))
        for criterion_id, (answer, detail) in answers.items():
            if criterion_id not in questions:
                raise TenderError("Answer the questions on this page", field="selection")
            if answer not in ("yes", "no", ""):
                raise TenderError("Choose yes or no", field=f"c{criterion_id}")
            if len(detail) > MAX_DETAIL:
                raise TenderError(f"Details must be {MAX_DETAIL:,} characters or fewer", field=f"c{criterion_id}-detail")
            saved[str(criterion_id)] = {"answer": answer, "detail": detail.strip()}
        await _save_draft(user, space, tender, {**space.draft, "selection": saved}, "selection")


async def save_quality_answer(user: CurrentUser, reference: str, lot_number: int, criterion_id: int, text: str) -> None:
    async with audit.action("save quality answer"):
        space, tender = await _editable(user, reference, lot_number)
        criterion = next((c for c in space.of_kind(CriterionKind.QUALITY) if c.id == criterion_id), None)
        if criterion is None:
            raise TenderError("There is no such quality question for this lot")
        if criterion.word_limit and (words := word_count(text)) > criterion.word_limit:
            raise TenderError(f"Your answer must be {criterion.word_limit} words or fewer; it has {words}", field="answer")
        quality = {**space.draft.get("quality", {}), str(criterion_id): text.strip()}
        await _save_draft(user, space, tender, {**space.draft, "quality": quality}, f"quality:{criterion_id}")


PRICE_FLAWS = {
    money.Flaw.MISSING: "Enter your price",
    money.Flaw.NOT_A_NUMBER: "Enter your price as a number of pounds, like 45000 or 45000.50",
    money.Flaw.NEGATIVE: "The price cannot be negative",
    money.Flaw.TOO_LARGE: "The price must be less than £1,000,000,000",
    money.Flaw.TOO_PRECISE: "Enter the price in pounds and pence, with at most two decimal places",
}


def parse_price(text: str) -> Decimal:
    try:
        price = money.typed_pounds(text, below=MAX_PRICE)
    except money.NotAnAmount as refused:
        raise TenderError(PRICE_FLAWS[refused.flaw], field="price") from None
    if price == 0:
        raise TenderError("Enter a price of more than £0: price is scored against the lowest price", field="price")
    return price


async def save_price(user: CurrentUser, reference: str, lot_number: int, price_text: str) -> None:
    price = parse_price(price_text)
    async with audit.action("save price"):
        space, tender = await _editable(user, reference, lot_number)
        await _save_draft(user, space, tender, {**space.draft, "price": str(price)}, "price")


async def offered_ppon(user: CurrentUser, space: Workspace) -> str:
    """The PPON the core supplier information task offers: the draft's, or else the organisation's profile's."""
    held = cdp.given(space.draft) or {}
    if held.get("ppon"):
        return held["ppon"]
    profile = await suppliers.profile_of(user.organisation_id)
    return profile.ppon if profile else ""


async def save_core_information(user: CurrentUser, reference: str, lot_number: int, ppon: str, share_code: str) -> None:
    """The organisation's PPON and the share code of its core supplier information, for a framework under
    the Procurement Act 2023 (registry.tenders.cdp: Procurement Regulations 2024 reg. 6(3)). A PPON given
    here is kept on the organisation's profile if it has none yet, to be offered to its next tenders."""
    ppon, share_code = suppliers.normal_ppon(ppon), cdp.normal_share_code(share_code)
    if problems := cdp.problems(ppon, share_code):
        raise errors.Invalid(problems)
    async with audit.action("save core supplier information"):
        space, tender = await _editable(user, reference, lot_number)
        if not cdp.applies(space.framework):
            raise TenderError("This framework is not under the Procurement Act 2023: its tenders carry no core supplier information", field="ppon")
        await _save_draft(user, space, tender, {**space.draft, "core_supplier_information": {"ppon": ppon, "share_code": share_code}}, "core_supplier_information")
        await suppliers.remember_ppon(user.organisation_id, ppon)


async def save_declarations(user: CurrentUser, reference: str, lot_number: int, codes: list[str]) -> None:
    if unknown := set(codes) - set(DECLARATIONS):
        raise TenderError(f"Unknown declaration: {', '.join(sorted(unknown))}", field="declarations")
    async with audit.action("save declarations"):
        space, tender = await _editable(user, reference, lot_number)
        await _save_draft(user, space, tender, {**space.draft, "declarations": sorted(set(codes))}, "declarations")


# What one tender's documents may take on the server: each is at most 20 MB (registry.files.storage.MAX_BYTES).
# Counted over every document row the tender keeps: those on the draft and those kept because a
# submission lists them (a removed document that no submission lists is deleted, file and all).
MAX_DOCUMENTS = 100
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


async def _check_document_quota(tender_id: int, size: int) -> None:
    kept = await TenderDocument.select(TenderDocument.size_bytes).where(TenderDocument.tender == tender_id).output(as_list=True)
    if len(kept) >= MAX_DOCUMENTS:
        raise TenderError(
            f"A tender can have at most {MAX_DOCUMENTS} documents, counting those kept with earlier submissions. "
            "Remove a document you do not need, or combine documents into one file", field="file",
        )
    if sum(kept) + size > MAX_DOCUMENT_BYTES:
        left = max(MAX_DOCUMENT_BYTES - sum(kept), 0)
        raise TenderError(
            f"A tender's documents can be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB in total, counting those kept with earlier "
            f"submissions; there is {left / (1024 * 1024):.1f} MB left. Remove a document you do not need, or choose a smaller file", field="file",
        )


async def attach_document(
    user: CurrentUser, reference: str, lot_number: int, *, title: str, filename: str, data: bytes, files_dir: Path, priced: bool = False,
) -> TenderDocument:
    """Add a document to the draft, within the tender's quota (MAX_DOCUMENTS, MAX_DOCUMENT_BYTES); `priced` when the
    supplier says it contains prices."""
    try:
        async with storage.stored(data, filename, files_dir) as file:
            async with audit.action("attach document"):
                space, tender = await _editable(user, reference, lot_number)  # concurrent uploads are counted one after the other
                await _check_document_quota(tender.id, len(data))
                document = TenderDocument(tender=tender.id, title=title, uploaded_at=clock.now(), uploaded_by=user.id, priced=priced, **asdict(file))
                await document.save()
                await audit.record(
                    "tender.document_attached", actor=user.actor, object_type="tender", object_id=tender.id,
                    payload={"framework": reference, "lot": lot_number, "sha256": document.sha256, "bytes": len(data), "priced": priced},
                )
    except storage.DocumentRejected as rejected:
        raise TenderError(str(rejected), field="file") from None
    return document


async def own_document(space: Workspace, document_id: int) -> TenderDocument | None:
    """A document the organisation attached to its own tender (on the draft or in a submission)."""
    if space.tender is None:
        return None
    return await TenderDocument.objects().where((TenderDocument.id == document_id) & (TenderDocument.tender == space.tender.id)).first()


def read_document(document: TenderDocument, files_dir: Path) -> bytes:
    return (files_dir / document.storage_key).read_bytes()


async def remove_document(user: CurrentUser, reference: str, lot_number: int, document_id: int, *, files_dir: Path | None = None) -> None:
    """Take a document off the draft. When no submission lists it (by its SHA-256), it is deleted with
    its file in `files_dir`; otherwise it is kept, file and all, since that submission may be opened
    and read. (Without `files_dir` it is only marked removed, and so still counts toward the quota.)"""
    async with audit.action("remove document"):
        space, tender = await _editable(user, reference, lot_number)  # a submit in progress finishes first
        document = await TenderDocument.objects().where(
            (TenderDocument.id == document_id) & (TenderDocument.tender == tender.id) & TenderDocument.removed_at.is_null()
        ).first()
        if document is None:
            raise TenderError("There is no such document on your tender", field="file")
        delete_file = files_dir is not None and document.sha256 not in await _submitted_digests(tender.id)
        if delete_file:
            await TenderDocument.delete().where(TenderDocument.id == document.id)
        else:
            await TenderDocument.update({TenderDocument.removed_at: clock.now()}).where(TenderDocument.id == document.id)
        await audit.record(
            "tender.document_removed", actor=user.actor, object_type="tender", object_id=tender.id,
            payload={"document": document_id, "sha256": document.sha256, "file_deleted": delete_file},
        )
    if delete_file:  # once the row is gone for good
        (files_dir / document.storage_key).unlink(missing_ok=True)


async def _submitted_digests(tender_id: int) -> set[str]:
    """The SHA-256 of every document any of the tender's submissions lists (withdrawn and superseded ones too)."""
    contents = await TenderSubmission.select(TenderSubmission.content).where(TenderSubmission.tender == tender_id).output(as_list=True)
    return {document["sha256"] for content in contents for document in json.loads(content).get("documents", [])}


# --- Submitting ---------------------------------------------------------------------------------


def canonical_content(space: Workspace, organisation_name: str) -> bytes:
    """Exactly what is submitted, as bytes: the receipt's SHA-256 is of these, and the supplier can
    download them to check it."""
    draft = space.draft
    selection = draft.get("selection", {})
    price = space.price_criterion
    content = {
        "framework": space.framework.reference,
        "lot": space.lot.number,
        "supplier": {"organisation_id": space.tender.organisation, "name": organisation_name},
        "selection": [
            {"criterion": c.id, "question": c.title, "answer": selection.get(str(c.id), {}).get("answer"), "detail": selection.get(str(c.id), {}).get("detail", "")}
            for c in space.of_kind(CriterionKind.SELECTION)
        ],
        "quality": [{"criterion": c.id, "title": c.title, "answer": draft.get("quality", {}).get(str(c.id), "")} for c in space.of_kind(CriterionKind.QUALITY)],
        "price": {"criterion": price.id if price else None, "title": price.title if price else None, "amount": draft.get("price"), "currency": "GBP"},
        "declarations": [DECLARATIONS[code] for code in sorted(draft.get("declarations", []))],
        "documents": [listed(d) for d in space.documents],
    }
    # Only where the draft carries it (under the Act): every other tender's content, and so its receipt's SHA-256, is as it was.
    if cdp.applies(space.framework) and (held := cdp.given(draft)):
        content["core_supplier_information"] = {"ppon": held["ppon"], "share_code": held["share_code"]}
    return canonical_json(content).encode("utf-8")


def listed(document: TenderDocument) -> dict:
    """A document as the submission lists it. "priced" only when true: a document without it lists as it
    always has, so that the draft of a tender submitted before there was a flag still matches its receipt."""
    entry = {"title": document.title, "filename": document.filename, "sha256": document.sha256, "size_bytes": document.size_bytes}
    return (entry | {"priced": True}) if document.priced else entry


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def organisation_name(organisation_id: int) -> str:
    return (await Organisation.select(Organisation.legal_name).where(Organisation.id == organisation_id).first())["legal_name"]


async def changed_since_submission(space: Workspace) -> bool:
    """Whether the draft differs from the submission that counts (so it must be submitted again)."""
    if space.counting is None:
        return False
    return digest(canonical_content(space, await organisation_name(space.tender.organisation))) != space.counting.sha256


async def submit(user: CurrentUser, reference: str, lot_number: int) -> Receipt:
    _check_supplier(user)
    decided = await units.run(_submission(user, reference, lot_number))
    if decided is None:
        await workspace(user, reference, lot_number)  # refuses with the reason: no such framework or lot, not registered
        raise TenderError("Prepare your tender before submitting it")
    receipt, email = decided
    if email is not None:
        notifications.log_queued(email)
    return receipt


# The organisation's tender for a lot with everything a submission reads of it in the same row: its
# framework, lot and organisation, the submission that counts (if any) and the last submission number.
_TENDER_TO_SUBMIT = (
    f"SELECT {db.columns_of(Framework, 'f')}, {db.columns_of(Lot, 'l')}, {db.columns_of(Tender, 't')}, {db.columns_of(TenderSubmission, 'c')},"
    " o.legal_name AS organisation_name, (SELECT max(s.number) FROM tender_submission s WHERE s.tender = t.id) AS last_number"
    " FROM tender t JOIN framework f ON f.id = t.framework JOIN lot l ON l.id = t.lot AND l.framework = f.id"
    " JOIN organisation o ON o.id = t.organisation"
    " LEFT JOIN tender_submission c ON c.tender = t.id AND c.superseded_at IS NULL AND c.withdrawn_at IS NULL"
    " WHERE f.reference = {} AND l.number = {} AND t.organisation = {}"
    " ORDER BY c.number DESC LIMIT 1"
)


def _submission(user: CurrentUser, reference: str, lot_number: int) -> units.Unit[tuple[Receipt, Notification | None] | None]:
    """The submission, decided in one go (registry.db.units): the receipt, and the email telling of
    it (None when the same content had already been received); None when the organisation has no
    tender for the lot. Three reads (the row above, the criteria, the draft's documents), then the
    writes."""
    if db.kind() == "postgres":
        # Submissions and draft changes of one organisation queue (a double click stores one
        # submission), so that the tender read next is what is submitted. (On SQLite the unit holds
        # the write lock from its start.)
        yield db.queueing_under(Organisation, user.organisation_id)
    rows = yield Tender.raw(_TENDER_TO_SUBMIT, reference, lot_number, user.organisation_id)
    if not rows:
        return None
    row = rows[0]
    framework, lot, tender = db.object_of(Framework, row, "f"), db.object_of(Lot, row, "l"), db.object_of(Tender, row, "t")
    framework_criteria = yield criteria.criteria_query(framework.id)
    documents = yield _documents_query(tender.id)
    space = Workspace(
        framework=framework, lot=lot, criteria=criteria.for_lot(criteria.in_kind_order(framework_criteria), lot.id), tender=tender,
        draft=json.loads(tender.draft), documents=documents, counting=db.object_of(TenderSubmission, row, "c"),
    )
    received_at = clock.received()
    if not accepting_tenders(framework):
        raise DeadlinePassed(framework.tender_deadline)
    if missing := [problem for problems in task_problems(space).values() for problem in problems]:
        raise TenderError("Your tender is not complete: " + "; ".join(missing))
    content = canonical_content(space, row["organisation_name"])
    sha256 = digest(content)
    counting = space.counting
    if counting is not None and counting.sha256 == sha256:
        return Receipt(counting.number, counting.received_at, counting.sha256, repeated=True), None
    if counting is not None:
        yield TenderSubmission.update({TenderSubmission.superseded_at: received_at}).where(TenderSubmission.id == counting.id)
    submission = TenderSubmission(
        tender=tender.id, number=(row["last_number"] or 0) + 1, content=content.decode("utf-8"), sha256=sha256,
        price_pence=int(Decimal(space.draft["price"]) * 100), received_at=received_at, submitted_by=user.id,
    )
    (inserted,) = yield TenderSubmission.insert(submission)
    submission.id = inserted["id"]
    yield Tender.update({Tender.status: TenderStatus.SUBMITTED, Tender.updated_at: received_at}).where(Tender.id == tender.id)
    email = yield from notifications.queueing(
        recipient=user.email, subject=f"{reference} lot {lot_number}: tender received", body=receipt_email(space, submission), sealed_under=sealed_mail(reference),
    )
    yield from audit.appending(  # last: on PostgreSQL it holds every writer's audit append until the commit
        "tender.submitted", actor=user.actor, object_type="tender", object_id=tender.id,
        payload={"framework": reference, "lot": lot_number, "submission": submission.number, "sha256": sha256, "received_at": received_at.isoformat()},
    )
    return Receipt(submission.number, received_at, sha256, repeated=False), email


def receipt_email(space: Workspace, submission: TenderSubmission) -> str:
    address = links.absolute(f"/frameworks/{space.framework.reference}/tenders/{space.lot.number}/receipts/{submission.number}")
    return (
        f"We received your tender for {space.framework.reference} – {space.framework.title}, lot {space.lot.number}: {space.lot.title}.\n\n"
        f"Received (UTC): {submission.received_at.isoformat(timespec='microseconds')}\n"
        f"SHA-256 of what you submitted: {submission.sha256}\n"
        f"Submission number: {submission.number}\n\n"
        f"Your receipt, and what you submitted: {address}\n\n"
        "Keep this email. You can withdraw or change your tender until the deadline; the newest submission counts.\n"
    )


async def withdraw(user: CurrentUser, reference: str, lot_number: int) -> None:
    async with audit.action("withdraw"):
        space, tender = await _editable(user, reference, lot_number)
        counting = await counting_submission(tender.id)
        if counting is None:
            raise TenderError("Your organisation has no submitted tender for this lot to withdraw")
        now = clock.received()
        await TenderSubmission.update({TenderSubmission.withdrawn_at: now}).where(TenderSubmission.id == counting.id)
        await Tender.update({Tender.status: TenderStatus.WITHDRAWN, Tender.updated_at: now}).where(Tender.id == tender.id)
        await audit.record("tender.withdrawn", actor=user.actor, object_type="tender", object_id=tender.id, payload={"framework": reference, "lot": lot_number, "submission": counting.number})
        await notifications.enqueue(
            recipient=user.email, subject=f"{reference} lot {lot_number}: tender withdrawn",
            body=(
                f"Your tender for {reference} lot {lot_number} was withdrawn at {now.isoformat(timespec='seconds')} (UTC). It no longer counts.\n\n"
                f"You can submit again until the tender deadline, {space.framework.tender_deadline.isoformat(timespec='seconds')} (UTC).\n"
            ),
            sealed_under=sealed_mail(reference),
        )


async def verify_receipt(user: CurrentUser, reference: str, lot_number: int, sha256: str) -> TenderSubmission | None:
    """The organisation's submission with this SHA-256, if there is one."""
    space = await workspace(user, reference, lot_number)
    if space.tender is None:
        return None
    return await TenderSubmission.objects().where((TenderSubmission.tender == space.tender.id) & (TenderSubmission.sha256 == sha256.strip().lower())).first()


# --- Where a tender stands ----------------------------------------------------------------------


class Standing(StrEnum):
    """What a supplier is told of its tender for a lot: only what is true now."""

    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    SUBMITTED = "Submitted"
    CHANGED = "Changes not submitted"  # a submission counts, but the draft has changed since
    WITHDRAWN = "Withdrawn"

    @property
    def counts(self) -> bool:
        """A submission counts for the lot."""
        return self in (Standing.SUBMITTED, Standing.CHANGED)

    @property
    def to_resubmit(self) -> bool:
        """The draft has changed since the submission that counts: it must be submitted again."""
        return self == Standing.CHANGED


async def standing(space: Workspace) -> Standing:
    if space.tender is None:
        return Standing.NOT_STARTED
    if space.counting is not None:
        return Standing.CHANGED if await changed_since_submission(space) else Standing.SUBMITTED
    if space.tender.status == TenderStatus.WITHDRAWN:
        return Standing.WITHDRAWN
    return Standing.IN_PROGRESS


async def standings(user: CurrentUser, framework: Framework, lots: list[Lot]) -> dict[int, Standing]:
    """Each lot's tender standing for the user's organisation, by lot number."""
    own = await own_tenders(user, framework)
    found = {}
    for lot in lots:
        found[lot.number] = await standing(await workspace(user, framework.reference, lot.number)) if lot.id in own else Standing.NOT_STARTED
    return found
