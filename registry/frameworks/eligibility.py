"""Who may award call-offs under a framework: the contracting authorities it names.

A framework must include "the contracting authorities entitled to award public contracts in
accordance with the framework" (Procurement Act 2023 s.45(5)(f)). In Scotland the call-off procedures
"may be applied only between those contracting authorities clearly identified for that purpose in
the call for competition or the invitation to confirm interest and those economic operators that are
party to the framework agreement as concluded" (Public Contracts (Scotland) Regulations 2015 reg.
34(4)). So the framework names them (the officer chooses them from the registered authorities, or
adds one by name and identifier), its notices publish them, and only their commissioners commission
under it. The framework's own authority is always entitled.

The list is a term of the notice that calls for competition: it can change only until the
invitation to tender is published (docs/regimes.md says why)."""

from dataclasses import dataclass

from registry.accounts.tables import Organisation
from registry.frameworks import lifecycle
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import EligibleAuthority, Framework

SOURCES = {
    Regime.ENGLAND: "Procurement Act 2023 s.45(5)(f)",
    Regime.SCOTLAND: "Public Contracts (Scotland) Regulations 2015 reg. 34(4)",
}


def source(framework: Framework) -> str:
    return SOURCES[Regime(framework.regime)]


@dataclass(frozen=True)
class Entitled:
    """An authority entitled to award under the framework: registered (`organisation`) or named."""

    name: str
    identifier: str = ""
    organisation: int | None = None
    own: bool = False  # the framework's own authority

    def as_content(self) -> dict:
        """As a notice publishes it."""
        return {"name": self.name, "identifier": self.identifier, "organisation": self.organisation}


async def listed(framework_id: int) -> list[EligibleAuthority]:
    """The authorities the officer named, in the order they were added."""
    return await EligibleAuthority.objects().where(EligibleAuthority.framework == framework_id).order_by(EligibleAuthority.id)


async def entitled(framework: Framework) -> list[Entitled]:
    """Every authority entitled to award under the framework: its own first, then those named."""
    own = await Organisation.objects().get(Organisation.id == framework.authority)
    found = [Entitled(own.legal_name, own.registration_number or "", own.id, own=True)]
    for row in await listed(framework.id):
        found.append(Entitled(row.name, row.identifier, row.organisation))
    return found


async def may_award(framework: Framework, organisation_id: int | None) -> bool:
    if organisation_id is None:
        return False
    if organisation_id == framework.authority:
        return True
    return await EligibleAuthority.exists().where(
        (EligibleAuthority.framework == framework.id) & (EligibleAuthority.organisation == organisation_id)
    )


async def frameworks_open_to(organisation_id: int | None) -> set[int]:
    """The ids of the frameworks whose call-offs the organisation may award: its own and those naming it."""
    if organisation_id is None:
        return set()
    own = await Framework.select(Framework.id).where(Framework.authority == organisation_id).output(as_list=True)
    named = await EligibleAuthority.select(EligibleAuthority.framework).where(EligibleAuthority.organisation == organisation_id).output(as_list=True)
    return set(own) | set(named)


async def references_open_to(organisation_id: int | None) -> set[str]:
    ids = await frameworks_open_to(organisation_id)
    return set(await Framework.select(Framework.reference).where(Framework.id.is_in(list(ids))).output(as_list=True)) if ids else set()


def may_change(framework: Framework) -> bool:
    """Whether the list can still change: until the invitation to tender is published."""
    return lifecycle.before_itt(framework.state)


def not_entitled_message(framework: Framework, organisation_name: str) -> str:
    return (
        f"{organisation_name} is not one of the contracting authorities entitled to award contracts under {framework.reference}: "
        f"a framework may be used only by the authorities it names ({source(framework)})"
    )
