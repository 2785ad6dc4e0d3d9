"""What England's contract award notice (UK6) and contract details notice (UK7) say about each
supplier (Procurement Regulations 2024 regs. 27(2)(e) and 32(2)(g)), the authority (reg. 13) and the
procedure (reg. 32(2)(h), (i)): in the notice's content, on its public page and in its OCDS release.
Scotland's notices are not changed."""

import json
from datetime import timedelta

import pytest

from registry.accounts.tables import Organisation
from registry.award import service as award
from registry.award import suppliers_named
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework, Notice
from registry.opendata import ocds
from registry.opendata.tables import Release
from registry.suppliers.tables import SupplierProfile
from registry.tenders.tables import CoreInformationCheck
from registry import clock
from tests.ocds_validation import codelist_errors, cove_problems, schema_errors
from tests.test_award_pages import as_user, text_of
from tests.test_award_service import NOTIFIED_AT, SHARE, ZONE, approved, walked  # noqa: F401 (the fixture)

CONFIRMED_PPON = "PMZV-7732-XJTM"  # what tests.awarding.core_information_confirmed records for every tender
BETA = {
    "name": "Beta", "address": {"lines": ["1 Beta Street", "Floor 2"], "town": "Leeds", "postcode": "LS1 1AA"},
    "email": "tenders@beta.example", "ppon": CONFIRMED_PPON, "consortium": None, "sme": True, "vcse": True,
    "supported_employment_provider": None, "public_service_mutual": None,
}


async def suppliers_described(walked) -> None:
    """Beta: a small charity with an address on its profile; Gamma: a large company with none; Alpha
    says nothing of its size or type."""
    beta, gamma = walked.suppliers["Beta"].organisation_id, walked.suppliers["Gamma"].organisation_id
    await Organisation.update({Organisation.size: "small", Organisation.organisation_type: "Charity"}).where(Organisation.id == beta)
    await Organisation.update({Organisation.size: "large", Organisation.organisation_type: "Private limited company"}).where(Organisation.id == gamma)
    await Organisation.update({Organisation.size: None, Organisation.organisation_type: None}).where(
        Organisation.id == walked.suppliers["Alpha"].organisation_id
    )
    await SupplierProfile.delete().where(SupplierProfile.organisation.is_in([beta, gamma]))
    await SupplierProfile.insert(SupplierProfile(
        organisation=beta, address_line_1="1 Beta Street", address_line_2="Floor 2", town="Leeds", postcode="LS1 1AA",
        notices_email="tenders@beta.example", updated_at=clock.now(),
    ))


async def published(framework_id: int, kind: str) -> dict:
    notice = await Notice.objects().where((Notice.framework == framework_id) & (Notice.kind == kind)).first()
    return frameworks.notice_content(notice)


def suppliers_in(content: dict, key: str) -> dict[tuple[int, str], dict | None]:
    return {(lot["number"], entry["supplier"]): entry.get("details") for lot in content["award"]["lots"] for entry in lot[key]}


async def release_of(reference: str, kind: str) -> dict:
    release = json.loads((await Release.objects().get(Release.release_id == f"{reference}-{kind}-v1")).data)
    package = {**ocds.package_metadata("https://registry.example/open-data/ocds/releases.json", NOTIFIED_AT, "https://registry.example"), "releases": [release]}
    problems = schema_errors("release", release) + codelist_errors(release) + cove_problems(package)
    assert problems == [], problems
    return release


@pytest.mark.parametrize("regime", [Regime.SCOTLAND, Regime.ENGLAND])
async def test_englands_award_notices_give_each_suppliers_details(walked, controlled_clock, regime):
    """Procurement Regulations 2024 reg. 27(2)(e) (UK6) and reg. 32(2)(g) (UK7): each supplier's name,
    contact postal address and email, unique identifier (PPON), and whether it is a consortium, an SME,
    a VCSE, a supported employment provider or a public service mutual ("not stated" where the registry
    does not ask); with the authority (reg. 13) and the procedure (reg. 32(2)(h), (i))."""
    await Framework.update({Framework.regime: regime, Framework.contact_email: "tenders@authority.example"}).where(Framework.id == walked.framework.id)
    await suppliers_described(walked)
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    if regime == Regime.ENGLAND:
        uk6 = await published(framework.id, "award")
        named = suppliers_in(uk6, "intended")
        assert named[(1, "Beta")] == BETA
        assert named[(1, "Gamma")] == {**BETA, "name": "Gamma", "address": None, "email": None, "sme": False, "vcse": None}
        assert named[(2, "Alpha")] == {**BETA, "name": "Alpha", "address": None, "email": None, "sme": None, "vcse": None}
        assert uk6["award"]["supplier_rule"] == "Procurement Regulations 2024 reg. 27(2)(e)"
        assert uk6["contracting_authority"]["name"] == "Department for Testing" and uk6["contracting_authority"]["source"] == "Procurement Regulations 2024 reg. 13"
        assert uk6["procedure"] == "Open procedure"

    controlled_clock.set(framework.standstill_ends_at + timedelta(minutes=1))
    await award.appoint(walked.officer, walked.reference, zone=ZONE)
    if regime == Regime.ENGLAND:
        uk7 = await published(framework.id, "contract_details")
        named = suppliers_in(uk7, "appointed")
        assert named[(1, "Beta")] == BETA and named[(2, "Alpha")]["ppon"] == CONFIRMED_PPON
        assert uk7["award"]["supplier_rule"] == "Procurement Regulations 2024 reg. 32(2)(g)"
        assert uk7["procedure"] == "Open procedure" and uk7["reserved"].startswith("Not reserved to supported employment providers")
        assert uk7["contracting_authority"]["enquiries"]["email"] == "tenders@authority.example" == uk6["contracting_authority"]["enquiries"]["email"]
    else:  # Scotland's award notice is as it was
        content = await published(framework.id, "award")
        assert set(suppliers_in(content, "appointed").values()) == {None}
        assert "contracting_authority" not in content and "procedure" not in content


async def test_the_ppon_is_the_one_the_officer_confirmed_on_the_tender_else_the_profiles(walked, controlled_clock):
    """reg. 27(2)(e)(iii): the unique identifier confirmed with the core supplier information (reg. 6)
    comes first; a profile's PPON stands only where the tender has no confirmed one."""
    await Framework.update({Framework.regime: Regime.ENGLAND}).where(Framework.id == walked.framework.id)
    await suppliers_described(walked)
    await SupplierProfile.update({SupplierProfile.ppon: "PABC-1234-DEFG"}).where(SupplierProfile.organisation == walked.suppliers["Beta"].organisation_id)
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    beta = suppliers_in(await published(framework.id, "award"), "intended")[(1, "Beta")]
    assert beta["ppon"] == CONFIRMED_PPON and beta["email"] == "tenders@beta.example"
    await CoreInformationCheck.delete().where(CoreInformationCheck.ppon == CONFIRMED_PPON)
    details = await suppliers_named.supplier(walked.tenders[("Beta", 1)], walked.suppliers["Beta"].organisation_id)
    assert details["ppon"] == "PABC-1234-DEFG"


async def test_the_public_reads_each_suppliers_details_on_the_notices(client, database, settings, walked, controlled_clock):
    await Framework.update({Framework.regime: Regime.ENGLAND}).where(Framework.id == walked.framework.id)
    await suppliers_described(walked)
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    async with as_user(settings, None) as anonymous:
        page = text_of(await anonymous.get(f"/frameworks/{walked.reference}/notices/award/1"))
    assert "Contracting authority" in page and "Department for Testing" in page and "Open procedure" in page
    assert "The suppliers (Procurement Regulations 2024 reg. 27(2)(e))" in page
    assert "bids@" not in page  # no one's own address: the organisations' addresses for notices, where given
    for expected in ("1 Beta Street, Floor 2, Leeds, LS1 1AA", "tenders@beta.example", CONFIRMED_PPON, "Association of companies or other consortium"):
        assert expected in page
    assert "Small or medium-sized enterprise" in page and "Value-driven non-governmental organisation reinvesting its surpluses" in page
    assert "Not stated" in page and "Not given" in page  # Alpha's size; Gamma's address

    controlled_clock.set(framework.standstill_ends_at + timedelta(minutes=1))
    await award.appoint(walked.officer, walked.reference, zone=ZONE)
    async with as_user(settings, None) as anonymous:
        page = text_of(await anonymous.get(f"/frameworks/{walked.reference}/notices/contract_details/1"))
    assert "The suppliers (Procurement Regulations 2024 reg. 32(2)(g))" in page and "1 Beta Street, Floor 2, Leeds, LS1 1AA" in page
    assert "Supported employment provider" in page and "Public service mutual" in page
    assert "Not reserved to supported employment providers" in page


async def test_the_open_data_names_each_supplier_with_its_ppon_address_and_email(walked, controlled_clock):
    """The award and awardUpdate releases give each supplier as a party identified by its PPON
    (org-id.guide's GB-PPON), its other registration kept as an additional identifier, with the
    address and contact email the notice published; both validate (schema, code lists, CoVE)."""
    await Framework.update({Framework.regime: Regime.ENGLAND}).where(Framework.id == walked.framework.id)
    await suppliers_described(walked)
    await Organisation.update({Organisation.registration_number: "12345678"}).where(Organisation.id == walked.suppliers["Gamma"].organisation_id)
    await approved(walked)
    controlled_clock.set(NOTIFIED_AT)
    framework = await award.notify_bidders(walked.officer, walked.reference, zone=ZONE, abnormally_low_share=SHARE)
    for kind in ("award", "contract_details"):
        if kind == "contract_details":
            controlled_clock.set(framework.standstill_ends_at + timedelta(minutes=1))
            await award.appoint(walked.officer, walked.reference, zone=ZONE)
        release = await release_of(walked.reference, kind)
        parties = {party["name"]: party for party in release["parties"]}
        beta, gamma, delta = parties["Beta"], parties["Gamma"], parties["Delta"]
        assert beta["identifier"] == {"scheme": "GB-PPON", "id": CONFIRMED_PPON, "legalName": "Beta"}
        assert beta["address"] == {"streetAddress": "1 Beta Street, Floor 2", "locality": "Leeds", "postalCode": "LS1 1AA", "countryName": "United Kingdom"}
        assert beta["contactPoint"] == {"email": "tenders@beta.example"} and "supplier" in beta["roles"]
        assert "contactPoint" not in gamma  # it gave no address for notices: no one's own is published instead
        assert gamma["identifier"]["scheme"] == "GB-PPON" and gamma["additionalIdentifiers"] == [{"scheme": "GB-COH", "id": "12345678", "legalName": "Gamma"}]
        assert "contactPoint" not in delta and "identifier" not in delta  # a bidder not awarded: nothing published of it
        awarded = {supplier["id"] for a in release["awards"] for supplier in a["suppliers"]}
        assert {beta["id"], gamma["id"], parties["Alpha"]["id"]} == awarded
