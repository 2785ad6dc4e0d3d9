"""Supplier profiles: what a supplier says about itself, for the frameworks it bids for and the
policy teams that later search for it."""

import re
from dataclasses import asdict, dataclass

from registry import clock, db
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Organisation, Role
from registry.audit import service as audit
from registry.errors import Refused
from registry.hooks import Hook
from registry.suppliers.tables import SupplierProfile

# A supplier's profile was saved (the directory refreshes its entry: registry.directory.stage).
profile_saved: Hook[[int], None] = Hook("an organisation's profile was saved")


@dataclass(frozen=True)
class Profile:
    trading_name: str
    description: str
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    website: str
    regions: tuple[str, ...]
    engagement_methods: tuple[str, ...]
    groups: tuple[str, ...]
    languages: tuple[str, ...]
    accessible_formats: tuple[str, ...]
    capacity: int | None
    ppon: str = ""  # its Public Procurement Organisation Number (PPON_FORM), offered to each tender that asks for it
    notices_email: str = ""  # its shared address for published notices (tables.SupplierProfile.notices_email)


# The unique identifier the Central Digital Platform gives an organisation that registers on it (the
# Public Procurement Organisation Number), which a supplier's core information carries (Procurement
# Regulations 2024 reg. 9(3)(b)) and tenders under the Procurement Act 2023 quote (registry.tenders.core_information).
# Its form, as the platform issues it: "P" and three letters, four digits, four letters, joined by hyphens
# (the Cabinet Office's platform source, cabinetoffice/GCGS-Central-Digital-Platform, PponService).
PPON_FORM = re.compile(r"^P[A-Z]{3}-[0-9]{4}-[A-Z]{4}$")
PPON_EXAMPLE = "PMZV-7732-XJTM"
PPON_PROBLEM = f"Enter your organisation's PPON as the Central Digital Platform shows it, like {PPON_EXAMPLE}"


def normal_ppon(text: str | None) -> str:
    """A PPON as typed, in the platform's form: capitals, a space between its parts taken for a hyphen."""
    return re.sub(r"\s*-\s*|\s+", "-", (text or "").strip()).upper()


def ppon_problem(ppon: str) -> str | None:
    """What is wrong with a PPON (already `normal_ppon`), or None."""
    return None if PPON_FORM.match(ppon) else PPON_PROBLEM


async def profile_of(organisation_id: int) -> SupplierProfile | None:
    return await SupplierProfile.objects().where(SupplierProfile.organisation == organisation_id).first()


async def save(user: CurrentUser, profile: Profile) -> SupplierProfile:
    """Replace the user's organisation's profile."""
    if not user.has_role(Role.SUPPLIER):
        raise Refused("Only a supplier's own people edit its profile")
    values = {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(profile).items()}
    async with audit.action("save"):
        await db.queue_under(Organisation, user.organisation_id)
        existing = await profile_of(user.organisation_id)
        if existing is None:
            await SupplierProfile.insert(SupplierProfile(organisation=user.organisation_id, updated_at=clock.now(), **values))
        else:
            await SupplierProfile.update({**values, "updated_at": clock.now()}).where(SupplierProfile.id == existing.id)
        await audit.record("supplier_profile.saved", actor=user.actor, object_type="organisation", object_id=user.organisation_id, payload=values)
        await profile_saved.run(user.organisation_id)  # the directory's entry follows, in this transaction
    return await profile_of(user.organisation_id)


async def remember_ppon(organisation_id: int, ppon: str) -> None:
    """Keep on the organisation's profile a PPON it gave on a tender, when the profile has none yet
    (so that the next tender offers it); a profile's own PPON is changed on the profile only."""
    await SupplierProfile.update({SupplierProfile.ppon: ppon}).where(
        (SupplierProfile.organisation == organisation_id) & (SupplierProfile.ppon == "")
    )


def missing(profile: SupplierProfile | None) -> list[str]:
    """What a complete profile still needs, in words for the supplier."""
    if profile is None:
        return ["Your organisation has no profile yet"]
    checks = [
        (profile.description, "a description of your organisation"),
        (profile.regions, "the regions you work in"),
        (profile.engagement_methods, "the engagement methods you offer"),
        (profile.groups, "the groups you work with"),
        (profile.capacity, "how many engagements you can run at once"),
    ]
    return [f"Add {what}" for value, what in checks if not value]
