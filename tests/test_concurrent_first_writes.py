"""The same write sent several times at once (a double click, two tabs, a retrying client, two
officers): none is answered with a 500 from a unique constraint, and what is stored is what the
writes one after the other would store: one row, a reference each, one stage change. SQLite queues
writers from BEGIN; on PostgreSQL each of these actions queues behind a lock on the row it writes
under (or, for a series of references, a lock by name)."""

import asyncio

from registry.evaluation import service as evaluation
from registry.evaluation.tables import Evaluation, Score
from registry.frameworks import service as frameworks
from registry.frameworks.lifecycle import IllegalTransition
from registry.frameworks.tables import Framework, Notice, StageChange, State
from registry.interest import service as interest
from registry.interest.tables import ExpressionOfInterest
from registry.notifications import service as notifications
from registry.notifications.tables import NotificationPreference
from registry.suppliers import service as suppliers
from registry.suppliers.tables import SupplierProfile
from registry.surveys import service as surveys
from registry.surveys.tables import Answer, SurveyResponse
from registry.accounts.tables import OrganisationKind, Role
from registry.audit import service as audit
from registry.audit.tables import AuditEvent
from registry.notifications.tables import Notification
from registry.tenders import service as tenders
from registry.tenders.tables import Tender, TenderSubmission
from tests.support import current, make_user, officer_and_supplier
from tests.tendering import complete_draft, registered
from tests.test_evaluation import full_marks, panel  # noqa: F401 (fixture)
from tests.test_frameworks import DETAILS
from tests.test_surveys import open_rfi  # noqa: F401 (fixture)
from tests.test_tenders import itt  # noqa: F401 (fixture)

AT_ONCE = 5


async def at_once(action):
    return await asyncio.gather(*(action() for _ in range(AT_ONCE)))


async def test_registering_interest_at_once_stores_one_expression(itt):
    _, supplier, framework, _ = itt
    await ExpressionOfInterest.delete(force=True)  # the fixture registered it
    await at_once(lambda: interest.register(supplier, framework.reference, lot_numbers=[1]))
    assert await ExpressionOfInterest.count() == 1


async def test_a_first_tender_draft_saved_at_once_is_one_tender(itt):
    _, supplier, framework, found = itt
    await at_once(lambda: tenders.save_price(supplier, framework.reference, 1, "45000"))
    assert await Tender.count() == 1


async def test_two_parts_of_one_tender_draft_saved_at_once_are_both_kept(itt):
    _, supplier, framework, _ = itt
    await tenders.save_price(supplier, framework.reference, 1, "100")  # the tender exists: only the draft is contended
    await asyncio.gather(
        tenders.save_price(supplier, framework.reference, 1, "45000"),
        tenders.save_declarations(supplier, framework.reference, 1, list(tenders.DECLARATIONS)),
    )
    space = await tenders.workspace(supplier, framework.reference, 1)
    assert space.draft["price"] == "45000.00" and space.draft["declarations"] == sorted(tenders.DECLARATIONS)


async def test_a_tender_submitted_several_times_at_once_is_one_submission_with_one_receipt(itt):
    _, supplier, framework, found = itt
    await complete_draft(supplier, framework.reference, 1, found)
    receipts = await at_once(lambda: tenders.submit(supplier, framework.reference, 1))
    assert {(r.number, r.sha256, r.received_at) for r in receipts} == {(1, receipts[0].sha256, receipts[0].received_at)}
    assert sum(not r.repeated for r in receipts) == 1
    assert await TenderSubmission.count() == 1
    assert await AuditEvent.count().where(AuditEvent.action == "tender.submitted") == 1
    assert await Notification.count().where(Notification.subject.like("%tender received")) == 1


async def test_tenders_of_several_suppliers_submitted_at_once_each_get_their_receipt_in_one_audit_chain(itt):
    officer, first, framework, found = itt
    suppliers = [first]
    for n in range(1, AT_ONCE):
        supplier = await current(await make_user(email=f"bids@bidder{n}.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER))
        await registered(supplier, framework.reference)
        suppliers.append(supplier)
    for supplier in suppliers:
        await complete_draft(supplier, framework.reference, 1, found)
    receipts = await asyncio.gather(*(tenders.submit(supplier, framework.reference, 1) for supplier in suppliers))
    stored = {row["sha256"]: row for row in await TenderSubmission.select(TenderSubmission.sha256, TenderSubmission.content)}
    assert len(stored) == AT_ONCE and all(r.number == 1 and tenders.digest(stored[r.sha256]["content"].encode()) == r.sha256 for r in receipts)
    assert (await audit.verify()).ok


async def test_first_marks_saved_at_once_are_one_evaluation_with_one_score_a_criterion(panel):
    first, second = panel["evaluators"]
    assignment, other = panel["assignments"]
    await evaluation.declare(first, assignment.id, conflicted=False, details="")
    await evaluation.declare(second, other.id, conflicted=False, details="")
    await frameworks.move(panel["officer"], panel["framework"].reference, State.EVALUATION)
    await at_once(lambda: evaluation.save_marks(first, assignment.id, panel["tenders"][0], full_marks(panel["found"]), submit=False))
    assert await Evaluation.count() == 1
    assert await Score.count() == len(full_marks(panel["found"]))


async def test_first_rfi_answers_saved_at_once_are_one_response_with_one_answer_a_question(open_rfi):
    _, supplier, framework, _, about, _, q = open_rfi
    await at_once(lambda: surveys.save_section(supplier, framework.reference, about.id, {q["name"].id: (["Morag"], ""), q["staff"].id: (["25"], "")}))
    assert await SurveyResponse.count() == 1
    assert await Answer.count() == 2


async def test_a_first_profile_saved_at_once_is_one_profile(database):
    _, supplier = await officer_and_supplier()
    profile = suppliers.Profile(
        trading_name="", description="We run citizens' panels", address_line_1="", address_line_2="", town="", postcode="", website="",
        regions=("fife",), engagement_methods=(), groups=(), languages=(), accessible_formats=(), capacity=3,
    )
    await at_once(lambda: suppliers.save(supplier, profile))
    assert await SupplierProfile.count() == 1


async def test_notification_preferences_saved_at_once_are_one_row(database):
    _, supplier = await officer_and_supplier()
    await at_once(lambda: notifications.set_preferences(supplier.id, {"stage_changes"}, supplier.actor))
    assert await NotificationPreference.count() == 1


async def test_frameworks_created_at_once_get_their_own_references(database):
    officer, _ = await officer_and_supplier()
    made = await at_once(lambda: frameworks.create(officer, DETAILS))
    assert len({framework.reference for framework in made}) == AT_ONCE == await Framework.count()


async def test_a_stage_change_sent_twice_at_once_happens_once_with_one_notice(database):
    officer, _ = await officer_and_supplier()
    draft = await frameworks.create(officer, DETAILS)
    await frameworks.save_lot(officer, draft.reference, number=None, title="Lot 1", scope="Scope", subject="adults", max_suppliers=5)
    outcomes = await asyncio.gather(*(frameworks.move(officer, draft.reference, State.PIN_PUBLISHED) for _ in range(AT_ONCE)), return_exceptions=True)
    assert sum(not isinstance(outcome, Exception) for outcome in outcomes) == 1
    assert all(isinstance(outcome, IllegalTransition) for outcome in outcomes if isinstance(outcome, Exception)), outcomes
    assert await Notice.count() == 1 and await StageChange.count() == 1
