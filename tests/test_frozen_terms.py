"""Terms frozen at the tender deadline: from then on, whatever stage the framework is at, the terms
bidders priced (value, duration, regime, call-off routes, lots and their scope, the criteria) cannot
change; wording that changes no term can still be corrected, as a published amendment."""

from datetime import timedelta

import pytest

from registry.criteria import service as criteria
from registry.criteria.service import CriterionSpec
from registry.criteria.tables import CriterionKind
from registry.frameworks import service, terms
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework, Lot, Notice, NoticeKind, State
from registry.notifications.tables import Notification
from tests.api_support import bearer
from tests.support import csrf_from, officer_and_supplier
from tests.test_framework_pages import sign_in
from tests.test_frameworks import DETAILS, draft_with_lots
from tests.tendering import TENDER_DEADLINE, open_for_tenders, registered


@pytest.fixture
async def past_the_deadline(database, controlled_clock):
    """A framework whose tender deadline has just passed (its stored state still "open for tenders"),
    with a supplier that registered interest."""
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    controlled_clock.set(TENDER_DEADLINE)
    return officer, supplier, framework, found


async def notice_versions(framework) -> int:
    return await Notice.count().where(Notice.framework == framework.id)


async def amendment_emails() -> int:
    return await Notification.count().where(Notification.subject.like("%amended"))


async def test_after_the_tender_deadline_each_material_term_of_the_notice_is_refused_by_name(past_the_deadline):
    officer, _, framework, _ = past_the_deadline
    versions = await notice_versions(framework)
    for field, changed in [
        ("estimated_value", DETAILS.model_copy(update=dict(estimated_value=9_990_000))),
        ("duration_months", DETAILS.model_copy(update=dict(duration_months=48))),
        ("call_off_routes", DETAILS.model_copy(update=dict(call_off_routes=("direct_award",)))),
        ("regime", DETAILS.model_copy(update=dict(regime=Regime.ENGLAND))),
    ]:
        with pytest.raises(service.TermsFrozen) as refusal:
            await service.amend_notice(officer, framework.reference, changed, "Terms revised")
        assert refusal.value.fields == [field]
        assert terms.EXPLANATION in str(refusal.value)
    unchanged = await service.get(framework.reference)
    assert (unchanged.estimated_value, unchanged.duration_months, unchanged.regime) == (4_000_000, 36, "scotland")
    assert sorted(unchanged.call_off_routes) == ["direct_award", "mini_competition"]
    assert await notice_versions(framework) == versions and await amendment_emails() == 0


async def test_the_amendment_found_in_evaluation_is_refused_naming_every_term_it_changes(database, controlled_clock):
    from tests.tendering import opened

    officer, _ = await officer_and_supplier()
    framework, *_ = await opened(officer, controlled_clock)
    assert (await service.get(framework.reference)).state == State.TENDERS_OPENED
    inflated = DETAILS.model_copy(update=dict(estimated_value=9_990_000, duration_months=48, call_off_routes=("direct_award",)))
    with pytest.raises(service.TermsFrozen) as refusal:
        await service.amend_notice(officer, framework.reference, inflated, "Scope widened")
    assert refusal.value.fields == ["estimated_value", "duration_months", "call_off_routes"]
    assert (await service.get(framework.reference)).estimated_value == 4_000_000


async def test_the_order_of_the_call_off_routes_is_not_a_change(past_the_deadline):
    officer, _, framework, _ = past_the_deadline
    reordered = DETAILS.model_copy(update=dict(title="Public participation services (corrected)", call_off_routes=("mini_competition", "direct_award")))
    await service.amend_notice(officer, framework.reference, reordered, "Title corrected")
    assert (await service.get(framework.reference)).title == "Public participation services (corrected)"


async def test_after_the_tender_deadline_a_wording_correction_is_published_and_told(past_the_deadline):
    officer, supplier, framework, _ = past_the_deadline
    corrected = DETAILS.model_copy(update=dict(title="Public participation services", summary="Citizens' panels, deliberation and online participation."))
    notice = await service.amend_notice(officer, framework.reference, corrected, "A full stop added to the summary")
    versions = await Notice.objects().where((Notice.framework == framework.id) & (Notice.kind == NoticeKind.TENDER)).order_by(Notice.version)
    assert notice.kind == NoticeKind.TENDER and notice.version == versions[-1].version == 2  # the invitation is out: its notice is amended
    assert service.changes_between(service.notice_content(versions[0]), service.notice_content(versions[1])) == ["Summary"]
    told = await Notification.objects().where((Notification.recipient == supplier.email) & Notification.subject.like("%amended")).first()
    assert told is not None and "A full stop added to the summary" in told.body


async def test_after_the_tender_deadline_lots_cannot_be_added_removed_or_rescoped(past_the_deadline):
    officer, _, framework, _ = past_the_deadline
    lot = {"title": "Lot title 1", "scope": "Scope", "subject": "adults", "max_suppliers": 5}
    for field, change in [
        ("lots", {"number": None}),
        ("title", {"number": 1, "title": "Lot title 1 and more"}),
        ("scope", {"number": 1, "scope": "Scope, and national work too"}),
        ("max_suppliers", {"number": 1, "max_suppliers": 9}),
    ]:
        with pytest.raises(service.TermsFrozen) as refusal:
            await service.save_lot(officer, framework.reference, **{**lot, **change})
        assert refusal.value.fields == [field]
    with pytest.raises(service.TermsFrozen) as refusal:
        await service.remove_lot(officer, framework.reference, 2)
    assert refusal.value.fields == ["lots"]
    assert [(lot.number, lot.scope, lot.max_suppliers) for lot in await service.lots(framework.id)] == [(1, "Scope", 5), (2, "Scope", 5)]


async def test_a_draft_whose_tender_deadline_has_passed_is_frozen_too(database, controlled_clock):
    """The rule reads the deadline, not the stored stage: a draft carrying a past tender deadline (as an
    import or a repair could leave one) keeps its terms as well."""
    controlled_clock.set(TENDER_DEADLINE - timedelta(days=1))
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await Framework.update({Framework.tender_deadline: TENDER_DEADLINE}).where(Framework.id == framework.id)
    await service.update_details(officer, framework.reference, DETAILS.model_copy(update=dict(estimated_value=5_000_000)))  # before the deadline: a draft is a draft
    controlled_clock.set(TENDER_DEADLINE + timedelta(days=1))
    with pytest.raises(service.TermsFrozen) as refusal:
        await service.update_details(officer, framework.reference, DETAILS.model_copy(update=dict(estimated_value=9_990_000, duration_months=48)))
    assert refusal.value.fields == ["estimated_value", "duration_months"]
    with pytest.raises(service.TermsFrozen):
        await service.save_lot(officer, framework.reference, number=None, title="Late lot", scope="x", subject=None, max_suppliers=1)
    await service.update_details(officer, framework.reference, DETAILS.model_copy(update=dict(estimated_value=5_000_000, title="Public participation services 2027")))
    assert (await service.get(framework.reference)).title == "Public participation services 2027"
    assert await Lot.count().where(Lot.framework == framework.id) == 2


async def test_after_the_tender_deadline_the_criteria_and_their_weights_cannot_change(past_the_deadline):
    officer, _, framework, found = past_the_deadline
    reason = {"change_summary": "Rebalanced"}
    attempts = [
        lambda: criteria.save_scheme(officer, framework.reference, quality_share=70, scale=["Poor", "Fair", "Good"], **reason),
        lambda: criteria.save_weights(officer, framework.reference, {found["approach"].id: 50, found["team"].id: 50}, **reason),
        lambda: criteria.save_criterion(officer, framework.reference, found["team"].id, CriterionSpec(
            CriterionKind.QUALITY, "Your team", "Who would do the work.", weight=40, word_limit=100), **reason),
        lambda: criteria.remove_criterion(officer, framework.reference, found["insurance"].id, **reason),
    ]
    for attempt in attempts:
        with pytest.raises(criteria.CriteriaError) as refusal:
            await attempt()
        assert terms.EXPLANATION in str(refusal.value)
    assert not criteria.changeable(await service.get(framework.reference), TENDER_DEADLINE)
    weights = {c.title: c.weight for c in await criteria.criteria_of(framework.id) if c.kind == CriterionKind.QUALITY}
    assert weights == {"Reaching seldom-heard groups": 60, "Your team": 40}


async def test_before_the_tender_deadline_a_material_change_is_published_and_told_to_interested_suppliers(database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    controlled_clock.set(TENDER_DEADLINE - timedelta(minutes=1))
    notice = await service.amend_notice(officer, framework.reference, DETAILS.model_copy(update=dict(estimated_value=4_800_000)), "The estimated value has risen to £4.8m")
    assert notice.version == 2 and (await service.get(framework.reference)).estimated_value == 4_800_000
    told = await Notification.objects().where((Notification.recipient == supplier.email) & Notification.subject.like("%amended")).first()
    assert told is not None and "£4.8m" in told.body


async def test_the_officer_is_told_why_on_the_amendment_form_and_keeps_what_was_typed(client, past_the_deadline):
    _, _, framework, _ = past_the_deadline
    await sign_in(client, "officer@authority.example")
    path = f"/manage/frameworks/{framework.reference}/amend"
    form = await client.get(path)
    assert "The tender deadline has passed, so the terms bidders priced cannot change" in form.text
    typed = {
        "_csrf_token": csrf_from(form.text), "title": DETAILS.title, "summary": DETAILS.summary, "description": DETAILS.description,
        "estimated_value": "9990000", "start_day": "1", "start_month": "6", "start_year": "2027", "duration_months": "48",
        "regime": "scotland", "call_off_routes": ["direct_award", "mini_competition"], "change_summary": "Scope widened",
    }
    refused = await client.post(path, data=typed)
    assert refused.status_code == 400 and "There is a problem" in refused.text
    assert 'href="#estimated_value"' in refused.text and 'href="#duration_months"' in refused.text and 'href="#regime"' not in refused.text
    assert "The estimated value cannot change after the tender deadline" in refused.text
    assert "cancel the procurement and run it again" in refused.text
    assert 'value="9990000"' in refused.text and 'value="48"' in refused.text and "Scope widened" in refused.text
    assert (await service.get(framework.reference)).estimated_value == 4_000_000
    overview = await client.get(f"/manage/frameworks/{framework.reference}/criteria")
    assert terms.EXPLANATION in overview.text and "/criteria/weights" not in overview.text


async def test_the_api_refuses_a_lot_after_the_tender_deadline_naming_the_field(client, past_the_deadline):
    officer, _, framework, _ = past_the_deadline
    late = await client.post(
        f"/api/v1/frameworks/{framework.reference}/lots", json={"title": "Late", "scope": "S", "max_suppliers": 1}, headers=await bearer(officer),
    )
    assert late.status_code == 422
    [problem] = late.json()["errors"]
    assert problem["key"] == "lots" and "Lots cannot be added or removed after the tender deadline" in problem["message"]
