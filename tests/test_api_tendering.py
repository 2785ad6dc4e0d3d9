"""The JSON API from interest to moderation, with the pages' rules: interests, the request for
information and its responses, criteria, clarifications, tenders (sealed until the deadline and
the two-officer opening, whoever asks) and evaluation (an evaluator sees its own marks only)."""

from datetime import timedelta

from registry.accounts.tables import OrganisationKind, Role
from registry.audit.tables import AuditEvent
from registry.clarifications import service as clarifications
from registry.criteria import invitation
from registry.evaluation import service as evaluation
from registry.frameworks import service as frameworks
from registry.frameworks.tables import State
from registry.surveys import service as surveys
from registry.surveys.service import QuestionSpec
from registry.surveys.tables import QuestionKind
from registry.tenders import opening
from registry.tenders import service as tenders
from tests.api_support import bearer
from tests.awarding import Bid, moderate, tenders_opened
from tests.support import current, make_user, officer_and_supplier
from tests.tendering import CLARIFICATION_DEADLINE, START, TENDER_DEADLINE, add_criteria, colleague, complete_draft, open_for_tenders, registered, rfi_closed
from tests.test_frameworks import draft_with_lots

API = "/api/v1"
SECRETS = ("SEALED-QUALITY-ANSWER", "48250.5", "4825050")


async def supplier_named(email: str):
    return await current(await make_user(email=email, roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER))


async def test_a_supplier_registers_lists_and_withdraws_interest(client, database):
    officer, supplier = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    headers = await bearer(supplier)
    url = f"{API}/frameworks/{framework.reference}/interest"
    assert (await client.post(url, json={"lots": None}, headers=headers)).status_code == 404  # a draft: not to be known of
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)

    chosen = await client.post(url, json={"lots": [2]}, headers=headers)
    assert chosen.status_code == 200 and (chosen.json()["all_lots"], chosen.json()["lots"]) == (False, [2])
    assert (await client.post(url, json={}, headers=headers)).json()["all_lots"] is True  # again: the choice replaced
    unknown = await client.post(url, json={"lots": [9]}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0] == {"key": "lots", "message": "Choose the lots you are interested in", "source": "body"}
    assert (await client.post(url, json={"lots": "all"}, headers=headers)).status_code == 400
    assert (await client.post(url, json={}, headers=await bearer(officer))).status_code == 403

    listing = (await client.get(f"{API}/interests", headers=headers)).json()
    assert [(i["framework"], i["all_lots"]) for i in listing["items"]] == [(framework.reference, True)]
    assert (await client.get(f"{API}/interests")).status_code == 401
    assert (await client.delete(url, headers=headers)).status_code == 204
    again = await client.delete(url, headers=headers)
    assert again.status_code == 422 and "has not registered interest" in again.json()["errors"][0]["message"]
    assert (await client.get(f"{API}/interests", headers=headers)).json()["total"] == 0


async def test_the_survey_is_read_by_its_officers_and_suppliers_and_each_reads_the_responses_it_may(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    controlled_clock.set(START)
    framework = await draft_with_lots(officer)
    reference = framework.reference
    await frameworks.move(officer, reference, State.PIN_PUBLISHED)
    survey = await surveys.save_survey(officer, reference, title="Market questions", introduction="Tell us", opens_at=None, closes_at=START + timedelta(days=21))
    section = await surveys.add_section(officer, survey.id, "About you")
    question = await surveys.add_question(officer, survey.id, section.id, QuestionSpec(QuestionKind.SHORT_TEXT, "Your name"))
    url = f"{API}/frameworks/{reference}/survey"
    assert (await client.get(url, headers=await bearer(supplier))).status_code == 404  # not open yet
    await surveys.open_rfi(officer, reference)
    await surveys.save_section(supplier, reference, section.id, {question.id: (["Common Ground"], "")})
    await surveys.submit(supplier, reference)
    drafting = await supplier_named("drafts@supplier.example")
    await surveys.save_section(drafting, reference, section.id, {question.id: (["Still drafting"], "")})

    read = (await client.get(url, headers=await bearer(supplier))).json()
    assert read["title"] == "Market questions" and read["is_open"] is True
    assert [[q["text"] for q in s["questions"]] for s in read["sections"]] == [["Your name"]]
    assert (await client.get(url)).status_code == 401
    commissioner = await colleague(officer, "commissioner@authority.example", (Role.COMMISSIONER,))
    assert (await client.get(url, headers=await bearer(commissioner))).status_code == 403

    def answers(page):
        return [(r["organisation"], r["status"], [a["value"] for a in r["answers"]]) for r in page["items"]]

    responses = f"{url}/responses"
    assert answers((await client.get(responses, headers=await bearer(officer))).json()) == [("Org of bids@supplier.example", "submitted", ["Common Ground"])]
    assert answers((await client.get(responses, headers=await bearer(drafting))).json()) == [("Org of drafts@supplier.example", "draft", ["Still drafting"])]
    assert answers((await client.get(responses, headers=await bearer(supplier))).json()) == [("Org of bids@supplier.example", "submitted", ["Common Ground"])]
    other_officer = await current(await make_user(email="officer@elsewhere.example"))
    assert (await client.get(responses, headers=await bearer(other_officer))).status_code == 403


async def test_criteria_are_public_once_the_tender_notice_publishes_them_and_clarifications_without_the_asker(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework = await rfi_closed(officer, controlled_clock)
    reference = framework.reference
    await add_criteria(officer, reference)
    url = f"{API}/frameworks/{reference}/criteria"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=await bearer(supplier))).status_code == 403
    drafted = (await client.get(url, headers=await bearer(officer))).json()
    assert [c["kind"] for c in drafted["criteria"]] == ["selection", "quality", "quality", "price"] and drafted["quality_share"] == 60

    await invitation.publish(officer, reference, clarification_deadline=CLARIFICATION_DEADLINE, tender_deadline=TENDER_DEADLINE)
    public = (await client.get(url)).json()
    assert public["criteria"] == drafted["criteria"] and public["scale"][-1] == "Excellent" and public["tender_deadline"]

    await registered(supplier, reference)
    asked = await clarifications.ask(supplier, reference, "Can a consortium bid?")
    await clarifications.answer(officer, reference, asked.id, published_question="Can consortia bid?", answer="Yes.", publish=True)
    await clarifications.ask(supplier, reference, "An unanswered question")
    page = await client.get(f"{API}/frameworks/{reference}/clarifications")
    assert page.json()["items"] == [{"label": "Q1", "question": "Can consortia bid?", "answer": "Yes.", "published_at": page.json()["items"][0]["published_at"]}]
    assert "Org of bids" not in page.text


async def test_a_submitted_tender_is_sealed_from_everyone_but_its_supplier_until_two_officers_open_it(client, database, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, found = await open_for_tenders(officer, controlled_clock)
    reference = framework.reference
    rival = await supplier_named("rival@supplier.example")
    second = await colleague(officer, "second.officer@authority.example", (Role.PROCUREMENT_OFFICER,))
    evaluator = await colleague(officer, "evaluator@authority.example", (Role.EVALUATOR,))
    admin = await colleague(officer, "admin@authority.example", (Role.ADMIN,))
    for bidder in (supplier, rival):
        await registered(bidder, reference)
    await complete_draft(supplier, reference, 1, found, price="48250.50")
    await tenders.save_quality_answer(supplier, reference, 1, found["approach"].id, "SEALED-QUALITY-ANSWER")
    receipt = await tenders.submit(supplier, reference, 1)
    await complete_draft(rival, reference, 1, found, price="1000")
    await tenders.submit(rival, reference, 1)
    tender_id = (await tenders.workspace(supplier, reference, 1)).tender.id
    assignment = await evaluation.assign(officer, reference, 1, evaluator.id)
    item, received = f"{API}/frameworks/{reference}/tenders/{tender_id}", f"{API}/frameworks/{reference}/tenders"
    heads = {name: await bearer(user) for name, user in (("officer", officer), ("second", second), ("rival", rival), ("evaluator", evaluator), ("admin", admin))}

    own = (await client.get(f"{API}/tenders", headers=await bearer(supplier))).json()["items"]
    assert [(t["id"], t["status"], t["submission"]["sha256"]) for t in own] == [(tender_id, "submitted", receipt.sha256)]
    mine = (await client.get(item, headers=await bearer(supplier))).json()  # its own supplier: always
    assert mine["submission"]["number"] == 1 and mine["content"]["price"]["amount"] == "48250.50"

    async def everyone_refused(stage: str) -> None:
        for name, headers in heads.items():
            for url in (item, received):
                response = await client.get(url, headers=headers)
                assert response.status_code == 403, f"{stage}: {name} got {response.status_code} for {url}"
                assert not any(secret in response.text for secret in SECRETS)
        assert (await client.get(item)).status_code == 401

    await everyone_refused("before the deadline")
    controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=1))
    await opening.request(officer, reference)
    await everyone_refused("opening requested")
    assert await AuditEvent.count().where(AuditEvent.action == "tender.sealed_access_refused") >= 20

    await opening.confirm(second, reference)
    listed = (await client.get(received, headers=heads["officer"])).json()["items"]
    assert sorted(t["supplier"] for t in listed) == ["Org of bids@supplier.example", "Org of rival@supplier.example"]
    opened = (await client.get(item, headers=heads["officer"])).json()
    assert opened["content"]["quality"][0]["answer"] == "SEALED-QUALITY-ANSWER" and opened["submission"]["sha256"] == receipt.sha256
    for name in ("rival", "admin", "evaluator"):  # the evaluator has not yet declared no conflict
        assert (await client.get(item, headers=heads[name])).status_code == 403, name
    await evaluation.declare(evaluator, assignment.id, conflicted=False, details="")
    assert (await client.get(item, headers=heads["evaluator"])).json()["content"]["quality"][0]["answer"] == "SEALED-QUALITY-ANSWER"
    assert (await client.get(received, headers=heads["evaluator"])).status_code == 403  # the list is the officers'


async def test_an_evaluator_sees_only_its_own_marks_and_the_officers_the_moderation_sheet(client, database, controlled_clock):
    bids = [Bid("Alpha", "40000"), Bid("Beta", "45000")]
    walked = await tenders_opened(controlled_clock, bids, lots=1)
    reference = walked.reference
    one = await colleague(walked.officer, "evaluator.one@authority.example", (Role.EVALUATOR,))
    two = await colleague(walked.officer, "evaluator.two@authority.example", (Role.EVALUATOR,))
    first = await evaluation.assign(walked.officer, reference, 1, one.id)
    other = await evaluation.assign(walked.officer, reference, 1, two.id)
    one_h, two_h = await bearer(one), await bearer(two)

    mine = (await client.get(f"{API}/evaluations", headers=one_h)).json()["items"]
    assert [(a["id"], a["framework"], a["lot"], a["declared_at"]) for a in mine] == [(first.id, reference, 1, None)]
    before = (await client.get(f"{API}/evaluations/{first.id}", headers=one_h)).json()
    assert before["may_score"] is False and sorted(b["supplier"] for b in before["bidders"]) == ["Alpha", "Beta"]
    for assignment, user in ((first, one), (other, two)):
        await evaluation.declare(user, assignment.id, conflicted=False, details="")
    await frameworks.move(walked.officer, reference, State.EVALUATION)
    alpha = walked.tenders[("Alpha", 1)]
    found = walked.found
    await evaluation.save_marks(one, first.id, alpha, [
        evaluation.Mark(found["insurance"].id, "pass", "Insured."), evaluation.Mark(found["approach"].id, "3", "Sound."),
        evaluation.Mark(found["team"].id, "4", "Strong team."),
    ], submit=True)

    own = (await client.get(f"{API}/evaluations/{first.id}", headers=one_h)).json()
    marks = next(b for b in own["bidders"] if b["tender_id"] == alpha)
    assert own["may_score"] is True and marks["progress"] == "submitted" and sorted(m["score"] or 0 for m in marks["marks"]) == [0, 3, 4]
    theirs = (await client.get(f"{API}/evaluations/{other.id}", headers=two_h)).json()
    assert all(b["marks"] == [] and b["progress"] is None for b in theirs["bidders"])  # not the other evaluator's
    assert (await client.get(f"{API}/evaluations/{first.id}", headers=two_h)).status_code == 403
    sheet = f"{API}/frameworks/{reference}/moderation/1"
    assert (await client.get(sheet, headers=two_h)).status_code == 403
    assert (await client.get(sheet, headers=await bearer(walked.officer))).status_code == 404  # not yet in moderation

    await moderate(walked, bids)
    moderation = (await client.get(sheet, headers=await bearer(walked.officer))).json()
    alpha_row = next(t for t in moderation["tenders"] if t["supplier"] == "Alpha")
    assert {m["evaluator"] for m in alpha_row["marks"]} == {"Test Person"} and len(alpha_row["marks"]) == 3
    assert len(alpha_row["consensus"]) == 3 and moderation["completed_at"]
