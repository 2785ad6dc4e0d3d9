"""The notices each regime publishes, at each step, named and coded as its law names them
(registry.frameworks.notices): on the notice's public page, in its OCDS release (checked against the
schema and code lists) and in the calendar."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from registry.award import service as award
from registry.frameworks import calendar, notices
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework, Notice, State
from registry.opendata import ocds
from registry.opendata.tables import Release
from registry.surveys import service as surveys
from registry.surveys.service import QuestionSpec
from registry.surveys.tables import QuestionKind
from tests.ocds_validation import codelist_errors, cove_problems, schema_errors
from tests.support import officer_and_supplier
from tests.test_award_service import NOTIFIED_AT, SHARE, ZONE, approved, walked  # noqa: F401 (the fixture)
from tests.test_frameworks import DETAILS

START = datetime(2027, 3, 24, 9, 0, tzinfo=UTC)  # two days before Good Friday 2027


async def release_of(reference: str, kind: str, version: int = 1) -> dict:
    release = json.loads((await Release.objects().get(Release.release_id == f"{reference}-{kind}-v{version}")).data)
    package = {
        **ocds.package_metadata("https://registry.example/open-data/ocds/releases.json", START, "https://registry.example"),
        "releases": [release],
    }
    problems = schema_errors("release", release) + codelist_errors(release) + cove_problems(package)
    assert problems == [], problems
    return release


def documents_of(release: dict) -> list[dict]:
    found = [*(release.get("planning") or {}).get("documents", []), *(release.get("tender") or {}).get("documents", [])]
    for part in ("awards", "contracts"):
        for item in release.get(part, []):
            found += item.get("documents", [])
    return [d for d in found if d["id"].endswith("-notice-v1") or "-notice-v" in d["id"]]


async def kinds_published(framework_id: int) -> list[str]:
    return [n.kind for n in await Notice.objects().where(Notice.framework == framework_id).order_by(Notice.published_at).order_by(Notice.id)]


async def framework_under(regime: Regime, officer):
    framework = await frameworks.create(officer, DETAILS.model_copy(update={"regime": regime}))
    await frameworks.save_lot(officer, framework.reference, number=None, title="Lot title 1", scope="Scope", subject="adults", max_suppliers=5)
    return framework


async def rfi_opened(officer, framework, controlled_clock) -> Framework:
    controlled_clock.set(START)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    survey = await surveys.save_survey(officer, framework.reference, title="Market questions", introduction="", opens_at=None, closes_at=START + timedelta(days=21))
    section = await surveys.add_section(officer, survey.id, "About you")
    await surveys.add_question(officer, survey.id, section.id, QuestionSpec(QuestionKind.SHORT_TEXT, "Your name"))
    return await surveys.open_rfi(officer, framework.reference)


@pytest.mark.parametrize("regime", [Regime.ENGLAND, Regime.SCOTLAND])
async def test_opening_the_request_for_information_publishes_the_preliminary_market_engagement_notice_in_england(database, controlled_clock, regime):
    """PA23 s.17(1): preliminary market engagement is published in a notice before the tender notice;
    the RFI is that engagement. Scotland has no such notice."""
    officer, _ = await officer_and_supplier()
    framework = await rfi_opened(officer, await framework_under(regime, officer), controlled_clock)
    if regime == Regime.SCOTLAND:
        assert await kinds_published(framework.id) == ["pin"]
        pin = await release_of(framework.reference, "pin")
        assert [(d["documentType"], d["title"]) for d in documents_of(pin)] == [("plannedProcurementNotice", "Prior information notice")]
        return
    assert await kinds_published(framework.id) == ["pin", "market_engagement"]
    pin = await release_of(framework.reference, "pin")
    assert [(d["documentType"], d["title"]) for d in documents_of(pin)] == [("plannedProcurementNotice", "UK3 planned procurement notice")]
    engagement = await release_of(framework.reference, "market_engagement")
    assert engagement["tag"] == ["planning"]
    assert [(d["documentType"], d["title"]) for d in documents_of(engagement)] == [("plannedProcurementNotice", "UK2 preliminary market engagement notice")]
    [milestone] = engagement["planning"]["milestones"]
    assert milestone["type"] == "engagement" and milestone["dueDate"] == ocds.timestamp(START + timedelta(days=21))


@pytest.mark.parametrize("regime", [Regime.ENGLAND, Regime.SCOTLAND])
async def test_cancelling_publishes_the_procurement_termination_notice_in_england(database, controlled_clock, regime):
    """PA23 s.55: a procurement that is stopped publishes a procurement termination notice (UK12)."""
    officer, _ = await officer_and_supplier()
    framework = await rfi_opened(officer, await framework_under(regime, officer), controlled_clock)
    await frameworks.move(officer, framework.reference, State.CANCELLED, note="The need has gone")
    cancelled = await release_of(framework.reference, "cancellation")
    assert cancelled["tag"] == ["tenderCancellation"]
    title = "UK12 procurement termination notice" if regime == Regime.ENGLAND else "Cancellation notice"
    assert [(d["documentType"], d["title"]) for d in documents_of(cancelled)] == [("cancellationDetails", title)]


@pytest.mark.parametrize("regime", [Regime.ENGLAND, Regime.SCOTLAND])
async def test_each_award_step_publishes_the_regimes_notice_and_an_amendment_once_live_is_a_contract_change(walked, controlled_clock, regime):  # noqa: F811
    """England: the contract award notice (UK6, s.50) when the bidders are told, the contract details
    notice (UK7, s.53) at appointment, and a change once live a contract change notice (UK10, s.75),
    not a new tender notice. Scotland: the contract award notice at appointment (reg. 50) and a
    modification notice (reg. 72)."""
    await Framework.update({Framework.regime: regime}).where(Framework.id == walked.framework.id)
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    controlled_clock.set(framework.standstill_ends_at + timedelta(minutes=1))
    await award.appoint(walked.officer, walked.reference, zone=ZONE)
    framework = await frameworks.get(walked.reference)
    assert framework.state == State.LIVE

    if regime == Regime.ENGLAND:
        uk6 = await release_of(walked.reference, "award")
        assert {d["title"] for d in documents_of(uk6)} == {"UK6 contract award notice"} and {d["documentType"] for d in documents_of(uk6)} == {"awardNotice"}
        uk7 = await release_of(walked.reference, "contract_details")
        assert {(d["documentType"], d["title"]) for d in documents_of(uk7)} == {("contractNotice", "UK7 contract details notice")}
    else:
        scottish = await release_of(walked.reference, "award")
        assert {(d["documentType"], d["title"]) for d in documents_of(scottish)} == {("awardNotice", "Contract award notice")}

    controlled_clock.set(framework.standstill_ends_at + timedelta(days=3))
    before = await kinds_published(framework.id)
    details = {name: getattr(framework, name) for name in frameworks.Details.model_fields}
    details["call_off_routes"] = tuple(details["call_off_routes"] or ())
    changed = await frameworks.amend_notice(walked.officer, walked.reference, {**details, "summary": "Corrected wording"}, "The summary's wording is corrected")
    assert await kinds_published(framework.id) == [*before, "contract_change"] and changed.version == 1
    change = await release_of(walked.reference, "contract_change")
    assert change["tag"] == ["contractAmendment"]
    expected = ("contractNotice", "UK10 contract change notice" if regime == Regime.ENGLAND else "Modification notice")
    assert {(d["documentType"], d["title"]) for d in documents_of(change)} == {expected}
    concluded = "contract_details" if regime == Regime.ENGLAND else "award"
    assert {a["amendsReleaseID"] for c in change["contracts"] for a in c["amendments"]} == {f"{walked.reference}-{concluded}-v1"}
    assert {c["awardID"] for c in change["contracts"]} == {a["id"] for a in change["awards"]}


def test_every_notice_has_a_name_a_source_and_a_document_type_in_the_code_list():
    from tests.ocds_validation import codelists

    types = codelists()["documentType.csv"]
    for regime, kinds in notices.NOTICES.items():
        for kind, notice in kinds.items():
            assert notice.name and notice.source and notice.document_type in types, (regime, kind)
            assert bool(notice.code) == (regime == Regime.ENGLAND)
    assert notices.notice_type("england", "tender").described == "UK4 tender notice (Procurement Act 2023 s.21)"


async def test_the_public_notice_page_names_the_notice_its_code_and_source(client, database, controlled_clock):
    officer, _ = await officer_and_supplier()
    framework = await rfi_opened(officer, await framework_under(Regime.ENGLAND, officer), controlled_clock)
    page = await client.get(f"/frameworks/{framework.reference}/notices/market_engagement/1")
    assert page.status_code == 200
    assert "UK2 preliminary market engagement notice, version 1" in page.text
    assert "Notice UK2: the preliminary market engagement notice (Procurement Act 2023 s.17)." in page.text
    assert "The request for information closes" in page.text
    assert f'href="/sign-in?next=/frameworks/{framework.reference}/rfi"' in page.text  # a visitor signs in to answer it
    controlled_clock.set((await frameworks.get(framework.reference)).rfi_closes_at)  # closed: nothing to take part in
    closed = await client.get(f"/frameworks/{framework.reference}/notices/market_engagement/1")
    assert "The request for information closes" in closed.text and "How to take part" not in closed.text and "/rfi" not in closed.text
    listing = await client.get(f"/frameworks/{framework.reference}")
    assert "UK3 planned procurement notice, version 1" in listing.text and "UK2 preliminary market engagement notice, version 1" in listing.text


async def test_the_calendar_names_the_notice_that_publishes_each_date(client, database, controlled_clock):
    """The standstill's end in England is set by the contract award notice (PA23 s.51(2)); the RFI's
    close by the preliminary market engagement notice. Scotland's standstill comes from the letters."""
    officer, _ = await officer_and_supplier()
    england = await rfi_opened(officer, await framework_under(Regime.ENGLAND, officer), controlled_clock)
    scotland = await rfi_opened(officer, await framework_under(Regime.SCOTLAND, officer), controlled_clock)
    for framework in (england, scotland):
        await Framework.update({Framework.standstill_ends_at: START + timedelta(days=60)}).where(Framework.id == framework.id)
    feed = Calendar.from_ical((await client.get("/open-data/calendar.ics")).content)
    described = {str(e["summary"]): str(e["description"]) for e in feed.walk("VEVENT")}
    assert "Published in the UK2 preliminary market engagement notice (Procurement Act 2023 s.17)" in described[f"{england.reference}: Request for information closes"]
    assert "Published in the UK6 contract award notice (Procurement Act 2023 s.50)" in described[f"{england.reference}: Standstill period ends"]
    assert "Published in" not in described[f"{scotland.reference}: Standstill period ends"]
    assert "Published in" not in described[f"{scotland.reference}: Request for information closes"]
    assert calendar.published_by(await frameworks.get(england.reference), "tender_deadline").code == "UK4"
