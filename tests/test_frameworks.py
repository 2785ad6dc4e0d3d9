from datetime import date

import pytest

from registry.audit.tables import AuditEvent
from registry.frameworks import service
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Notice, StageChange, State
from registry.interest import service as interest
from registry.notifications.tables import Notification
from registry.errors import Refused
from tests.support import current, make_user, officer_and_supplier

DETAILS = service.Details(
    title="Public participation services", summary="Citizens' panels, deliberation and online participation",
    description="A framework for engaging the public.", estimated_value=4_000_000, start_date=date(2027, 6, 1),
    duration_months=36, regime=Regime.SCOTLAND, call_off_routes=("direct_award", "mini_competition"),
    community_benefits_none_reason="The services are delivered across Scotland by small teams: no training or sub-contracting requirement fits them",
)


async def draft_with_lots(officer, lots=2):
    framework = await service.create(officer, DETAILS)
    for n in range(lots):
        await service.save_lot(officer, framework.reference, number=None, title=f"Lot title {n + 1}", scope="Scope", subject="adults", max_suppliers=5)
    return framework


async def test_an_officer_creates_a_draft_with_lots_and_publishes_its_notice(database):
    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    assert framework.reference.startswith("PF-") and framework.state == State.DRAFT
    assert [lot.number for lot in await service.lots(framework.id)] == [1, 2]

    published = await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    assert published.state == State.PIN_PUBLISHED
    notice = await Notice.objects().where(Notice.framework == framework.id).first()
    assert (notice.kind, notice.version) == ("pin", 1)
    assert service.notice_content(notice)["lots"][1]["title"] == "Lot title 2"
    change = await StageChange.objects().where(StageChange.framework == framework.id).first()
    assert (change.from_state, change.to_state) == ("draft", "pin_published")
    actions = await AuditEvent.select(AuditEvent.action).output(as_list=True)
    assert {"framework.created", "lot.added", "framework.stage_changed", "notice.published"} <= set(actions)


async def test_publishing_an_incomplete_draft_is_refused_and_changes_nothing(database):
    officer, _ = await officer_and_supplier()
    framework = await service.create(officer, DETAILS.model_copy(update={"summary": "", "start_date": None}))
    with pytest.raises(service.TransitionBlocked) as refusal:
        await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    assert refusal.value.problems == ["Enter a summary", "Enter the start date", "Add at least one lot"]
    assert (await service.get(framework.reference)).state == State.DRAFT
    assert await Notice.count() == 0 and await StageChange.count() == 0


async def test_an_illegal_transition_is_refused(database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    with pytest.raises(Exception, match="cannot become live"):
        await service.move(officer, framework.reference, State.LIVE)


async def test_only_officers_of_the_authority_change_a_framework(database):
    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    other = await current(await make_user(email="officer@elsewhere.example"))
    for user in (supplier, other):
        with pytest.raises(Refused):
            await service.update_details(user, framework.reference, DETAILS)
    with pytest.raises(Refused):
        await service.create(supplier, DETAILS)


async def test_lots_cannot_change_once_the_notice_is_published(database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    with pytest.raises(service.FrameworkError, match="only change while the framework is a draft"):
        await service.save_lot(officer, framework.reference, number=None, title="Late lot", scope="x", subject=None, max_suppliers=1)
    with pytest.raises(service.FrameworkError, match="amending the notice"):
        await service.update_details(officer, framework.reference, DETAILS)


async def test_an_amendment_is_a_new_version_and_the_old_one_stays(database):
    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    await interest.register(supplier, framework.reference, lot_numbers=None)
    amended = DETAILS.model_copy(update={"start_date": date(2027, 9, 1)})
    notice = await service.amend_notice(officer, framework.reference, amended, "The start date has moved to 1 September 2027")
    versions = await Notice.objects().where(Notice.framework == framework.id).order_by(Notice.version)
    assert [v.version for v in versions] == [1, 2] and notice.version == 2
    assert service.notice_content(versions[0])["start_date"] == "2027-06-01"
    assert service.changes_between(service.notice_content(versions[0]), service.notice_content(versions[1])) == ["Start date"]
    told = await Notification.objects().where(Notification.recipient == "bids@supplier.example").first()
    assert "amended" in told.subject and "1 September 2027" in told.body


async def test_every_stage_change_is_told_to_interested_suppliers_who_want_it(database):
    from registry.notifications import service as notifications

    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    await interest.register(supplier, framework.reference, lot_numbers=[2])
    await service.move(officer, framework.reference, State.CANCELLED, note="The budget was withdrawn")
    message = await Notification.objects().where(Notification.recipient == "bids@supplier.example").first()
    assert message.subject == f"{framework.reference}: cancelled" and "The budget was withdrawn" in message.body
    cancellation = await Notice.objects().where(Notice.kind == "cancellation").first()
    assert cancellation.change_summary == "The budget was withdrawn"

    second = await draft_with_lots(officer)
    await service.move(officer, second.reference, State.PIN_PUBLISHED)
    await interest.register(supplier, second.reference, lot_numbers=None)
    await notifications.set_preferences(supplier.id, set(), supplier.actor)  # opts out of everything
    await service.move(officer, second.reference, State.CANCELLED, note="Merged into another framework")
    assert await Notification.count().where(Notification.subject == f"{second.reference}: cancelled") == 0


async def test_interest_is_idempotent_limited_to_published_frameworks_and_can_be_withdrawn(database):
    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    with pytest.raises(interest.InterestError, match="not published"):
        await interest.register(supplier, framework.reference, lot_numbers=None)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    first = await interest.register(supplier, framework.reference, lot_numbers=[1])
    again = await interest.register(supplier, framework.reference, lot_numbers=[1])
    assert first.id == again.id and again.lot_numbers == [1] and not again.all_lots
    with pytest.raises(interest.InterestError, match="Choose the lots"):
        await interest.register(supplier, framework.reference, lot_numbers=[7])
    with pytest.raises(Refused):
        await interest.register(officer, framework.reference, lot_numbers=None)
    await interest.withdraw(supplier, framework.reference)
    assert await interest.current(supplier.organisation_id, framework.id) is None
    with pytest.raises(interest.InterestError, match="has not registered interest"):
        await interest.withdraw(supplier, framework.reference)
    await service.move(officer, framework.reference, State.CANCELLED, note="No longer needed")
    with pytest.raises(interest.InterestError, match="cancelled"):
        await interest.register(supplier, framework.reference, lot_numbers=None)


async def test_officers_see_interest_counted_by_lot_size_and_region_and_as_csv(database):
    from registry.suppliers import service as suppliers

    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    await suppliers.save(supplier, suppliers.Profile(
        trading_name="", description="We run citizens' panels", address_line_1="", address_line_2="", town="", postcode="", website="",
        regions=("fife", "city-of-edinburgh"), engagement_methods=(), groups=(), languages=(), accessible_formats=(), capacity=3,
    ))
    await interest.register(supplier, framework.reference, lot_numbers=[2])
    rows = await interest.list_for_officer(framework)
    counts = interest.counts(rows, [1, 2])
    assert counts["lot"] == {"Lot 1": 0, "Lot 2": 1}
    assert counts["region"] == {"fife": 1, "city-of-edinburgh": 1}
    csv_text = interest.as_csv(rows)
    assert csv_text.splitlines()[0].startswith("Organisation,Size,Type,Regions,Lots")
    assert "Org of bids@supplier.example" in csv_text and "Lot 2" in csv_text
    from registry.spreadsheets import spreadsheet_safe

    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"


async def test_the_public_search_finds_published_frameworks_only(database):
    officer, _ = await officer_and_supplier()
    draft = await draft_with_lots(officer)
    published = await draft_with_lots(officer)
    await service.move(officer, published.reference, State.PIN_PUBLISHED)
    found = await service.published(service.Search())
    assert [row["reference"] for row in found] == [published.reference]
    assert await service.published(service.Search(text="PARTICIPATION"))
    assert not await service.published(service.Search(text="nothing like this"))
    assert await service.published(service.Search(lot_subject="adults"))
    assert not await service.published(service.Search(lot_subject="digital-participation"))
    assert not await service.published(service.Search(states=("live",)))
    assert draft.reference not in [row["reference"] for row in await service.published(service.Search(states=("draft",)))]
