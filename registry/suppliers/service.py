"""Supplier profiles: what a supplier says about itself, for the frameworks it bids for and the
policy teams that later search for it."""

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
