import asyncio
import io
import re
import zipfile
from datetime import timedelta

import pytest
from icalendar import Calendar

from registry.frameworks import service
from registry.frameworks.tables import Document, Framework, State
from registry.interest.service import calendar_token
from registry.notifications.tables import Notification
from tests import support
from tests.support import PASSWORD, csrf_from, officer_and_supplier, post_form
from tests.test_frameworks import DETAILS, draft_with_lots

EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", date_time=(2027, 1, 1, 0, 0, 0)), "<Types/>")
        archive.writestr(zipfile.ZipInfo("word/document.xml", date_time=(2027, 1, 1, 0, 0, 0)), "<document/>")
    return buffer.getvalue()


async def sign_in(client, email):
    response = await support.sign_in(client, email, PASSWORD)
    assert response.status_code == 303


async def test_an_officer_builds_a_framework_through_the_pages_and_publishes_it(client, database):
    await officer_and_supplier()
    await sign_in(client, "officer@authority.example")
    bad = await post_form(client, "/manage/frameworks/new", {
        "title": "", "estimated_value": "lots", "duration_months": "60", "start_day": "31", "start_month": "2", "start_year": "2027",
    })
    assert bad.status_code == 400
    for message in ("Enter the framework&#39;s title", "Enter the estimated value in whole pounds", "A framework can last at most 48 months", "The start date must be a real date"):
        assert message in bad.text
    assert 'value="lots"' in bad.text and 'value="60"' in bad.text

    created = await post_form(client, "/manage/frameworks/new", {"title": "Participation services 2027", "regime": "scotland"})
    assert created.status_code == 303
    reference = created.headers["location"].rsplit("/", 1)[1]
    tasks = await client.get(f"/manage/frameworks/{reference}")
    assert "Incomplete" in tasks.text and "Cannot start yet" in tasks.text

    page = await client.get(f"/manage/frameworks/{reference}/details")
    details = {
        "_csrf_token": csrf_from(page.text), "title": "Participation services 2027", "summary": "Panels and deliberation",
        "description": "Engaging the public.", "estimated_value": "£2,500,000", "start_day": "1", "start_month": "6", "start_year": "2027",
        "duration_months": "36", "regime": "england", "call_off_routes": ["direct_award", "mini_competition"],
    }
    assert (await client.post(f"/manage/frameworks/{reference}/details", data=details)).status_code == 303
    no_lot = await post_form(client, f"/manage/frameworks/{reference}/lots/new", {"title": "", "scope": "", "max_suppliers": "0", "estimated_value": "lots"})
    assert no_lot.status_code == 400 and "Enter the lot&#39;s title" in no_lot.text and "from 1 to 100" in no_lot.text
    assert "Enter the estimated value in whole pounds" in no_lot.text and 'value="lots"' in no_lot.text
    assert (await post_form(client, f"/manage/frameworks/{reference}/lots/new", {"title": "Adults", "scope": "Work with adults", "subject": "adults", "max_suppliers": "6", "estimated_value": "£1,500,000"})).status_code == 303
    assert 'value="1500000"' in (await client.get(f"/manage/frameworks/{reference}/lots/1")).text
    assert (await post_form(client, f"/manage/frameworks/{reference}/lots/new", {"title": "Young people", "scope": "Under 25s", "max_suppliers": "4"})).status_code == 303

    check = await client.get(f"/manage/frameworks/{reference}/check")
    assert "£2,500,000" in check.text and "1 June 2027" in check.text and "Lot 2: Young people" in check.text
    assert "Publishing cannot be undone" in check.text
    unchecked = await client.post(f"/manage/frameworks/{reference}/stage", data={"_csrf_token": csrf_from(check.text), "target": "pin_published"})
    assert unchecked.status_code == 303 and unchecked.headers["location"] == f"/manage/frameworks/{reference}/check"  # only from the check page
    published = await client.post(f"/manage/frameworks/{reference}/stage", data={"_csrf_token": csrf_from(check.text), "target": "pin_published", "confirmed": "yes"})
    assert published.status_code == 303 and published.headers["location"] == f"/manage/frameworks/{reference}?done=pin_published"
    assert "Prior information notice: done" in (await client.get(published.headers["location"])).text
    again = await client.post(f"/manage/frameworks/{reference}/stage", data={"_csrf_token": csrf_from(check.text), "target": "pin_published", "confirmed": "yes"})
    assert again.headers["location"] == f"/manage/frameworks/{reference}?done=pin_published"  # Back and publish again: no internal message
    public = await client.get(f"/frameworks/{reference}")
    assert public.status_code == 200 and "Participation services 2027" in public.text and "Procurement Act 2023" in public.text
    listing = await client.get("/frameworks", params={"q": "participation services", "subject": "adults"})
    assert reference in listing.text


async def test_drafts_are_not_public(client, database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    assert (await client.get(f"/frameworks/{framework.reference}")).status_code == 404
    assert framework.reference not in (await client.get("/frameworks")).text


async def test_a_supplier_registers_interest_in_one_lot_through_the_pages(client, database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    await sign_in(client, "bids@supplier.example")
    form = (await client.get(f"/frameworks/{framework.reference}/interest")).text
    assert " checked" not in form  # nothing chosen for the supplier: neither all lots nor any lot
    nothing = await post_form(client, f"/frameworks/{framework.reference}/interest", {"scope": "chosen"})
    assert nothing.status_code == 400 and "Select at least one lot" in nothing.text
    chosen = await post_form(client, f"/frameworks/{framework.reference}/interest", {"scope": "chosen", "lots": ["2"]})
    assert chosen.status_code == 303
    page = await client.get(chosen.headers["location"])
    assert "Your organisation&#39;s interest is registered" in page.text and "lots 2" in page.text
    followed = await client.get("/organisation/frameworks")
    assert framework.reference in followed.text
    feed = re.search(r'<code id="calendar-feed">http://[^/]+(/calendar/[^<]+)</code>', followed.text).group(1)
    assert (await client.get(feed)).status_code == 200


async def test_one_organisations_pages_asking_for_its_calendar_feed_at_once_get_the_same_one(database):
    _, supplier = await officer_and_supplier()
    tokens = await asyncio.gather(*(calendar_token(supplier.organisation_id) for _ in range(5)))
    assert len(set(tokens)) == 1
    assert await calendar_token(supplier.organisation_id) == tokens[0]


async def test_documents_are_checked_by_content_and_downloaded_safely(client, database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await sign_in(client, "officer@authority.example")
    url = f"/manage/frameworks/{framework.reference}/documents"
    page = await client.get(url)
    token = csrf_from(page.text)
    disguised = await client.post(url, data={"_csrf_token": token, "title": "Specification"}, files={"file": ("specification.pdf", EXECUTABLE, "application/pdf")})
    assert disguised.status_code == 400 and "must be a PDF, DOCX, XLSX, ODT or CSV file" in disguised.text
    assert 'value="Specification"' in disguised.text
    missing = await client.post(url, data={"_csrf_token": token, "title": ""})
    assert "Enter a title for the document" in missing.text and "Select a file" in missing.text
    huge = await client.post(url, data={"_csrf_token": token, "title": "Huge"}, files={"file": ("huge.pdf", b"%PDF-" + b"0" * (60 * 1024 * 1024), "application/pdf")})
    assert huge.status_code == 413 and "smaller than 20 MB" in huge.text
    assert await Document.count() == 0

    payload = docx_bytes()
    saved = await client.post(url, data={"_csrf_token": token, "title": "Specification"}, files={"file": ('../../etc/"spec".docx', payload, "application/octet-stream")})
    assert saved.status_code == 303
    document = await Document.objects().first()
    assert document.filename == "spec.docx" and document.content_type.endswith("wordprocessingml.document")
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    download = await client.get(f"/frameworks/{framework.reference}/documents/{document.id}")
    assert download.status_code == 200 and download.content == payload
    assert download.headers["content-disposition"] == 'attachment; filename="spec.docx"'
    assert download.headers["x-content-type-options"] == "nosniff"


async def test_calendars_are_valid_icalendar_with_the_key_dates(client, database):
    from datetime import UTC, datetime

    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    deadline = datetime(2027, 5, 14, 11, 0, tzinfo=UTC)
    await Framework.update({Framework.tender_deadline: deadline}).where(Framework.id == framework.id)
    for url in (f"/frameworks/{framework.reference}/calendar.ics", "/open-data/calendar.ics"):
        response = await client.get(url)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        events = [component for component in calendar.walk("VEVENT")]
        assert [str(event["summary"]) for event in events] == [f"{framework.reference}: Tender deadline"]
        assert events[0].decoded("dtstart") == deadline


async def test_an_amendment_shows_what_changed_and_keeps_the_old_version(client, database):
    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    await sign_in(client, "officer@authority.example")
    form = await client.get(f"/manage/frameworks/{framework.reference}/amend")
    assert 'value="4000000"' in form.text
    no_reason = await client.post(f"/manage/frameworks/{framework.reference}/amend", data={"_csrf_token": csrf_from(form.text), "title": DETAILS.title})
    assert no_reason.status_code == 400 and "Say what has changed" in no_reason.text
    data = {
        "_csrf_token": csrf_from(form.text), "title": DETAILS.title, "summary": DETAILS.summary, "description": DETAILS.description,
        "estimated_value": "5000000", "start_day": "1", "start_month": "6", "start_year": "2027", "duration_months": "36",
        "regime": "scotland", "call_off_routes": ["direct_award", "mini_competition"], "change_summary": "The estimated value has risen to £5m",
    }
    assert (await client.post(f"/manage/frameworks/{framework.reference}/amend", data=data)).status_code == 303
    version_two = await client.get(f"/frameworks/{framework.reference}/notices/pin/2")
    assert "The estimated value has risen to £5m" in version_two.text and "Changed: Estimated value" in version_two.text
    assert '<h2 class="govuk-heading-s">What changed</h2>' in version_two.text  # markup, not escaped text
    version_one = await client.get(f"/frameworks/{framework.reference}/notices/pin/1")
    assert "£4,000,000" in version_one.text and "A newer version has since been published" in version_one.text
    assert await Notification.count().where(Notification.subject.like("%amended%")) == 0  # nobody follows it yet


async def test_overlong_text_is_refused_with_the_limit(client, database):
    await officer_and_supplier()
    await sign_in(client, "officer@authority.example")
    response = await post_form(client, "/manage/frameworks/new", {"title": "T" * 201, "summary": "S" * 601})
    assert response.status_code == 400
    assert "Title must be 200 characters or fewer" in response.text and "Summary must be 600 characters or fewer" in response.text


async def test_a_nul_character_typed_into_a_form_is_refused_with_a_message_not_a_server_error(client, database):
    await officer_and_supplier()
    await sign_in(client, "officer@authority.example")
    response = await post_form(client, "/manage/frameworks/new", {"title": "Participation\x00Services", "regime": "scotland"})
    assert response.status_code == 400
    assert "Remove the invisible control character (NUL)" in response.text


async def test_after_the_tender_deadline_no_one_is_invited_to_register_interest(client, database, controlled_clock):
    """Registering interest is how a supplier comes to tender: once the deadline has passed, whether
    or not an officer has closed tendering, the page no longer offers it and the service refuses it."""
    from registry.interest import service as interest
    from tests.tendering import TENDER_DEADLINE, open_for_tenders

    officer, supplier = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    await sign_in(client, "bids@supplier.example")
    assert "Register interest" in (await client.get(f"/frameworks/{framework.reference}")).text
    controlled_clock.set(TENDER_DEADLINE + timedelta(days=90))
    await sign_in(client, "bids@supplier.example")
    page = await client.get(f"/frameworks/{framework.reference}")
    assert page.status_code == 200 and "Register interest" not in page.text
    with pytest.raises(interest.InterestError, match="its tender deadline has passed"):
        await interest.register(supplier, framework.reference, lot_numbers=None)


async def test_the_email_that_announces_tendering_says_what_it_means_and_gives_both_deadlines(database, controlled_clock):
    from registry.criteria import invitation
    from registry.notifications.tables import Notification
    from tests.tendering import CLARIFICATION_DEADLINE, TENDER_DEADLINE, add_criteria, registered, rfi_closed

    officer, supplier = await officer_and_supplier()
    framework = await rfi_closed(officer, controlled_clock)
    await registered(supplier, framework.reference)
    await add_criteria(officer, framework.reference)
    await invitation.publish(officer, framework.reference, clarification_deadline=CLARIFICATION_DEADLINE, tender_deadline=TENDER_DEADLINE)
    email = await Notification.objects().where(
        (Notification.recipient == "bids@supplier.example") & Notification.subject.like("%open for tenders")
    ).first()
    assert "Suppliers that registered interest can prepare and submit tenders" in email.body
    assert "Clarification questions close: 13 March 2027, 9am" in email.body and "Tenders close: 23 March 2027, midday" in email.body
    assert f"/frameworks/{framework.reference}" in email.body and "moved to" not in email.body


async def test_the_officer_picks_cpv_codes_participation_services_first_and_gives_a_contact_point(client, database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await sign_in(client, "officer@authority.example")
    url = f"/manage/frameworks/{framework.reference}/details"
    form = await client.get(url)
    picker = form.text[form.text.index("name=\"cpv_codes\""):]
    assert picker.index("79311000-7 Survey services") < picker.index("79315000-5 Social research services") < picker.index("79400000-8") < picker.index("79952000-2 Event services")
    assert 'href="/reference/cpv"' in form.text  # the search works without JavaScript: a page of its own

    details = {
        "title": DETAILS.title, "summary": DETAILS.summary, "description": DETAILS.description, "estimated_value": "4000000", "start_day": "1",
        "start_month": "6", "start_year": "2027", "duration_months": "36", "call_off_routes": ["direct_award"],
        "regime": "scotland", "cpv_codes": ["79315000", "99999999"], "other_cpv_codes": "73110000-6, 79311000-3",
        "contact_name": "Commercial team", "contact_email": "frameworks.testing.example", "contact_telephone": "call us",
    }
    bad = await post_form(client, url, details)
    assert bad.status_code == 400
    for message in (
        "Select CPV codes from the list", "“79311000-3” is not a CPV code: enter codes from the CPV list, like 79311000-7",
        "Enter the contact email address in the correct format", "Enter a telephone number, like 0131 496 0000",
    ):
        assert message in bad.text, message
    assert 'href="#other_cpv_codes"' in bad.text and 'href="#contact_email"' in bad.text  # the error summary links to each field
    assert 'value="73110000-6, 79311000-3"' in bad.text and 'value="Commercial team"' in bad.text

    good = {**details, "cpv_codes": ["79315000", "79311000"], "other_cpv_codes": "73110000, 79952000-2", "contact_email": "frameworks@testing.example", "contact_telephone": "0131 496 0000"}
    assert (await post_form(client, url, good)).status_code == 303
    saved = await service.get(framework.reference)
    assert saved.cpv_codes == ["79311000", "79315000", "79952000", "73110000"]  # participation services first, each once
    assert (saved.contact_name, saved.contact_email, saved.contact_telephone) == ("Commercial team", "frameworks@testing.example", "0131 496 0000")
    again = await client.get(url)
    assert 'value="73110000-6"' in again.text and 'value="79952000" checked' in again.text

    check = await client.get(f"/manage/frameworks/{framework.reference}/check")
    assert "79311000, 79315000, 79952000, 73110000" in check.text and "Commercial team, frameworks@testing.example, 0131 496 0000" in check.text
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    notice = await client.get(f"/frameworks/{framework.reference}/notices/pin/1")
    assert "79311000, 79315000, 79952000, 73110000" in notice.text and "frameworks@testing.example" in notice.text
    public = await client.get(f"/frameworks/{framework.reference}")
    for shown in ("79311000-7 Survey services", "73110000-6 Research services", "Commercial team", "mailto:frameworks@testing.example", "0131 496 0000"):
        assert shown in public.text, shown


async def test_anyone_can_search_the_cpv_list_by_words_or_digits(client, database):
    start = await client.get("/reference/cpv")
    assert start.status_code == 200 and "79315000-5" in start.text and "Social research services" in start.text
    words = await client.get("/reference/cpv", params={"q": "survey"})
    assert "79311200-9" in words.text and "Survey conduction services" in words.text
    digits = await client.get("/reference/cpv", params={"q": "7995"})
    assert "79952000-2" in digits.text and "Event services" in digits.text
    nothing = await client.get("/reference/cpv", params={"q": "zzzzqqq"})
    assert nothing.status_code == 200 and "No codes match zzzzqqq" in nothing.text


async def test_a_document_is_published_with_its_type_and_sha256(client, database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    await sign_in(client, "officer@authority.example")
    url = f"/manage/frameworks/{framework.reference}/documents"
    token = csrf_from((await client.get(url)).text)
    unknown = await client.post(url, data={"_csrf_token": token, "title": "Terms", "document_type": "winningBid"}, files={"file": ("terms.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    assert unknown.status_code == 400 and "Select what kind of document it is" in unknown.text
    saved = await client.post(url, data={"_csrf_token": token, "title": "Terms", "document_type": "contractDraft"}, files={"file": ("terms.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    assert saved.status_code == 303
    document = await Document.objects().first()
    assert document.document_type == "contractDraft"
    public = await client.get(f"/frameworks/{framework.reference}")
    assert "contract draft; PDF" in public.text and document.sha256 in public.text
