"""Community benefits in major Scottish procurements: Procurement Reform (Scotland) Act 2014 s.25
(read at legislation.gov.uk/asp/2014/12/section/25).

s.25(1): the section applies to a regulated procurement whose contract's estimated value is equal to
or greater than £4,000,000. s.25(3): the contract notice (here, the invitation to tender's tender
notice) includes a summary of the community benefit requirements the authority intends to include,
or, where it intends none, a statement of its reasons. s.25(4): where requirements are included,
the award notice states the benefits the authority considers will be derived from them.

England's Procurement Act 2023 has no such duty: there the fields are optional and nothing checks them."""

from registry.frameworks import stages
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework

THRESHOLD = 4_000_000  # whole pounds: s.25(1), "equal to or greater than £4,000,000"
SOURCE_NOTICE = "Procurement Reform (Scotland) Act 2014 s.25(3)"
SOURCE_AWARD = "Procurement Reform (Scotland) Act 2014 s.25(4)"

NOTICE_RULE = (
    "Summarise the community benefit requirements, or give the reasons for including none: a Scottish procurement "
    f"of £4,000,000 or more states them in its contract notice ({SOURCE_NOTICE})"
)
AWARD_RULE = (
    "Say what benefits the community benefit requirements will deliver: the award notice of a Scottish procurement "
    f"of £4,000,000 or more states them ({SOURCE_AWARD})"
)


def applies(regime: str | None, estimated_value: int | None) -> bool:
    """Whether s.25 applies: a Scotland-regime procurement estimated at £4,000,000 or more."""
    return regime == Regime.SCOTLAND and estimated_value is not None and estimated_value >= THRESHOLD


def notice_problems(regime: str | None, estimated_value: int | None, requirements: str, none_reason: str) -> list[str]:
    """What blocks the contract notice under s.25(3), in task-list words: none when it may go."""
    if applies(regime, estimated_value) and not (requirements or "").strip() and not (none_reason or "").strip():
        return [NOTICE_RULE]
    return []


async def stated(framework: Framework) -> list[str]:
    """The check the invitation to tender's publication runs (registered as "community benefits stated")."""
    return notice_problems(framework.regime, framework.estimated_value, framework.community_benefits, framework.community_benefits_none_reason)


def award_statement_needed(framework: Framework) -> bool:
    """s.25(4): an award notice states the benefits where requirements were included in the contract."""
    return applies(framework.regime, framework.estimated_value) and bool((framework.community_benefits or "").strip())


def register() -> None:
    """The invitation to tender's transition names this check (registry.frameworks.lifecycle)."""
    stages.checks.register("community benefits stated", stated)
