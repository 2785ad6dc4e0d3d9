import csv
import io

from registry.accounts.tables import Organisation
from registry.interest import service as interest
from registry.suppliers import service as suppliers
from registry.surveys import analysis, answers, service
from tests.support import current, make_user
from tests.test_survey_pages import sign_in
from tests.test_surveys import open_rfi  # noqa: F401 (fixture)


async def answer(user, framework, about, views, q, *, name, staff, methods, other, lots, comments):
    await service.save_section(user, framework.reference, about.id, {q["name"].id: ([name], ""), q["staff"].id: ([staff], "")})
    await service.save_section(user, framework.reference, views.id, {q["methods"].id: (methods, other), q["lots"].id: ([lots], ""), q["comments"].id: ([comments], "")})
    await service.submit(user, framework.reference)


def profile(regions):
    return suppliers.Profile(trading_name="", description="d", address_line_1="", address_line_2="", town="", postcode="", website="",
                             regions=tuple(regions), engagement_methods=(), groups=(), languages=(), accessible_formats=(), capacity=1)


async def three_responses(open_rfi):
    officer, supplier, framework, survey, about, views, q = open_rfi
    second = await current(await make_user(email="two@second.example", roles=("supplier",), kind="supplier"))
    third = await current(await make_user(email="three@third.example", roles=("supplier",), kind="supplier"))
    await Organisation.update({Organisation.size: "micro", Organisation.organisation_type: "Charity"}).where(Organisation.id == supplier.organisation_id)
    await Organisation.update({Organisation.size: "small", Organisation.organisation_type: "Charity"}).where(Organisation.id == second.organisation_id)
    await Organisation.update({Organisation.size: "large", Organisation.organisation_type: "Private limited company"}).where(Organisation.id == third.organisation_id)
    await suppliers.save(supplier, profile(["fife"]))
    await suppliers.save(second, profile(["fife", "highland"]))
    for each in (supplier, second, third):  # each follows the framework, as suppliers who answer mostly do
        await interest.register(each, framework.reference, lot_numbers=None)
    await answer(supplier, framework, about, views, q, name="A", staff="4", methods=["Panels", "Surveys"], other="", lots="yes", comments="More rural work")
    await answer(second, framework, about, views, q, name="B", staff="10", methods=["Panels", answers.OTHER], other="Radio phone-ins", lots="no", comments="")
    await answer(third, framework, about, views, q, name="=cmd()", staff="250", methods=["Workshops"], other="", lots="yes", comments="Shorter lots")
    return officer, framework, survey, q


async def test_results_match_hand_counted_figures(open_rfi):
    officer, framework, survey, q = await three_responses(open_rfi)
    people, results = await analysis.analyse(survey.id)
    assert len(people) == 3
    by_text = {r.question.text: r for r in results}
    methods = by_text["Methods you use"]
    assert methods.answered == 3
    assert methods.counts == [("Panels", 2, 66.7), ("Surveys", 1, 33.3), ("Workshops", 1, 33.3), ("Other", 1, 33.3)]
    assert methods.texts == [("Radio phone-ins", "Charity", "small")]
    assert by_text["Are three lots right?"].counts == [("Yes", 2, 66.7), ("No", 1, 33.3)]
    staff = by_text["How many staff?"].numbers
    assert staff == {"count": 3, "minimum": 4.0, "maximum": 250.0, "mean": 88.0, "median": 10.0}
    comments = by_text["Anything else?"]
    assert comments.answered == 2 and ("More rural work", "Charity", "micro") in comments.texts
    assert await analysis.response_rate(survey, 3) == (3, 3)


async def test_filters_narrow_the_respondents(open_rfi):
    officer, framework, survey, q = await three_responses(open_rfi)
    assert [p.size for p in (await analysis.analyse(survey.id, analysis.Filters(size="small")))[0]] == ["small"]
    assert len((await analysis.analyse(survey.id, analysis.Filters(region="fife")))[0]) == 2
    _, results = await analysis.analyse(survey.id, analysis.Filters(organisation_type="Charity"))
    assert {r.question.text: r.answered for r in results}["How many staff?"] == 2


async def test_the_csv_has_a_row_per_response_and_splits_multiple_choice(open_rfi):
    officer, framework, survey, q = await three_responses(open_rfi)
    rows = list(csv.reader(io.StringIO(await analysis.as_csv(survey.id))))
    header, body = rows[0], rows[1:]
    assert len(body) == 3
    assert header[5:] == [
        "Q1 Contact name", "Q2 How many staff?", "Q3 Methods you use: Panels", "Q3 Methods you use: Surveys",
        "Q3 Methods you use: Workshops", "Q3 Methods you use: other", "Q4 Are three lots right?", "Q5 Anything else?",
    ]
    second = body[1]
    assert second[5:] == ["B", "10", "yes", "", "", "Radio phone-ins", "No", ""]
    assert body[2][5] == "'=cmd()"  # never a formula in a spreadsheet


async def test_the_analysis_page_shows_charts_with_text_equivalents(client, open_rfi):
    officer, framework, survey, q = await three_responses(open_rfi)
    await sign_in(client, "officer@authority.example")
    page = await client.get(f"/manage/frameworks/{framework.reference}/rfi/analysis")
    assert page.status_code == 200
    assert "3 submitted responses from 3 organisations" in page.text
    assert 'role="img"' in page.text and "Bar chart of answers to: Methods you use" in page.text
    assert "66.7%" in page.text and "Radio phone-ins" in page.text
    download = await client.get(f"/manage/frameworks/{framework.reference}/rfi/responses.csv")
    assert download.headers["content-disposition"].startswith("attachment;") and "Radio phone-ins" in download.text


async def test_the_reasoned_response_is_published_after_the_close_and_shown_publicly(client, open_rfi, controlled_clock):
    from datetime import timedelta

    from registry.notifications.tables import Notification
    from tests.support import post_form
    from tests.test_surveys import CLOSES

    officer, framework, survey, q = await three_responses(open_rfi)
    await sign_in(client, "officer@authority.example")
    base = f"/manage/frameworks/{framework.reference}/rfi"
    empty = await post_form(client, base + "/reasoned", {"theme": "Lots"}, form_page=base)
    assert empty.status_code == 400 and "Say what you heard" in empty.text and 'value="Lots"' in empty.text
    added = await post_form(client, base + "/reasoned", {"theme": "The number of lots", "what_we_heard": "Most of you said three lots is right.", "what_we_will_do": "We will keep three lots."}, form_page=base)
    assert added.status_code == 303
    early = await post_form(client, base + "/reasoned/publish", {}, form_page=base)
    assert early.status_code == 400 and "only be published once the survey has closed" in early.text
    assert "We will keep three lots." not in (await client.get(f"/frameworks/{framework.reference}")).text

    controlled_clock.set(CLOSES + timedelta(minutes=5))
    await sign_in(client, "officer@authority.example")
    published = await post_form(client, base + "/reasoned/publish", {}, form_page=base)
    assert published.status_code == 303
    public = await client.get(f"/frameworks/{framework.reference}")
    assert "What we heard and what we will do" in public.text and "We will keep three lots." in public.text
    assert "two@second.example" not in public.text and "Org of" not in public.text.split("What we heard and what we will do")[1].split("Notices")[0]
    told = await Notification.count().where(Notification.subject.like("%what we heard from the request for information"))
    assert told == 3  # one user in each responding organisation
