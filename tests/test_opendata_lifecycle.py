"""The open data of a framework walked through its whole lifecycle by the service functions – prior
information notice (amended), request for information, criteria, invitation to tender (amended), a
published clarification, tenders, evaluation and moderation, award, standstill, live – and of its
call-offs: a direct award delivered and completed, a mini-competition awarded, a mini-competition
cancelled; and of a framework cancelled after its notice. The data set is built once per engine for
the whole module; the tests only read it (the immutability test's writes are all refused)."""

import codecs
import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import ocdsmerge
import pytest
from icalendar import Calendar

from registry import clock, db
from registry.accounts.tables import Organisation, Role
from registry.award import service as award
from registry.award.tables import Appointment
from registry.clarifications import service as clarifications
from registry.criteria import invitation
from registry.criteria import service as criteria
from registry.criteria.service import CriterionSpec
from registry.criteria.tables import CriterionKind
from registry.engagements import service as engagements
from registry.engagements.tables import Invitation
from registry.frameworks import documents
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, Lot, State
from registry.opendata import ocds
from registry.opendata import service as opendata
from registry.opendata.tables import Release
from registry.settings import Settings
from registry.suppliers.tables import SupplierProfile
from registry.surveys import service as surveys
from registry.tenders import opening
from registry.tenders import service as tenders
from registry.tenders.tables import Tender
from registry import links
from tests.awarding import SHARE, Bid, Walked, moderate, officers, supplier_named, user
from tests.conftest import app_client, create_postgres_database, drop_postgres_database, migrate, postgres_database_url
from tests.ocds_validation import codelist_errors, cove_problems, date_order_problems, extended_release_schema, schema_errors
from tests.tendering import CLARIFICATION_DEADLINE, START, TENDER_DEADLINE, add_criteria, complete_draft, registered, rfi_closed
from tests.test_frameworks import DETAILS, draft_with_lots

AMENDED_SUMMARY = "Citizens' panels, deliberation and online participation across Scotland"
SECRET_ANSWER = "LIFECYCLE-SEALED-ANSWER-TEXT"
SECRET_PROPOSAL = "LIFECYCLE-SEALED-PROPOSAL-TEXT"
CONTACT_AND_CPV = {
    "contact_name": "Commercial team", "contact_email": "frameworks@testing.example", "contact_telephone": "0131 496 0000",
    "cpv_codes": ("79311000", "79315000", "73110000"),
}
SPECIFICATION = b"%PDF-1.4\nSpecification\n%%EOF\n"
PRICING = "Lot,Rate\n1,Day rate\n".encode()
BIDS = [
    Bid("Alpha Engagement Ltd", "41234.56", approach=4, team=3),
    Bid("Beta Voices Trust", "43210.98", approach=3, team=4),
    Bid("Gamma Research", "45678.12", approach=2, team=2),
    Bid("Alpha Engagement Ltd", "39876.54", approach=3, team=3, lot=2),
]


@dataclass
class Published:
    settings: Settings
    framework: str = ""  # reference
    cancelled_framework: str = ""
    direct: str = ""  # engagement references
    competition: str = ""
    withdrawn: str = ""
    draft: str = ""
    organisations: dict = field(default_factory=dict)

    def ocid(self, reference: str) -> str:
        return ocds.ocid_for(reference)


async def walk(published: Published, moment: clock.ControlledClock) -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/London")
    officer, second = await officers()
    framework = await rfi_closed(officer, moment)  # PIN published, RFI run and closed; the clock at START + 30 days
    reference = published.framework = framework.reference
    survey = await surveys.current_survey(framework.id)
    await surveys.add_reasoned_entry(officer, survey.id, theme="Reaching rural communities", what_we_heard="Travel costs", what_we_will_do="Fund travel")
    moment.set(START + timedelta(days=30, hours=1))
    await surveys.publish_reasoned_response(officer, survey.id)
    moment.set(START + timedelta(days=30, hours=1, minutes=30))  # a document of the published framework: a release of its own
    await documents.attach(
        officer, reference, title="Specification", filename="spec.pdf", data=SPECIFICATION, files_dir=published.settings.files_dir,
        document_type="technicalSpecifications",
    )
    moment.set(START + timedelta(days=30, hours=2))
    await frameworks.amend_notice(officer, reference, DETAILS.model_copy(update=dict(estimated_value=4_500_000, **CONTACT_AND_CPV)), "Estimated value raised")
    found = await add_criteria(officer, reference)
    await invitation.publish(officer, reference, clarification_deadline=CLARIFICATION_DEADLINE, tender_deadline=TENDER_DEADLINE)

    walked = Walked(officer=officer, second=second, framework=await frameworks.get(reference), found=found)
    for bid in BIDS:
        if bid.name not in walked.suppliers:
            walked.suppliers[bid.name] = await supplier_named(bid.name, bid.email)
            await registered(walked.suppliers[bid.name], reference)
    alpha, beta = walked.suppliers["Alpha Engagement Ltd"], walked.suppliers["Beta Voices Trust"]
    await Organisation.update({Organisation.registration_number: "SC612345", Organisation.organisation_type: "Private limited company", Organisation.size: "small"}).where(
        Organisation.id == alpha.organisation_id
    )
    await Organisation.update({Organisation.registration_number: "SC049871", Organisation.organisation_type: "Charity"}).where(Organisation.id == beta.organisation_id)
    await SupplierProfile.insert(SupplierProfile(
        organisation=alpha.organisation_id, trading_name="Alpha", town="Dundee", regions=["dundee-city"], updated_at=START,
    ))
    published.organisations = {name: supplier.organisation_id for name, supplier in walked.suppliers.items()}

    moment.set(START + timedelta(days=31))
    asked = await clarifications.ask(alpha, reference, "Alpha Engagement Ltd asks: may we subcontract translation?")
    moment.set(START + timedelta(days=32))
    await clarifications.answer(
        officer, reference, asked.id, published_question="May a supplier subcontract translation?", answer="Yes, if the subcontractor is named in the tender.",
        publish=True,
    )
    moment.set(START + timedelta(days=32, hours=1))
    await documents.attach(
        officer, reference, title="Pricing schedule", filename="pricing.csv", data=PRICING, files_dir=published.settings.files_dir, document_type="contractSchedule",
    )
    moment.set(START + timedelta(days=33))
    await criteria.save_criterion(
        officer, reference, found["team"].id,
        CriterionSpec(CriterionKind.QUALITY, "Your team", "Who would do the work, and their experience.", weight=40, word_limit=100),
        change_summary="The team criterion's guidance now asks for experience",
    )
    moment.set(START + timedelta(days=34))  # the details amended once the invitation is out: the tender notice's next version
    await frameworks.amend_notice(
        officer, reference, DETAILS.model_copy(update=dict(estimated_value=4_500_000, summary=AMENDED_SUMMARY, **CONTACT_AND_CPV)), "The summary says where",
    )

    moment.set(START + timedelta(days=45))
    for bid in BIDS:
        supplier = walked.suppliers[bid.name]
        await complete_draft(supplier, reference, bid.lot, found, price=bid.price)
        await tenders.save_quality_answer(supplier, reference, bid.lot, found["approach"].id, SECRET_ANSWER)
        await tenders.submit(supplier, reference, bid.lot)
        tender = await Tender.objects().where((Tender.organisation == supplier.organisation_id) & (Tender.lot.number == bid.lot) & (Tender.framework == framework.id)).first()
        walked.tenders[(bid.name, bid.lot)] = tender.id
    moment.set(TENDER_DEADLINE + timedelta(hours=1))
    await opening.request(officer, reference)
    await opening.confirm(second, reference)
    await moderate(walked, BIDS)  # evaluation's consensus scores, as moderation leaves them

    moment.set(TENDER_DEADLINE + timedelta(days=2))
    for lot in (1, 2):
        _, lot_award = await award.lot_award(officer, reference, lot, SHARE)
        await award.propose(officer, reference, lot, lot_award.results.default_choice(), reason=None, low_price_note=None, abnormally_low_share=SHARE)
        await award.approve(second, reference, lot)
    moment.set(TENDER_DEADLINE + timedelta(days=3))
    live = await award.notify_bidders(officer, reference, zone=zone, abnormally_low_share=SHARE)
    moment.set(live.standstill_ends_at + timedelta(hours=1))
    await award.appoint(officer, reference, zone=zone)

    # Call-offs
    authority = await Organisation.objects().get(Organisation.id == officer.organisation_id)
    commissioner = await user("commissioner@authority.example", (Role.COMMISSIONER,), authority)
    lot1 = await Lot.objects().get((Lot.framework == framework.id) & (Lot.number == 1))
    now = clock.now()
    brief = engagements.Brief(
        lot_id=lot1.id, title="Young people's panel on transport", objectives="Hear from young people.", groups=("children-and-young-people",),
        budget_pence=2_000_000, starts_on=(now + timedelta(days=20)).date(), ends_on=(now + timedelta(days=80)).date(),
    )
    direct = await engagements.create_brief(commissioner, brief)
    published.direct = direct.reference
    moment.set(now + timedelta(days=1))
    await engagements.direct_award(commissioner, direct.reference, supplier_id=alpha.organisation_id, price_pence=1_500_050, reason="Alpha has worked with these schools before")
    moment.set(now + timedelta(days=20))
    await engagements.start_delivery(commissioner, direct.reference)
    moment.set(now + timedelta(days=80))
    await engagements.complete(commissioner, direct.reference, reach={"children-and-young-people": 64}, deliverables="Four sessions and a report")

    moment.set(now + timedelta(days=2))
    competition = await engagements.create_brief(commissioner, engagements.Brief(lot_id=lot1.id, title="Deliberation on local budgets", groups=("children-and-young-people",), budget_pence=3_000_000))
    published.competition = competition.reference
    deadline = now + timedelta(days=12)
    await engagements.set_up_competition(commissioner, competition.reference, criteria=[(walked.found["approach"].id, "Approach", 40), (walked.found["team"].id, "Team", 25)], price_weight=35, deadline=deadline)
    await engagements.invite(commissioner, competition.reference)
    moment.set(now + timedelta(days=5))
    await engagements.respond(beta, competition.reference, proposal=SECRET_PROPOSAL, price_pence=2_345_678)
    await engagements.respond(walked.suppliers["Gamma Research"], competition.reference, proposal=SECRET_PROPOSAL + " (Gamma)", price_pence=2_456_789)
    await engagements.decline(alpha, competition.reference, reason="Fully booked")
    moment.set(deadline + timedelta(hours=1))
    criteria_ids = [c.id for c in await engagements.criteria_of(competition.id)]
    responses = await Invitation.objects().where((Invitation.engagement == competition.id) & (Invitation.status == "responded"))
    for response in responses:
        await engagements.record_scores(commissioner, competition.reference, response.id, {c: (4, "") for c in criteria_ids})
    winner = next(r for r in responses if r.organisation == beta.organisation_id)
    await engagements.award_competition(commissioner, competition.reference, invitation_id=winner.id, reason=None)

    withdrawn = await engagements.create_brief(commissioner, engagements.Brief(lot_id=lot1.id, title="A competition called off", groups=("children-and-young-people",)))
    published.withdrawn = withdrawn.reference
    await engagements.set_up_competition(commissioner, withdrawn.reference, criteria=[(walked.found["approach"].id, "Approach", 70)], price_weight=30, deadline=clock.now() + timedelta(days=9))
    await engagements.invite(commissioner, withdrawn.reference)
    await engagements.cancel(commissioner, withdrawn.reference, reason="The policy changed")
    draft = await engagements.create_brief(commissioner, engagements.Brief(lot_id=lot1.id, title="PRIVATE-DRAFT-BRIEF", groups=("children-and-young-people",)))
    published.draft = draft.reference
    await engagements.cancel(commissioner, draft.reference, reason="Not needed")

    other = await draft_with_lots(officer, lots=1)
    await frameworks.move(officer, other.reference, State.PIN_PUBLISHED)
    await frameworks.move(officer, other.reference, State.CANCELLED, note="The requirement has been withdrawn")
    published.cancelled_framework = other.reference


@pytest.fixture(scope="module")
async def published(engine_kind: str, migrated_database: str, tmp_path_factory: pytest.TempPathFactory):
    """A database of its own, for this module, holding the walked data set."""
    directory: Path = tmp_path_factory.mktemp("opendata")
    name = None
    if engine_kind == "sqlite":
        import sqlite3

        path = directory / "opendata.sqlite3"
        with sqlite3.connect(migrated_database.removeprefix("sqlite:///")) as source, sqlite3.connect(path) as target:
            source.backup(target)
        url = f"sqlite:///{path}"
    else:
        name = await create_postgres_database("opendata")
        url = postgres_database_url(name)
        await migrate(url)
    settings = Settings(database_url=url, migrate_on_start=False, environment="development", postgres_pool_size=0, files_dir=directory / "files")
    data = Published(settings=settings)
    engine = db.create_engine(url)
    db.bind(engine)
    await db.connect(engine, pool_size=4)  # a pool: PostgreSQL connections are slow to open, and the walk makes thousands of queries
    moment = clock.ControlledClock()
    previous = clock.use(moment)
    try:
        await walk(data, moment)
    finally:
        clock.use(previous)
        await db.disconnect(engine)
    yield data
    if name:
        await drop_postgres_database(name)


@pytest.fixture
async def bound(published: Published):
    """The module's database bound, for reading it directly."""
    engine = db.create_engine(published.settings.database_url)
    db.bind(engine)
    await db.connect(engine, pool_size=0)
    yield published
    await db.disconnect(engine)


async def get_json(client, path: str, status: int = 200) -> dict:
    response = await client.get(path)
    assert response.status_code == status, (path, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


async def all_releases(client, page_size: int = 7) -> list[dict]:
    """Every release, by following the package's links.next from the first page; each page validated."""
    found, path, pages = [], f"/open-data/ocds/releases.json?page_size={page_size}", 0
    while path:
        package = await get_json(client, path)
        assert not schema_errors("release-package", package), schema_errors("release-package", package)
        found += package["releases"]
        pages += 1
        path = package.get("links", {}).get("next", "").removeprefix("http://127.0.0.1:8000")
        assert pages < 100
    return found


def by_ocid(releases: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for item in releases:
        grouped.setdefault(item["ocid"], []).append(item)
    return grouped


# --- Validation -----------------------------------------------------------------------------------


async def test_every_release_and_package_validates_against_the_ocds_schema_and_code_lists(bound):
    async with app_client(bound.settings) as client:
        releases = await all_releases(client)
        grouped = by_ocid(releases)
        problems = []
        for item in releases:
            problems += [f"{item['id']}: {p}" for p in schema_errors("release", item) + codelist_errors(item) + date_order_problems(item)]
        for ocid in grouped:
            package = await get_json(client, f"/open-data/ocds/records/{ocid}.json")
            problems += [f"record {ocid}: {p}" for p in schema_errors("record-package", package)]
            compiled = package["records"][0]["compiledRelease"]
            problems += [f"compiled {ocid}: {p}" for p in codelist_errors(compiled) + date_order_problems(compiled)]
            problems += [f"record {ocid} (libcoveocds): {p}" for p in cove_problems(package)]
        for page_size in (7, opendata.MAX_PAGE_SIZE):  # the package with links.next, and all on one page
            package = await get_json(client, f"/open-data/ocds/releases.json?page_size={page_size}")
            problems += [f"releases.json?page_size={page_size} (libcoveocds): {p}" for p in cove_problems(package)]
    assert not problems, "\n".join(problems)
    assert len(releases) == await Release.count()
    assert len({item["id"] for item in releases}) == len(releases)
    assert all(item["ocid"].startswith(ocds.prefix() + "-") for item in releases)
    assert set(grouped) == {bound.ocid(r) for r in (bound.framework, bound.cancelled_framework, bound.direct, bound.competition, bound.withdrawn)}


async def test_the_framework_is_published_step_by_step_as_a_framework_agreement(bound):
    releases = {item["id"]: item for item in await opendata.releases_of(bound.ocid(bound.framework))}
    ref = bound.framework
    specification, pricing = await documents.for_framework((await frameworks.get(ref)).id)
    assert [(i, item["tag"]) for i, item in releases.items()] == [
        (f"{ref}-pin-v1", ["planning"]), (f"{ref}-reasoned-response-1", ["planningUpdate"]),
        (f"{ref}-document-{specification.id}", ["planningUpdate"]), (f"{ref}-pin-v2", ["planningUpdate"]),
        (f"{ref}-tender-v1", ["tender"]),
        (f"{ref}-clarification-Q1", ["tenderUpdate"]), (f"{ref}-document-{pricing.id}", ["tenderUpdate"]),
        (f"{ref}-tender-v2", ["tenderAmendment"]), (f"{ref}-tender-v3", ["tenderAmendment"]),
        (f"{ref}-award-v1", ["award", "contract"]),
    ]
    planning = releases[f"{ref}-pin-v1"]
    assert planning["tender"]["status"] == "planning" and planning["planning"]["budget"]["amount"] == {"amount": 4_000_000, "currency": "GBP"}
    assert releases[f"{ref}-pin-v2"]["tender"]["value"]["amount"] == 4_500_000
    reasoned = releases[f"{ref}-reasoned-response-1"]["planning"]["documents"][0]
    assert reasoned["documentType"] == "marketStudies" and reasoned["description"] == "Themes: Reaching rural communities."

    tender = releases[f"{ref}-tender-v1"]["tender"]
    assert tender["procurementMethod"] == "open" and tender["status"] == "active" and tender["mainProcurementCategory"] == "services"
    assert tender["techniques"]["hasFrameworkAgreement"] is True
    assert tender["tenderPeriod"]["endDate"] == ocds.timestamp(TENDER_DEADLINE)
    assert tender["enquiryPeriod"]["endDate"] == ocds.timestamp(CLARIFICATION_DEADLINE)
    assert tender["contractPeriod"] == {"startDate": "2027-06-01T00:00:00+01:00", "endDate": "2030-06-01T00:00:00+01:00"}  # the framework's term
    assert [lot["id"] for lot in tender["lots"]] == ["1", "2"]
    assert tender["awardCriteria"] == "ratedCriteria"
    assert "quality 60%, price 40%" in tender["awardCriteriaDetails"] and "Reaching seldom-heard groups: 60% of the quality score" in tender["awardCriteriaDetails"]
    assert "tenderers" not in tender and "numberOfTenderers" not in tender  # no one is named before the award

    clarification = releases[f"{ref}-clarification-Q1"]["tender"]
    assert clarification["documents"][0]["documentType"] == "clarifications"
    assert "May a supplier subcontract translation?" in clarification["documents"][0]["description"]
    everything = json.dumps(list(releases.values()))
    assert "Alpha Engagement Ltd asks" not in everything  # the asker's own wording, and name, stay private

    amended = releases[f"{ref}-tender-v2"]["tender"]
    assert amended["amendments"] == [{
        "id": "tender-v2", "date": ocds.timestamp(START + timedelta(days=33)), "rationale": "The team criterion's guidance now asks for experience",
        "description": "Version 2 of the contract notice", "amendsReleaseID": f"{ref}-tender-v1", "releaseID": f"{ref}-tender-v2",
    }]
    details_amended = releases[f"{ref}-tender-v3"]["tender"]  # after the invitation, the details change the tender notice, not the PIN
    assert details_amended["amendments"][0]["amendsReleaseID"] == f"{ref}-tender-v2"
    assert details_amended["amendments"][0]["rationale"] == "The summary says where"
    assert [(d["documentType"], d["title"]) for d in details_amended["documents"]] == [
        ("tenderNotice", "Contract notice, version 3"), ("tenderNotice", "Reasons for including no community benefit requirements"),
        ("technicalSpecifications", "Specification"), ("contractSchedule", "Pricing schedule"),
    ]
    assert details_amended["description"].startswith(AMENDED_SUMMARY)
    for kept in ("tenderPeriod", "enquiryPeriod", "awardCriteriaDetails", "eligibilityCriteria"):  # what the invitation published stays
        assert details_amended[kept] == amended[kept], kept

    awarded = releases[f"{ref}-award-v1"]
    appointments = await Appointment.objects().where(Appointment.framework == (await frameworks.get(ref)).id)
    assert len(awarded["awards"]) == len(appointments) == 4  # one per appointed supplier and lot
    lots_of = {}
    for item in awarded["awards"]:
        assert item["status"] == "active" and len(item["suppliers"]) == 1 and len(item["relatedLots"]) == 1
        lots_of.setdefault(item["relatedLots"][0], []).append(item["suppliers"][0]["name"])
    assert lots_of == {"1": ["Alpha Engagement Ltd", "Beta Voices Trust", "Gamma Research"], "2": ["Alpha Engagement Ltd"]}
    assert awarded["tender"]["numberOfTenderers"] == 3 and awarded["tender"]["status"] == "complete"
    roles = {party["name"]: party["roles"] for party in awarded["parties"]}
    assert roles["Department for Testing"] == ["buyer", "procuringEntity"]
    assert roles["Alpha Engagement Ltd"] == ["supplier", "tenderer"]
    alpha = next(party for party in awarded["parties"] if party["name"] == "Alpha Engagement Ltd")
    assert alpha["identifier"] == {"scheme": "GB-COH", "id": "SC612345", "legalName": "Alpha Engagement Ltd"} and alpha["id"] == "GB-COH-SC612345"
    assert alpha["address"] == {"locality": "Dundee", "countryName": "United Kingdom"}
    beta = next(party for party in awarded["parties"] if party["name"] == "Beta Voices Trust")
    assert beta["identifier"]["scheme"] == "GB-SC"  # a Scottish charity: OSCR's number
    assert "value" not in json.dumps(awarded["awards"])  # no tender price, ever, for a place on the framework
    for secret in (SECRET_ANSWER, "41234.56", "41234", "Consensus on"):
        assert secret not in everything


async def test_the_framework_publishes_its_documents_contact_point_and_cpv_codes(bound):
    ref = bound.framework
    releases = {item["id"]: item for item in await opendata.releases_of(bound.ocid(ref))}
    specification, pricing = await documents.for_framework((await frameworks.get(ref)).id)
    published = releases[f"{ref}-document-{specification.id}"]["planning"]["documents"]
    assert published == [{
        "id": f"document-{specification.id}", "documentType": "technicalSpecifications", "title": "Specification",
        "description": f"spec.pdf, {len(SPECIFICATION)} bytes. SHA-256: {hashlib.sha256(SPECIFICATION).hexdigest()}",
        "url": links.absolute(f"/frameworks/{ref}/documents/{specification.id}"), "datePublished": ocds.timestamp(START + timedelta(days=30, hours=1, minutes=30)),
        "format": "application/pdf",
    }]
    assert releases[f"{ref}-document-{pricing.id}"]["tender"]["documents"][0]["format"] == "text/csv"
    async with app_client(bound.settings) as client:  # the address published serves the very file whose SHA-256 is published
        download = await client.get(urlsplit(published[0]["url"]).path)
        assert download.status_code == 200 and download.content == SPECIFICATION

    assert "items" not in releases[f"{ref}-pin-v1"]["tender"]  # chosen with the amendment
    items = releases[f"{ref}-pin-v2"]["tender"]["items"]
    assert [item["classification"] for item in items] == [
        {"scheme": "CPV", "id": "79311000", "description": "Survey services"},
        {"scheme": "CPV", "id": "79315000", "description": "Social research services"},
        {"scheme": "CPV", "id": "73110000", "description": "Research services"},
    ]
    compiled = (await opendata.releases_of(bound.ocid(ref)))
    compiled = ocds.compile_releases(compiled)
    authority = next(party for party in compiled["parties"] if "procuringEntity" in party["roles"])
    assert authority["roles"] == ["buyer", "procuringEntity"] and compiled["buyer"]["id"] == authority["id"]
    assert authority["contactPoint"] == {"name": "Commercial team", "email": "frameworks@testing.example", "telephone": "0131 496 0000"}
    assert [item["id"] for item in compiled["tender"]["items"]] == ["79311000", "79315000", "73110000"]


async def test_the_award_release_has_the_award_and_standstill_periods_bid_statistics_per_lot_and_signed_agreements(bound):
    ref = bound.framework
    framework = await frameworks.get(ref)
    releases = {item["id"]: item for item in await opendata.releases_of(bound.ocid(ref))}
    awarded = releases[f"{ref}-award-v1"]
    tender = awarded["tender"]
    assert tender["awardPeriod"] == {"startDate": ocds.timestamp(TENDER_DEADLINE), "endDate": ocds.timestamp(TENDER_DEADLINE + timedelta(days=3))}
    [standstill] = tender["milestones"]
    assert standstill["id"] == "standstill" and standstill["status"] == "met"
    assert standstill["dueDate"] == standstill["dateMet"] == ocds.timestamp(framework.standstill_ends_at)
    assert "10 calendar days, ending on a working day, Public Contracts (Scotland) Regulations 2015" in standstill["description"]

    statistics = {(item["relatedLot"], item["measure"]): item["value"] for item in awarded["bids"]["statistics"]}
    assert statistics == {("1", "bids"): 3, ("1", "validBids"): 3, ("2", "bids"): 1, ("2", "validBids"): 1}
    assert {item["date"] for item in awarded["bids"]["statistics"]} == {ocds.timestamp(TENDER_DEADLINE)}

    awards = {item["id"]: item for item in awarded["awards"]}
    assert len(awarded["contracts"]) == len(awards) == 4  # one framework agreement per appointed supplier and lot
    for contract in awarded["contracts"]:
        award_ = awards[contract["awardID"]]
        assert contract["status"] == "active" and contract["dateSigned"] == award_["date"]
        assert contract["period"] == tender["contractPeriod"] and contract["title"] == f"Framework agreement, {award_['title']}"

    for release_id, item in releases.items():  # nothing of the tenders, not even their number, before the award
        if release_id != f"{ref}-award-v1":
            assert not {"bids", "awards", "contracts"} & set(item) and "awardPeriod" not in item.get("tender", {}), release_id


async def test_each_call_off_is_its_own_process_related_to_the_framework(bound):
    framework_ocid = bound.ocid(bound.framework)
    direct = await opendata.releases_of(bound.ocid(bound.direct))
    assert [item["tag"] for item in direct] == [["award", "contract"], ["contractUpdate"], ["implementation"]]
    for item in direct:
        assert item["relatedProcesses"] == [{
            "id": "1", "relationship": ["framework"], "title": DETAILS.title, "scheme": "ocid", "identifier": framework_ocid,
            "uri": f"http://127.0.0.1:8000/open-data/ocds/records/{framework_ocid}.json",
        }]
    awarded = direct[0]
    assert awarded["tender"]["competitive"] is False and awarded["tender"]["procurementMethod"] == "direct"
    assert f"lot 1 of {bound.framework}" in awarded["tender"]["procurementMethodDetails"]  # the lot it calls off from
    assert awarded["awards"][0]["value"] == {"amount": 15000.5, "currency": "GBP"}
    assert awarded["contracts"][0]["awardID"] == awarded["awards"][0]["id"]
    assert awarded["buyer"]["name"] == "Department for Testing"
    assert [item["contracts"][0]["status"] for item in direct] == ["pending", "active", "terminated"]
    assert direct[2]["contracts"][0]["implementation"]["milestones"][0]["status"] == "met"
    assert "Alpha has worked with these schools" not in json.dumps(direct)  # the commissioner's reasons are not published

    competition = await opendata.releases_of(bound.ocid(bound.competition))
    assert [item["tag"] for item in competition] == [["tender"], ["award", "contract"]]
    invited, won = competition
    assert invited["tender"]["procurementMethod"] == "selective" and invited["tender"]["competitive"] is True
    assert "tenderers" not in invited["tender"] and "value" not in json.dumps(invited)
    assert won["awards"][0]["value"] == {"amount": 23456.78, "currency": "GBP"}
    assert won["awards"][0]["suppliers"][0]["name"] == "Beta Voices Trust"
    assert won["tender"]["numberOfTenderers"] == 2
    assert sorted(party["name"] for party in won["parties"] if "tenderer" in party["roles"]) == ["Beta Voices Trust", "Gamma Research"]
    everything = json.dumps(competition)
    assert SECRET_PROPOSAL not in everything and "24567.89" not in everything and "Fully booked" not in everything

    withdrawn = await opendata.releases_of(bound.ocid(bound.withdrawn))
    assert [item["tag"] for item in withdrawn] == [["tender"], ["tenderCancellation"]]
    assert withdrawn[1]["tender"]["status"] == "cancelled"
    assert await opendata.releases_of(bound.ocid(bound.draft)) == []  # a draft cancelled before anything was published

    cancelled = await opendata.releases_of(bound.ocid(bound.cancelled_framework))
    assert [item["tag"] for item in cancelled] == [["planning"], ["tenderCancellation"]]
    assert cancelled[1]["tender"]["status"] == "cancelled"
    assert cancelled[1]["tender"]["documents"][0]["description"] == "The requirement has been withdrawn"


# --- Records --------------------------------------------------------------------------------------


async def test_a_record_has_the_releases_and_their_compiled_release(bound):
    ocid = bound.ocid(bound.framework)
    async with app_client(bound.settings) as client:
        package = await get_json(client, f"/open-data/ocds/records/{ocid}.json")
    record = package["records"][0]
    stored = await opendata.releases_of(ocid)
    assert record["ocid"] == ocid and record["releases"] == stored
    compiled = record["compiledRelease"]
    assert compiled == ocdsmerge.Merger(schema=extended_release_schema()).create_compiled_release(stored)  # as the OCDS tools compile it
    assert compiled["tag"] == ["compiled"] and compiled["date"] == stored[-1]["date"] and compiled["id"] == f"{ocid}-{stored[-1]['date']}"
    tender = compiled["tender"]
    assert tender["status"] == "complete" and tender["procurementMethod"] == "open" and tender["value"]["amount"] == 4_500_000
    specification, pricing = (f"document-{document.id}" for document in await documents.for_framework((await frameworks.get(bound.framework)).id))
    assert [document["id"] for document in tender["documents"]] == [
        "tender-notice-v1", "community-benefits", specification, "clarification-Q1", pricing, "tender-notice-v2", "tender-notice-v3",
    ]  # the reasons for no community benefit requirements: a £4.5m Scottish procurement states them (PR(S)A 2014 s.25(3))
    assert [document["id"] for document in compiled["planning"]["documents"]] == ["pin-notice-v1", "rfi-reasoned-response-1", specification, "pin-notice-v2"]
    assert len(compiled["awards"]) == len(compiled["contracts"]) == 4 and compiled["planning"]["budget"]["amount"]["amount"] == 4_500_000
    assert [lot["status"] for lot in tender["lots"]] == ["complete", "complete"]
    assert package["packages"] == ["http://127.0.0.1:8000/open-data/ocds/releases.json"]
    assert package["publishedDate"] == compiled["date"]

    call_off = await opendata.releases_of(bound.ocid(bound.direct))
    async with app_client(bound.settings) as client:
        compiled = (await get_json(client, f"/open-data/ocds/records/{bound.ocid(bound.direct)}.json"))["records"][0]["compiledRelease"]
    assert compiled == ocdsmerge.Merger(schema=extended_release_schema()).create_compiled_release(call_off)
    assert compiled["contracts"][0]["status"] == "terminated" and compiled["contracts"][0]["value"]["amount"] == 15000.5
    assert next(p for p in compiled["parties"] if p["name"] == "Alpha Engagement Ltd")["roles"] == ["supplier"]


async def test_an_unknown_ocid_is_a_404_in_json(bound):
    async with app_client(bound.settings) as client:
        for path in ("/open-data/ocds/records/ocds-nothing-here.json", f"/open-data/ocds/records/{bound.ocid(bound.framework)}", "/open-data/ocds/records/x.html"):
            response = await client.get(path, headers={"Accept": "text/html"})
            assert response.status_code == 404 and response.headers["content-type"].startswith("application/json")
            assert response.json()["detail"].startswith("There is no contracting process with the ocid")


# --- Pages of releases ----------------------------------------------------------------------------


async def test_the_release_package_is_paged_with_links_next_and_the_page_size_is_clamped_and_said(bound):
    total = await Release.count()
    async with app_client(bound.settings) as client:
        one_by_one = await all_releases(client, page_size=1)
        assert [item["id"] for item in one_by_one] == await Release.select(Release.release_id).order_by(Release.id).output(as_list=True)
        response = await client.get("/open-data/ocds/releases.json")
        first = response.json()
        assert response.headers["x-page-size"] == str(opendata.DEFAULT_PAGE_SIZE) and "x-page-size-clamped" not in response.headers
        assert len(first["releases"]) == total and "links" not in first  # all fit on one page
        assert first["uri"] == "http://127.0.0.1:8000/open-data/ocds/releases.json" and first["license"] == ocds.LICENCE

        response = await client.get("/open-data/ocds/releases.json?page_size=100000")
        assert response.status_code == 200
        assert response.headers["x-page-size"] == str(opendata.MAX_PAGE_SIZE)
        assert response.headers["x-page-size-clamped"] == f"page_size 100000 is over the maximum of {opendata.MAX_PAGE_SIZE}: {opendata.MAX_PAGE_SIZE} releases a page"

        for bad in ("0", "-3", "ten", "1.5"):
            response = await client.get(f"/open-data/ocds/releases.json?page_size={bad}", headers={"Accept": "text/html"})
            assert response.status_code == 400 and response.json() == {"status_code": 400, "detail": "page_size must be a whole number of 1 or more"}
        response = await client.get("/open-data/ocds/releases.json?after=soon")
        assert response.status_code == 400 and "after must be a whole number" in response.json()["detail"]
    page = await opendata.release_page(0, 3)
    assert len(page.releases) == 3 and page.next_after is not None and not page.clamped


# --- Immutability ---------------------------------------------------------------------------------


async def test_releases_are_immutable_in_the_database(bound):
    before = await Release.select().order_by(Release.id)
    with pytest.raises(Exception, match="immutable"):
        await Release.update({Release.data: "{}"}).where(Release.id == before[0]["id"])
    with pytest.raises(Exception, match="immutable"):
        await Release.delete().where(Release.id == before[-1]["id"])
    with pytest.raises(Exception):  # a release id is never reused
        await opendata.store(json.loads(before[0]["data"]))
    assert await Release.select().order_by(Release.id) == before


# --- CSV downloads --------------------------------------------------------------------------------


def rows(response) -> list[dict]:
    """The rows of a CSV download, read as a spreadsheet reads it: UTF-8, after its byte-order mark."""
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_the_csv_downloads_publish_appointments_notices_and_engagements_without_private_data(bound):
    async with app_client(bound.settings) as client:
        responses = {name: await client.get(f"/open-data/{name}.csv") for name in ("appointed-suppliers", "notices", "engagements")}
    for response in responses.values():
        assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.content.startswith(codecs.BOM_UTF8)  # or Excel reads "£", dashes and curly quotes wrongly
        assert "attachment" in response.headers["content-disposition"]
        for secret in (SECRET_ANSWER, SECRET_PROPOSAL, "PRIVATE-DRAFT-BRIEF", "@", "Alpha has worked", "Fully booked", "41234.56", "24567.89"):
            assert secret not in response.text
    appointed = rows(responses["appointed-suppliers"])
    assert [(r["lot"], r["rank"], r["organisation"]) for r in appointed] == [
        ("1", "1", "Alpha Engagement Ltd"), ("1", "2", "Beta Voices Trust"), ("1", "3", "Gamma Research"), ("2", "1", "Alpha Engagement Ltd"),
    ]
    assert appointed[0]["town"] == "Dundee" and appointed[0]["size"] == "small" and appointed[0]["framework reference"] == bound.framework

    notices = rows(responses["notices"])
    assert [(r["framework reference"], r["kind"], r["version"]) for r in notices] == [
        (bound.framework, "pin", "1"), (bound.framework, "pin", "2"), (bound.framework, "tender", "1"), (bound.framework, "tender", "2"),
        (bound.framework, "tender", "3"), (bound.framework, "award", "1"), (bound.cancelled_framework, "pin", "1"), (bound.cancelled_framework, "cancellation", "1"),
    ]
    assert notices[1]["what changed"] == "Estimated value raised"

    engaged = {r["reference"]: r for r in rows(responses["engagements"])}
    assert set(engaged) == {bound.direct, bound.competition, bound.withdrawn}  # never the draft
    assert engaged[bound.direct]["awarded value (GBP)"] == "15000.50" and engaged[bound.direct]["state"] == "completed"
    assert engaged[bound.direct]["route"] == "direct award" and engaged[bound.direct]["supplier"] == "Alpha Engagement Ltd"
    assert engaged[bound.competition]["supplier"] == "Beta Voices Trust" and engaged[bound.competition]["awarded value (GBP)"] == "23456.78"
    assert engaged[bound.withdrawn]["awarded value (GBP)"] == "" and engaged[bound.withdrawn]["supplier"] == ""
    assert engaged[bound.direct]["buyer organisation"] == "Department for Testing"


# --- The open-data page and the calendars -----------------------------------------------------------


async def test_the_open_data_page_explains_each_feed_and_the_footer_links_to_it(bound):
    async with app_client(bound.settings) as client:
        response = await client.get("/open-data")
        start = await client.get("/")
    assert response.status_code == 200
    for text in (
        "/open-data/ocds/releases.json", "/open-data/ocds/records/", "/open-data/appointed-suppliers.csv", "/open-data/notices.csv",
        "/open-data/engagements.csv", "/open-data/calendar.ics", "Open Government Licence v3.0", "Participation Framework Registry",
        f"{bound.ocid(bound.framework)}.json", "is a placeholder, not registered",
    ):
        assert text in response.text, text
    assert 'href="/open-data"' in start.text


async def test_the_open_data_page_counts_the_rows_each_download_has(bound):
    async with app_client(bound.settings) as client:
        page = (await client.get("/open-data")).text
        rows = {name: len(list(csv.reader(io.StringIO((await client.get(f"/open-data/{name}.csv")).text)))) - 1 for name in ("appointed-suppliers", "notices", "engagements")}
    assert rows["engagements"] == 3  # never the draft
    assert f"{rows['engagements']} engagements sent to suppliers or awarded" in page
    assert f"{rows['appointed-suppliers']} appointment" in page and f"{rows['notices']} notice version" in page


async def test_the_calendar_feeds_parse_as_icalendar_with_the_key_dates(bound):
    framework = await frameworks.get(bound.framework)
    async with app_client(bound.settings) as client:
        everything = await client.get("/open-data/calendar.ics")
        one = await client.get(f"/frameworks/{bound.framework}/calendar.ics")
    for response in (everything, one):
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(one.content)
    assert calendar["version"] == "2.0" and calendar["prodid"]
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    expected = {
        f"{bound.framework}: Request for information closes": framework.rfi_closes_at,
        f"{bound.framework}: Clarification questions deadline": framework.clarification_deadline,
        f"{bound.framework}: Tender deadline": framework.tender_deadline,
        f"{bound.framework}: Standstill period ends": framework.standstill_ends_at,
    }
    assert set(events) == set(expected)
    for summary, moment in expected.items():
        event = events[summary]
        assert event.decoded("dtstart") == moment and event.decoded("dtend") > moment
        assert str(event["url"]).endswith(f"/frameworks/{bound.framework}") and str(event["uid"]).startswith(bound.framework)
    all_events = Calendar.from_ical(everything.content).walk("VEVENT")
    uids = [str(event["uid"]) for event in all_events]
    assert len(uids) == len(set(uids)) and set(str(e["uid"]) for e in calendar.walk("VEVENT")) <= set(uids)
    cancelled = await Framework.objects().get(Framework.reference == bound.cancelled_framework)
    assert cancelled.state == State.CANCELLED
