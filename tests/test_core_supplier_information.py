"""Core supplier information, England (Procurement Regulations 2024 regs. 6 and 7; registry.tenders.cdp
and registry.tenders.core_information): a tender under the Procurement Act 2023 carries the supplier's
PPON and share code and cannot be submitted without them; the officers confirm each tender's after the
opening, and the award waits for it. Frameworks under the Scottish regulations are untouched."""

import html
import json

import pytest

from registry import errors
from registry.audit.tables import AuditEvent
from registry.award import service as award
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework, State
from registry.suppliers import service as suppliers
from registry.tenders import core_information, sealing
from registry.tenders import service as tenders
from registry.tenders.tables import CoreInformationCheck, Tender, TenderSubmission
from tests.awarding import OPENED_AT, SHARE, Bid, Walked, moderate, officers, supplier_named
from tests.conftest import app_client
from tests.support import post_form
from tests.tendering import complete_draft, open_for_tenders, registered
from tests.test_framework_pages import sign_in

PPON = "PMZV-7732-XJTM"
SHARE_CODE = "aB3dE9fG"
BIDS = [Bid("Alpha", "40000", approach=4, team=4), Bid("Beta", "50000", approach=3, team=3)]


async def set_regime(framework: Framework, regime: Regime) -> Framework:
    await Framework.update({Framework.regime: regime}).where(Framework.id == framework.id)
    return await Framework.objects().get(Framework.id == framework.id)


async def opened_under(regime: Regime, controlled_clock, bids=BIDS, *, share=True) -> Walked:
    """Tenders under `regime` (with their core supplier information under the Act, when `share`), opened by two officers."""
    from registry.tenders import opening

    officer, second = await officers()
    framework, found = await open_for_tenders(officer, controlled_clock, lots=1)
    framework = await set_regime(framework, regime)
    walked = Walked(officer=officer, second=second, framework=framework, found=found)
    for n, bid in enumerate(bids):
        supplier = walked.suppliers[bid.name] = await supplier_named(bid.name, bid.email)
        await registered(supplier, framework.reference)
        await complete_draft(supplier, framework.reference, bid.lot, found, price=bid.price)
        if regime is Regime.ENGLAND and share:
            await tenders.save_core_information(supplier, framework.reference, bid.lot, f"PMZV-773{n}-XJTM", f"{SHARE_CODE}{n}")
        if regime is Regime.ENGLAND and not share:  # the platform was not working: the tender carries none
            await _submit_without_core_information(supplier, framework, bid.lot)
        else:
            await tenders.submit(supplier, framework.reference, bid.lot)
        tender = await Tender.objects().where((Tender.organisation == supplier.organisation_id) & (Tender.framework == framework.id)).first()
        walked.tenders[(bid.name, bid.lot)] = tender.id
    controlled_clock.set(OPENED_AT)
    await opening.request(officer, framework.reference)
    walked.framework = await opening.confirm(second, framework.reference)
    return walked


async def _submit_without_core_information(supplier, framework, lot: int) -> None:
    """Submit as the registry did before the rule (reg. 7(1): the platform not working is the lawful case)."""
    original = tenders.task_problems
    tenders.task_problems = lambda space: {k: v for k, v in original(space).items() if k != "core_supplier_information"}
    try:
        await tenders.submit(supplier, framework.reference, lot)
    finally:
        tenders.task_problems = original


# --- The supplier's tender -------------------------------------------------------------------------


@pytest.mark.parametrize("regime", [Regime.ENGLAND, Regime.SCOTLAND])
async def test_a_tender_under_the_act_cannot_be_submitted_without_the_ppon_and_share_code(database, controlled_clock, regime):
    officer, _ = await officers()
    framework, found = await open_for_tenders(officer, controlled_clock, lots=1)
    framework = await set_regime(framework, regime)
    supplier = await supplier_named("Alpha", "bids@alpha.example")
    await registered(supplier, framework.reference)
    await complete_draft(supplier, framework.reference, 1, found)

    space = await tenders.workspace(supplier, framework.reference, 1)
    if regime is Regime.SCOTLAND:
        assert "core_supplier_information" not in tenders.task_problems(space)
        await tenders.submit(supplier, framework.reference, 1)
        content = json.loads((await tenders.counting_submission(space.tender.id)).content)
        assert "core_supplier_information" not in content
        with pytest.raises(tenders.TenderError, match="not under the Procurement Act 2023"):
            await tenders.save_core_information(supplier, framework.reference, 1, PPON, SHARE_CODE)
        return

    assert tenders.task_problems(space)["core_supplier_information"] == [
        "Give your organisation's PPON and the share code of its core supplier information from the Central Digital Platform: "
        "the authority must have them before the tender deadline (Procurement Regulations 2024 reg. 6(3))"
    ]
    with pytest.raises(tenders.TenderError, match=r"Procurement Regulations 2024 reg\. 6\(3\)"):
        await tenders.submit(supplier, framework.reference, 1)
    assert await TenderSubmission.count() == 0

    await tenders.save_core_information(supplier, framework.reference, 1, " pmzv-7732-xjtm ", SHARE_CODE)
    receipt = await tenders.submit(supplier, framework.reference, 1)
    submission = await TenderSubmission.objects().get(TenderSubmission.number == receipt.number)
    assert json.loads(submission.content)["core_supplier_information"] == {"ppon": PPON, "share_code": SHARE_CODE}


async def test_a_ppon_or_share_code_not_in_the_platforms_form_is_refused_on_its_field(database, controlled_clock):
    officer, _ = await officers()
    framework, found = await open_for_tenders(officer, controlled_clock, lots=1)
    framework = await set_regime(framework, Regime.ENGLAND)
    supplier = await supplier_named("Alpha", "bids@alpha.example")
    await registered(supplier, framework.reference)
    with pytest.raises(errors.Invalid) as refused:
        await tenders.save_core_information(supplier, framework.reference, 1, "12345678", "")
    assert refused.value.problems == {
        "ppon": "Enter your organisation's PPON as the Central Digital Platform shows it, like PMZV-7732-XJTM",
        "share_code": "Enter the share code of your core supplier information from the Central Digital Platform (Procurement Regulations 2024 reg. 6(3))",
    }


async def test_the_ppon_is_kept_on_the_profile_and_offered_to_the_next_tender(database, controlled_clock):
    officer, _ = await officers()
    framework, found = await open_for_tenders(officer, controlled_clock, lots=2)
    framework = await set_regime(framework, Regime.ENGLAND)
    supplier = await supplier_named("Alpha", "bids@alpha.example")
    await suppliers.save(supplier, suppliers.Profile(
        trading_name="", description="Engagement", address_line_1="", address_line_2="", town="", postcode="", website="",
        regions=(), engagement_methods=(), groups=(), languages=(), accessible_formats=(), capacity=None,
    ))
    await registered(supplier, framework.reference)
    assert await tenders.offered_ppon(supplier, await tenders.workspace(supplier, framework.reference, 1)) == ""

    await tenders.save_core_information(supplier, framework.reference, 1, PPON, SHARE_CODE)

    assert (await suppliers.profile_of(supplier.organisation_id)).ppon == PPON
    assert await tenders.offered_ppon(supplier, await tenders.workspace(supplier, framework.reference, 2)) == PPON


# --- The officers' confirmation, and the award ------------------------------------------------------


async def test_the_officers_cannot_confirm_before_the_opening(database, controlled_clock):
    officer, _ = await officers()
    framework, found = await open_for_tenders(officer, controlled_clock, lots=1)
    framework = await set_regime(framework, Regime.ENGLAND)
    supplier = await supplier_named("Alpha", "bids@alpha.example")
    await registered(supplier, framework.reference)
    await complete_draft(supplier, framework.reference, 1, found)
    await tenders.save_core_information(supplier, framework.reference, 1, PPON, SHARE_CODE)
    await tenders.submit(supplier, framework.reference, 1)
    tender = await Tender.objects().first()
    with pytest.raises(sealing.Sealed):
        await core_information.confirm(officer, framework.reference, tender.id)
    assert await CoreInformationCheck.count() == 0
    assert await core_information.unconfirmed(framework) == []  # sealed: not even who tendered


async def test_the_officer_confirms_each_tender_and_it_is_audited(database, controlled_clock):
    walked = await opened_under(Regime.ENGLAND, controlled_clock)
    alpha = walked.tenders[("Alpha", 1)]
    assert [row["supplier"] for row in await core_information.unconfirmed(walked.framework)] == ["Alpha", "Beta"]

    check = await core_information.confirm(walked.officer, walked.reference, alpha)

    assert (check.ppon, check.share_code, check.obtained_later, check.checked_by) == ("PMZV-7730-XJTM", f"{SHARE_CODE}0", False, walked.officer.id)
    assert [row["supplier"] for row in await core_information.unconfirmed(walked.framework)] == ["Beta"]
    event = await AuditEvent.objects().where(AuditEvent.action == "tender.core_information_confirmed").first()
    assert (event.object_id, event.actor_id) == (str(alpha), walked.officer.id)
    with pytest.raises(core_information.CheckError, match="already confirmed"):
        await core_information.confirm(walked.second, walked.reference, alpha)


@pytest.mark.parametrize("regime", [Regime.ENGLAND, Regime.SCOTLAND])
async def test_the_award_is_approved_only_once_every_tenders_core_information_is_confirmed(database, controlled_clock, regime):
    walked = await opened_under(regime, controlled_clock)
    await moderate(walked, BIDS)
    await award.propose(walked.officer, walked.reference, 1, [walked.tenders[("Alpha", 1)]], reason="One supplier is enough", low_price_note=None, abnormally_low_share=SHARE)

    facts = await frameworks.facts_for(walked.framework, [State.AWARD_APPROVED])
    if regime is Regime.SCOTLAND:
        assert not any("core supplier information" in p for p in facts.extra_problems.get(State.AWARD_APPROVED, []))
        assert (await award.approve(walked.second, walked.reference, 1)).state == State.AWARD_APPROVED
        return

    waiting = (
        "Confirm the core supplier information of every tender before the award: not yet confirmed for Alpha (lot 1), Beta (lot 1) "
        "(Procurement Regulations 2024 regs. 6 and 7(3))"
    )
    assert waiting in facts.extra_problems[State.AWARD_APPROVED]
    with pytest.raises(award.AwardError, match=r"not yet confirmed for Alpha \(lot 1\), Beta \(lot 1\)"):
        await award.approve(walked.second, walked.reference, 1)
    assert (await Framework.objects().get(Framework.id == walked.framework.id)).state == State.MODERATION

    await core_information.confirm(walked.officer, walked.reference, walked.tenders[("Alpha", 1)])
    with pytest.raises(award.AwardError, match=r"not yet confirmed for Beta \(lot 1\)"):
        await award.approve(walked.second, walked.reference, 1)
    await core_information.confirm(walked.second, walked.reference, walked.tenders[("Beta", 1)])

    assert (await award.approve(walked.second, walked.reference, 1)).state == State.AWARD_APPROVED


async def test_a_tender_without_them_is_confirmed_with_what_the_officer_obtained_later(database, controlled_clock):
    walked = await opened_under(Regime.ENGLAND, controlled_clock, bids=BIDS[:1], share=False)
    tender_id = walked.tenders[("Alpha", 1)]
    with pytest.raises(errors.Invalid) as refused:
        await core_information.confirm(walked.officer, walked.reference, tender_id)
    assert refused.value.problems["ppon"].startswith("Enter the supplier's PPON")

    check = await core_information.confirm(walked.officer, walked.reference, tender_id, ppon=PPON, share_code=SHARE_CODE)

    assert (check.ppon, check.share_code, check.obtained_later) == (PPON, SHARE_CODE, True)


async def test_scotland_has_nothing_to_confirm(database, controlled_clock):
    walked = await opened_under(Regime.SCOTLAND, controlled_clock)
    assert await core_information.unconfirmed(walked.framework) == []
    with pytest.raises(core_information.CheckError, match="Procurement Act 2023"):
        await core_information.confirm(walked.officer, walked.reference, walked.tenders[("Alpha", 1)])


# --- Pages --------------------------------------------------------------------------------------------


async def test_the_supplier_sees_the_rule_on_its_task_list_and_the_refusal_on_the_field(database, settings, controlled_clock):
    officer, _ = await officers()
    framework, found = await open_for_tenders(officer, controlled_clock, lots=1)
    framework = await set_regime(framework, Regime.ENGLAND)
    supplier = await supplier_named("Alpha", "bids@alpha.example")
    await registered(supplier, framework.reference)
    await complete_draft(supplier, framework.reference, 1, found)
    base = f"/frameworks/{framework.reference}/tenders/1"
    async with app_client(settings) as client:
        await sign_in(client, "bids@alpha.example")
        task_list = html.unescape((await client.get(base)).text)
        assert "Core supplier information" in task_list and "(Procurement Regulations 2024 reg. 6(3))" in task_list
        assert f'href="{base}/check"' not in task_list  # not ready to submit

        refused = await post_form(client, f"{base}/core-information", {"ppon": "P-1", "share_code": SHARE_CODE})
        assert refused.status_code == 400
        text = html.unescape(refused.text)
        assert 'href="#ppon"' in text and "like PMZV-7732-XJTM" in text

        saved = await post_form(client, f"{base}/core-information", {"ppon": PPON, "share_code": SHARE_CODE})
        assert saved.status_code == 303
        check = html.unescape((await client.get(f"{base}/check")).text)
        assert PPON in check and SHARE_CODE in check


async def test_the_officer_sees_them_after_the_opening_and_the_approval_refused_with_the_source(database, settings, controlled_clock):
    walked = await opened_under(Regime.ENGLAND, controlled_clock)
    await moderate(walked, BIDS)
    await award.propose(walked.officer, walked.reference, 1, [walked.tenders[("Alpha", 1)]], reason="One is enough", low_price_note=None, abnormally_low_share=SHARE)
    alpha = walked.tenders[("Alpha", 1)]
    async with app_client(settings) as client:
        await sign_in(client, "second.officer@authority.example")
        base = f"/manage/frameworks/{walked.reference}"
        refused = await post_form(client, f"{base}/award/lots/1/approve", {}, form_page=f"{base}/award/lots/1")
        text = html.unescape(refused.text)
        assert refused.status_code == 400 and 'href="#approve"' in text
        assert "not yet confirmed for Alpha (lot 1), Beta (lot 1) (Procurement Regulations 2024 regs. 6 and 7(3))" in text

        page = html.unescape((await client.get(f"{base}/tenders/{alpha}")).text)
        assert "PMZV-7730-XJTM" in page and f"{SHARE_CODE}0" in page and "Not yet confirmed" in page
        confirmed = await post_form(client, f"{base}/tenders/{alpha}/core-information", {}, form_page=f"{base}/tenders/{alpha}")
        assert confirmed.status_code == 303
        page = html.unescape((await client.get(f"{base}/tenders/{alpha}")).text)
        assert "Confirmed by Second Officer on" in page
