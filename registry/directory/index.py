"""Keeps the directory's entries and tags in step with the organisations and profiles they copy.

`refresh` runs inside the transaction of whatever changed a supplier's organisation, profile or
appointments; `rebuild` starts again from every supplier organisation (after loading fixtures).
The full-text index follows the entries by itself (triggers on SQLite, a generated column on
PostgreSQL)."""

from registry import db
from registry.accounts.tables import Organisation, OrganisationKind
from registry.directory.tables import DirectoryEntry, DirectoryTag
from registry.reference import taxonomies
from registry.suppliers.tables import SupplierProfile

TAXONOMIES = ("regions", "engagement_methods", "groups", "languages", "accessible_formats")  # also the profile's list names
SIZE = "size"  # the tag taxonomy for the organisation's size
OTHER_TERMS = ("groups", "regions", "languages", "accessible_formats")


def _names(taxonomy: str, codes: list[str]) -> str:
    return ", ".join(taxonomies.name_of(taxonomy, code) for code in codes)


def _entry(organisation: Organisation, profile: SupplierProfile | None) -> dict:
    lists = {name: list(getattr(profile, name) or []) if profile else [] for name in TAXONOMIES}
    trading_name = profile.trading_name if profile and profile.trading_name != organisation.legal_name else ""
    return {
        "name": organisation.legal_name,
        "trading_name": trading_name or "",
        "size": organisation.size,
        "description": profile.description if profile else "",
        "methods": _names("engagement_methods", lists["engagement_methods"]),
        "terms": " · ".join(_names(name, lists[name]) for name in OTHER_TERMS if lists[name]),
        "capacity": profile.capacity if profile else None,
    }


def _tags(organisation: Organisation, profile: SupplierProfile | None) -> list[DirectoryTag]:
    pairs = [(SIZE, organisation.size)] if organisation.size else []
    if profile is not None:
        for taxonomy in TAXONOMIES:
            pairs += [(taxonomy, code) for code in dict.fromkeys(getattr(profile, taxonomy) or [])]
    return [DirectoryTag(organisation=organisation.id, taxonomy=taxonomy, code=code) for taxonomy, code in pairs]


async def refresh(organisation_id: int) -> None:
    """Bring one organisation's entry and tags up to date (removing them if it is not a supplier)."""
    async with db.transaction():
        organisation = await Organisation.objects().where(Organisation.id == organisation_id).first()
        await DirectoryTag.delete().where(DirectoryTag.organisation == organisation_id)
        if organisation is None or organisation.kind != OrganisationKind.SUPPLIER:
            await DirectoryEntry.delete().where(DirectoryEntry.organisation == organisation_id)
            return
        profile = await SupplierProfile.objects().where(SupplierProfile.organisation == organisation_id).first()
        values = _entry(organisation, profile)
        if await DirectoryEntry.exists().where(DirectoryEntry.organisation == organisation_id):
            await DirectoryEntry.update(values).where(DirectoryEntry.organisation == organisation_id)
        else:
            await DirectoryEntry.insert(DirectoryEntry(organisation=organisation_id, **values))
        tags = _tags(organisation, profile)
        if tags:
            await DirectoryTag.insert(*tags)


async def rebuild() -> None:
    """Every supplier organisation's entry and tags, from scratch, in a few statements whatever the number of suppliers."""
    async with db.transaction():
        await DirectoryTag.delete(force=True)
        await DirectoryEntry.delete(force=True)
        organisations = await Organisation.objects().where(Organisation.kind == OrganisationKind.SUPPLIER).order_by(Organisation.id)
        profiles = {profile.organisation: profile for profile in await SupplierProfile.objects()}
        entries, tags = [], []
        for organisation in organisations:
            profile = profiles.get(organisation.id)
            entries.append(DirectoryEntry(organisation=organisation.id, **_entry(organisation, profile)))
            tags += _tags(organisation, profile)
        await db.insert_many(DirectoryEntry, entries)
        await db.insert_many(DirectoryTag, tags)
