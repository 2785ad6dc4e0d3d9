from datetime import UTC, datetime, timedelta

import pytest

from registry.frameworks import service as frameworks
from registry.frameworks.tables import State
from registry.interest import service as interest
from registry.notifications.tables import Notification
from registry.surveys import answers, service
from registry.surveys.service import QuestionSpec
from registry.surveys.tables import Answer, QuestionKind, ResponseStatus, SurveyResponse
from registry.errors import Refused
from tests.support import officer_and_supplier
from tests.test_frameworks import draft_with_lots

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
CLOSES = NOW + timedelta(days=21)


async def survey_with_questions(officer, reference):
    survey = await service.save_survey(officer, reference, title="Market questions", introduction="Tell us", opens_at=None, closes_at=CLOSES)
    about = await service.add_section(officer, survey.id, "About you")
    views = await service.add_section(officer, survey.id, "Your views")
    q = {}
    q["name"] = await service.add_question(officer, survey.id, about.id, QuestionSpec(QuestionKind.SHORT_TEXT, "Contact name"))
    q["staff"] = await service.add_question(officer, survey.id, about.id, QuestionSpec(QuestionKind.NUMBER, "How many staff?", minimum=1, maximum=10000))
    q["methods"] = await service.add_question(officer, survey.id, views.id, QuestionSpec(QuestionKind.MULTIPLE_CHOICE, "Methods you use", options=("Panels", "Surveys", "Workshops"), allow_other=True))
    q["lots"] = await service.add_question(officer, survey.id, views.id, QuestionSpec(QuestionKind.YES_NO, "Are three lots right?"))
    q["comments"] = await service.add_question(officer, survey.id, views.id, QuestionSpec(QuestionKind.LONG_TEXT, "Anything else?", required=False, max_length=50))
    return survey, about, views, q


@pytest.fixture
async def open_rfi(database, controlled_clock):
    controlled_clock.set(NOW)
    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    survey, about, views, q = await survey_with_questions(officer, framework.reference)
    await service.open_rfi(officer, framework.reference)
    return officer, supplier, framework, survey, about, views, q


def test_answers_are_checked_by_kind():
    from registry.surveys.tables import Question

    number = Question(kind="number", minimum=1, maximum=10, options=[], _ignore_missing=True)
    assert answers.check(number, ["12"]).error == "Enter a number of 10 or less"
    assert answers.check(number, ["ten"]).error == "Enter a number, like 12"
    assert answers.check(number, ["7"]).value == 7
    choice = Question(kind="single_choice", options=["A", "B"], _ignore_missing=True)
    assert answers.check(choice, ["C"]).error == "Select one of the options"  # a crafted value
    many = Question(kind="multiple_choice", options=["A", "B"], allow_other=True, _ignore_missing=True)
    assert answers.check(many, ["B", "A"]).value == ["A", "B"]
    assert answers.check(many, [answers.OTHER]).error == "Say what 'other' is"
    assert answers.check(many, ["B", answers.OTHER], "Radio phone-ins").other_text == "Radio phone-ins"
    text = Question(kind="long_text", max_length=10, options=[], _ignore_missing=True)
    assert answers.check(text, ["x" * 11]).error == "Your answer must be 10 characters or fewer (it is 11)"
    assert answers.check(text, ["   "]).value is None


async def test_opening_the_rfi_moves_the_framework_and_sets_its_closing_time(open_rfi):
    officer, supplier, framework, survey, *_ = open_rfi
    fresh = await frameworks.get(framework.reference)
    assert fresh.state == State.RFI_OPEN and fresh.rfi_closes_at == CLOSES


async def test_the_rfi_cannot_open_without_questions(database, controlled_clock):
    controlled_clock.set(NOW)
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    await service.save_survey(officer, framework.reference, title="Empty", introduction="", opens_at=None, closes_at=CLOSES)
    with pytest.raises(frameworks.TransitionBlocked, match="questions first"):
        await service.open_rfi(officer, framework.reference)
    assert (await frameworks.get(framework.reference)).state == State.PIN_PUBLISHED


async def test_a_supplier_saves_a_draft_returns_and_submits(open_rfi):
    officer, supplier, framework, survey, about, views, q = open_rfi
    saved = await service.save_section(supplier, framework.reference, about.id, {q["name"].id: (["Morag"], ""), q["staff"].id: (["", ], "")})
    assert saved.errors == {}
    response = await service.response_of(supplier.organisation_id, survey.id)
    assert response.status == ResponseStatus.DRAFT
    assert await interest.current(supplier.organisation_id, framework.id) is None  # answering does not register interest: the supplier chooses

    with pytest.raises(service.SurveyError, match="2 still to answer|3 still to answer"):
        await service.submit(supplier, framework.reference)
    bad = await service.save_section(supplier, framework.reference, views.id, {q["methods"].id: (["Telepathy"], ""), q["lots"].id: (["yes"], "")})
    assert bad.errors == {f"q{q['methods'].id}": "Methods you use: select from the options given"}  # which question, in the summary
    assert await Answer.count().where(Answer.question == q["lots"].id) == 0  # nothing from a page with an error

    await service.save_section(supplier, framework.reference, about.id, {q["name"].id: (["Morag"], ""), q["staff"].id: (["25"], "")})
    await service.save_section(supplier, framework.reference, views.id, {q["methods"].id: (["Panels", answers.OTHER], "Radio"), q["lots"].id: (["no"], "")})
    submitted = await service.submit(supplier, framework.reference)
    assert submitted.status == ResponseStatus.SUBMITTED and submitted.reference.startswith("RFI-")
    copy = await Notification.objects().where(Notification.subject.like("Your response to%")).first()
    assert copy.recipient == "bids@supplier.example" and "Panels, Radio" in copy.body and "25" in copy.body


async def test_after_submission_questions_are_fixed_and_a_new_version_is_needed(open_rfi):
    officer, supplier, framework, survey, about, views, q = open_rfi
    await service.save_section(supplier, framework.reference, about.id, {q["name"].id: (["M"], ""), q["staff"].id: (["2"], "")})
    await service.save_section(supplier, framework.reference, views.id, {q["methods"].id: (["Panels"], ""), q["lots"].id: (["yes"], "")})
    await service.submit(supplier, framework.reference)
    with pytest.raises(service.SurveyError, match="new version"):
        await service.add_question(officer, survey.id, about.id, QuestionSpec(QuestionKind.SHORT_TEXT, "Late question"))
    version_two = await service.new_version(officer, survey.id)
    assert version_two.version == 2 and len(await service.questions(version_two.id)) == 5
    await service.add_question(officer, version_two.id, (await service.sections(version_two.id))[0].id, QuestionSpec(QuestionKind.SHORT_TEXT, "Late question"))
    assert len(await service.questions(survey.id)) == 5  # the answered version is unchanged


async def test_a_submitted_response_stays_complete_when_changed(open_rfi):
    officer, supplier, framework, survey, about, views, q = open_rfi
    await service.save_section(supplier, framework.reference, about.id, {q["name"].id: (["M"], ""), q["staff"].id: (["2"], "")})
    await service.save_section(supplier, framework.reference, views.id, {q["methods"].id: (["Panels"], ""), q["lots"].id: (["yes"], "")})
    await service.submit(supplier, framework.reference)
    emptied = await service.save_section(supplier, framework.reference, about.id, {q["name"].id: ([""], "")})
    assert emptied.errors == {f"q{q['name'].id}": "Contact name: enter an answer", f"q{q['staff'].id}": "How many staff? Enter an answer"}
    changed = await service.save_section(supplier, framework.reference, about.id, {q["name"].id: (["Morag Stewart"], ""), q["staff"].id: (["3"], "")})
    assert changed.errors == {}
    response = await service.response_of(supplier.organisation_id, survey.id)
    assert response.status == ResponseStatus.SUBMITTED


async def test_a_response_submitted_while_a_section_was_checked_keeps_its_required_answers(open_rfi, monkeypatch):
    officer, supplier, framework, survey, about, views, q = open_rfi
    await service.save_section(supplier, framework.reference, about.id, {q["name"].id: (["M"], ""), q["staff"].id: (["2"], "")})
    await service.save_section(supplier, framework.reference, views.id, {q["methods"].id: (["Panels"], ""), q["lots"].id: (["yes"], "")})
    await service.submit(supplier, framework.reference)
    read = service.response_of
    calls = []

    async def still_a_draft_when_first_read(organisation_id, survey_id):  # as a save that began before the submit read it
        response = await read(organisation_id, survey_id)
        calls.append(response.status)
        if len(calls) == 1:
            response.status = ResponseStatus.DRAFT
        return response

    monkeypatch.setattr(service, "response_of", still_a_draft_when_first_read)
    emptied = await service.save_section(supplier, framework.reference, about.id, {q["name"].id: ([""], "")})
    assert len(calls) == 2 and emptied.errors == {f"q{q['name'].id}": "Contact name: enter an answer", f"q{q['staff'].id}": "How many staff? Enter an answer"}
    monkeypatch.undo()
    assert not await service.unanswered_required(survey.id, (await service.response_of(supplier.organisation_id, survey.id)).id)


async def test_answers_after_the_close_are_refused_and_the_draft_kept(open_rfi, controlled_clock):
    officer, supplier, framework, survey, about, views, q = open_rfi
    await service.save_section(supplier, framework.reference, about.id, {q["name"].id: (["Morag"], ""), q["staff"].id: ([""], "")})
    controlled_clock.set(CLOSES + timedelta(seconds=1))
    with pytest.raises(service.SurveyClosed):
        await service.save_section(supplier, framework.reference, about.id, {q["name"].id: (["Changed"], ""), q["staff"].id: ([""], "")})
    with pytest.raises(service.SurveyClosed):
        await service.submit(supplier, framework.reference)
    response = await service.response_of(supplier.organisation_id, survey.id)
    kept = await service.answers_of(response.id)
    assert service.answer_value(kept[q["name"].id]) == "Morag"


async def test_the_survey_cannot_be_changed_once_its_closing_time_has_passed_though_no_one_moved_the_framework(open_rfi, controlled_clock):
    """Closed at its closing time, whoever looks: an officer could otherwise move the closing time of
    a request for information that had closed, and reopen it to answers, by saving the survey."""
    officer, supplier, framework, survey, about, views, q = open_rfi
    controlled_clock.set(CLOSES + timedelta(seconds=1))
    with pytest.raises(service.SurveyError, match="The request for information has closed"):
        await service.save_survey(officer, framework.reference, title="Reopened", introduction="", opens_at=None, closes_at=CLOSES + timedelta(days=7))
    assert (await frameworks.get(framework.reference)).rfi_closes_at == CLOSES


async def test_two_tabs_saving_different_pages_keep_both(open_rfi):
    officer, supplier, framework, survey, about, views, q = open_rfi
    await service.save_section(supplier, framework.reference, about.id, {q["name"].id: (["From tab one"], ""), q["staff"].id: (["4"], "")})
    await service.save_section(supplier, framework.reference, views.id, {q["methods"].id: (["Surveys"], ""), q["lots"].id: (["yes"], "")})
    response = await service.response_of(supplier.organisation_id, survey.id)
    given = await service.answers_of(response.id)
    assert service.answer_value(given[q["name"].id]) == "From tab one" and service.answer_value(given[q["methods"].id]) == ["Surveys"]
    assert await SurveyResponse.count() == 1


async def test_only_suppliers_answer_and_only_officers_of_the_authority_build(open_rfi):
    officer, supplier, framework, survey, about, views, q = open_rfi
    with pytest.raises(Refused):
        await service.save_section(officer, framework.reference, about.id, {})
    with pytest.raises(Refused):
        await service.add_section(supplier, survey.id, "Sneaky")
