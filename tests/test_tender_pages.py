"""The criteria, invitation to tender, tender and opening pages, driven over HTTP as their users."""

import hashlib
import re
from datetime import timedelta

from registry.accounts.tables import User
from registry.audit.tables import AuditEvent
from registry.frameworks.tables import Framework, Notice, State
from registry.notifications.tables import Notification
from registry.tenders.tables import Tender
from tests.conftest import app_client
from tests.support import csrf_from, make_user, officer_and_supplier, post_form
from tests.test_framework_pages import sign_in
from tests.tendering import TENDER_DEADLINE, add_criteria, open_for_tenders, registered, rfi_closed


async def second_officer_of(officer):
    second = await make_user(email="second.officer@authority.example")
    await User.update({User.organisation: officer.organisation_id}).where(User.id == second.id)
    return second


async def test_an_officer_writes_the_criteria_and_publishes_the_invitation_to_tender(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework = await rfi_closed(officer, controlled_clock)
    await registered(supplier, framework.reference)
    await sign_in(client, "officer@authority.example")
    base = f"/manage/frameworks/{framework.reference}"

    price_only = await post_form(client, base + "/criteria/scheme", {"quality_share": "0", "scale": "Poor\nFair\nGood"})
    assert price_only.status_code == 400 and "A price-only assessment is not allowed" in price_only.text and "Error: " in price_only.text
    no_guidance = await post_form(client, base + "/criteria/new", {"kind": "quality", "title": "Reaching seldom-heard groups", "weight": "70"})
    assert no_guidance.status_code == 400 and 'href="#guidance"' in no_guidance.text and 'value="Reaching seldom-heard groups"' in no_guidance.text
    for form in (
        {"kind": "selection", "title": "Do you have a safeguarding policy?", "guidance": "Pass: yes, and it is published."},
        {"kind": "quality", "title": "Reaching seldom-heard groups", "guidance": "Your approach, with examples.", "weight": "70", "minimum_score": "2"},
        {"kind": "quality", "title": "Your team", "guidance": "Who would do the work.", "weight": "20"},
        {"kind": "price", "title": "Price for the sample engagement", "guidance": "Total, excluding VAT."},
    ):
        assert (await post_form(client, base + "/criteria/new", form)).status_code == 303

    itt = await client.get(base + "/itt")
    assert "the quality weights add up to 90; they must add up to 100" in itt.text and "Continue</button>" not in itt.text
    weights = await client.get(base + "/criteria/weights")
    ids = re.findall(r'name="weight-(\d+)"', weights.text)
    assert (await post_form(client, base + "/criteria/weights", {f"weight-{ids[0]}": "70", f"weight-{ids[1]}": "30"})).status_code == 303

    deadlines = {"clarification_day": "10", "clarification_month": "3", "clarification_year": "2027", "clarification_time": "17:00",
                 "tender_day": "9", "tender_month": "3", "tender_year": "2027", "tender_time": "12:00"}
    backwards = await post_form(client, base + "/itt", deadlines)
    assert backwards.status_code == 400 and "The tender deadline must be after the clarification deadline" in backwards.text and 'value="9"' in backwards.text
    assert (await Framework.objects().get(Framework.id == framework.id)).state == State.RFI_CLOSED
    check = await post_form(client, base + "/itt", {**deadlines, "tender_day": "24"})
    assert check.status_code == 200 and "Check before you publish the invitation to tender" in check.text
    assert "Publishing cannot be undone" in check.text and "No tender documents are attached" in check.text
    assert (await Framework.objects().get(Framework.id == framework.id)).state == State.RFI_CLOSED  # nothing published yet
    published = await post_form(client, base + "/itt", {**deadlines, "tender_day": "24", "confirmed": "yes"})
    assert published.status_code == 303
    framework = await Framework.objects().get(Framework.id == framework.id)
    assert framework.state == State.ITT_PUBLISHED and framework.tender_deadline.isoformat() == "2027-03-24T12:00:00+00:00"

    public = await client.get(f"/frameworks/{framework.reference}")
    assert "Open for tenders until" in public.text and "24 March 2027, midday" in public.text
    assert "How tenders will be assessed" in public.text and "Quality 60%, price 40%" in public.text and "Reaching seldom-heard groups" in public.text
    notice = await client.get(f"/frameworks/{framework.reference}/notices/tender/1")
    assert notice.status_code == 200 and "Tender deadline" in notice.text

    # Locked: a change now is an amendment with a reason, published and told to bidders
    criterion_id = ids[1]
    change = {"kind": "quality", "title": "Your team", "guidance": "Who would do the work, and their experience.", "weight": "30"}
    unexplained = await post_form(client, f"{base}/criteria/{criterion_id}", change)
    assert unexplained.status_code == 400 and "say what is changing and why" in unexplained.text
    amended = await post_form(client, f"{base}/criteria/{criterion_id}", {**change, "change_summary": "We added experience to the guidance."})
    assert amended.status_code == 303
    assert await Notice.count().where((Notice.framework == framework.id) & (Notice.kind == "tender")) == 2
    told = await Notification.objects().where(Notification.subject.like("%assessment criteria has been amended"))
    assert [n.recipient for n in told] == ["bids@supplier.example"] and "We added experience to the guidance." in told[0].body
    breaking = await post_form(client, f"{base}/criteria/{criterion_id}", {**change, "weight": "20", "change_summary": "Lower weight"})
    assert breaking.status_code == 400 and "would leave the criteria incomplete" in breaking.text
    assert await AuditEvent.exists().where(AuditEvent.action == "criteria.amended")


async def submit_through_pages(client, reference: str, found: dict) -> str:
    """Prepare and submit lot 1's tender as the signed-in supplier; returns the receipt page."""
    base = f"/frameworks/{reference}/tenders/1"
    insurance, approach, team = found["insurance"].id, found["approach"].id, found["team"].id
    assert (await post_form(client, base + "/selection", {f"c{insurance}": "yes", f"c{insurance}-detail": "Example Mutual"})).status_code == 303
    assert (await post_form(client, f"{base}/quality/{approach}", {"answer": "SEALED-APPROACH-TEXT we meet people where they are"})).status_code == 303
    assert (await post_form(client, f"{base}/quality/{team}", {"answer": "Six facilitators"})).status_code == 303
    assert (await post_form(client, base + "/price", {"price": "£48,250.50"})).status_code == 303
    page = await client.get(base + "/declarations")
    declared = await client.post(base + "/declarations", data={"_csrf_token": csrf_from(page.text), "declarations": ["accurate", "no_collusion", "conflicts", "terms"]})
    assert declared.status_code == 303
    submitted = await post_form(client, base + "/submit", {}, form_page=base + "/check")
    assert submitted.status_code == 303 and submitted.headers["location"] == base + "/receipts/1"
    return (await client.get(submitted.headers["location"])).text


async def test_a_supplier_prepares_and_submits_a_tender_and_can_check_the_receipt(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=10))  # the last minutes; sessions last through them
    await sign_in(client, "bids@supplier.example")
    base = f"/frameworks/{framework.reference}/tenders/1"

    not_registered = await client.get(base)
    assert not_registered.status_code == 200 and "Register interest to tender for lot 1" in not_registered.text
    await registered(supplier, framework.reference)
    task_list = await client.get(base)
    assert "Cannot start yet" in task_list.text and "Reaching seldom-heard groups" in task_list.text

    too_long = await post_form(client, f"{base}/quality/{found['team'].id}", {"answer": "word " * 101})
    assert too_long.status_code == 400 and "100 words or fewer; it has 101" in too_long.text and "word word" in too_long.text
    negative = await post_form(client, base + "/price", {"price": "-5"})
    assert negative.status_code == 400 and "The price cannot be negative" in negative.text and 'value="-5"' in negative.text
    not_a_number = await post_form(client, base + "/price", {"price": "about forty thousand"})
    assert not_a_number.status_code == 400 and "Enter your price as a number of pounds" in not_a_number.text

    receipt_page = await submit_through_pages(client, framework.reference, found)
    sha256 = re.search(r"\b[0-9a-f]{64}\b", receipt_page).group(0)
    assert "Tender received" in receipt_page
    content = await client.get(base + "/receipts/1/content.json")
    assert hashlib.sha256(content.content).hexdigest() == sha256
    checked = await post_form(client, base + "/verify", {"sha256": sha256.upper()})
    assert "This receipt matches submission 1" in checked.text
    wrong = await post_form(client, base + "/verify", {"sha256": "abc"})
    assert wrong.status_code == 400 and "64 characters" in wrong.text
    assert sha256 in (await Notification.objects().where(Notification.subject.like("%tender received")).first()).body

    again = await post_form(client, base + "/submit", {}, form_page=base + "/check")  # a retry of the same content
    assert again.headers["location"] == base + "/receipts/1"
    unchecked = await post_form(client, base + "/withdraw", {}, form_page=base + "/check")
    assert unchecked.status_code == 303 and unchecked.headers["location"] == base + "/withdraw"  # only from its check page
    check_withdrawal = await client.get(base + "/withdraw")
    assert "Your tender will no longer count for this lot" in check_withdrawal.text and "Number 1, received" in check_withdrawal.text
    assert "Your tender is withdrawn" not in (await client.get(base)).text
    withdrawn = await post_form(client, base + "/withdraw", {"confirmed": "yes"}, form_page=base + "/withdraw")
    assert withdrawn.status_code == 303
    assert "Your tender is withdrawn" in (await client.get(base)).text

    check_page = await client.get(base + "/check")
    controlled_clock.set(TENDER_DEADLINE + timedelta(seconds=1))
    late = await client.post(base + "/submit", data={"_csrf_token": csrf_from(check_page.text)})
    assert late.status_code == 400 and "The tender deadline was 23 March 2027, midday" in late.text
    assert (await Tender.objects().first()).status == "withdrawn"


async def test_tenders_are_opened_by_two_officers_after_the_deadline(client, database, controlled_clock, settings):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    await second_officer_of(officer)
    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=10))
    await sign_in(client, "bids@supplier.example")
    await submit_through_pages(client, framework.reference, found)
    tender = await Tender.objects().first()

    base = f"/manage/frameworks/{framework.reference}/tenders"
    async with app_client(settings) as first, app_client(settings) as second:
        await sign_in(first, "officer@authority.example")
        await sign_in(second, "second.officer@authority.example")
        sealed = await first.get(base)
        assert "Tenders are sealed" in sealed.text and "Request the opening" not in sealed.text
        peek = await first.get(f"{base}/{tender.id}")
        assert peek.status_code == 403 and "SEALED-APPROACH-TEXT" not in peek.text
        early = await post_form(first, base + "/opening/request", {}, form_page="/manage/frameworks/new")
        assert early.status_code == 400 and "before the tender deadline" in early.text

        controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=5))
        counted = await first.get(base)
        assert re.search(r"Lot 1: Lot title 1</td>\s*<td[^>]*>1</td>", counted.text) and "Example Mutual" not in counted.text
        assert (await post_form(first, base + "/opening/request", {}, form_page=base)).status_code == 303
        alone = await post_form(first, base + "/opening/confirm", {}, form_page="/manage/frameworks/new")  # no button for them: a crafted request
        assert alone.status_code == 400 and "a different procurement officer must confirm it" in alone.text
        assert (await first.get(f"{base}/{tender.id}")).status_code == 403
        assert (await post_form(second, base + "/opening/confirm", {}, form_page=base)).status_code == 303

        opened = await second.get(f"{base}/{tender.id}")
        assert opened.status_code == 200 and "SEALED-APPROACH-TEXT" in opened.text and "£48,250.50" in opened.text
        report = await first.get(base + "/opening-report")
        submission_hash = re.search(r"\b[0-9a-f]{64}\b", report.text).group(0)
        assert "Org of bids@supplier.example" in report.text and submission_hash
    assert (await Framework.objects().get(Framework.id == framework.id)).state == State.TENDERS_OPENED
    assert await AuditEvent.count().where(AuditEvent.action == "tender.sealed_access_refused") == 2


async def test_criteria_are_complete_before_the_invitation_can_be_published(database, controlled_clock):
    from registry.criteria import invitation, service

    officer, _ = await officer_and_supplier()
    framework = await rfi_closed(officer, controlled_clock)
    try:
        await invitation.publish(officer, framework.reference, clarification_deadline=TENDER_DEADLINE - timedelta(days=5), tender_deadline=TENDER_DEADLINE)
        raise AssertionError("published without criteria")
    except Exception as refused:
        assert "Lot 1: add at least one quality criterion" in str(refused)
    assert (await Framework.objects().get(Framework.id == framework.id)).tender_deadline is None  # nothing changed
    await add_criteria(officer, framework.reference)
    assert await service.problems_for(framework.id) == []


async def test_a_tenders_status_says_what_is_true_after_submitting_and_after_changing_it(client, database, controlled_clock):
    """Submitted, then "Changes not submitted" once the draft differs from what counts: on the lot's
    task list and on the list of lots. Never "Not yet started" for a submitted tender."""
    from registry.tenders import service as tenders
    from tests.tendering import complete_draft

    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    controlled_clock.set(TENDER_DEADLINE - timedelta(days=1))
    await complete_draft(supplier, framework.reference, 1, found)
    await tenders.submit(supplier, framework.reference, 1)
    await sign_in(client, "bids@supplier.example")
    base = f"/frameworks/{framework.reference}/tenders"

    def check_and_submit(html: str) -> str:
        item = re.search(r"Check and submit.*?govuk-task-list__status[^>]*>(.*?)</div>", html, re.S)
        return re.sub(r"<[^>]+>|\s+", " ", item.group(1)).strip()

    assert check_and_submit((await client.get(f"{base}/1")).text) == "Submitted"
    assert re.search(r"Lot 1: [^<]*</td>\s*<td[^>]*>Submitted</td>", (await client.get(base)).text)
    await tenders.save_price(supplier, framework.reference, 1, "39000")
    task_list = (await client.get(f"{base}/1")).text
    assert check_and_submit(task_list) == "Changes not submitted" and "Check and submit your changes" in task_list
    assert re.search(r"Lot 1: [^<]*</td>\s*<td[^>]*>Changes not submitted</td>", (await client.get(base)).text)
    await tenders.withdraw(supplier, framework.reference, 1)
    assert re.search(r"Lot 1: [^<]*</td>\s*<td[^>]*>Withdrawn</td>", (await client.get(base)).text)
