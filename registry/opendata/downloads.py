"""The open data as CSV: appointed suppliers, notices and engagements. Organisations only, never
anyone's personal details; every cell made safe to open in a spreadsheet."""

import csv
import io
from collections import defaultdict
from datetime import datetime

from registry.accounts.tables import Organisation
from registry.award.tables import Appointment
from registry.engagements import service as engagements
from registry.engagements.tables import Engagement
from registry.frameworks.tables import Framework, Notice, State
from registry.reference import taxonomies
from registry.suppliers.tables import SupplierProfile
from registry import links
from registry.spreadsheets import spreadsheet_safe

APPOINTED_SUPPLIERS = [
    "framework reference", "framework title", "framework state", "lot", "lot title", "rank", "organisation", "registration number", "size",
    "town", "regions served", "appointed at",
]
NOTICES = ["framework reference", "framework title", "kind", "version", "title", "published at", "what changed", "address"]
ENGAGEMENTS = [
    "reference", "title", "framework reference", "lot", "lot title", "buyer organisation", "supplier", "supplier size", "route", "state",
    "awarded value (GBP)", "invited at", "response deadline", "awarded at", "contract start", "contract end", "delivery started at",
    "completed at", "cancelled at",
]


def _when(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def _csv(columns: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([spreadsheet_safe("" if value is None else str(value)) for value in row])
    return out.getvalue()


async def appointed_suppliers() -> str:
    """Every supplier appointed to a lot, with what its public profile says of where it is."""
    rows = await Appointment.select(
        Appointment.rank, Appointment.appointed_at, Appointment.organisation,
        Appointment.framework.reference.as_alias("reference"), Appointment.framework.title.as_alias("framework_title"),
        Appointment.framework.state.as_alias("state"), Appointment.lot.number.as_alias("lot"), Appointment.lot.title.as_alias("lot_title"),
        Appointment.organisation.legal_name.as_alias("name"), Appointment.organisation.registration_number.as_alias("registration_number"),
        Appointment.organisation.size.as_alias("size"),
    ).order_by(Appointment.framework.reference).order_by(Appointment.lot.number).order_by(Appointment.rank)
    ids = sorted({row["organisation"] for row in rows})
    profiles = {p.organisation: p for p in await SupplierProfile.objects().where(SupplierProfile.organisation.is_in(ids))} if ids else {}
    found = []
    for row in rows:
        profile = profiles.get(row["organisation"])
        found.append([
            row["reference"], row["framework_title"], row["state"], row["lot"], row["lot_title"], row["rank"], row["name"],
            row["registration_number"], row["size"], profile.town if profile else "",
            "; ".join(taxonomies.name_of("regions", code) for code in (profile.regions if profile else [])), _when(row["appointed_at"]),
        ])
    return _csv(APPOINTED_SUPPLIERS, found)


async def notices() -> str:
    """Every published notice, every version (a framework's notices exist only once it is published)."""
    rows = await Notice.select(
        Notice.kind, Notice.version, Notice.title, Notice.published_at, Notice.change_summary,
        Notice.framework.reference.as_alias("reference"), Notice.framework.title.as_alias("framework_title"),
        Notice.framework.state.as_alias("state"),
    ).where(Notice.framework.state != State.DRAFT).order_by(Notice.published_at).order_by(Notice.id)
    return _csv(NOTICES, [
        [
            row["reference"], row["framework_title"], row["kind"], row["version"], row["title"], _when(row["published_at"]), row["change_summary"],
            links.absolute(f"/frameworks/{row['reference']}/notices/{row['kind']}/{row['version']}"),
        ]
        for row in rows
    ])


def _published_engagement():
    """The engagements anything has been published about: a mini-competition once its invitations
    are out, any engagement once awarded. Drafts stay private."""
    return Engagement.invited_at.is_not_null() | Engagement.awarded_at.is_not_null()


async def engagement_rows() -> list[dict]:
    return await Engagement.select(
        Engagement.reference, Engagement.title, Engagement.route, Engagement.state, Engagement.awarded_price_pence, Engagement.invited_at,
        Engagement.response_deadline, Engagement.awarded_at, Engagement.starts_on, Engagement.ends_on, Engagement.delivery_started_at,
        Engagement.completed_at, Engagement.cancelled_at, Engagement.buyer, Engagement.supplier,
        Engagement.framework.reference.as_alias("framework_reference"), Engagement.lot.number.as_alias("lot"),
        Engagement.lot.title.as_alias("lot_title"),
    ).where(_published_engagement()).order_by(Engagement.reference)


async def engagements_csv() -> str:
    rows = await engagement_rows()
    ids = sorted({i for row in rows for i in (row["buyer"], row["supplier"]) if i})
    organisations = defaultdict(dict)
    if ids:
        for row in await Organisation.select(Organisation.id, Organisation.legal_name, Organisation.size).where(Organisation.id.is_in(ids)):
            organisations[row["id"]] = row
    found = []
    for row in rows:
        supplier = organisations.get(row["supplier"], {}) if row["supplier"] else {}
        awarded = row["awarded_at"] is not None
        found.append([
            row["reference"], row["title"], row["framework_reference"], row["lot"], row["lot_title"], organisations[row["buyer"]].get("legal_name"),
            supplier.get("legal_name"), supplier.get("size"), engagements.ROUTE_NAMES.get(row["route"], row["route"]) if row["route"] else "",
            engagements.label(row["state"]).lower(),
            f"{row['awarded_price_pence'] / 100:.2f}" if awarded and row["awarded_price_pence"] is not None else "",
            _when(row["invited_at"]), _when(row["response_deadline"]) if row["invited_at"] else "", _when(row["awarded_at"]),
            _when(row["starts_on"]) if awarded else "", _when(row["ends_on"]) if awarded else "", _when(row["delivery_started_at"]),
            _when(row["completed_at"]), _when(row["cancelled_at"]),
        ])
    return _csv(ENGAGEMENTS, found)


async def counts() -> dict[str, int]:
    """How many rows each download has, for the open-data page."""
    return {
        "appointed_suppliers": await Appointment.count(),
        "notices": await Notice.count(),
        "engagements": await Engagement.count().where(_published_engagement()),
        "frameworks": await Framework.count().where(Framework.state != State.DRAFT),
    }
