"""Panels, conflict declarations, independent scoring and moderation (rule 3)."""

import pytest

from registry.accounts.tables import Role
from registry.audit.tables import AuditEvent
from registry.evaluation import service as evaluation
from registry.evaluation.service import Mark
from registry.evaluation.tables import EvaluatorAssignment, LotModeration, ModeratedScore, Score
from registry.frameworks import service as frameworks
from registry.frameworks.tables import State
from registry.notifications.tables import Notification
from registry.tenders import sealing
from registry.tenders.tables import Tender
from registry.errors import Missing, Refused
from tests.conftest import app_client
from tests.support import csrf_from, officer_and_supplier, post_form
from tests.test_framework_pages import sign_in
from tests.tendering import colleague, opened


def full_marks(found: dict, quality: str = "3", passed: str = "pass") -> list[Mark]:
    return [
        Mark(found["insurance"].id, passed, "Insurer named: Example Mutual"),
        Mark(found["approach"].id, quality, "A clear approach with examples"),
        Mark(found["team"].id, quality, "An experienced team"),
    ]


@pytest.fixture
async def panel(database, controlled_clock):
    officer, _ = await officer_and_supplier()
    framework, found, suppliers, second = await opened(officer, controlled_clock)
    first_evaluator = await colleague(officer, "eva@authority.example", (Role.EVALUATOR,))
    second_evaluator = await colleague(officer, "evan@authority.example", (Role.EVALUATOR,))
    first = await evaluation.assign(officer, framework.reference, 1, first_evaluator.id)
    second_assignment = await evaluation.assign(officer, framework.reference, 1, second_evaluator.id)
    tenders = [row["tender_id"] for row in await evaluation.bidders((await frameworks.lots(framework.id))[0].id)]
    return {
        "officer": officer, "second_officer": second, "framework": framework, "found": found, "suppliers": suppliers, "tenders": tenders,
        "evaluators": (first_evaluator, second_evaluator), "assignments": (first, second_assignment),
    }


async def test_evaluation_cannot_start_without_two_evaluators_on_each_lot_with_tenders(database, controlled_clock):

    officer, _ = await officer_and_supplier()
    framework, found, suppliers, _ = await opened(officer, controlled_clock)
    evaluator = await colleague(officer, "eva@authority.example", (Role.EVALUATOR,))
    await evaluation.assign(officer, framework.reference, 1, evaluator.id)
    with pytest.raises(frameworks.TransitionBlocked, match="Lot 1: assign at least 2 evaluators"):
        await frameworks.move(officer, framework.reference, State.EVALUATION)
    with pytest.raises(evaluation.EvaluationError, match="already on lot 1"):
        await evaluation.assign(officer, framework.reference, 1, evaluator.id)
    with pytest.raises(evaluation.EvaluationError, match="Choose an evaluator of your authority"):
        await evaluation.assign(officer, framework.reference, 1, suppliers[0].id)


async def test_an_evaluator_reads_tenders_only_after_declaring_no_conflict(panel):
    framework, evaluator = panel["framework"], panel["evaluators"][0]
    tender_id = panel["tenders"][0]
    with pytest.raises(sealing.Sealed):
        await sealing.readable_tender(evaluator, framework, tender_id)
    await evaluation.declare(evaluator, panel["assignments"][0].id, conflicted=False, details="")
    tender, submission, content = await sealing.readable_tender(evaluator, framework, tender_id)
    assert content["quality"][0]["answer"] == "We go where people already are."
    outsider = await colleague(panel["officer"], "other.evaluator@authority.example", (Role.EVALUATOR,))
    with pytest.raises(sealing.Sealed):
        await sealing.readable_tender(outsider, framework, tender_id)  # not on the panel
    assert await AuditEvent.count().where(AuditEvent.action == "tender.sealed_access_refused") == 2


async def test_a_declared_conflict_takes_the_evaluator_off_the_lot_and_tells_the_officers(panel):
    evaluator = panel["evaluators"][1]
    with pytest.raises(evaluation.EvaluationError, match="Say which bidder"):
        await evaluation.declare(evaluator, panel["assignments"][1].id, conflicted=True, details="  ")
    await evaluation.declare(evaluator, panel["assignments"][1].id, conflicted=True, details="My sister works for Bidder 0.")
    assignment = await EvaluatorAssignment.objects().get(EvaluatorAssignment.id == panel["assignments"][1].id)
    assert assignment.removed_at is not None
    with pytest.raises(sealing.Sealed):
        await sealing.readable_tender(evaluator, panel["framework"], panel["tenders"][0])
    told = await Notification.objects().where(Notification.subject.like("%declared a conflict of interest"))
    assert sorted(n.recipient for n in told) == ["officer@authority.example", "second.officer@authority.example"]
    with pytest.raises(frameworks.TransitionBlocked, match="assign at least 2 evaluators"):
        await frameworks.move(panel["officer"], panel["framework"].reference, State.EVALUATION)


async def test_scores_are_checked_independent_and_final_once_submitted(panel):
    officer, framework, found = panel["officer"], panel["framework"], panel["found"]
    first, second = panel["evaluators"]
    a, b = panel["assignments"]
    tender_id = panel["tenders"][0]
    with pytest.raises(Refused, match="Declare your conflicts"):
        await evaluation.save_marks(first, a.id, tender_id, full_marks(found), submit=False)
    for evaluator, assignment in ((first, a), (second, b)):
        await evaluation.declare(evaluator, assignment.id, conflicted=False, details="")
    with pytest.raises(evaluation.EvaluationError, match="only while the framework is in evaluation"):
        await evaluation.save_marks(first, a.id, tender_id, full_marks(found), submit=False)
    await frameworks.move(officer, framework.reference, State.EVALUATION)

    with pytest.raises(evaluation.EvaluationError, match="from 0 to 4") as outside:
        await evaluation.save_marks(first, a.id, tender_id, full_marks(found, quality="5"), submit=False)
    assert outside.value.field == f"c{found['approach'].id}"
    no_reason = [Mark(found["approach"].id, "3", "  "), Mark(found["team"].id, "9", "Too high")]
    with pytest.raises(evaluation.MarksRejected) as every_problem:  # all of them at once, each on its field
        await evaluation.save_marks(first, a.id, tender_id, no_reason, submit=True)
    assert every_problem.value.problems == {
        f"c{found['insurance'].id}": "Do you hold public liability insurance of at least £5 million?: choose pass or fail",
        f"c{found['approach'].id}-reason": "Reaching seldom-heard groups: give the reason for your mark",
        f"c{found['team'].id}": "Your team: the score must be on the scale, from 0 to 4",
    }
    with pytest.raises(evaluation.EvaluationError, match="choose pass or fail"):
        await evaluation.save_marks(first, a.id, tender_id, full_marks(found)[1:], submit=True)
    assert await Score.count() == 0  # nothing saved by a refused action
    await evaluation.save_marks(first, a.id, tender_id, no_reason[:1], submit=False)  # a draft may wait for its reasons
    assert await Score.count() == 1

    await evaluation.save_marks(first, a.id, tender_id, full_marks(found)[1:], submit=False)  # a draft may be partial
    await evaluation.save_marks(first, a.id, tender_id, full_marks(found), submit=True)
    with pytest.raises(evaluation.EvaluationError, match="can no longer change"):
        await evaluation.save_marks(first, a.id, tender_id, full_marks(found, quality="1"), submit=True)
    with pytest.raises(Refused):
        await evaluation.save_marks(second, a.id, tender_id, full_marks(found), submit=True)  # someone else's assignment
    with pytest.raises(Missing, match="There is no such tender"):
        await evaluation.save_marks(first, a.id, 999999, full_marks(found), submit=True)
    with pytest.raises(frameworks.TransitionBlocked, match="has not submitted scores for every tender"):
        await frameworks.move(officer, framework.reference, State.MODERATION)
    with pytest.raises(evaluation.EvaluationError, match="once moderation has started"):
        await evaluation.moderation_sheet(officer, framework.reference, 1)


async def scored_and_in_moderation(panel, second_quality: str = "1"):
    officer, framework, found = panel["officer"], panel["framework"], panel["found"]
    for (evaluator, assignment), quality in zip(zip(panel["evaluators"], panel["assignments"]), ("3", second_quality)):
        await evaluation.declare(evaluator, assignment.id, conflicted=False, details="")
    await frameworks.move(officer, framework.reference, State.EVALUATION)
    for (evaluator, assignment), quality in zip(zip(panel["evaluators"], panel["assignments"]), ("3", second_quality)):
        for tender_id in panel["tenders"]:
            await evaluation.save_marks(evaluator, assignment.id, tender_id, full_marks(found, quality=quality), submit=True)
    return await frameworks.move(officer, framework.reference, State.MODERATION)


async def test_moderation_shows_the_spread_records_consensus_and_completes_each_lot(panel):
    officer, framework, found = panel["officer"], panel["framework"], panel["found"]
    await scored_and_in_moderation(panel)
    _, lot, lot_criteria, rows, completed = await evaluation.moderation_sheet(officer, framework.reference, 1)
    assert completed is None and len(rows) == 3
    assert rows[0].spread(found["approach"].id) == 2 and rows[0].disagrees(found["approach"].id)
    assert not rows[0].disagrees(found["insurance"].id)

    with pytest.raises(evaluation.EvaluationError, match="Record a consensus mark for every criterion"):
        await evaluation.complete_moderation(officer, framework.reference, 1)
    for tender_id in panel["tenders"]:
        await evaluation.save_consensus(officer, framework.reference, 1, tender_id, full_marks(found, quality="2"))
    await evaluation.complete_moderation(officer, framework.reference, 1)
    assert await ModeratedScore.count() == 9 and await LotModeration.count() == 1
    with pytest.raises(evaluation.EvaluationError, match="complete; its scores are final"):
        await evaluation.save_consensus(officer, framework.reference, 1, panel["tenders"][0], full_marks(found, quality="4"))


async def test_an_evaluators_pages_never_show_another_evaluators_marks(panel, settings):
    first, second = panel["evaluators"]
    a, b = panel["assignments"]
    found, tender_id = panel["found"], panel["tenders"][0]
    for evaluator, assignment in ((first, a), (second, b)):
        await evaluation.declare(evaluator, assignment.id, conflicted=False, details="")
    await frameworks.move(panel["officer"], panel["framework"].reference, State.EVALUATION)
    secret = [Mark(found["insurance"].id, "pass", "FIRST-EVALUATORS-REASON"), Mark(found["approach"].id, "4", "FIRST-EVALUATORS-REASON"),
              Mark(found["team"].id, "4", "FIRST-EVALUATORS-REASON")]
    await evaluation.save_marks(first, a.id, tender_id, secret, submit=True)
    async with app_client(settings) as client:
        await sign_in(client, "evan@authority.example")
        for path in ("/evaluation", f"/evaluation/{b.id}", f"/evaluation/{b.id}/tenders/{tender_id}", f"/evaluation/{a.id}/tenders/{tender_id}",
                     f"/manage/frameworks/{panel['framework'].reference}/evaluation/moderation/1"):
            response = await client.get(path)
            assert "FIRST-EVALUATORS-REASON" not in response.text, path
        assert (await client.get(f"/evaluation/{a.id}/tenders/{tender_id}")).status_code == 403

        page = await client.get(f"/evaluation/{b.id}/tenders/{tender_id}")
        assert page.status_code == 200 and "We go where people already are." in page.text
        missing_reason = await client.post(f"/evaluation/{b.id}/tenders/{tender_id}", data={
            "_csrf_token": csrf_from(page.text), "action": "submit", f"c{found['insurance'].id}": "pass", f"c{found['insurance'].id}-reason": "Named insurer",
            f"c{found['approach'].id}": "2", f"c{found['team'].id}": "3", f"c{found['team'].id}-reason": "Good team",
        })
        assert missing_reason.status_code == 400 and "Reaching seldom-heard groups: give the reason" in missing_reason.text
        assert f'href="#c{found["approach"].id}-reason"' in missing_reason.text and "Named insurer" in missing_reason.text


async def test_a_lots_sheet_is_read_a_page_at_a_time_and_its_progress_counted_whatever_the_bidders_names(panel):
    """A lot of thousands of tenders is read a page at a time: every tender on exactly one page, in the
    order its own pages step through, even when bidders share a name; the progress counts the tenders
    with a consensus mark for every criterion."""
    from registry.accounts.tables import Organisation
    from registry.tenders.tables import Tender

    officer, framework, found, tenders = panel["officer"], panel["framework"], panel["found"], panel["tenders"]
    await scored_and_in_moderation(panel)
    organisations = [row["organisation"] for row in await Tender.select(Tender.organisation).where(Tender.id.is_in(tenders))]
    await Organisation.update({Organisation.legal_name: "Same Name Ltd"}).where(Organisation.id.is_in(organisations))
    paged = []
    for offset in range(len(tenders)):
        *_, rows, _ = await evaluation.moderation_sheet(officer, framework.reference, 1, offset=offset, limit=1)
        paged += [row.tender_id for row in rows]
    assert sorted(paged) == sorted(tenders) and len(paged) == len(tenders)
    positions = [(await evaluation.moderation_of_tender(officer, framework.reference, 1, tender_id)).position for tender_id in paged]
    assert positions == list(range(1, len(tenders) + 1))

    lot = await frameworks.lot_numbered(framework.id, 1)
    assert await evaluation.moderation_progress(framework, lot) == evaluation.Progress(tenders=len(tenders), agreed=0)
    await evaluation.save_consensus(officer, framework.reference, 1, tenders[0], full_marks(found, quality="2"))
    assert await evaluation.moderation_progress(framework, lot) == evaluation.Progress(tenders=len(tenders), agreed=1)


async def test_officers_set_the_panel_and_moderate_through_the_pages(panel, client):
    officer, framework, found = panel["officer"], panel["framework"], panel["found"]
    await sign_in(client, "officer@authority.example")
    base = f"/manage/frameworks/{framework.reference}/evaluation"
    page = await client.get(base)
    assert page.status_code == 200 and "Has not declared conflicts yet" in page.text
    unchosen = await post_form(client, base + "/assign", {"lot": "2"}, form_page=base)
    assert unchosen.status_code == 400 and "Choose the evaluator" in unchosen.text
    await scored_and_in_moderation(panel)
    sheet = await client.get(base + "/moderation/1")
    tender_id = panel["tenders"][0]
    assert sheet.status_code == 200 and "Discuss" in sheet.text and f'href="{base}/moderation/1/tenders/{tender_id}"' in sheet.text
    tender_page = f"{base}/moderation/1/tenders/{tender_id}"
    opened = await client.get(tender_page)
    assert opened.status_code == 200 and "An experienced team" in opened.text and opened.text.count("Save the consensus for") == 1
    bad = await post_form(client, tender_page, {f"c{found['insurance'].id}": "pass"})
    assert bad.status_code == 400 and f'href="#c{found["insurance"].id}-reason"' in bad.text
    assert bad.text.count('value="pass" checked') == 1  # what was chosen is kept
    good = {f"c{m.criterion_id}": m.value for m in full_marks(found, "2")} | {f"c{m.criterion_id}-reason": m.reason for m in full_marks(found, "2")}
    saved = await post_form(client, tender_page, good)
    assert saved.status_code == 303
    check = await client.get(f"{base}/moderation/1/complete")
    assert "The consensus marks become final" in check.text and "1 of" in check.text
    early = await post_form(client, f"{base}/moderation/1/complete", {"confirmed": "yes"}, form_page=f"{base}/moderation/1/complete")
    assert early.status_code == 400 and "Record a consensus mark for every criterion" in early.text


async def test_the_moderation_sheet_comes_in_pages_and_each_tender_is_moderated_on_its_own_page(panel, client, monkeypatch):
    """One form per page: saving one tender's consensus can never discard what was typed for another.
    Saving takes the officer to the next tender without a consensus, then back to the sheet."""
    from registry.evaluation import controllers

    monkeypatch.setattr(controllers, "MODERATION_PAGE_SIZE", 1)  # a lot of thousands of tenders, in miniature
    found, tenders = panel["found"], panel["tenders"]
    assert len(tenders) >= 2
    await sign_in(client, "officer@authority.example")
    await scored_and_in_moderation(panel)
    base = f"/manage/frameworks/{panel['framework'].reference}/evaluation/moderation/1"
    first, second = (await client.get(base)).text, (await client.get(base + "?page=2")).text
    assert f'id="tender-{tenders[0]}"' in first and f'id="tender-{tenders[1]}"' not in first
    assert f'id="tender-{tenders[1]}"' in second and f'id="tender-{tenders[0]}"' not in second
    assert f"Tenders 2 to 2 of {len(tenders)}" in second and f'href="{base}?page=1"' in second
    assert f"Consensus recorded for 0 of {len(tenders)} tenders" in second
    assert 'name="c' not in first and 'name="c' not in second  # the sheet itself takes no marks

    good = {f"c{m.criterion_id}": m.value for m in full_marks(found, "2")} | {f"c{m.criterion_id}-reason": m.reason for m in full_marks(found, "2")}
    tender_page = (await client.get(f"{base}/tenders/{tenders[1]}")).text
    assert tender_page.count("<form") == 1  # this tender's, and no other
    assert f"tender 2 of {len(tenders)}" in tender_page and "Previous tender" in tender_page
    saved = await post_form(client, f"{base}/tenders/{tenders[1]}", good)
    following = tenders[2] if len(tenders) > 2 else tenders[0]
    assert saved.status_code == 303 and saved.headers["location"] == f"{base}/tenders/{following}?saved={tenders[1]}"
    landing = await client.get(saved.headers["location"])
    supplier = await evaluation.supplier_of_tender(await frameworks.lot_numbered(panel["framework"].id, 1), tenders[1])
    assert f"Consensus saved for {supplier}" in landing.text
    for tender in [t for t in tenders if t != tenders[1]]:
        done = await post_form(client, f"{base}/tenders/{tender}", good)
    assert done.headers["location"] == f"{base}?saved={tenders[-1] if tenders[-1] != tenders[1] else tenders[-2]}"
    sheet = await client.get(done.headers["location"])
    assert f"Consensus recorded for {len(tenders)} of {len(tenders)} tenders" in sheet.text and "complete moderation of the lot" in sheet.text


async def test_an_evaluator_checks_final_marks_before_submitting_and_is_told_when_the_lot_is_done(panel, client):
    first, _ = panel["evaluators"]
    a, _ = panel["assignments"]
    found, tenders = panel["found"], panel["tenders"]
    await evaluation.declare(first, a.id, conflicted=False, details="")
    await frameworks.move(panel["officer"], panel["framework"].reference, State.EVALUATION)
    await sign_in(client, "eva@authority.example")
    good = {f"c{m.criterion_id}": m.value for m in full_marks(found)} | {f"c{m.criterion_id}-reason": m.reason for m in full_marks(found)}
    for number, tender_id in enumerate(tenders, start=1):
        scoring = f"/evaluation/{a.id}/tenders/{tender_id}"
        page = (await client.get(scoring)).text
        assert f"tender {number} of {len(tenders)}" in page
        assert ("Next tender" in page) == (number < len(tenders)) and ("Previous tender" in page) == (number > 1)
        check = await post_form(client, scoring, {**good, "action": "submit"})
        assert check.status_code == 200 and "Check your marks for" in check.text and "Submitted marks are final" in check.text
        assert (await evaluation.own_progress(a.id))[tender_id] == "draft"  # saved, not yet submitted
        done = await post_form(client, scoring, {**good, "action": "submit", "confirmed": "yes"}, form_page=scoring)
        assert done.status_code == 303 and done.headers["location"] == f"/evaluation/{a.id}?submitted={tender_id}"
        landing = (await client.get(done.headers["location"])).text
        if number < len(tenders):
            assert "Marks submitted for" in landing and f"{number} of {len(tenders)} tenders submitted" in landing
        else:
            assert "Every tender is marked" in landing


async def test_once_moderation_has_started_the_task_list_leads_to_moderating_each_lot(panel, client):
    await scored_and_in_moderation(panel)
    await sign_in(client, "officer@authority.example")
    task_list = (await client.get(f"/manage/frameworks/{panel['framework'].reference}")).text  # the link text is the lifecycle's, escaped as any value is
    assert "Moderate each lot: record the panel&#39;s consensus for every tender, then complete the lot" in task_list
    assert "Lot 1: complete the moderation, then propose the suppliers to appoint" in task_list


async def test_an_evaluator_sees_no_price_in_a_lot_until_its_marks_for_every_tender_of_the_lot_are_submitted(panel, client):
    """The price envelope: a quality evaluator reads no price of a lot's tenders, on its scoring page or in
    the API, until it has submitted final marks for every tender of the lot: knowing one bidder's price
    would colour the marks it still gives the others. The price is scored by formula."""
    from tests.api_support import bearer

    first, _ = panel["evaluators"]
    a, _ = panel["assignments"]
    officer, framework, found, tenders = panel["officer"], panel["framework"], panel["found"], panel["tenders"]
    await evaluation.declare(first, a.id, conflicted=False, details="")
    await frameworks.move(officer, framework.reference, State.EVALUATION)
    prices = {}
    for tender_id in tenders:
        _, _, content = await sealing.readable_tender(officer, framework, tender_id)
        prices[tender_id] = "£{:,.2f}".format(float(content["price"]["amount"]))

    async def evaluator_reads(tender_id: int) -> tuple[str, dict]:
        page = await client.get(f"/evaluation/{a.id}/tenders/{tender_id}")
        assert page.status_code == 200
        read = await client.get(f"/api/v1/frameworks/{framework.reference}/tenders/{tender_id}", headers=await bearer(first))
        assert read.status_code == 200
        return page.text, read.json()

    async def every_price_withheld() -> None:
        for tender_id in tenders:
            page, read = await evaluator_reads(tender_id)
            assert prices[tender_id] not in page and "We go where people already are." in page
            assert "kept from you until you have submitted your marks for every tender in this lot" in page
            assert "price" not in read["content"] and read["price_withheld"] is True
            assert "quality" in read["content"]
            _, _, content = await sealing.readable_tender(first, framework, tender_id)
            assert "price" not in content

    await sign_in(client, "eva@authority.example")
    await every_price_withheld()
    for tender_id in tenders[:-1]:
        await evaluation.save_marks(first, a.id, tender_id, full_marks(found), submit=True)
        await every_price_withheld()  # not even the price of a tender whose marks are in
    await evaluation.save_marks(first, a.id, tenders[-1], full_marks(found), submit=True)
    for tender_id in tenders:
        page, read = await evaluator_reads(tender_id)
        assert prices[tender_id] in page and "now that you have submitted your marks for every tender in this lot" in page
        assert read["content"]["price"] == (await sealing.readable_tender(officer, framework, tender_id))[2]["price"]
        assert read["price_withheld"] is False


async def test_a_removed_evaluator_never_has_the_lots_prices_unlocked(panel):
    first, _ = panel["evaluators"]
    a, _ = panel["assignments"]
    officer, framework, found, tenders = panel["officer"], panel["framework"], panel["found"], panel["tenders"]
    await evaluation.declare(first, a.id, conflicted=False, details="")
    await frameworks.move(officer, framework.reference, State.EVALUATION)
    for tender_id in tenders:
        await evaluation.save_marks(first, a.id, tender_id, full_marks(found), submit=True)
    assert await evaluation.lot_marks_submitted(first.id, a.lot)
    await evaluation.remove(officer, framework.reference, a.id)
    assert not await evaluation.lot_marks_submitted(first.id, a.lot)


async def test_the_officers_read_the_whole_tender_and_moderate_as_before(panel, client):
    from tests.api_support import bearer

    officer, framework, tenders = panel["officer"], panel["framework"], panel["tenders"]
    await scored_and_in_moderation(panel)
    _, _, content = await sealing.readable_tender(officer, framework, tenders[0])
    price = "£{:,.2f}".format(float(content["price"]["amount"]))
    await sign_in(client, "officer@authority.example")
    tender_page = (await client.get(f"/manage/frameworks/{framework.reference}/tenders/{tenders[0]}")).text
    assert price in tender_page and "kept from" not in tender_page and "submitted your marks" not in tender_page
    read = (await client.get(f"/api/v1/frameworks/{framework.reference}/tenders/{tenders[0]}", headers=await bearer(officer))).json()
    assert read["content"]["price"] == content["price"] and read["price_withheld"] is False
    moderation = await client.get(f"/manage/frameworks/{framework.reference}/evaluation/moderation/1/tenders/{tenders[0]}")
    assert moderation.status_code == 200 and "An experienced team" in moderation.text
    sheet = (await client.get(f"/api/v1/frameworks/{framework.reference}/moderation/1", headers=await bearer(officer))).json()
    assert len(sheet["tenders"]) == len(tenders) and "price" not in sheet["tenders"][0]


METHOD = b"%PDF-1.4\nMETHOD-STATEMENT-BYTES\n%%EOF\n"
PRICING = b"%PDF-1.4\nPRICING-SCHEDULE-BYTES\n%%EOF\n"


@pytest.fixture
async def priced_panel(database, settings, controlled_clock):
    """The panel, where the first bidder attached, on its upload form, a method statement and a pricing
    schedule it marked as containing prices."""
    officer, _ = await officer_and_supplier()

    async def documents(supplier, reference: str, n: int) -> None:
        if n:
            return
        async with app_client(settings) as bidder:
            await sign_in(bidder, supplier.email)
            url = f"/frameworks/{reference}/tenders/1/documents"
            form = (await bidder.get(url)).text
            assert "This document contains prices" in form and "kept from the quality evaluators" in form
            for title, data, priced in (("Method statement", METHOD, {}), ("Pricing schedule", PRICING, {"priced": "yes"})):
                attached = await bidder.post(
                    url, data={"_csrf_token": csrf_from(form), "title": title, **priced}, files={"file": (f"{title}.pdf", data, "application/pdf")},
                )
                assert attached.status_code == 303
            assert "Pricing schedule</a> (Pricing schedule.pdf) <strong" in (await bidder.get(url)).text  # tagged as priced

    framework, found, suppliers, second = await opened(officer, controlled_clock, before_submitting=documents)
    evaluators = [await colleague(officer, email, (Role.EVALUATOR,)) for email in ("eva@authority.example", "evan@authority.example")]
    assignments = [await evaluation.assign(officer, framework.reference, 1, e.id) for e in evaluators]
    tenders = [row["tender_id"] for row in await evaluation.bidders((await frameworks.lots(framework.id))[0].id)]
    priced_tender = (await Tender.objects().where(Tender.organisation == suppliers[0].organisation_id).first()).id
    return {
        "officer": officer, "framework": framework, "found": found, "tenders": tenders, "priced_tender": priced_tender,
        "evaluators": evaluators, "assignments": assignments,
    }


async def test_a_priced_document_is_in_the_submission_and_only_it_says_so(priced_panel):
    """A document not marked as priced is listed as before, so that receipts' SHA-256 do not change."""
    _, _, content = await sealing.readable_tender(priced_panel["officer"], priced_panel["framework"], priced_panel["priced_tender"])
    method, pricing = content["documents"]
    assert (method["title"], pricing["title"]) == ("Method statement", "Pricing schedule")
    assert set(method) == {"title", "filename", "sha256", "size_bytes"} and pricing["priced"] is True


async def test_a_priced_document_is_no_document_to_an_evaluator_until_the_lots_prices_unlock(priced_panel, client, settings):
    from tests.api_support import bearer

    first, _ = priced_panel["evaluators"]
    a, _ = priced_panel["assignments"]
    officer, framework, found, tenders, tender_id = (priced_panel[k] for k in ("officer", "framework", "found", "tenders", "priced_tender"))
    _, _, content = await sealing.readable_tender(officer, framework, tender_id)
    method, pricing = (d["sha256"] for d in content["documents"])
    await evaluation.declare(first, a.id, conflicted=False, details="")
    await frameworks.move(officer, framework.reference, State.EVALUATION)
    base = f"/evaluation/{a.id}/tenders/{tender_id}"
    api = f"/api/v1/frameworks/{framework.reference}/tenders/{tender_id}"

    await sign_in(client, "eva@authority.example")
    page = (await client.get(base)).text
    assert "Method statement" in page and "Pricing schedule" not in page and pricing not in page
    assert [d["title"] for d in (await client.get(api, headers=await bearer(first))).json()["content"]["documents"]] == ["Method statement"]
    assert (await client.get(f"{base}/documents/{method}")).content == METHOD
    withheld, missing = await client.get(f"{base}/documents/{pricing}"), await client.get(f"{base}/documents/{'0' * 64}")
    assert withheld.status_code == missing.status_code == 404 and withheld.text == missing.text
    assert "PRICING-SCHEDULE-BYTES" not in withheld.text

    await evaluation.save_marks(first, a.id, tender_id, full_marks(found), submit=True)
    assert (await client.get(f"{base}/documents/{pricing}")).text == missing.text  # one tender marked: not yet
    for other in tenders:
        if other != tender_id:
            await evaluation.save_marks(first, a.id, other, full_marks(found), submit=True)
    page = (await client.get(base)).text
    assert "Method statement" in page and "Pricing schedule" in page
    assert (await client.get(f"{base}/documents/{pricing}")).content == PRICING
    listed = (await client.get(api, headers=await bearer(first))).json()["content"]["documents"]
    assert [(d["title"], d.get("priced", False)) for d in listed] == [("Method statement", False), ("Pricing schedule", True)]


async def test_the_officers_read_priced_documents_as_before(priced_panel, settings):
    from tests.api_support import bearer

    officer, framework, tender_id = priced_panel["officer"], priced_panel["framework"], priced_panel["priced_tender"]
    _, _, content = await sealing.readable_tender(officer, framework, tender_id)
    method, pricing = (d["sha256"] for d in content["documents"])
    base = f"/manage/frameworks/{framework.reference}/tenders/{tender_id}"
    async with app_client(settings) as client:
        await sign_in(client, "officer@authority.example")
        page = (await client.get(base)).text
        assert "Method statement" in page and "Pricing schedule" in page
        assert (await client.get(f"{base}/documents/{method}")).content == METHOD
        assert (await client.get(f"{base}/documents/{pricing}")).content == PRICING
        read = (await client.get(f"/api/v1/frameworks/{framework.reference}/tenders/{tender_id}", headers=await bearer(officer))).json()
    assert [d["title"] for d in read["content"]["documents"]] == ["Method statement", "Pricing schedule"]
