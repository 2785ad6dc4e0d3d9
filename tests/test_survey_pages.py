import json
import re
from datetime import UTC, datetime

from registry.frameworks import service as frameworks
from registry.frameworks.tables import State
from registry.surveys import service
from registry.surveys.tables import Answer, Question
from tests.support import csrf_from, post_form
from tests.test_framework_pages import sign_in
from tests.test_frameworks import draft_with_lots
from tests.support import officer_and_supplier


async def published_framework():
    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    return officer, supplier, framework


async def test_an_officer_builds_a_survey_and_opens_the_rfi(client, database, controlled_clock):
    controlled_clock.set(datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
    officer, supplier, framework = await published_framework()
    await sign_in(client, "officer@authority.example")
    base = f"/manage/frameworks/{framework.reference}/rfi"
    past = await post_form(client, base + "/details", {"title": "Market questions", "close_day": "1", "close_month": "1", "close_year": "2027", "close_time": "17:00"}, form_page=base)
    assert past.status_code == 400 and "The closing time must be in the future" in past.text
    bad_time = await post_form(client, base + "/details", {"title": "Market questions", "close_day": "1", "close_month": "3", "close_year": "2027", "close_time": "5pm"}, form_page=base)
    assert bad_time.status_code == 400 and "Enter the closing time as hours and minutes" in bad_time.text and 'value="5pm"' in bad_time.text
    bad_open = await post_form(client, base + "/details", {"title": "Market questions", "open_day": "31", "open_month": "2", "open_year": "2027", "close_day": "1", "close_month": "3", "close_year": "2027", "close_time": "17:00"}, form_page=base)
    assert bad_open.status_code == 400 and "The opening date must be a real date" in bad_open.text
    late_open = await post_form(client, base + "/details", {"title": "Market questions", "open_day": "2", "open_month": "3", "open_year": "2027", "close_day": "1", "close_month": "3", "close_year": "2027", "close_time": "17:00"}, form_page=base)
    assert late_open.status_code == 400 and "The closing time must be after the opening time" in late_open.text
    saved = await post_form(client, base + "/details", {"title": "Market questions", "introduction": "Help us shape the framework", "open_day": "3", "open_month": "2", "open_year": "2027", "open_time": "09:00", "close_day": "1", "close_month": "3", "close_year": "2027", "close_time": "17:00"}, form_page=base)
    assert saved.status_code == 303
    survey = await service.current_survey(framework.id)
    assert survey.closes_at == datetime(2027, 3, 1, 17, 0, tzinfo=UTC)  # Europe/London is on GMT in March
    assert survey.opens_at == datetime(2027, 2, 3, 9, 0, tzinfo=UTC)

    empty_open = await post_form(client, base + "/open", {}, form_page=base)
    assert empty_open.status_code == 400 and "Write the request for information&#39;s questions first" in empty_open.text
    assert (await post_form(client, base + "/sections", {"section_title": "About your organisation"}, form_page=base)).status_code == 303
    section = (await service.sections(survey.id))[0]
    no_options = await post_form(client, base + "/questions/new", {"section_id": str(section.id), "kind": "single_choice", "text": "Which lot suits you?", "options": "Only one"})
    assert no_options.status_code == 400 and "Give at least two options" in no_options.text
    for text, kind, extra in (
        ("How many people work for you?", "number", {"minimum": "1", "maximum": "100000"}),
        ("Which lot suits you best?", "single_choice", {"options": "Adults\nYoung people"}),
    ):
        added = await post_form(client, base + "/questions/new", {"section_id": str(section.id), "kind": kind, "text": text, **extra})
        assert added.status_code == 303
    questions = await Question.objects().where(Question.survey == survey.id).order_by(Question.position)
    page = await client.get(base)
    assert (await client.post(f"{base}/questions/{questions[1].id}/move", data={"_csrf_token": csrf_from(page.text), "direction": "up"})).status_code == 303
    assert [q.text for q in await service.questions(survey.id)] == ["Which lot suits you best?", "How many people work for you?"]
    no_such = await client.post(f"{base}/questions/999999/remove", data={"_csrf_token": csrf_from(page.text)})
    assert no_such.status_code == 404  # a question of no survey, or of another's: not found, not a problem with the page
    preview = await client.get(base + "/preview")
    assert preview.status_code == 200 and "Young people" in preview.text and "Enter a number at least 1 and at most 100000" in preview.text

    opened = await post_form(client, base + "/open", {}, form_page=base)
    assert opened.status_code == 303
    assert (await frameworks.get(framework.reference)).state == State.RFI_OPEN


async def open_survey(controlled_clock):
    from registry.surveys.service import QuestionSpec
    from registry.surveys.tables import QuestionKind

    controlled_clock.set(datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
    officer, supplier, framework = await published_framework()
    survey = await service.save_survey(officer, framework.reference, title="Market questions", introduction="Tell us", opens_at=None, closes_at=datetime(2027, 3, 1, 17, 0, tzinfo=UTC))
    first = await service.add_section(officer, survey.id, "About you")
    second = await service.add_section(officer, survey.id, "Your views")
    staff = await service.add_question(officer, survey.id, first.id, QuestionSpec(QuestionKind.NUMBER, "How many staff?", minimum=1, maximum=500))
    size = await service.add_question(officer, survey.id, first.id, QuestionSpec(QuestionKind.SINGLE_CHOICE, "Preferred lot", options=("Adults", "Young people")))
    views = await service.add_question(officer, survey.id, second.id, QuestionSpec(QuestionKind.LONG_TEXT, "What would you change?", max_length=40))
    await service.open_rfi(officer, framework.reference)
    return framework, survey, first, second, staff, size, views


async def test_a_supplier_answers_saves_a_draft_returns_and_submits(client, database, controlled_clock):
    from registry.notifications.tables import Notification

    framework, survey, first, second, staff, size, views = await open_survey(controlled_clock)
    await sign_in(client, "bids@supplier.example")
    base = f"/frameworks/{framework.reference}/rfi"
    overview = await client.get(base)
    assert overview.status_code == 200 and "Not yet started" in overview.text
    section_url = f"{base}/sections/{first.id}"
    crafted = await post_form(client, section_url, {f"q{staff.id}": "900", f"q{size.id}": "Everyone", "action": "continue"})
    assert crafted.status_code == 400
    assert "How many staff? Enter a number of 500 or less" in crafted.text and "Preferred lot: select one of the options" in crafted.text  # each names its question
    assert 'value="900"' in crafted.text

    draft = await post_form(client, section_url, {f"q{staff.id}": "12", "action": "draft"})
    assert draft.status_code == 303 and draft.headers["location"].endswith("?saved=1")
    back = await client.get(section_url)
    assert 'value="12"' in back.text
    incomplete = await post_form(client, section_url, {f"q{staff.id}": "12", "action": "continue"})
    assert incomplete.status_code == 400 and "Preferred lot: select an answer" in incomplete.text
    done = await post_form(client, section_url, {f"q{staff.id}": "12", f"q{size.id}": "Adults", "action": "continue"})
    assert done.headers["location"] == f"{base}/sections/{second.id}"
    too_long = await post_form(client, done.headers["location"], {f"q{views.id}": "x" * 41, "action": "continue"})
    assert "must be 40 characters or fewer" in too_long.text
    last = await post_form(client, done.headers["location"], {f"q{views.id}": "More rural work", "action": "continue"})
    assert last.headers["location"] == f"{base}/check"
    check = await client.get(f"{base}/check")
    assert "More rural work" in check.text and "Adults" in check.text
    submitted = await client.post(f"{base}/submit", data={"_csrf_token": csrf_from(check.text)})
    assert submitted.status_code == 200 and "Response submitted" in submitted.text
    assert "does not register your interest" in submitted.text and f'href="/frameworks/{framework.reference}/interest"' in submitted.text
    assert re.search(r"<strong>RFI-[0-9A-F]{8}</strong>", submitted.text)
    copy = await Notification.objects().where(Notification.subject.like("Your response to%")).first()
    assert copy is not None and "More rural work" in copy.body


async def test_after_the_close_answers_are_refused_and_kept(client, database, controlled_clock):
    from datetime import timedelta

    framework, survey, first, second, staff, size, views = await open_survey(controlled_clock)
    await sign_in(client, "bids@supplier.example")
    section_url = f"/frameworks/{framework.reference}/rfi/sections/{first.id}"
    await post_form(client, section_url, {f"q{staff.id}": "7", "action": "draft"})
    controlled_clock.set(datetime(2027, 3, 1, 16, 59, 0, tzinfo=UTC))
    await sign_in(client, "bids@supplier.example")  # a month later: the old session has timed out
    page = await client.get(section_url)
    controlled_clock.advance(timedelta(seconds=61))  # the form was open as the survey closed
    late = await client.post(section_url, data={"_csrf_token": csrf_from(page.text), f"q{staff.id}": "8", "action": "draft"})
    assert late.status_code == 400 and "The request for information closed at 1 March 2027, 5pm. Your answers are kept" in late.text
    overview = await client.get(f"/frameworks/{framework.reference}/rfi")
    assert "The survey closed at" in overview.text
    kept = await client.get(section_url)
    assert 'value="7"' in kept.text and "Save and continue" not in kept.text


async def test_a_supplier_sees_only_its_own_organisations_answers(client, database, controlled_clock):
    from tests.support import make_user

    framework, survey, first, second, staff, size, views = await open_survey(controlled_clock)
    await make_user(email="rival@other-supplier.example", roles=("supplier",), kind="supplier")
    await sign_in(client, "bids@supplier.example")
    section_url = f"/frameworks/{framework.reference}/rfi/sections/{first.id}"
    await post_form(client, section_url, {f"q{staff.id}": "321", "action": "draft"})
    client.cookies.clear()
    await sign_in(client, "rival@other-supplier.example")
    rival_view = await client.get(section_url)
    assert rival_view.status_code == 200 and 'value="321"' not in rival_view.text
    check = await client.get(f"/frameworks/{framework.reference}/rfi/check")
    assert "321" not in check.text and "Not answered" in check.text


async def test_an_unanswered_long_answer_opens_empty_and_stays_unanswered(client, database, controlled_clock):
    """A text box with nothing saved in it shows nothing: not the word "None", which a supplier
    would send back as their answer."""
    framework, survey, first, second, staff, size, views = await open_survey(controlled_clock)
    await sign_in(client, "bids@supplier.example")
    section_url = f"/frameworks/{framework.reference}/rfi/sections/{second.id}"
    page = await client.get(section_url)
    box = re.search(rf'<textarea[^>]*name="q{views.id}"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert box is not None and box.group(1).strip() == ""
    saved = await client.post(section_url, data={"_csrf_token": csrf_from(page.text), f"q{views.id}": box.group(1), "action": "draft"})
    assert saved.status_code == 303
    stored = await Answer.select(Answer.value).where(Answer.question == views.id).output(as_list=True)
    assert all((json.loads(value) if isinstance(value, str) else value) in (None, "") for value in stored)
    again = await client.get(section_url)
    assert re.search(rf'<textarea[^>]*name="q{views.id}"[^>]*>\s*</textarea>', again.text)
    check = await client.get(f"/frameworks/{framework.reference}/rfi/check")
    assert "None" not in check.text
