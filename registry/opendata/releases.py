"""Building the OCDS release for each published step, from what that step published.

Framework steps follow the standard's guidance for the first stage of a framework agreement
procedure: the prior information notice is a `planning` release, the invitation to tender a `tender`
release (open procedure, lots, award criteria, tender and enquiry periods, the framework's term as
contract period, `techniques.hasFrameworkAgreement`), each published clarification a `tenderUpdate`,
an amended notice a `planningUpdate` (before the invitation to tender) or a `tenderAmendment` naming
the release it amends (after it), the appointments an `award` release with one award per appointed
supplier and lot (and the framework agreement concluded with each as a contract, signed on
appointment), the award period, the standstill period as a tender milestone, the number of tenders
each lot received as bid statistics (bids extension: only now, never before the award), and a
cancellation a `tenderCancellation`. Every notice's release names the framework's CPV codes as items,
its published documents (type, public address, format, SHA-256) and the procuring entity's contact
point; a document added after the framework is published is a release of its own. Each call-off is
a contracting process of its own, related to its framework's: a mini-competition's invitation is a
`tender` release (selective), its award (or a direct award) an `award` and `contract` release, the
start of delivery a `contractUpdate`, the completion an `implementation` release.

Only what is already public goes in: never a tender's or a response's content, a price before its
award, an evaluator's or a commissioner's scores, nor anything about people (organisations only),
save the supplier's contact email that England's award notices publish because the law asks for it
(Procurement Regulations 2024 regs. 27(2)(e)(ii), 32(2)(g)(ii)): each supplier those notices name is
a party with its PPON as its identifier (org-id.guide's GB-PPON scheme), its other registration as
an additional identifier, and the postal address and contact email the notice gave."""

import json
import re
from datetime import date, datetime

from registry.accounts.tables import Organisation
from registry.award.tables import Appointment
from registry.engagements import award_notices
from registry.engagements.tables import BriefCriterion, Engagement, EngagementState, Invitation, InvitationStatus, Reach
from registry.dates import add_months
from registry.frameworks import lifecycle
from registry.frameworks.notices import notice_type
from registry.frameworks.regimes import RULES, Regime
from registry.frameworks import service as frameworks
from registry.frameworks.tables import CallOffRoute, Document, Framework, Lot, Notice, NoticeKind, State
from registry.opendata.ocds import day_start, money, ocid_for, pence, prune, timestamp
from registry.reference import cpv
from registry.suppliers.tables import SupplierProfile
from registry.surveys.tables import ReasonedResponse
from registry.tenders.tables import TenderSubmission
from registry import links

SERVICES = "services"


def framework_status(state: str) -> str:
    """The tender status (closed tenderStatus codelist) of a framework in `state`."""
    if lifecycle.before_itt(state):
        return "planning"
    if state in lifecycle.reaching(State.LIVE):  # the framework agreements are concluded
        return "complete"
    if state == State.CANCELLED:
        return "cancelled"
    return "active"


# --- Parties ------------------------------------------------------------------------------------

COMPANY_NUMBER = re.compile(r"(\d{8}|[A-Z]{2}\d{6})")
SCOTTISH_CHARITY = re.compile(r"SC0\d{5}")
CHARITY_NUMBER = re.compile(r"\d{6,7}")


def organisation_identifier(organisation: Organisation) -> dict | None:
    """The organisation's registration as an org-id.guide identifier, where its number and type say
    which register holds it: OSCR or the Charity Commission for a charity, Companies House otherwise."""
    number = re.sub(r"\s", "", organisation.registration_number or "").upper()
    if not number:
        return None
    kind = (organisation.organisation_type or "").lower()
    scheme = None
    if "charit" in kind or "scio" in kind:
        scheme = "GB-SC" if SCOTTISH_CHARITY.fullmatch(number) else "GB-CHC" if CHARITY_NUMBER.fullmatch(number) else None
    elif COMPANY_NUMBER.fullmatch(number):
        scheme = "GB-COH"
    if scheme is None:
        return None
    return {"scheme": scheme, "id": number, "legalName": organisation.legal_name}


def named_party_id(identifier: str) -> str:
    return "PFR-NAMED-" + re.sub(r"[^A-Za-z0-9]+", "-", identifier).strip("-").upper()


def party_id(organisation: Organisation) -> str:
    identifier = organisation_identifier(organisation)
    return f"{identifier['scheme']}-{identifier['id']}" if identifier else f"PFR-ORG-{organisation.id}"


def reference_to(organisation: Organisation) -> dict:
    return {"id": party_id(organisation), "name": organisation.legal_name}


class Parties:
    """The organisations a release names, each once, with every role it has in the release."""

    def __init__(self) -> None:
        self._roles: dict[int, list[str]] = {}
        self._organisations: dict[int, Organisation] = {}
        self._contacts: dict[int, dict] = {}
        self._named: dict[str, dict] = {}  # parties not registered here, by their party id
        self._published: dict[int, dict] = {}  # what England's award notices said of a supplier, by organisation id

    def contact(self, organisation_id: int, contact: dict | None) -> None:
        """The organisation's contact point for this process (the framework's, as its notice published it)."""
        if contact and any(contact.values()):
            self._contacts[organisation_id] = {"name": contact.get("name"), "email": contact.get("email"), "telephone": contact.get("telephone")}

    def published(self, organisation_id: int, details: dict | None) -> None:
        """What the notice published about the supplier (registry.award.suppliers_named): its PPON,
        postal address and contact email stand in its party."""
        if details:
            self._published[organisation_id] = details

    async def add(self, organisation_id: int, *roles: str) -> dict:
        organisation = self._organisations.get(organisation_id)
        if organisation is None:
            organisation = self._organisations[organisation_id] = await Organisation.objects().get(Organisation.id == organisation_id)
        known = self._roles.setdefault(organisation_id, [])
        known += [role for role in roles if role not in known]
        return reference_to(organisation)

    def add_named(self, name: str, identifier: str, *roles: str) -> dict:
        """An organisation known only by the name and identifier a notice gave it (not registered here)."""
        party = self._named.setdefault(named_party_id(identifier or name), {
            "id": named_party_id(identifier or name), "name": name, "identifier": {"id": identifier, "legalName": name} if identifier else None, "roles": [],
        })
        party["roles"] += [role for role in roles if role not in party["roles"]]
        return {"id": party["id"], "name": name}

    async def as_list(self) -> list[dict]:
        ids = list(self._roles)
        profiles = {p.organisation: p for p in await SupplierProfile.objects().where(SupplierProfile.organisation.is_in(ids))} if ids else {}
        found = []
        for organisation_id, roles in self._roles.items():
            organisation = self._organisations[organisation_id]
            profile = profiles.get(organisation_id)
            party = {
                **reference_to(organisation),
                "identifier": organisation_identifier(organisation),
                "address": {"locality": profile.town, "countryName": "United Kingdom"} if profile and profile.town else None,
                "contactPoint": self._contacts.get(organisation_id),
                "roles": roles,
            }
            if organisation_id in self._published:
                party.update(published_party(organisation, self._published[organisation_id]))
            found.append(party)
        return found + list(self._named.values())


PPON_SCHEME = "GB-PPON"  # org-id.guide: the Central Digital Platform's Public Procurement Organisation Number


def published_party(organisation: Organisation, details: dict) -> dict:
    """A supplier's identifier, address and contact point as England's award notice published them
    (Procurement Regulations 2024 regs. 27(2)(e), 32(2)(g)). The party's id stays the one its other
    releases use; its registration, where known, becomes an additional identifier."""
    registration = organisation_identifier(organisation)
    address = details.get("address") or {}
    found: dict = {}
    if details.get("ppon"):
        found["identifier"] = {"scheme": PPON_SCHEME, "id": details["ppon"], "legalName": details.get("name") or organisation.legal_name}
        found["additionalIdentifiers"] = [registration] if registration else None
    if address:
        found["address"] = {
            "streetAddress": ", ".join(address.get("lines") or []) or None, "locality": address.get("town"),
            "postalCode": address.get("postcode"), "countryName": "United Kingdom",
        }
    if details.get("email"):
        found["contactPoint"] = {"email": details["email"]}
    return found


def release(ocid: str, release_id: str, moment: datetime, tags: list[str], **sections) -> dict:
    return prune({
        "ocid": ocid, "id": release_id, "date": timestamp(moment), "tag": tags, "initiationType": "tender", "language": "en", **sections,
    })


# --- Frameworks ---------------------------------------------------------------------------------


def framework_link(reference: str) -> str:
    return links.absolute(f"/frameworks/{reference}")


def notice_link(reference: str, kind: str, version: int) -> str:
    return links.absolute(f"/frameworks/{reference}/notices/{kind}/{version}")


def notice_release_id(reference: str, kind: str, version: int) -> str:
    return f"{reference}-{kind}-v{version}"


def page_document(document_id: str, document_type: str, title: str, description: str | None, url: str, published: datetime) -> dict:
    """A page of the registry's, published as a document of a release: HTML, in English."""
    return {
        "id": document_id, "documentType": document_type, "title": title, "description": description,
        "url": url, "datePublished": timestamp(published), "format": "text/html", "language": "en",
    }


def notice_document(reference: str, notice: Notice, regime: str, description: str | None = None) -> dict:
    """The notice as a document of its release: its type as Find a Tender gives it, its title with the
    regime's name and code for it (registry.frameworks.notices)."""
    kind = notice_type(regime, notice.kind)
    name = kind.title
    return page_document(
        f"{notice.kind}-notice-v{notice.version}", kind.document_type, f"{name}, version {notice.version}" if notice.version > 1 else name,
        description, notice_link(reference, notice.kind, notice.version), notice.published_at,
    )


def community_benefits_document(reference: str, notice: Notice, content: dict) -> dict | None:
    """The contract notice's community benefit requirements, or the reasons for none (Procurement Reform
    (Scotland) Act 2014 s.25(3)). OCDS 1.1.5 has no field for them and no vendored extension does
    (tender.description is the framework's own description; otherRequirements and sustainability are
    not extensions the registry declares), so they are a document of the tender notice's own type,
    whose description is the statement and whose url is the notice that states it."""
    stated = content.get("community_benefits") or {}
    if stated.get("requirements"):
        title, statement = "Community benefit requirements", stated["requirements"]
    elif stated.get("none_reason"):
        title, statement = "Reasons for including no community benefit requirements", stated["none_reason"]
    else:
        return None
    return page_document(
        "community-benefits", notice_type(content.get("regime") or "scotland", notice.kind).document_type, title, statement,
        notice_link(reference, notice.kind, notice.version) + "#community-benefits", notice.published_at,
    )


def community_benefits_delivered_document(reference: str, notice: Notice, content: dict) -> dict | None:
    """The award notice's statement of the benefits the requirements will deliver (s.25(4)), as a
    document of type awardNotice for the same reasons as community_benefits_document."""
    if not content.get("community_benefits_delivered"):
        return None
    return page_document(
        "community-benefits-delivered", "awardNotice", "Community benefits to be delivered", content["community_benefits_delivered"],
        notice_link(reference, notice.kind, notice.version) + "#community-benefits-delivered", notice.published_at,
    )


def term(content: dict) -> dict | None:
    """The framework's term, from its notice: when it starts and, from its duration, when it ends."""
    if not content.get("start_date"):
        return None
    start = date.fromisoformat(content["start_date"])
    period = {"startDate": day_start(start)}
    if content.get("duration_months"):
        period["endDate"] = day_start(add_months(start, content["duration_months"]))
    return period


def call_off_method(routes: list[str]) -> str | None:
    direct, competition = CallOffRoute.DIRECT_AWARD in routes, CallOffRoute.MINI_COMPETITION in routes
    if direct and competition:
        return "withAndWithoutReopeningCompetition"
    return "withoutReopeningCompetition" if direct else "withReopeningCompetition" if competition else None


def framework_tender(framework: Framework, content: dict, authority: dict, lots: list[Lot], status: str, appointed_lots: set[int]) -> dict:
    """The tender section every framework release carries: the framework as the notice describes it.
    Once the framework is complete, a lot no one was appointed to is unsuccessful."""
    values = {lot.number: lot.estimated_value for lot in lots}

    def lot_status(number: int) -> str:
        return "unsuccessful" if status == "complete" and number not in appointed_lots else status

    summary, description = content.get("summary") or "", content.get("description") or ""
    return {
        "id": framework.reference,
        "title": content.get("title"),
        "description": "\n\n".join(part for part in (summary, description) if part),
        "status": status,
        "procuringEntity": authority,
        "value": money(content.get("estimated_value")),
        "procurementMethod": "open",
        "procurementMethodDetails": (
            "Open procedure to appoint suppliers to a framework agreement: any supplier may register interest and tender; "
            "selection questions are assessed with the tenders"
        ),
        "mainProcurementCategory": SERVICES,
        "items": cpv_items(content.get("cpv_codes") or []),
        "contractPeriod": term(content),
        "techniques": {"hasFrameworkAgreement": True, "frameworkAgreement": {"method": call_off_method(content.get("call_off_routes") or [])}},
        "lots": [
            {
                "id": str(lot["number"]), "title": lot.get("title"), "description": lot.get("scope"), "status": lot_status(lot["number"]),
                "value": money(values.get(lot["number"])), "contractPeriod": term(content),
                "techniques": {"hasFrameworkAgreement": True, "frameworkAgreement": {"maximumParticipants": lot.get("max_suppliers")}},
            }
            for lot in content.get("lots", [])
        ],
    }


def cpv_items(codes: list[str]) -> list[dict]:
    """What the framework buys, one item per CPV code the officer chose (the code is the item's id)."""
    items = []
    for code in cpv.in_order(codes):
        classification = {"scheme": "CPV", "id": code.code, "description": code.description}
        items.append({"id": code.code, "description": code.description, "classification": classification})
    return items


def document_link(reference: str, document_id: int) -> str:
    return links.absolute(f"/frameworks/{reference}/documents/{document_id}")


def framework_document(reference: str, document: Document, published_at: datetime) -> dict:
    """A document of the framework as OCDS publishes it: its type, public address and format. OCDS 1.1
    has no field for a file's hash, so its SHA-256 is in the description (so is its size)."""
    return {
        "id": f"document-{document.id}", "documentType": document.document_type, "title": document.title,
        "description": f"{document.filename}, {document.size_bytes:,} bytes. SHA-256: {document.sha256}",
        "url": document_link(reference, document.id), "datePublished": timestamp(max(document.uploaded_at, published_at)),
        "format": document.content_type,
    }


async def framework_documents(framework: Framework, published_at: datetime) -> list[dict]:
    """Every document of the framework, public from `published_at` (the first notice) or from its upload."""
    rows = await Document.objects().where(Document.framework == framework.id).order_by(Document.uploaded_at).order_by(Document.id)
    return [framework_document(framework.reference, row, published_at) for row in rows]


async def first_published(framework: Framework, fallback: datetime) -> datetime:
    first = await Notice.select(Notice.published_at).where(Notice.framework == framework.id).order_by(Notice.published_at).first()
    return first["published_at"] if first else fallback


async def add_entitled(framework: Framework, parties: Parties, content: dict) -> None:
    """The other contracting authorities the notice names as entitled to award call-offs under the
    framework (PA23 s.45(5)(f); PCSR 2015 reg. 34(4)): each a `buyer`, whose budget pays for its call-offs."""
    for entitled in content.get("eligible_authorities", []):
        if entitled.get("organisation") == framework.authority:
            continue
        if entitled.get("organisation"):
            await parties.add(entitled["organisation"], "buyer")
        else:
            parties.add_named(entitled["name"], entitled.get("identifier") or "", "buyer")


async def add_buyers(framework: Framework, parties: Parties, contact: dict | None) -> dict:
    """The organisations that may call off under the framework, each a `buyer`: its own authority,
    which also runs the procurement (with the contact point its notice gives). A framework does not
    yet name other eligible users; when it does, they join here."""
    parties.contact(framework.authority, contact)
    return await parties.add(framework.authority, "buyer", "procuringEntity")


def award_criteria_details(content: dict) -> str:
    """The assessment, as the tender notice publishes it: the split, the scale and each criterion's weight."""
    scale = content.get("scale") or []
    parts = [
        f"Most economically advantageous tender: quality {content.get('quality_share')}%, price {content.get('price_share')}%."
    ]
    if scale:
        parts.append(f"Quality answers are scored from 0 ({scale[0]}) to {len(scale) - 1} ({scale[-1]}).")
    quality = []
    for criterion in content.get("criteria", []):
        lot = f" (lot {criterion['lot']} only)" if criterion.get("lot") else ""
        if criterion["kind"] == "quality":
            minimum = f", minimum score {criterion['minimum_score']}" if criterion.get("minimum_score") is not None else ""
            quality.append(f"{criterion['title']}{lot}: {criterion.get('weight')}% of the quality score{minimum}")
        elif criterion["kind"] == "price":
            parts.append(f"Price{lot}: {criterion['title']}, scored as the lowest compliant price divided by the tender's price.")
    if quality:
        parts.append("Quality criteria: " + "; ".join(quality) + ".")
    return " ".join(parts)


def eligibility_criteria(content: dict) -> str | None:
    questions = [
        criterion["title"] + (f" (lot {criterion['lot']} only)" if criterion.get("lot") else "")
        for criterion in content.get("criteria", []) if criterion["kind"] == "selection"
    ]
    return "Selection questions, pass or fail: " + "; ".join(questions) if questions else None


async def notice_releases(framework: Framework, notice: Notice) -> dict:
    """The release for a newly published notice of `framework` (as it stands in the same transaction)."""
    content = json.loads(notice.body)
    parties = Parties()
    authority = await add_buyers(framework, parties, content.get("contact"))
    await add_entitled(framework, parties, content)
    lots = await Lot.objects().where(Lot.framework == framework.id).order_by(Lot.number)
    ocid = ocid_for(framework.reference)
    release_id = notice_release_id(framework.reference, notice.kind, notice.version)
    kind = NoticeKind(notice.kind)
    appointed_lots = set(await Appointment.select(Appointment.lot.number.as_alias("number")).where(
        Appointment.framework == framework.id
    ).output(as_list=True))
    tender = framework_tender(framework, content, authority, lots, framework_status(framework.state), appointed_lots)
    regime = content.get("regime") or framework.regime
    document = notice_document(framework.reference, notice, regime, notice.change_summary)
    attached = await framework_documents(framework, await first_published(framework, notice.published_at))
    sections: dict = {"buyer": authority}

    if kind == NoticeKind.MARKET_ENGAGEMENT:
        # England's preliminary market engagement notice (UK2, Procurement Act 2023 s.17): Find a Tender
        # puts it in planning.documents, and the engagement as a planning milestone of type engagement
        tags = ["planning"] if notice.version == 1 else ["planningUpdate"]
        sections["planning"] = {
            "rationale": content.get("summary"), "budget": {"amount": money(content.get("estimated_value"))}, "documents": [document, *attached],
            "milestones": [{
                "id": "engagement", "title": "The request for information closes", "type": "engagement", "status": "scheduled",
                "description": "Preliminary market engagement: suppliers answer the request for information before the procurement is planned in detail.",
                "dueDate": content.get("rfi_closes_at") and timestamp(datetime.fromisoformat(content["rfi_closes_at"])),
            }],
        }
    elif kind == NoticeKind.PIN:  # amended only before the invitation to tender: after it, the tender notice is (frameworks.amend_notice)
        tags = ["planning"] if notice.version == 1 else ["planningUpdate"]
        sections["planning"] = {
            "rationale": content.get("summary"), "budget": {"amount": money(content.get("estimated_value"))}, "documents": [document, *attached],
        }
    elif kind == NoticeKind.TENDER:
        first = await Notice.objects().where(
            (Notice.framework == framework.id) & (Notice.kind == NoticeKind.TENDER) & (Notice.version == 1)
        ).first()
        opened = first.published_at if first else notice.published_at
        tags = ["tender"] if notice.version == 1 else ["tenderAmendment"]
        tender.update({
            "tenderPeriod": {"startDate": timestamp(opened), "endDate": content.get("tender_deadline") and timestamp(datetime.fromisoformat(content["tender_deadline"]))},
            "enquiryPeriod": {
                "startDate": timestamp(opened),
                "endDate": content.get("clarification_deadline") and timestamp(datetime.fromisoformat(content["clarification_deadline"])),
            },
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": award_criteria_details(content),
            "eligibilityCriteria": eligibility_criteria(content),
            "submissionMethod": ["electronicSubmission"],
            "submissionMethodDetails": f"Tenders are prepared and submitted through this registry: {framework_link(framework.reference)}",
            "documents": [document, *([benefits] if (benefits := community_benefits_document(framework.reference, notice, content)) else []), *attached],
        })
        if notice.version > 1:
            tender["amendments"] = [amendment(release_id, notice, framework.reference, regime)]
    elif kind == NoticeKind.AWARD and not (content.get("award") or {}).get("appointed_at"):
        # England's contract award notice (UK6, Procurement Act 2023 s.50): the suppliers the authority
        # intends to appoint, each a pending award; nothing is concluded until the standstill ends.
        tags = ["award"]
        sections["awards"] = await intended_awards(framework, parties, content, document)
        sections["bids"] = {"statistics": bid_statistics(content)}
        tenderers = await framework_tenderers(framework.id)
        tender["tenderers"] = [await parties.add(organisation_id, "tenderer") for organisation_id in tenderers]
        tender["numberOfTenderers"] = len(tenderers)
        tender["awardPeriod"] = award_period(content)
        tender["milestones"] = standstill_milestones(framework, content, met=False)
        tender["documents"] = attached
    elif kind in (NoticeKind.AWARD, NoticeKind.CONTRACT_DETAILS):
        # Scotland's award notice, or England's contract details notice (UK7, s.53), which updates the
        # contract award notice's awards (the same ids, now active) and adds the agreements concluded.
        england = kind == NoticeKind.CONTRACT_DETAILS
        tags = ["awardUpdate", "contract"] if england else ["award", "contract"]
        delivered = community_benefits_delivered_document(framework.reference, notice, content)
        sections["awards"] = await framework_awards(
            framework, parties, content, document, *([delivered] if delivered else []), ids_by_lot_and_supplier=england,
        )
        sections["contracts"] = framework_agreements(sections["awards"], content)
        sections["bids"] = {"statistics": bid_statistics(content)}
        tenderers = await framework_tenderers(framework.id)
        tender["tenderers"] = [await parties.add(organisation_id, "tenderer") for organisation_id in tenderers]
        tender["numberOfTenderers"] = len(tenderers)
        tender["awardPeriod"] = award_period(content)
        tender["milestones"] = standstill_milestones(framework, content)
        tender["documents"] = attached
    elif kind == NoticeKind.CONTRACT_CHANGE:
        # a change of the framework agreements once they are concluded: England's contract change notice
        # (UK10, s.75), Scotland's modification notice (PCSR 2015 reg. 72). The agreements are the
        # contracts; each carries the change as an amendment of the release before it, and the notice.
        tags = ["contractAmendment"]
        sections["awards"] = await framework_awards(framework, parties, content, ids_by_lot_and_supplier=regime == "england")
        sections["contracts"] = [
            {**agreement, "amendments": [await contract_change(release_id, notice, framework)], "documents": [document]}
            for agreement in framework_agreements(sections["awards"], content)
        ]
        tender["documents"] = attached
    else:  # cancellation
        tags = ["tenderCancellation"]
        tender["documents"] = [document, *attached]
    sections["parties"] = await parties.as_list()
    sections["tender"] = tender
    return release(ocid, release_id, notice.published_at, tags, **sections)


def award_period(content: dict) -> dict | None:
    """From the tender deadline (the assessment starts) to the award decision, when the bidders were told it."""
    award = content.get("award") or {}
    if not award.get("bidders_notified_at"):
        return None
    return {
        "startDate": award.get("tenders_closed_at") and timestamp(datetime.fromisoformat(award["tenders_closed_at"])),
        "endDate": timestamp(datetime.fromisoformat(award["bidders_notified_at"])),
    }


def standstill_milestones(framework: Framework, content: dict, met: bool = True) -> list[dict]:
    """The standstill period, as a tender milestone met when it ended (scheduled, in England's contract
    award notice, which starts it): OCDS 1.1 and its registered extensions have no field for it. Its
    start is the award period's end."""
    award = content.get("award") or {}
    if not award.get("standstill_ends_at"):
        return []
    ended = timestamp(datetime.fromisoformat(award["standstill_ends_at"]))
    rules = RULES[Regime(content.get("regime") or framework.regime)]
    began = f" from {timestamp(datetime.fromisoformat(award['bidders_notified_at']))}, when the bidders were told the award decision," if award.get("bidders_notified_at") else ""
    if not met:
        return [{
            "id": "standstill", "title": "End of the standstill period", "type": "assessment",
            "description": (
                f"The standstill period ({rules.standstill_description}, {rules.standstill_source}) runs{began} until {ended}: "
                "no supplier is appointed before it ends, and the award decision may be challenged during it."
            ),
            "dueDate": ended, "status": "scheduled",
        }]
    return [{
        "id": "standstill", "title": "End of the standstill period", "type": "assessment",
        "description": (
            f"The standstill period ({rules.standstill_description}, {rules.legislation}) ran{began} until {ended}: "
            "no supplier could be appointed before it ended, and the award decision could be challenged during it."
        ),
        "dueDate": ended, "dateMet": ended, "status": "met",
    }]


def bid_statistics(content: dict) -> list[dict]:
    """How many tenders each lot received, and how many were compliant (bids extension): published
    with the award, never before it."""
    award = content.get("award") or {}
    moment = award.get("tenders_closed_at") and timestamp(datetime.fromisoformat(award["tenders_closed_at"]))
    statistics = []
    for lot in award.get("lots", []):
        statistics.append({"id": f"lot-{lot['number']}-bids", "measure": "bids", "value": lot["tenders_received"], "date": moment, "relatedLot": str(lot["number"])})
        if lot.get("compliant_tenders") is not None:
            statistics.append({
                "id": f"lot-{lot['number']}-valid-bids", "measure": "validBids", "value": lot["compliant_tenders"], "date": moment,
                "relatedLot": str(lot["number"]), "notes": "Tenders that passed every selection question and met every minimum score",
            })
    return statistics


def framework_agreements(awards: list[dict], content: dict) -> list[dict]:
    """The framework agreement concluded with each appointed supplier for a lot, signed when it was appointed."""
    return [
        {
            "id": f"{award['id']}-agreement", "awardID": award["id"], "title": f"Framework agreement, {award['title']}",
            "description": f"The framework agreement with {award['suppliers'][0]['name']}.", "status": "active",
            "period": term(content), "dateSigned": award["date"],
        }
        for award in awards
    ]


def amendment(release_id: str, notice: Notice, reference: str, regime: str) -> dict:
    """A new version of a notice as an OCDS amendment: it amends the release of the version before."""
    return {
        "id": f"{notice.kind}-v{notice.version}", "date": timestamp(notice.published_at), "rationale": notice.change_summary,
        "description": f"Version {notice.version} of the {notice_type(regime, notice.kind).in_sentence}",
        "amendsReleaseID": notice_release_id(reference, notice.kind, notice.version - 1), "releaseID": release_id,
    }


async def contract_change(release_id: str, notice: Notice, framework: Framework) -> dict:
    """A contract change notice as the amendment of the agreements: it amends the change before it, or
    the release that concluded them (England's contract details notice, Scotland's award notice)."""
    if notice.version > 1:
        amends = notice_release_id(framework.reference, notice.kind, notice.version - 1)
    else:
        concluded = await Notice.objects().where(
            (Notice.framework == framework.id) & Notice.kind.is_in([NoticeKind.CONTRACT_DETAILS, NoticeKind.AWARD]) & (Notice.published_at <= notice.published_at)
        ).order_by(Notice.published_at, ascending=False).first()
        amends = notice_release_id(framework.reference, concluded.kind, concluded.version) if concluded else None
    return {
        "id": f"{notice.kind}-v{notice.version}", "date": timestamp(notice.published_at), "rationale": notice.change_summary,
        "description": f"The {notice_type(framework.regime, notice.kind).described}",
        "amendsReleaseID": amends, "releaseID": release_id,
    }


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


async def framework_tenderers(framework_id: int) -> list[int]:
    """The organisations whose tenders count (submitted, neither withdrawn nor superseded): named only
    once the award is published."""
    rows = await TenderSubmission.select(TenderSubmission.tender.organisation.as_alias("organisation")).where(
        (TenderSubmission.tender.framework == framework_id) & TenderSubmission.counting()
    )
    return sorted({row["organisation"] for row in rows})


def award_id_for(reference: str, lot_number: int, organisation_id: int) -> str:
    """An award's id from its lot and supplier, the same in England's contract award notice (pending)
    and in its contract details notice (active), so that the second updates the first."""
    return f"{reference}-L{lot_number}-O{organisation_id}"


async def intended_awards(framework: Framework, parties: Parties, content: dict, document: dict) -> list[dict]:
    """One pending award per supplier the contract award notice says the authority intends to appoint to a lot."""
    awards = []
    for lot in (content.get("award") or {}).get("lots", []):
        for intended in lot.get("intended", []):
            parties.published(intended["organisation_id"], intended.get("details"))
            supplier = await parties.add(intended["organisation_id"], "supplier", "tenderer")
            awards.append({
                "id": award_id_for(framework.reference, lot["number"], intended["organisation_id"]),
                "title": f"Lot {lot['number']}: {lot['title']}",
                "description": (
                    f"The authority intends to appoint {supplier['name']} to lot {lot['number']} of the framework agreement, "
                    f"ranked {ordinal(intended['rank'])}, once the standstill period ends."
                ),
                "status": "pending",
                "suppliers": [supplier],
                "contractPeriod": term(content),
                "relatedLots": [str(lot["number"])],
                "documents": [document],
            })
    return awards


async def framework_awards(framework: Framework, parties: Parties, content: dict, *documents: dict, ids_by_lot_and_supplier: bool = False) -> list[dict]:
    """One award per appointed supplier and lot: the supplier's place on the framework agreement."""
    lots = {lot.id: lot for lot in await Lot.objects().where(Lot.framework == framework.id)}
    for lot in (content.get("award") or {}).get("lots", []):
        for appointed in lot.get("appointed", []):
            if appointed.get("organisation_id"):
                parties.published(appointed["organisation_id"], appointed.get("details"))
    awards = []
    for appointment in await Appointment.objects().where(Appointment.framework == framework.id).order_by(Appointment.lot).order_by(Appointment.rank):
        lot = lots[appointment.lot]
        supplier = await parties.add(appointment.organisation, "supplier", "tenderer")
        awards.append({
            "id": (
                award_id_for(framework.reference, lot.number, appointment.organisation) if ids_by_lot_and_supplier
                else f"{framework.reference}-A{appointment.id}"
            ),
            "title": f"Lot {lot.number}: {lot.title}",
            "description": f"{supplier['name']} is appointed to lot {lot.number} of the framework agreement, ranked {ordinal(appointment.rank)}.",
            "status": "active",
            "date": timestamp(appointment.appointed_at),
            "suppliers": [supplier],
            "contractPeriod": term(content),
            "relatedLots": [str(lot.number)],
            "documents": list(documents),
        })
    return awards


async def clarification_release(framework: Framework, clarification) -> dict:
    """A published clarification: its published wording and answer (never who asked), as a tender update."""
    parties = Parties()
    authority = await add_buyers(framework, parties, None)
    label = f"Q{clarification.number}"
    return release(
        ocid_for(framework.reference), f"{framework.reference}-clarification-{label}", clarification.published_at, ["tenderUpdate"],
        buyer=authority, parties=await parties.as_list(),
        tender={
            "id": framework.reference,
            "hasEnquiries": True,
            "documents": [page_document(
                f"clarification-{label}", "clarifications", f"Clarification {label}",
                f"Question: {clarification.published_question}\n\nAnswer: {clarification.answer}",
                framework_link(framework.reference) + "#clarifications", clarification.published_at,
            )],
        },
    )


async def reasoned_response_release(framework: Framework, survey_id: int, number: int) -> dict:
    """The request for information's reasoned response (what the authority heard and will do), as
    published on the framework's page: a planning update, naming its themes; never who responded."""
    entries = await ReasonedResponse.objects().where(
        (ReasonedResponse.survey == survey_id) & ReasonedResponse.published_at.is_not_null()
    ).order_by(ReasonedResponse.position)
    published_at = max(entry.published_at for entry in entries)
    parties = Parties()
    authority = await add_buyers(framework, parties, None)
    return release(
        ocid_for(framework.reference), f"{framework.reference}-reasoned-response-{number}", published_at, ["planningUpdate"],
        buyer=authority, parties=await parties.as_list(),
        planning={"documents": [page_document(
            f"rfi-reasoned-response-{number}", "marketStudies", "Request for information: what we heard and what we will do",
            "Themes: " + "; ".join(entry.theme for entry in entries) + ".", framework_link(framework.reference), published_at,
        )]},
    )


async def document_release(framework: Framework, document: Document) -> dict:
    """A document added to a published framework: a planning or tender update that publishes it."""
    parties = Parties()
    authority = await add_buyers(framework, parties, None)
    published = framework_document(framework.reference, document, document.uploaded_at)
    before_tender = framework_status(framework.state) == "planning"
    sections = {"planning": {"documents": [published]}} if before_tender else {"tender": {"id": framework.reference, "documents": [published]}}
    return release(
        ocid_for(framework.reference), f"{framework.reference}-document-{document.id}", document.uploaded_at,
        ["planningUpdate" if before_tender else "tenderUpdate"], buyer=authority, parties=await parties.as_list(), **sections,
    )


# --- Engagements (call-offs) ----------------------------------------------------------------------


def refines(criterion: BriefCriterion) -> str:
    """The framework's award criterion a mini-competition's criterion refines, when reworded (PA23 s.46)."""
    if criterion.source_title and criterion.source_title != criterion.name:
        return f", refining the framework's criterion “{criterion.source_title}”"
    return ""


async def _engagement_context(engagement: Engagement, parties: Parties) -> tuple[dict, dict]:
    """The buyer, the relation to the framework's contracting process, and the tender's common fields."""
    framework = await frameworks.by_id(engagement.framework)
    lot = await frameworks.lot_by_id(engagement.lot)
    buyer = await parties.add(engagement.buyer, "buyer", "procuringEntity")
    framework_ocid = ocid_for(framework.reference)
    sections = {
        "buyer": buyer,
        "relatedProcesses": [{
            "id": "1", "relationship": ["framework"], "title": framework.title, "scheme": "ocid", "identifier": framework_ocid,
            "uri": links.absolute(f"/open-data/ocds/records/{framework_ocid}.json"),
        }],  # which lot: the tender's procurementMethodDetails (relatedProcess.relatedLots is in no released version of lots)
    }
    tender = {
        "id": engagement.reference, "title": engagement.title, "procuringEntity": buyer, "mainProcurementCategory": SERVICES,
        "contractPeriod": _engagement_period(engagement),
    }
    return sections, {"tender": tender, "framework": framework, "lot": lot}


def _engagement_period(engagement: Engagement) -> dict | None:
    if engagement.starts_on is None:
        return None
    return {"startDate": day_start(engagement.starts_on), "endDate": engagement.ends_on and day_start(engagement.ends_on)}


def call_off_award_notice_link(framework_reference: str, reference: str) -> str:
    return links.absolute(f"/frameworks/{framework_reference}/call-off-notices/{reference}")


def call_off_award_notice_document(framework_reference: str, engagement: Engagement) -> dict:
    """The call-off's contract award notice (Scotland, £50,000 or more: PRSA 2014 s.23(2) and s.3),
    published with the award."""
    return page_document(
        "call-off-award-notice", "awardNotice", "Contract award notice (call-off)",
        f"Award of a call-off contract under {framework_reference}, published under {award_notices.SOURCE}.",
        call_off_award_notice_link(framework_reference, engagement.reference), engagement.awarded_at,
    )


async def engagement_release(engagement: Engagement, event: str, previous_state: str | None = None) -> dict | None:
    """The release for an engagement's newly published step (`event`: invited, awarded,
    delivery_started, completed or cancelled), or None when the step publishes nothing (a draft
    cancelled before anything about it was published)."""
    parties = Parties()
    sections, context = await _engagement_context(engagement, parties)
    tender, framework, lot = context["tender"], context["framework"], context["lot"]
    ocid = ocid_for(engagement.reference)
    competition = engagement.route == CallOffRoute.MINI_COMPETITION
    supplier_roles = ("supplier", "tenderer") if competition else ("supplier",)  # every release names the supplier with all its roles
    ids = {"award": engagement.reference, "contract": engagement.reference}

    if event == "invited":
        tags, moment = ["tender"], engagement.invited_at
        criteria = await BriefCriterion.objects().where(BriefCriterion.engagement == engagement.id).order_by(BriefCriterion.position)
        invited = await Invitation.count().where(Invitation.engagement == engagement.id)
        tender.update({
            "status": "active", "competitive": True, "procurementMethod": "selective",
            "procurementMethodDetails": (
                f"Mini-competition (further competition) among the {invited} suppliers appointed to lot {lot.number} of {framework.reference}"
            ),
            "tenderPeriod": {"startDate": timestamp(engagement.invited_at), "endDate": timestamp(engagement.response_deadline)},
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": (
                f"Price {engagement.price_weight}%; quality {100 - (engagement.price_weight or 0)}%, each criterion scored 0 to 5: "
                + "; ".join(f"{c.name} ({c.weight}%{refines(c)})" for c in criteria) + "."
            ),
            "submissionMethod": ["electronicSubmission"],
        })
    elif event == "awarded":
        tags, moment = ["award", "contract"], engagement.awarded_at
        supplier = await parties.add(engagement.supplier, *supplier_roles)
        if competition:
            responders = await Invitation.select(Invitation.organisation).where(
                (Invitation.engagement == engagement.id) & (Invitation.status == InvitationStatus.RESPONDED)
            ).output(as_list=True)
            tender.update({
                "status": "complete", "competitive": True, "procurementMethod": "selective", "numberOfTenderers": len(responders),
                "tenderers": [await parties.add(organisation_id, "tenderer") for organisation_id in sorted(responders)],
            })
        else:
            tender.update({
                "status": "complete", "competitive": False, "procurementMethod": "direct",
                "procurementMethodDetails": f"Direct award, without further competition, to a supplier appointed to lot {lot.number} of {framework.reference}",
            })
        sections["awards"] = [{
            "id": ids["award"], "title": engagement.title, "status": "active", "date": timestamp(engagement.awarded_at),
            "value": pence(engagement.awarded_price_pence), "suppliers": [supplier], "contractPeriod": _engagement_period(engagement),
        }]
        if award_notices.needs_award_notice(framework, engagement.awarded_price_pence):
            sections["awards"][0]["documents"] = [call_off_award_notice_document(framework.reference, engagement)]
        sections["contracts"] = [{
            "id": ids["contract"], "awardID": ids["award"], "title": engagement.title, "status": "pending",
            "period": _engagement_period(engagement), "value": pence(engagement.awarded_price_pence),
        }]
    elif event == "delivery_started":
        tags, moment = ["contractUpdate"], engagement.delivery_started_at
        await parties.add(engagement.supplier, *supplier_roles)
        sections["contracts"] = [{"id": ids["contract"], "awardID": ids["award"], "status": "active"}]
        tender = None
    elif event == "completed":
        tags, moment = ["implementation"], engagement.completed_at
        await parties.add(engagement.supplier, *supplier_roles)
        reached = sum(await Reach.select(Reach.participants).where(Reach.engagement == engagement.id).output(as_list=True))
        sections["contracts"] = [{
            "id": ids["contract"], "awardID": ids["award"], "status": "terminated",
            "implementation": {"milestones": [{
                "id": "completion", "title": "Engagement delivered and completed", "type": "delivery", "status": "met",
                "dateMet": timestamp(engagement.completed_at), "description": f"Participants reached: {reached:,}.",
            }]},
        }]
        tender = None
    elif event == "cancelled":
        moment = engagement.cancelled_at
        if previous_state == EngagementState.INVITED:
            tags = ["tenderCancellation"]
            tender["status"] = "cancelled"
        elif previous_state == EngagementState.AWARDED:  # awarded, not yet under way: the award and the unsigned contract fall
            tags = ["awardCancellation"]
            await parties.add(engagement.supplier, *supplier_roles)
            sections["awards"] = [{"id": ids["award"], "status": "cancelled"}]
            sections["contracts"] = [{"id": ids["contract"], "awardID": ids["award"], "status": "cancelled"}]
            tender = None
        elif previous_state == EngagementState.IN_DELIVERY:
            tags = ["contractTermination"]
            await parties.add(engagement.supplier, *supplier_roles)
            sections["contracts"] = [{"id": ids["contract"], "awardID": ids["award"], "status": "terminated"}]
            tender = None
        else:  # a draft: nothing about it was ever published
            return None
    else:
        raise ValueError(f"unknown engagement event {event!r}")
    sections["parties"] = await parties.as_list()
    if tender is not None:
        sections["tender"] = tender
    return release(ocid, f"{engagement.reference}-{event}", moment, tags, **sections)
