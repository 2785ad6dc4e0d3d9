"""Building blocks for tests of the award stages: a framework walked through tendering and the
two-officer opening by the real service functions, then given consensus scores and completed
moderation directly (as the evaluation stage would leave them) and put in the moderation state."""

from dataclasses import dataclass, field
from datetime import timedelta

from registry.tenders import core_information
from registry import clock
from registry.accounts import service as accounts
from registry.accounts.passwords import hash_password
from registry.accounts.tables import OrganisationKind, Role, User
from registry.evaluation.tables import LotModeration, ModeratedScore
from registry.frameworks.tables import Framework, Lot, State
from registry.tenders import opening
from registry.tenders import service as tenders
from registry.tenders.tables import Tender
from tests.support import PASSWORD, current
from tests.tendering import TENDER_DEADLINE, complete_draft, conflicts_assessed, open_for_tenders, registered

OPENED_AT = TENDER_DEADLINE + timedelta(hours=1)
SHARE = 0.7  # the default abnormally low share


@dataclass(frozen=True)
class Bid:
    name: str
    price: str
    approach: int | None = 3
    team: int | None = 3
    insurance: bool | None = True
    lot: int = 1

    @property
    def email(self) -> str:
        return f"bids@{self.name.lower().replace(' ', '-')}.example"


@dataclass
class Walked:
    officer: object
    second: object
    framework: Framework
    found: dict
    suppliers: dict = field(default_factory=dict)  # name: CurrentUser
    tenders: dict = field(default_factory=dict)  # (name, lot): tender id

    @property
    def reference(self) -> str:
        return self.framework.reference


_password_hash: list[str] = []


async def user(email: str, roles, organisation: int):
    """A user of `organisation`, signing in with tests.support.PASSWORD (hashed once: hashing is slow on purpose)."""
    if not _password_hash:
        _password_hash.append(await hash_password(PASSWORD))
    made = await accounts.create_user(
        email=email, full_name=email.split("@")[0].replace(".", " ").title(), organisation=organisation, roles=roles,
        password_hash=_password_hash[0], email_confirmed=True,
    )
    return await current(made)


async def officers() -> tuple:
    """Two procurement officers of one authority."""
    authority = await accounts.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name="Department for Testing")
    officer = await user("officer@authority.example", (Role.PROCUREMENT_OFFICER,), authority)
    return officer, await user("second.officer@authority.example", (Role.PROCUREMENT_OFFICER,), authority)


async def supplier_named(name: str, email: str):
    """A supplier organisation called `name` with one user, its admin."""
    organisation = await accounts.create_organisation(kind=OrganisationKind.SUPPLIER, legal_name=name)
    made = await user(email, (Role.SUPPLIER,), organisation)
    await User.update({User.is_organisation_admin: True}).where(User.id == made.id)
    return await current(made)


async def tenders_opened(controlled_clock, bids: list[Bid], lots: int = 2) -> Walked:
    """Suppliers submit `bids` in the order given; after the deadline two officers open them."""
    officer, second = await officers()
    framework, found = await open_for_tenders(officer, controlled_clock, lots=lots)
    walked = Walked(officer=officer, second=second, framework=framework, found=found)
    for bid in bids:
        supplier = walked.suppliers.get(bid.name)
        if supplier is None:
            supplier = walked.suppliers[bid.name] = await supplier_named(bid.name, bid.email)
            await registered(supplier, framework.reference)
        await complete_draft(supplier, framework.reference, bid.lot, found, price=bid.price)
        await tenders.submit(supplier, framework.reference, bid.lot)
        tender = await Tender.objects().where((Tender.organisation == supplier.organisation_id) & (Tender.lot.number == bid.lot) & (Tender.framework == framework.id)).first()
        walked.tenders[(bid.name, bid.lot)] = tender.id
    controlled_clock.set(OPENED_AT)
    await opening.request(officer, framework.reference)
    walked.framework = await opening.confirm(second, framework.reference)
    return walked


async def moderate(walked: Walked, bids: list[Bid], *, complete_lots: tuple[int, ...] | None = None) -> None:
    """Consensus scores for every bid, moderation completed for the lots (all with bids unless given),
    and the framework in moderation."""
    now = clock.now()
    scores = {"insurance": "insurance", "approach": "approach", "team": "team"}
    for bid in bids:
        tender_id = walked.tenders[(bid.name, bid.lot)]
        for key in scores:
            value = getattr(bid, key)
            criterion = walked.found[key]
            row = ModeratedScore(tender=tender_id, criterion=criterion.id, rationale=f"Consensus on {key} for {bid.name}.", moderated_by=walked.officer.id, moderated_at=now)
            if key == "insurance":
                if value is None:
                    continue
                row.passed = value
            else:
                if value is None:
                    continue
                row.score = value
            await row.save()
    lots = complete_lots if complete_lots is not None else sorted({bid.lot for bid in bids})
    for number in lots:
        lot = await Lot.objects().where((Lot.framework == walked.framework.id) & (Lot.number == number)).first()
        await LotModeration.insert(LotModeration(lot=lot.id, completed_by=walked.officer.id, completed_at=now))
    await Framework.update({Framework.state: State.MODERATION}).where(Framework.id == walked.framework.id)
    walked.framework = await Framework.objects().get(Framework.id == walked.framework.id)
    await conflicts_assessed(walked.officer, walked.reference)  # reviewed in moderation, before the award decision


async def in_moderation(controlled_clock, bids: list[Bid], lots: int = 2, **options) -> Walked:
    walked = await tenders_opened(controlled_clock, bids, lots=lots)
    await moderate(walked, bids, **options)
    return walked


async def lot(walked: Walked, number: int) -> Lot:
    return await Lot.objects().where((Lot.framework == walked.framework.id) & (Lot.number == number)).first()


async def set_max_suppliers(walked: Walked, number: int, maximum: int) -> None:
    await Lot.update({Lot.max_suppliers: maximum}).where((Lot.framework == walked.framework.id) & (Lot.number == number))


async def core_information_confirmed(walked) -> None:
    """Under the Procurement Act, the officers confirm each tender's core supplier information before
    the award (Procurement Regulations 2024 regs. 6 and 7(3)); these tenders carry none, so the officer
    confirms what it obtained from each supplier. Nothing to do in Scotland."""
    for waiting in await core_information.unconfirmed(await Framework.objects().get(Framework.id == walked.framework.id)):
        await core_information.confirm(walked.officer, walked.reference, waiting["tender_id"], ppon="PMZV-7732-XJTM", share_code="SHARE1")
