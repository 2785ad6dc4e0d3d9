from datetime import timedelta

import pytest

from registry import clock
from registry.audit.tables import AuditEvent
from registry.frameworks.tables import State
from registry.notifications.tables import Notification
from registry.tenders import opening, sealing
from registry.tenders import service as tenders
from registry.tenders.tables import TenderDocument, TenderSubmission
from tests.support import current, make_user, officer_and_supplier
from tests.tendering import TENDER_DEADLINE, complete_draft, frozen_at, open_for_tenders, registered


@pytest.fixture
async def itt(database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    return officer, supplier, framework, found


async def test_a_complete_tender_is_received_with_a_receipt_that_verifies(itt):
    officer, supplier, framework, found = itt
    await complete_draft(supplier, framework.reference, 1, found)
    receipt = await tenders.submit(supplier, framework.reference, 1)
    assert receipt.number == 1 and not receipt.repeated
    stored = await TenderSubmission.objects().get(TenderSubmission.number == 1)
    assert tenders.digest(stored.content.encode("utf-8")) == receipt.sha256 == stored.sha256
    assert stored.received_at == receipt.received_at
    assert (await tenders.verify_receipt(supplier, framework.reference, 1, receipt.sha256.upper())).number == 1
    assert await tenders.verify_receipt(supplier, framework.reference, 1, "0" * 64) is None
    email = await Notification.objects().where(Notification.subject.like("%tender received")).first()
    assert receipt.sha256 in email.body and email.recipient == supplier.email


async def test_the_same_content_submitted_twice_is_one_submission(itt):
    officer, supplier, framework, found = itt
    await complete_draft(supplier, framework.reference, 1, found)
    first = await tenders.submit(supplier, framework.reference, 1)
    again = await tenders.submit(supplier, framework.reference, 1)
    assert again.repeated and (again.number, again.sha256, again.received_at) == (first.number, first.sha256, first.received_at)
    assert await TenderSubmission.count() == 1


async def test_a_changed_tender_resubmitted_supersedes_the_earlier_one_which_is_kept(itt):
    officer, supplier, framework, found = itt
    await complete_draft(supplier, framework.reference, 1, found)
    first = await tenders.submit(supplier, framework.reference, 1)
    await tenders.save_price(supplier, framework.reference, 1, "39,500.00")
    second = await tenders.submit(supplier, framework.reference, 1)
    assert second.number == 2 and second.sha256 != first.sha256
    rows = await TenderSubmission.objects().order_by(TenderSubmission.number)
    assert rows[0].superseded_at is not None and rows[1].superseded_at is None


async def test_a_removed_document_is_deleted_with_its_file_unless_a_submission_lists_it_and_documents_have_a_quota(itt, settings, monkeypatch):
    officer, supplier, framework, found = itt
    files = settings.files_dir

    async def attach(name: str):
        return await tenders.attach_document(
            supplier, framework.reference, 1, title=name, filename=f"{name}.pdf", data=b"%PDF-1.4\n" + name.encode(), files_dir=files,
        )

    await complete_draft(supplier, framework.reference, 1, found)
    submitted = await attach("method")
    await tenders.submit(supplier, framework.reference, 1)
    draft_only = await attach("draft")
    for document in (submitted, draft_only):
        await tenders.remove_document(supplier, framework.reference, 1, document.id, files_dir=files)
    assert [path.name for path in files.iterdir()] == [submitted.storage_key]  # the submission may still be opened and read
    assert await TenderDocument.count() == 1

    monkeypatch.setattr(tenders, "MAX_DOCUMENT_BYTES", 30)  # the kept document (15 bytes) and one more of 15; no third
    await attach("second")
    with pytest.raises(tenders.TenderError, match="at most 0 MB in total, counting those kept with earlier submissions") as refused:
        await attach("third!")
    assert refused.value.field == "file" and len(list(files.iterdir())) == 2  # the refused file is not kept


async def test_withdrawing_leaves_nothing_counting_and_a_new_submission_counts_again(itt):
    officer, supplier, framework, found = itt
    await complete_draft(supplier, framework.reference, 1, found)
    first = await tenders.submit(supplier, framework.reference, 1)
    await tenders.withdraw(supplier, framework.reference, 1)
    space = await tenders.workspace(supplier, framework.reference, 1)
    assert space.counting is None and space.tender.status == "withdrawn"
    again = await tenders.submit(supplier, framework.reference, 1)
    assert again.number == 2 and again.sha256 == first.sha256 and not again.repeated


@pytest.mark.parametrize(("offset", "accepted"), [(-timedelta(microseconds=1), True), (timedelta(0), False), (timedelta(microseconds=1), False)])
async def test_the_deadline_is_checked_to_the_microsecond(itt, offset, accepted):
    officer, supplier, framework, found = itt
    await complete_draft(supplier, framework.reference, 1, found)
    previous = frozen_at(TENDER_DEADLINE + offset)
    try:
        if accepted:
            receipt = await tenders.submit(supplier, framework.reference, 1)
            assert receipt.received_at == TENDER_DEADLINE + offset
        else:
            with pytest.raises(tenders.DeadlinePassed):
                await tenders.submit(supplier, framework.reference, 1)
            assert await TenderSubmission.count() == 0
    finally:
        clock.use(previous)


async def test_incomplete_tenders_and_bad_answers_are_refused_with_the_reason(itt):
    officer, supplier, framework, found = itt
    with pytest.raises(tenders.TenderError, match="Prepare your tender"):
        await tenders.submit(supplier, framework.reference, 1)
    await tenders.save_price(supplier, framework.reference, 1, "100")
    with pytest.raises(tenders.TenderError, match="Answer the selection question"):
        await tenders.submit(supplier, framework.reference, 1)
    with pytest.raises(tenders.TenderError, match="100 words or fewer; it has 101"):
        await tenders.save_quality_answer(supplier, framework.reference, 1, found["team"].id, "word " * 101)
    for bad, message in [("-1", "cannot be negative"), ("lots", "number of pounds"), ("1.234", "two decimal places"), ("NaN", "number of pounds")]:
        with pytest.raises(tenders.TenderError, match=message):
            await tenders.save_price(supplier, framework.reference, 1, bad)
    assert (await tenders.workspace(supplier, framework.reference, 1)).draft["price"] == "100.00"


async def test_a_supplier_not_registered_for_the_lot_is_told_to_register(database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    with pytest.raises(tenders.NotRegistered, match="register"):
        await tenders.save_price(supplier, framework.reference, 1, "100")


async def test_tenders_stay_sealed_until_two_different_officers_open_them(itt):
    officer, supplier, framework, found = itt
    second = await current(await make_user(email="second@authority.example"))
    from registry.accounts.tables import User
    await User.update({User.organisation: officer.organisation_id}).where(User.id == second.id)
    second = await current(second)
    await complete_draft(supplier, framework.reference, 1, found)
    await tenders.submit(supplier, framework.reference, 1)
    space = await tenders.workspace(supplier, framework.reference, 1)

    with pytest.raises(sealing.Sealed):
        await sealing.readable_tender(officer, framework, space.tender.id)
    assert await sealing.counts_per_lot(officer, framework) is None  # not even how many, before the deadline
    with pytest.raises(opening.OpeningError, match="before the tender deadline"):
        await opening.request(officer, framework.reference)

    previous = frozen_at(TENDER_DEADLINE + timedelta(minutes=1))
    try:
        assert await sealing.counts_per_lot(officer, framework) == {1: 1, 2: 0}
        await opening.request(officer, framework.reference)
        with pytest.raises(opening.OpeningError, match="different procurement officer"):
            await opening.confirm(officer, framework.reference)
        with pytest.raises(sealing.Sealed):
            await sealing.readable_tender(officer, framework, space.tender.id)
        opened = await opening.confirm(second, framework.reference)
        assert opened.state == State.TENDERS_OPENED
        tender, submission, content = await sealing.readable_tender(second, framework, space.tender.id)
        assert content["price"]["amount"] == "45000.00"
        assert [row["supplier"] for row in await sealing.tenders_received(officer, framework)] == ["Org of bids@supplier.example"]
    finally:
        clock.use(previous)
    refusals = await AuditEvent.count().where(AuditEvent.action == "tender.sealed_access_refused")
    assert refusals == 2
