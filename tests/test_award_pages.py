"""The award pages, driven over HTTP as their users: results, proposing and approving, notifying the
bidders, debrief letters (each bidder's own only), challenges, appointing and the public award."""

import html
import re

import pytest
from contextlib import asynccontextmanager
from datetime import timedelta

from registry.audit.tables import AuditEvent
from registry.award.tables import AwardProposal
from registry.frameworks.tables import Framework, State
from tests.awarding import Bid, core_information_confirmed, in_moderation, set_max_suppliers
from tests.conftest import app_client
from tests.support import csrf_from, post_form
from tests.test_framework_pages import sign_in

BIDS = [
    Bid("Alpha", "40000", approach=4, team=3),  # 84.00, 2nd (ties Beta on total, lower quality)
    Bid("Beta", "50000", approach=4, team=4),  # 84.00, 1st
    Bid("Gamma", "30000", approach=2, team=2),  # 70.00, 3rd
    Bid("Delta", "10000", approach=3, team=3, insurance=False),  # excluded
    Bid("Alpha", "42000", approach=3, team=3, lot=2),
]


@asynccontextmanager
async def as_user(settings, email: str | None):
    async with app_client(settings) as client:
        if email:
            await sign_in(client, email)
        yield client


def text_of(response) -> str:
    return html.unescape(response.text)


async def state_of(walked) -> str:
    return (await Framework.objects().get(Framework.id == walked.framework.id)).state


async def approve_both_lots(walked, settings, officer_client) -> None:
    """Lot 1 as already proposed by the officer, and lot 2: proposals approved by the other officer
    (under the Procurement Act once each tender's core supplier information is confirmed)."""
    await core_information_confirmed(walked)
    base = f"/manage/frameworks/{walked.reference}/award"
    async with as_user(settings, "second.officer@authority.example") as second:
        assert (await post_form(second, f"{base}/lots/1/approve", {}, form_page=f"{base}/lots/1")).status_code == 303
        assert (await post_form(second, f"{base}/lots/2/propose", {"tenders": [str(walked.tenders[("Alpha", 2)])]}, form_page=f"{base}/lots/2")).status_code == 303
    assert (await post_form(officer_client, f"{base}/lots/2/approve", {}, form_page=f"{base}/lots/2")).status_code == 303


async def test_officers_see_the_results_propose_with_reasons_and_a_different_officer_approves(client, database, settings, controlled_clock):
    walked = await in_moderation(controlled_clock, BIDS)
    await set_max_suppliers(walked, 1, 2)
    await sign_in(client, "officer@authority.example")
    base = f"/manage/frameworks/{walked.reference}/award"

    task_list = await client.get(f"/manage/frameworks/{walked.reference}")
    assert "Propose the suppliers to appoint to each lot, for a different officer to approve" in task_list.text
    moved = await post_form(client, f"/manage/frameworks/{walked.reference}/stage", {"target": "award_approved"}, form_page=f"{base}/lots/1")
    assert moved.status_code == 303 and moved.headers["location"] == base

    overview = text_of(await client.get(base))
    assert "Lot 1: Lot title 1" in overview and "Not proposed yet" in overview and "Lot 1: propose the suppliers to appoint" in overview

    results = text_of(await client.get(f"{base}/lots/1"))
    assert "Where totals are equal, the tender with the higher quality score ranks higher" in results
    ranked = re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d)</td>\s*<td class="govuk-table__cell">(\w+)</td>', results)
    assert ranked == [("1", "Beta"), ("2", "Alpha"), ("3", "Gamma")]
    assert "Excluded tenders" in results and "Failed the selection question “Do you hold public liability insurance" in results
    assert "Consensus scores (0 to 4)" in results
    beta, alpha, gamma, delta = (str(walked.tenders[(name, 1)]) for name in ("Beta", "Alpha", "Gamma", "Delta"))
    assert re.search(rf'value="{beta}" checked', results) and re.search(rf'value="{alpha}" checked', results)  # the top two, by default
    assert not re.search(rf'value="{gamma}" checked', results) and f'value="{delta}"' not in results  # an excluded tender is not offered

    passed_over = await post_form(client, f"{base}/lots/1/propose", {"tenders": [beta, gamma]}, form_page=f"{base}/lots/1")
    page = text_of(passed_over)
    assert passed_over.status_code == 400 and "<title>Error: " in page and "Give the reason for passing over Alpha, ranked 2nd" in page and 'href="#reason"' in page
    assert re.search(rf'value="{gamma}" checked', page) and not re.search(rf'value="{alpha}" checked', page)  # what was chosen is kept
    too_many = await post_form(client, f"{base}/lots/1/propose", {"tenders": [beta, alpha, gamma], "reason": "We need three suppliers."}, form_page=f"{base}/lots/1")
    page = text_of(too_many)
    assert too_many.status_code == 400 and "Lot 1 allows at most 2 suppliers: you chose 3" in page and 'href="#tenders"' in page
    assert "We need three suppliers.</textarea>" in page
    excluded = await post_form(client, f"{base}/lots/1/propose", {"tenders": [beta, delta]}, form_page=f"{base}/lots/1")
    assert excluded.status_code == 400 and "Delta's tender is excluded" in text_of(excluded)
    assert not await AwardProposal.exists()

    proposed = await post_form(client, f"{base}/lots/1/propose", {"tenders": [beta, gamma], "reason": "Alpha cannot cover the north."}, form_page=f"{base}/lots/1")
    assert proposed.status_code == 303
    page = text_of(await client.get(f"{base}/lots/1"))
    assert "You proposed this award, so a different procurement officer must approve it" in page and "Alpha cannot cover the north." in page
    own = await post_form(client, f"{base}/lots/1/approve", {}, form_page=f"{base}/lots/1")
    assert own.status_code == 403 and "You proposed the award for lot 1, so a different procurement officer must approve it" in text_of(own)
    assert "govuk-error-summary" in own.text and (await AwardProposal.objects().first()).approved_at is None
    assert await AuditEvent.exists().where(AuditEvent.action == "award.refused")

    await approve_both_lots(walked, settings, client)
    assert await state_of(walked) == State.AWARD_APPROVED


async def test_bidders_read_only_their_own_debrief_letters(client, database, settings, controlled_clock):
    walked = await in_moderation(controlled_clock, BIDS)
    await sign_in(client, "officer@authority.example")
    base = f"/manage/frameworks/{walked.reference}/award"
    await post_form(client, f"{base}/lots/1/propose", {"tenders": [str(walked.tenders[(n, 1)]) for n in ("Beta", "Alpha", "Gamma")]}, form_page=f"{base}/lots/1")
    await approve_both_lots(walked, settings, client)
    overview = text_of(await client.get(base))
    assert "Notify bidders and start the standstill period" in overview and "If you notify the bidders now, it ends at" in overview
    assert (await post_form(client, f"{base}/notify", {}, form_page=base)).status_code == 303
    assert await state_of(walked) == State.STANDSTILL

    letter_path = f"/frameworks/{walked.reference}/debrief/1"
    async with as_user(settings, "bids@gamma.example") as gamma:
        letter = await gamma.get(letter_path)
        page = text_of(letter)
        assert letter.status_code == 200 and "Award decision: lot 1" in page and "Outcome: Successful" in page
        assert "Consensus on approach for Gamma." in page and "Consensus on approach for Beta." not in page
        assert "2 out of 4" in page and "30.00 out of 60" in page and "3 of 3 compliant tenders (4 received)" in page
        assert "govuk-!-display-none-print" in page and "It ends at the end of" in page
        assert (await gamma.get(f"/frameworks/{walked.reference}/debrief/2")).status_code == 404  # no tender there
        officers_view = await gamma.get(f"{base}/lots/1/debriefs/{walked.tenders[('Beta', 1)]}")
        assert officers_view.status_code == 403
        framework_page = text_of(await gamma.get(f"/frameworks/{walked.reference}"))
        assert f'href="{letter_path}">lot 1</a>' in framework_page
    async with as_user(settings, "bids@delta.example") as delta:
        page = text_of(await delta.get(letter_path))
        assert "Outcome: Excluded" in page and "Consensus on approach for Delta." in page and "Gamma" in page  # the successful suppliers' scores
        # an unsuccessful bidder reads the characteristics and relative advantages of the successful tenders (PCSR 2015 reg. 85(2)(d)(ii))
        assert "The successful tender: Gamma (ranked 3)" in page and "Consensus on approach for Gamma." in page and "PCSR 2015 reg. 85(2)(d)(ii)" in page
    async with as_user(settings, None) as anonymous:
        refused = await anonymous.get(letter_path)
        assert refused.status_code in (302, 303) and "/sign-in" in refused.headers["location"]

    officer_view = text_of(await client.get(f"{base}/lots/1/debriefs/{walked.tenders[('Gamma', 1)]}"))
    assert "Consensus on approach for Gamma." in officer_view and "Back to the results" in officer_view


async def test_england_bidders_read_assessment_summaries_and_the_public_reads_the_contract_award_notice(client, database, settings, controlled_clock):
    """PA23 ss.50 and 51, Procurement Regulations 2024 reg. 31: the most advantageous tender's reasons in
    each summary, and the contract award notice public from the day the bidders are told."""
    walked = await in_moderation(controlled_clock, BIDS)
    await Framework.update({Framework.regime: "england"}).where(Framework.id == walked.framework.id)
    await sign_in(client, "officer@authority.example")
    base = f"/manage/frameworks/{walked.reference}/award"
    await post_form(client, f"{base}/lots/1/propose", {"tenders": [str(walked.tenders[("Beta", 1)])], "reason": "One supplier is enough"}, form_page=f"{base}/lots/1")
    await approve_both_lots(walked, settings, client)
    assert (await post_form(client, f"{base}/notify", {}, form_page=base)).status_code == 303
    async with as_user(settings, "bids@gamma.example") as gamma:
        page = text_of(await gamma.get(f"/frameworks/{walked.reference}/debrief/1"))
        assert "Outcome: Unsuccessful" in page and "Consensus on approach for Gamma." in page
        assert "The most advantageous tender: Beta" in page and "Consensus on approach for Beta." in page and "Procurement Regulations 2024 reg. 31" in page
    async with as_user(settings, None) as anonymous:
        notice = text_of(await anonymous.get(f"/frameworks/{walked.reference}/notices/award/1"))
        assert "UK6 contract award notice, version 1" in notice and "Suppliers the authority intends to appoint" in notice
        assert "Procurement Act 2023 s.51" in notice and "Beta" in notice


@pytest.mark.parametrize("regime", ["scotland", "england"])
async def test_the_officer_withholds_a_commercially_sensitive_part_of_the_letters_until_they_are_sent(client, database, settings, controlled_clock, regime):
    """PA23 s.94(1)(b), (3); PCSR 2015 reg. 56(4): the part is withheld with a reason, the letters say so in its place."""
    walked = await in_moderation(controlled_clock, BIDS)
    await Framework.update({Framework.regime: regime}).where(Framework.id == walked.framework.id)
    await sign_in(client, "officer@authority.example")
    base = f"/manage/frameworks/{walked.reference}/award"
    await post_form(client, f"{base}/lots/1/propose", {"tenders": [str(walked.tenders[("Beta", 1)])], "reason": "One supplier is enough"}, form_page=f"{base}/lots/1")
    await approve_both_lots(walked, settings, client)
    source = "Procurement Act 2023 s.94(1)(b)" if regime == "england" else "PCSR 2015 reg. 56(4)"
    beta_approach = f"{walked.tenders[('Beta', 1)]}:{walked.found['approach'].id}:rationale"

    lot_page = text_of(await client.get(f"{base}/lots/1"))
    assert "Commercially sensitive parts of the letters" in lot_page and f'value="{beta_approach}"' in lot_page and source in lot_page
    assert "Nothing is withheld: the letters give every score and reason." in lot_page
    no_reason = await post_form(client, f"{base}/lots/1/withholdings", {"withhold_part": beta_approach, "withhold_reason": " "}, form_page=f"{base}/lots/1")
    page = text_of(no_reason)
    assert no_reason.status_code == 400 and "<title>Error: " in page and "There is a problem" in page and 'href="#withhold_reason"' in page
    assert re.search(r'id="withhold_reason-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span> Say why disclosing it would prejudice', page)
    assert source in page and re.search(rf'value="{beta_approach}" checked', page)  # the choice is kept
    assert "One supplier is enough" in page  # and the proposal's form still shows what is proposed
    reason = "It describes Beta's own recruitment method"
    no_part = await post_form(client, f"{base}/lots/1/withholdings", {"withhold_reason": reason}, form_page=f"{base}/lots/1")
    page = text_of(no_part)
    assert no_part.status_code == 400 and 'href="#withhold_part"' in page and "Choose the part of a proposed supplier's assessment to withhold" in page
    assert f">{reason}</textarea>" in page  # what was typed is kept

    done = await post_form(client, f"{base}/lots/1/withholdings", {"withhold_part": beta_approach, "withhold_reason": reason}, form_page=f"{base}/lots/1")
    assert done.status_code == 303 and done.headers["location"] == f"{base}/lots/1#withholding"
    lot_page = text_of(await client.get(f"{base}/lots/1"))
    assert f"Withheld: commercially sensitive ({reason})" in lot_page and "Officer, " in lot_page and "Disclose again" in lot_page
    assert f'value="{beta_approach}"' not in lot_page  # no longer offered

    assert (await post_form(client, f"{base}/notify", {}, form_page=base)).status_code == 303
    async with as_user(settings, "bids@gamma.example") as gamma:
        page = text_of(await gamma.get(f"/frameworks/{walked.reference}/debrief/1"))
        assert f"Withheld: commercially sensitive ({reason})" in page and "Consensus on approach for Beta." not in page
        assert "Consensus on team for Beta." in page and f"withheld under {source}" in page
    lot_page = text_of(await client.get(f"{base}/lots/1"))
    assert f"Withheld: commercially sensitive ({reason})" in lot_page and "Withhold from the letters" not in lot_page and "Disclose again" not in lot_page
    beta_team = f"{walked.tenders[('Beta', 1)]}:{walked.found['team'].id}:rationale"
    late = await post_form(client, f"{base}/lots/1/withholdings", {"withhold_part": beta_team, "withhold_reason": reason}, form_page=f"{base}/challenges")
    assert late.status_code == 400 and "The bidders have been notified: what their letters disclose or withhold can no longer change" in text_of(late)


async def test_a_challenge_holds_appointment_then_the_suppliers_are_appointed_and_published(client, database, settings, controlled_clock):
    walked = await in_moderation(controlled_clock, BIDS)
    await sign_in(client, "officer@authority.example")
    base = f"/manage/frameworks/{walked.reference}/award"
    await post_form(client, f"{base}/lots/1/propose", {"tenders": [str(walked.tenders[(n, 1)]) for n in ("Beta", "Alpha", "Gamma")]}, form_page=f"{base}/lots/1")
    await approve_both_lots(walked, settings, client)
    await post_form(client, f"{base}/notify", {}, form_page=base)
    ends_at = (await Framework.objects().get(Framework.id == walked.framework.id)).standstill_ends_at

    delta = str(walked.suppliers["Delta"].organisation_id)
    blank = await post_form(client, f"{base}/challenges", {"organisation": delta, "details": ""}, form_page=f"{base}/challenges")
    page = text_of(blank)
    assert blank.status_code == 400 and "Describe the challenge" in page and re.search(rf'value="{delta}" checked', page)
    recorded = await post_form(client, f"{base}/challenges", {"organisation": delta, "details": "Delta says its certificate was overlooked."}, form_page=f"{base}/challenges")
    assert recorded.status_code == 303
    overview = text_of(await client.get(base))
    assert "A challenge is open: resolve it before appointing." in overview and "Appoint the suppliers</button>" not in overview

    early = await post_form(client, f"{base}/appoint", {}, form_page=f"{base}/challenges")
    assert early.status_code == 400 and "The standstill period has not ended" in text_of(early)

    controlled_clock.set(ends_at + timedelta(minutes=1))
    async with as_user(settings, "officer@authority.example") as officer:  # a new day: a new session
        challenged = await post_form(officer, f"{base}/appoint", {}, form_page=f"{base}/challenges")
        assert challenged.status_code == 400 and "A challenge is open: resolve it before appointing" in text_of(challenged)
        challenges = await officer.get(f"{base}/challenges")
        assert "None</textarea>" not in challenges.text
        challenge_id = re.search(r"/challenges/(\d+)/resolve", challenges.text).group(1)
        unexplained = await officer.post(f"{base}/challenges/{challenge_id}/resolve", data={"resolution": "", "_csrf_token": csrf_from(challenges.text)})
        assert unexplained.status_code == 400 and "Say how the challenge was resolved" in text_of(unexplained) and f'href="#resolution-{challenge_id}"' in unexplained.text
        resolved = await post_form(officer, f"{base}/challenges/{challenge_id}/resolve", {"resolution": "The certificate had expired; the exclusion stands."}, form_page=f"{base}/challenges")
        assert resolved.status_code == 303
        task_list = await officer.get(f"/manage/frameworks/{walked.reference}")
        assert "Appoint the suppliers after the standstill period" in task_list.text and "Results, award and appointment" in task_list.text
        assert (await post_form(officer, f"{base}/appoint", {}, form_page=base)).status_code == 303
        assert "Appointed suppliers" in text_of(await officer.get(base))
    assert await state_of(walked) == State.LIVE

    async with as_user(settings, None) as anonymous:
        public = text_of(await anonymous.get(f"/frameworks/{walked.reference}"))
        assert "Appointed suppliers" in public and "Tenders received for lot 1: 4, of which compliant: " in public
        assert "Tenders received for lot 2: 1, of which compliant: 1." in public
        for row in ("Tenders closed", "Award decision sent to bidders", "Standstill period ended", "Suppliers appointed and framework agreements signed"):
            assert row in public, row
        assert re.search(r"Lot 1: Lot title 1</caption>.*?>1</td>\s*<td[^>]*>Beta</td>.*?>2</td>\s*<td[^>]*>Alpha</td>.*?>3</td>\s*<td[^>]*>Gamma</td>", public, re.S)
        assert "How tenders will be assessed" in public and "Contract award notice, version 1" in public
        notice = await anonymous.get(f"/frameworks/{walked.reference}/notices/award/1")
        page = text_of(notice)
        assert notice.status_code == 200 and "Appointed suppliers" in page and "Reaching seldom-heard groups" in page and "higher quality score" in page
