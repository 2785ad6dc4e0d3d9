"""The periods each regime's law sets (registry.frameworks.periods, docs/regimes.md "Minimum
tendering periods and a framework's term"): the shortest tendering period, refused when publishing
the invitation to tender; the longest term, refused in a framework's details; and light touch
services, decided from the framework's CPV codes. Dates are fixed, some crossing bank holidays."""

from datetime import UTC, datetime, timedelta

import pytest

from registry.criteria import invitation
from registry.criteria.service import CriteriaError
from registry.errors import Invalid
from registry.frameworks import periods
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework, State
from registry.surveys import service as surveys
from registry.surveys.service import QuestionSpec
from registry.surveys.tables import QuestionKind
from tests.support import officer_and_supplier, post_form
from tests.test_framework_pages import sign_in
from tests.test_frameworks import DETAILS
from tests.tendering import add_criteria, conflicts_assessed

LONDON_NOON = 11  # 12:00 in London is 11:00 UTC in British Summer Time


def minimum(regime, published: datetime, *, pin: datetime | None = None, documents: bool = True, light_touch: bool = False):
    from registry.dates import LONDON

    return periods.minimum_tendering_period(
        regime, light_touch=light_touch, published_at=published, pin_published_at=pin, documents_with_notice=documents, zone=LONDON,
    )


# --- The minimum, by the law's count -------------------------------------------------------------


def test_scotland_counts_30_days_from_the_day_after_and_ends_on_a_working_day_past_the_may_bank_holiday():
    # Published Friday 2 April 2027: day 30 is Sunday 2 May, Monday 3 May is the May bank holiday,
    # so the period runs to the end of Tuesday 4 May (reg. 2(4)); the deadline may be from 5 May.
    found = minimum(Regime.SCOTLAND, datetime(2027, 4, 2, 10, tzinfo=UTC))
    assert found.days == 30 and "reg. 28(3) and (6)" in found.source and "reg. 2(4)" in found.source
    assert found.earliest_deadline == datetime(2027, 5, 4, 23, tzinfo=UTC)  # midnight in London, 5 May
    assert periods.deadline_problem(found, datetime(2027, 5, 4, LONDON_NOON, tzinfo=UTC)).startswith("The tender deadline is too early")
    assert periods.deadline_problem(found, datetime(2027, 5, 5, LONDON_NOON, tzinfo=UTC)) is None


def test_england_counts_the_days_of_the_tendering_period_and_a_bank_holiday_may_be_its_last_day():
    # Published Thursday 8 April 2027: 25 days from the day after end with Monday 3 May, the May bank
    # holiday; the Act counts calendar days and does not move the last day (s.54(4), (5)).
    found = minimum(Regime.ENGLAND, datetime(2027, 4, 8, 10, tzinfo=UTC))
    assert found.days == 25 and found.source == "Procurement Act 2023 s.54(4), s.54(5)"
    assert periods.deadline_problem(found, datetime(2027, 5, 3, LONDON_NOON, tzinfo=UTC)) is None
    too_early = periods.deadline_problem(found, datetime(2027, 5, 2, LONDON_NOON, tzinfo=UTC))
    assert "At least 25 days" in too_early and "Procurement Act 2023 s.54(4)" in too_early


def test_england_asks_30_days_when_no_tender_documents_go_out_with_the_notice():
    found = minimum(Regime.ENGLAND, datetime(2027, 4, 8, 10, tzinfo=UTC), documents=False)
    assert found.days == 30 and found.earliest_deadline.date().isoformat() == "2027-05-08"  # any time on 8 May, day 30


@pytest.mark.parametrize("regime, shortest, reduced, source", [
    (Regime.ENGLAND, 40, 10, "Procurement Act 2023 s.54(4) and s.15(3)"),
    (Regime.SCOTLAND, 35, 15, "Public Contracts (Scotland) Regulations 2015 reg. 28(4)"),
])
def test_a_prior_information_notice_shortens_the_period_only_from_its_earliest_to_12_months_before(regime, shortest, reduced, source):
    published = datetime(2027, 4, 8, 10, tzinfo=UTC)
    in_time = minimum(regime, published, pin=published - timedelta(days=shortest))
    assert in_time.days == reduced and in_time.source.startswith(source)
    assert minimum(regime, published, pin=published - timedelta(days=shortest - 1)).days in (25, 30)
    assert minimum(regime, published, pin=datetime(2026, 4, 8, 10, tzinfo=UTC)).days == reduced  # 12 months before, to the day
    assert minimum(regime, published, pin=datetime(2026, 4, 7, 10, tzinfo=UTC)).days in (25, 30)  # more than 12 months


def test_a_light_touch_contract_has_no_minimum_tendering_period_in_england():
    found = minimum(Regime.ENGLAND, datetime(2027, 4, 8, 10, tzinfo=UTC), light_touch=True)
    assert found.days is None and found.source == "Procurement Act 2023 s.54(4)"
    assert periods.deadline_problem(found, datetime(2027, 4, 9, 10, tzinfo=UTC)) is None


# --- Light touch, from the CPV codes -------------------------------------------------------------


def test_light_touch_is_decided_from_every_cpv_code_of_an_england_framework():
    counselling = DETAILS.model_copy(update={"regime": Regime.ENGLAND, "cpv_codes": ("85312300", "79952000")})
    assert periods.is_light_touch(counselling)
    assert "Procurement Regulations 2024 reg. 42(1) and Schedule 1" in periods.light_touch_of(counselling).reason
    with_surveys = counselling.model_copy(update={"cpv_codes": ("85312300", "79311000")})
    assert not periods.is_light_touch(with_surveys) and "79311000-7" in periods.light_touch_of(with_surveys).reason
    assert not periods.is_light_touch(counselling.model_copy(update={"cpv_codes": ()}))


def test_no_scottish_framework_is_treated_as_light_touch_while_schedule_3_is_not_kept():
    counselling = DETAILS.model_copy(update={"regime": Regime.SCOTLAND, "cpv_codes": ("85312300",)})
    assert not periods.is_light_touch(counselling) and "Schedule 3" in periods.light_touch_of(counselling).reason


# --- The longest term ----------------------------------------------------------------------------


@pytest.mark.parametrize("regime, source", [
    (Regime.ENGLAND, "Procurement Act 2023 s.47(1)(b)"),
    (Regime.SCOTLAND, "Public Contracts (Scotland) Regulations 2015 reg. 34(2)"),
])
async def test_a_framework_longer_than_its_regime_allows_is_refused_on_its_duration(database, regime, source):
    officer, _ = await officer_and_supplier()
    with pytest.raises(Invalid) as refused:
        await frameworks.create(officer, {**dict(DETAILS), "regime": regime, "duration_months": 49})
    assert list(refused.value.problems) == ["duration_months"] and source in refused.value.problems["duration_months"]
    assert (await frameworks.create(officer, {**dict(DETAILS), "regime": regime, "duration_months": 48})).duration_months == 48


# --- Publishing the invitation to tender ---------------------------------------------------------

PIN_DAY = datetime(2027, 3, 1, 9, tzinfo=UTC)


async def rfi_closed_under(regime: Regime, controlled_clock, officer, *, itt_day: datetime):
    """A framework of `regime` whose prior information notice came out on PIN_DAY and whose request
    for information has closed; the clock at `itt_day`."""
    controlled_clock.set(PIN_DAY)
    framework = await frameworks.create(officer, {**dict(DETAILS), "regime": regime})
    await frameworks.save_lot(officer, framework.reference, number=None, title="Lot", scope="Scope", subject="adults", max_suppliers=5)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    survey = await surveys.save_survey(officer, framework.reference, title="Market questions", introduction="", opens_at=None, closes_at=PIN_DAY + timedelta(days=7))
    section = await surveys.add_section(officer, survey.id, "About you")
    await surveys.add_question(officer, survey.id, section.id, QuestionSpec(QuestionKind.SHORT_TEXT, "Your name"))
    await surveys.open_rfi(officer, framework.reference)
    controlled_clock.set(itt_day)
    await frameworks.move(officer, framework.reference, State.RFI_CLOSED)
    await add_criteria(officer, framework.reference)
    await conflicts_assessed(officer, framework.reference)
    return framework


# Published Friday 26 March 2027 (Good Friday, a bank holiday in both nations), 25 days after the
# prior information notice: too soon after it for the notice to shorten the period.
ITT_DAY = datetime(2027, 3, 26, 10, tzinfo=UTC)


@pytest.mark.parametrize("regime, first_allowed, source", [
    # No tender documents attached: 30 days from 27 March end with Sunday 25 April, which may be the deadline's day.
    (Regime.ENGLAND, datetime(2027, 4, 25, LONDON_NOON, tzinfo=UTC), "Procurement Act 2023 s.54(4)"),
    # Day 30 is Sunday 25 April: the period runs to the end of Monday 26 April.
    (Regime.SCOTLAND, datetime(2027, 4, 27, LONDON_NOON, tzinfo=UTC), "Public Contracts (Scotland) Regulations 2015 reg. 28(3) and (6)"),
])
async def test_publishing_an_invitation_to_tender_with_too_short_a_period_is_refused_with_the_rule_and_its_source(
    database, controlled_clock, regime, first_allowed, source,
):
    officer, _ = await officer_and_supplier()
    framework = await rfi_closed_under(regime, controlled_clock, officer, itt_day=ITT_DAY)
    clarification = ITT_DAY + timedelta(days=10)
    with pytest.raises(CriteriaError) as refused:
        await invitation.publish(officer, framework.reference, clarification_deadline=clarification, tender_deadline=first_allowed - timedelta(days=1))
    assert refused.value.field == "tender_deadline" and source in str(refused.value) and "too early" in str(refused.value)
    assert (await frameworks.get(framework.reference)).state == State.RFI_CLOSED

    # The transition's own check refuses it too, whoever moves the framework.
    await Framework.update({Framework.clarification_deadline: clarification, Framework.tender_deadline: first_allowed - timedelta(days=1)}).where(
        Framework.id == framework.id
    )
    with pytest.raises(frameworks.TransitionBlocked) as blocked:
        await frameworks.move(officer, framework.reference, State.ITT_PUBLISHED)
    assert source in str(blocked.value)

    published = await invitation.publish(officer, framework.reference, clarification_deadline=clarification, tender_deadline=first_allowed)
    assert published.state == State.ITT_PUBLISHED


@pytest.mark.parametrize("regime, days", [(Regime.ENGLAND, 10), (Regime.SCOTLAND, 15)])
async def test_the_prior_information_notice_published_in_time_shortens_the_period(database, controlled_clock, regime, days):
    officer, _ = await officer_and_supplier()
    itt_day = PIN_DAY + timedelta(days=45)  # Thursday 15 April 2027
    framework = await rfi_closed_under(regime, controlled_clock, officer, itt_day=itt_day)
    found = await periods.minimum_for(await frameworks.get(framework.reference), itt_day)
    assert found.days == days and "1 March 2027" in found.rule


async def test_the_officer_sees_the_minimum_before_picking_dates_and_the_refusal_on_the_tender_deadline(client, database, controlled_clock):
    officer, _ = await officer_and_supplier()
    framework = await rfi_closed_under(Regime.SCOTLAND, controlled_clock, officer, itt_day=ITT_DAY)
    await sign_in(client, "officer@authority.example")
    base = f"/manage/frameworks/{framework.reference}"

    page = await client.get(base + "/itt")
    assert 'id="minimum-period"' in page.text and "At least 30 days" in page.text
    assert "Public Contracts (Scotland) Regulations 2015 reg. 28(3) and (6), reg. 2(4)" in page.text and "after 26 April 2027" in page.text

    deadlines = {"clarification_day": "5", "clarification_month": "4", "clarification_year": "2027", "clarification_time": "12:00",
                 "tender_day": "26", "tender_month": "4", "tender_year": "2027", "tender_time": "12:00", "confirmed": "yes"}
    refused = await post_form(client, base + "/itt", deadlines)
    assert refused.status_code == 400 and 'href="#tender_deadline"' in refused.text
    assert "The tender deadline is too early" in refused.text and "reg. 28(3) and (6)" in refused.text
    assert (await frameworks.get(framework.reference)).state == State.RFI_CLOSED
    assert (await post_form(client, base + "/itt", {**deadlines, "tender_day": "27"})).status_code == 303


async def test_the_officers_page_says_whether_the_framework_is_light_touch_and_why(client, database):
    officer, _ = await officer_and_supplier()
    light = await frameworks.create(officer, {**dict(DETAILS), "regime": Regime.ENGLAND, "cpv_codes": ("85312300",)})
    await sign_in(client, "officer@authority.example")
    page = await client.get(f"/manage/frameworks/{light.reference}")
    assert 'id="service-type"' in page.text and "Light touch" in page.text and "Procurement Regulations 2024 reg. 42(1) and Schedule 1" in page.text
    scottish = await frameworks.create(officer, {**dict(DETAILS), "cpv_codes": ("85312300",)})
    page = await client.get(f"/manage/frameworks/{scottish.reference}")
    assert "Not light touch" in page.text and "Schedule 3 to the Public Contracts (Scotland) Regulations 2015" in page.text
