"""What England's award notices say about each supplier and about the authority and the procedure.

The contract award notice (UK6) gives, for each supplier to be awarded the contract, "the supplier's
name", "the supplier's contact postal address and email address", "the unique identifier for the
supplier", "whether the supplier is an association of companies or other consortium" and whether it
is "a small and medium-sized enterprise" or "a non-governmental organisation that is value-driven and
which principally reinvests its surpluses to further social, environmental or cultural objectives"
(Procurement Regulations 2024 reg. 27(2)(e)); the contract details notice (UK7) the same for each
supplier party to the contract, and whether it is "a supported employment provider" or "a public
service mutual" (reg. 32(2)(g)). Both give the contracting authority information (regs. 27(2)(a),
32(2)(a); reg. 13) and the contract details notice whether the contract followed an open or a
competitive flexible procedure and whether it was reserved (reg. 32(2)(h), (i)).

From what the registry holds: the organisation's legal name; the address on its supplier profile;
the PPON an officer confirmed on the tender (registry.tenders.core_information), else the profile's;
SME from the organisation's size; VCSE from its type where the type is one that reinvests its
surpluses by law. What the registry does not ask (a consortium, a supported employment provider, a
public service mutual, and VCSE for other types) is published as "not stated" (None), never guessed.
Scotland's notices say none of this (PCSR 2015 has its own forms, unchanged here)."""

from registry.accounts.tables import SME_SIZES, Organisation
from registry.frameworks.tables import Framework
from registry.suppliers.tables import SupplierProfile
from registry.tenders import service as tenders
from registry.tenders.tables import CoreInformationCheck

SUPPLIER_RULE_UK6 = "Procurement Regulations 2024 reg. 27(2)(e)"
SUPPLIER_RULE_UK7 = "Procurement Regulations 2024 reg. 32(2)(g)"
AUTHORITY_RULE = "Procurement Regulations 2024 reg. 13"
PROCEDURE_RULE = "Procurement Regulations 2024 reg. 32(2)(h)"
RESERVATION_RULE = "Procurement Regulations 2024 reg. 32(2)(i)"

# Every framework the registry runs is an open procedure: any supplier may tender, in one stage
# (its OCDS releases say procurementMethod "open"); the registry has no competitive flexible procedure.
PROCEDURE = "Open procedure"
# The registry's tender notice cannot reserve a contract (Procurement Act 2023 ss.32 and 33).
RESERVED = "Not reserved to supported employment providers (Procurement Act 2023 s.32) or public service mutuals (s.33)"

# The types of accounts.schemas.ORGANISATION_TYPES whose law keeps their surpluses for their purposes
# (a charity's objects; a community interest company's asset lock): value-driven and reinvesting. A
# co-operative or mutual may distribute its surpluses to its members, so its type alone does not say.
VALUE_DRIVEN_TYPES = {"Charity", "Charitable incorporated organisation", "Community interest company"}


def is_sme(size: str | None) -> bool | None:
    """Whether the organisation is a small or medium-sized enterprise, from the size it gave (None: not given)."""
    if not size:
        return None
    return size in SME_SIZES


def is_vcse(organisation_type: str | None) -> bool | None:
    """True where the organisation's type makes it value-driven and reinvesting; otherwise not stated."""
    return True if organisation_type in VALUE_DRIVEN_TYPES else None


def postal_address(profile: SupplierProfile | None) -> dict | None:
    if profile is None or not (profile.address_line_1 or profile.town or profile.postcode):
        return None
    return {
        "lines": [line for line in (profile.address_line_1, profile.address_line_2) if line],
        "town": profile.town or None, "postcode": profile.postcode or None,
    }


async def supplier(tender_id: int, organisation_id: int) -> dict:
    """What the notices say about the supplier of a tender to be awarded (regs. 27(2)(e), 32(2)(g))."""
    organisation = await Organisation.objects().get(Organisation.id == organisation_id)
    profile = await SupplierProfile.objects().where(SupplierProfile.organisation == organisation_id).first()
    submission = await tenders.counting_submission(tender_id)
    check = await CoreInformationCheck.objects().where(CoreInformationCheck.submission == submission.id).first() if submission else None
    return {
        "name": organisation.legal_name,
        "address": postal_address(profile),
        # The organisation's shared address for notices, from its profile; never a person's own
        # address (the privacy notice says none is published): not given until the supplier gives one.
        "email": (profile.notices_email or None) if profile else None,
        "ppon": (check.ppon if check and check.ppon else None) or (profile.ppon if profile and profile.ppon else None),
        "consortium": None,  # the registry does not ask: a tender is one organisation's
        "sme": is_sme(organisation.size),
        "vcse": is_vcse(organisation.organisation_type),
        "supported_employment_provider": None,  # not asked
        "public_service_mutual": None,  # not asked
    }


async def contracting_authority(framework: Framework, contact: dict | None) -> dict:
    """The contracting authority information the registry holds (reg. 13): its name (reg. 13(a)) and
    the contact for enquiries about the notice (the framework's contact point, reg. 13(f)), with its
    registration number where given. The registry holds no postal address for an authority, nor the
    platform's unique identifier for it (reg. 13(c), (d))."""
    authority = await Organisation.objects().get(Organisation.id == framework.authority)
    return {
        "name": authority.legal_name, "identifier": authority.registration_number or None,
        "enquiries": {key: value for key, value in (contact or {}).items() if value} or None, "source": AUTHORITY_RULE,
    }
