from datetime import UTC, datetime

from registry.frameworks import service as frameworks
from registry.frameworks.tables import State
from registry.surveys import service
from registry.surveys.tables import Question
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
    saved = await post_form(client, base + "/details", {"title": "Market questions", "introduction": "Help us shape the framework", "close_day": "1", "close_month": "3", "close_year": "2027", "close_time": "17:00"}, form_page=base)
    assert saved.status_code == 303
    survey = await service.current_survey(framework.id)
    assert survey.closes_at == datetime(2027, 3, 1, 17, 0, tzinfo=UTC)  # Europe/London is on GMT in March

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
    preview = await client.get(base + "/preview")
    assert preview.status_code == 200 and "Young people" in preview.text and "Enter a number at least 1 and at most 100000" in preview.text

    opened = await post_form(client, base + "/open", {}, form_page=base)
    assert opened.status_code == 303
    assert (await frameworks.get(framework.reference)).state == State.RFI_OPEN
