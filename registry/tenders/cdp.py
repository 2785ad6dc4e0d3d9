"""Core supplier information through the Central Digital Platform, for frameworks under the
Procurement Act 2023 (England): what a tender carries and when.

The Procurement Regulations 2024, reg. 6: where a supplier gives its core supplier information during
an open or competitive flexible procedure (how a framework is set up), the contracting authority must
obtain the supplier's confirmation, before the end of the tendering period (reg. 6(3)), that the
supplier has registered on the central digital platform, submitted its up-to-date core supplier
information to it, and given that information to the authority through the platform's facility for
sharing it (reg. 6(5)). So a tender under the Act carries the supplier's unique identifier (its
PPON, registry.suppliers.service.PPON_FORM) and the share code the platform gave it for this
authority, and cannot be submitted without them: submitting is the supplier's confirmation, received
before the tender deadline. Where the platform was not working, the confirmation may be obtained
later, but before the award of the contract (reg. 7(1)-(3)): registry.tenders.core_information
records the officers' check of each tender, which the award waits for.

The Public Contracts (Scotland) Regulations 2015 have no central digital platform: a framework under
them asks for none of this."""

import re

from registry.frameworks.regimes import Regime
from registry.suppliers.service import normal_ppon, ppon_problem

RULE = "Procurement Regulations 2024 reg. 6(3)"
BEFORE_AWARD = "Procurement Regulations 2024 regs. 6 and 7(3)"
# The form of a share code is not published in the guidance read (docs/regimes.md): letters and
# digits as the platform shows them, kept as typed (only spaces taken out).
SHARE_CODE_FORM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,38}[A-Za-z0-9]$")
MISSING = (
    "Give your organisation's PPON and the share code of its core supplier information from the Central Digital Platform: "
    f"the authority must have them before the tender deadline ({RULE})"
)


def applies(framework) -> bool:
    """Whether tenders for `framework` carry the supplier's core supplier information (the Act's regime)."""
    return Regime(framework.regime) is Regime.ENGLAND


def normal_share_code(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def problems(ppon: str, share_code: str) -> dict[str, str]:
    """What is wrong with a PPON and a share code (both already normal), by field."""
    found = {}
    if not ppon:
        found["ppon"] = f"Enter your organisation's PPON: the Central Digital Platform gives it when your organisation registers ({RULE})"
    elif problem := ppon_problem(ppon):
        found["ppon"] = problem
    if not share_code:
        found["share_code"] = f"Enter the share code of your core supplier information from the Central Digital Platform ({RULE})"
    elif not SHARE_CODE_FORM.match(share_code):
        found["share_code"] = "Enter the share code as the Central Digital Platform shows it: letters and digits, 4 to 40 of them"
    return found


def given(draft: dict) -> dict | None:
    """The PPON and share code a draft carries ({"ppon", "share_code"}), or None."""
    return draft.get("core_supplier_information") or None


def task_problems(framework, draft: dict) -> list[str]:
    """What the tender's core supplier information task still needs (nothing outside the Act's regime)."""
    if not applies(framework):
        return []
    held = given(draft)
    if held is None or problems(normal_ppon(held.get("ppon")), normal_share_code(held.get("share_code"))):
        return [MISSING]
    return []
