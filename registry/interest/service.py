"""Suppliers registering (and withdrawing) interest in a published framework, and telling them of
what follows."""

import csv
import io
import secrets
from dataclasses import dataclass

from registry import clock, db
from registry.accounts.auth import CurrentUser
from registry.accounts.tables import Organisation, Role, User
from registry.audit import service as audit
from registry.errors import Refused, RuleBroken
from registry.frameworks import lifecycle
from registry.frameworks.tables import Framework, Lot, State
from registry.interest.tables import ExpressionOfInterest, SupplierCalendar
from registry.notifications import service as notifications
from registry.suppliers.tables import SupplierProfile
from registry import links
from registry.spreadsheets import spreadsheet_safe


class InterestError(RuleBroken):
    pass


def _check_supplier(user: CurrentUser) -> None:
    if not user.has_role(Role.SUPPLIER):
        raise Refused("Only suppliers register interest")


async def _open_framework(reference: str) -> Framework:
    framework = await Framework.objects().where(Framework.reference == reference).first()
    if framework is None or not lifecycle.open_for_interest(framework.state, framework.tender_deadline, clock.received()):
        if framework is not None and framework.state == State.ITT_PUBLISHED:
            raise InterestError("You cannot register interest in this framework: its tender deadline has passed")
        state = "not published" if framework is None or framework.state == "draft" else lifecycle.describe(framework.state)
        raise InterestError(f"You cannot register interest in this framework: it is {state}")
    return framework


async def register(user: CurrentUser, reference: str, *, lot_numbers: list[int] | None) -> ExpressionOfInterest:
    """Register the user's organisation's interest in all lots (None) or the chosen ones. Registering
    again replaces the choice of lots: the same request twice has the same result."""
    _check_supplier(user)
    async with audit.action("register"):
        await db.queue_under(Organisation, user.organisation_id)
        framework = await _open_framework(reference)
        if lot_numbers is not None:
            known = set(await Lot.select(Lot.number).where(Lot.framework == framework.id).output(as_list=True))
            if not lot_numbers or not set(lot_numbers) <= known:
                raise InterestError("Choose the lots you are interested in")
        existing = await _row(user.organisation_id, framework.id)
        values = {
            ExpressionOfInterest.all_lots: lot_numbers is None,
            ExpressionOfInterest.lot_numbers: sorted(set(lot_numbers or [])),
            ExpressionOfInterest.withdrawn_at: None,
        }
        if existing is None:
            await ExpressionOfInterest.insert(
                ExpressionOfInterest(
                    organisation=user.organisation_id, framework=framework.id, registered_at=clock.now(), registered_by=user.id,
                    all_lots=lot_numbers is None, lot_numbers=sorted(set(lot_numbers or [])),
                )
            )
        else:
            await ExpressionOfInterest.update({**values, ExpressionOfInterest.registered_at: clock.now()}).where(ExpressionOfInterest.id == existing.id)
        await audit.record(
            "interest.registered", actor=user.actor, object_type="framework", object_id=reference,
            payload={"organisation": user.organisation_id, "lots": "all" if lot_numbers is None else sorted(set(lot_numbers))},
        )
        return await _row(user.organisation_id, framework.id)


async def withdraw(user: CurrentUser, reference: str) -> None:
    _check_supplier(user)
    async with audit.action("withdraw"):
        framework = await Framework.objects().where(Framework.reference == reference).first()
        existing = await _row(user.organisation_id, framework.id) if framework else None
        if existing is None or existing.withdrawn_at is not None:
            raise InterestError("Your organisation has not registered interest in this framework")
        await ExpressionOfInterest.update({ExpressionOfInterest.withdrawn_at: clock.now()}).where(ExpressionOfInterest.id == existing.id)
        await audit.record("interest.withdrawn", actor=user.actor, object_type="framework", object_id=reference, payload={"organisation": user.organisation_id})


async def _row(organisation_id: int, framework_id: int) -> ExpressionOfInterest | None:
    return await ExpressionOfInterest.objects().where(
        (ExpressionOfInterest.organisation == organisation_id) & (ExpressionOfInterest.framework == framework_id)
    ).first()


async def current(organisation_id: int, framework_id: int) -> ExpressionOfInterest | None:
    row = await _row(organisation_id, framework_id)
    return row if row is not None and row.withdrawn_at is None else None


async def interested_user_emails(framework_id: int, preference: str = "stage_changes") -> list[str]:
    """The users of every organisation with live interest in the framework who want this kind of message."""
    organisations = await ExpressionOfInterest.select(ExpressionOfInterest.organisation).where(
        (ExpressionOfInterest.framework == framework_id) & ExpressionOfInterest.withdrawn_at.is_null()
    ).output(as_list=True)
    if not organisations:
        return []
    users = await User.select(User.id, User.email).where(User.organisation.is_in(organisations) & (User.is_active.eq(True)))
    opted_out = await notifications.opted_out(preference, [user["id"] for user in users])
    return [user["email"] for user in users if user["id"] not in opted_out]


async def tell_interested_suppliers(framework_id: int, *, subject: str, body: str, preference: str = "stage_changes") -> int:
    reference = (await Framework.select(Framework.reference).where(Framework.id == framework_id).first())["reference"]
    recipients = await interested_user_emails(framework_id, preference)
    for email in recipients:
        await notifications.enqueue(
            recipient=email,
            subject=subject,
            body=body + f"Read the framework: {links.absolute(f'/frameworks/{reference}')}\n\n"
            "You are receiving this because your organisation registered interest. Choose what you are told about at "
            f"{links.absolute('/account/notifications')}.",
        )
    return len(recipients)


@dataclass(frozen=True)
class InterestRow:
    organisation: str
    size: str | None
    organisation_type: str | None
    regions: list[str]
    lots: str
    registered_at: object
    withdrawn: bool


async def list_for_officer(framework: Framework) -> list[InterestRow]:
    rows = await ExpressionOfInterest.select(
        ExpressionOfInterest.organisation, ExpressionOfInterest.all_lots, ExpressionOfInterest.lot_numbers,
        ExpressionOfInterest.registered_at, ExpressionOfInterest.withdrawn_at,
        ExpressionOfInterest.organisation.legal_name.as_alias("name"),
        ExpressionOfInterest.organisation.size.as_alias("size"),
        ExpressionOfInterest.organisation.organisation_type.as_alias("organisation_type"),
    ).where(ExpressionOfInterest.framework == framework.id).order_by(ExpressionOfInterest.registered_at)
    profiles = {
        p["organisation"]: p["regions"]
        for p in await SupplierProfile.select(SupplierProfile.organisation, SupplierProfile.regions).where(
            SupplierProfile.organisation.is_in([row["organisation"] for row in rows] or [-1])
        )
    }
    return [
        InterestRow(
            organisation=row["name"], size=row["size"], organisation_type=row["organisation_type"],
            regions=profiles.get(row["organisation"], []),
            lots="All lots" if row["all_lots"] else ", ".join(f"Lot {n}" for n in row["lot_numbers"]),
            registered_at=row["registered_at"], withdrawn=row["withdrawn_at"] is not None,
        )
        for row in rows
    ]


def counts(rows: list[InterestRow], lot_numbers: list[int]) -> dict[str, dict[str, int]]:
    """Live interest counted by lot, by size and by region."""
    live = [row for row in rows if not row.withdrawn]
    by_lot = {f"Lot {n}": sum(1 for row in live if row.lots == "All lots" or f"Lot {n}" in row.lots.split(", ")) for n in lot_numbers}
    by_size: dict[str, int] = {}
    by_region: dict[str, int] = {}
    for row in live:
        by_size[row.size or "not given"] = by_size.get(row.size or "not given", 0) + 1
        for region in row.regions:
            by_region[region] = by_region.get(region, 0) + 1
    return {"lot": by_lot, "size": by_size, "region": dict(sorted(by_region.items(), key=lambda item: -item[1]))}


def as_csv(rows: list[InterestRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Organisation", "Size", "Type", "Regions", "Lots", "Registered at (UTC)", "Status"])
    for row in rows:
        writer.writerow([
            spreadsheet_safe(row.organisation), row.size or "", spreadsheet_safe(row.organisation_type or ""), "; ".join(row.regions), row.lots,
            row.registered_at.isoformat(timespec="seconds"), "Withdrawn" if row.withdrawn else "Registered",
        ])
    return out.getvalue()



async def calendar_token(organisation_id: int) -> str:
    """The organisation's calendar feed token, made the first time it is asked for. Two pages of
    the same organisation can ask at once: the second insert does nothing and both read the one
    token kept (it was a unique-constraint error, a 500)."""
    query = SupplierCalendar.select(SupplierCalendar.token).where(SupplierCalendar.organisation == organisation_id).first()
    if row := await query:
        return row["token"]
    await SupplierCalendar.insert(SupplierCalendar(organisation=organisation_id, token=secrets.token_urlsafe(24))).on_conflict(
        target=SupplierCalendar.organisation, action="DO NOTHING"
    )
    return (await query)["token"]


async def frameworks_for_calendar(token: str) -> list[Framework] | None:
    row = await SupplierCalendar.select(SupplierCalendar.organisation).where(SupplierCalendar.token == token).first()
    if row is None:
        return None
    ids = await ExpressionOfInterest.select(ExpressionOfInterest.framework).where(
        (ExpressionOfInterest.organisation == row["organisation"]) & ExpressionOfInterest.withdrawn_at.is_null()
    ).output(as_list=True)
    return await Framework.objects().where(Framework.id.is_in(ids or [-1]))


async def frameworks_of(organisation_id: int) -> list[dict]:
    return await ExpressionOfInterest.select(
        ExpressionOfInterest.framework.reference.as_alias("reference"), ExpressionOfInterest.framework.title.as_alias("title"),
        ExpressionOfInterest.framework.state.as_alias("state"), ExpressionOfInterest.all_lots, ExpressionOfInterest.lot_numbers,
        ExpressionOfInterest.framework.rfi_closes_at.as_alias("rfi_closes_at"), ExpressionOfInterest.framework.tender_deadline.as_alias("tender_deadline"),
    ).where((ExpressionOfInterest.organisation == organisation_id) & ExpressionOfInterest.withdrawn_at.is_null())


