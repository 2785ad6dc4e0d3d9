"""The officers' check of each tender's core supplier information, for frameworks under the
Procurement Act 2023 (registry.tenders.cdp says what a tender carries and why).

Once the tenders are opened, a procurement officer reads each tender's PPON and share code, looks the
supplier's shared information up on the Central Digital Platform, and records that it was checked
(who, when; audited). A tender that carries none (the platform was not working before the tender
deadline, reg. 7(1)-(2) of the Procurement Regulations 2024) is checked with the PPON and share code
the officer obtained from the supplier since (reg. 7(3)). The award waits until every tender that
counts is checked: the confirmation is due, at the latest, before the award of the contract
(regs. 6 and 7(3)); the registry asks for it before the award is approved, the step that decides
who is awarded. Frameworks under the Scottish regulations need none of this."""

from registry import clock
from registry.accounts.auth import CurrentUser
from registry.audit import service as audit
from registry.errors import Invalid, RuleBroken
from registry.frameworks import lifecycle
from registry.frameworks import service as frameworks
from registry.frameworks.tables import Framework, State
from registry.suppliers.service import normal_ppon
from registry.tenders import cdp, sealing
from registry.tenders.tables import CoreInformationCheck, TenderSubmission


class CheckError(RuleBroken):
    field = "core_supplier_information"


async def check_of(submission_id: int) -> CoreInformationCheck | None:
    return await CoreInformationCheck.objects().where(CoreInformationCheck.submission == submission_id).first()


async def confirm(
    user: CurrentUser, reference: str, tender_id: int, *, ppon: str | None = None, share_code: str | None = None,
) -> CoreInformationCheck:
    """Record that the officer checked the tender's core supplier information on the Central Digital
    Platform: under the PPON and share code the tender carries, or (a tender without them) those given."""
    async with audit.action("confirm core supplier information", refused_as="tender.core_information_refused", actor=user.actor,
                            object_type="tender", object_id=tender_id, refusals=(CheckError, Invalid)):
        framework = await frameworks.for_officer(user, reference, lock=True)
        if not cdp.applies(framework):
            raise CheckError("Only tenders for frameworks under the Procurement Act 2023 carry core supplier information to check")
        tender, submission, content = await sealing.readable_tender(user, framework, tender_id)
        if lifecycle.reached(framework, State.AWARD_APPROVED, clock.now()):
            raise CheckError("The award is approved: the core supplier information was due before it")
        if await check_of(submission.id) is not None:
            raise CheckError("This tender's core supplier information is already confirmed")
        carried = content.get("core_supplier_information")
        if carried:
            ppon, share_code, later = carried["ppon"], carried["share_code"], False
        else:
            ppon, share_code, later = normal_ppon(ppon), cdp.normal_share_code(share_code), True
            if problems := cdp.problems(ppon, share_code):
                raise Invalid({field: message.replace("your organisation's", "the supplier's") for field, message in problems.items()})
        check = CoreInformationCheck(
            submission=submission.id, ppon=ppon, share_code=share_code, obtained_later=later, checked_by=user.id, checked_at=clock.now(),
        )
        await check.save()
        await audit.record(
            "tender.core_information_confirmed", actor=user.actor, object_type="tender", object_id=tender.id,
            payload={"framework": reference, "lot": content["lot"], "submission": submission.number, "ppon": ppon, "obtained_later": later},
        )
    return check


async def unconfirmed(framework: Framework, lot_id: int | None = None) -> list[dict]:
    """The tenders that count (of one lot, if given) whose core supplier information no officer has
    confirmed, by supplier and lot; none outside the Act's regime, and none until the tenders are opened."""
    if not cdp.applies(framework) or await sealing.stage_of(framework) != sealing.Stage.OPENED:
        return []
    condition = (TenderSubmission.tender.framework == framework.id) & TenderSubmission.counting()
    if lot_id is not None:
        condition &= TenderSubmission.tender.lot == lot_id
    rows = await TenderSubmission.select(
        TenderSubmission.id, TenderSubmission.tender.id.as_alias("tender_id"), TenderSubmission.tender.lot.number.as_alias("lot"),
        TenderSubmission.tender.organisation.legal_name.as_alias("supplier"),
    ).where(condition).order_by(TenderSubmission.tender.lot.number)
    checked = set(await CoreInformationCheck.select(CoreInformationCheck.submission).where(
        CoreInformationCheck.submission.is_in([row["id"] for row in rows])
    ).output(as_list=True)) if rows else set()
    return [row for row in rows if row["id"] not in checked]


def waiting_message(rows: list[dict]) -> str:
    names = ", ".join(f"{row['supplier']} (lot {row['lot']})" for row in rows)
    return f"Confirm the core supplier information of every tender before the award: not yet confirmed for {names} ({cdp.BEFORE_AWARD})"


async def award_problems(framework: Framework) -> list[str]:
    """The award waits until every tender that counts has its core supplier information confirmed
    (registered as the check "core supplier information confirmed")."""
    rows = await unconfirmed(framework)
    return [waiting_message(rows)] if rows else []


async def checks_by_tender(framework: Framework) -> dict[int, CoreInformationCheck]:
    """Each confirmed tender's check, by tender id (for the officers' pages, after the opening)."""
    rows = await CoreInformationCheck.select(
        *CoreInformationCheck.all_columns(), CoreInformationCheck.submission.tender.as_alias("tender_id"),
    ).where(CoreInformationCheck.submission.tender.framework == framework.id)
    return {row.pop("tender_id"): CoreInformationCheck(**row) for row in rows}


def carried(content: dict) -> dict | None:
    """The PPON and share code a submitted tender's content carries, or None."""
    return content.get("core_supplier_information")

