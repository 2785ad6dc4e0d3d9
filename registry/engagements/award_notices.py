"""Call-off contract award notices (Scotland).

A call-off awarded under a Scotland-regime framework is a contract like any other: when it is a
regulated contract, its award is publicised on the Public Contracts website.
- Procurement Reform (Scotland) Act 2014 s.3(1)(b), (2): a public contract (other than works) is
  regulated when its estimated value is "equal to or greater than" £50,000.
- s.23(2): "A contracting authority must publicise the award of a contract under a regulated
  procurement on the Public Contracts website." The Scottish Government's buyer guides remind
  buyers that this includes contracts "awarded as a result of a framework call-off/mini competition".
- The 30 days: the period is set by regulations under s.23(3)–(4)(a) (the Procurement (Scotland)
  Regulations 2016, reg. 7), whose text we could not open; so the service takes the conservative
  course and publishes the notice at the award itself, in the award's transaction: day 0 of any
  period. The price awarded is the contract's value.

England-regime frameworks publish nothing more here (see docs/regimes.md for what the Procurement
Act 2023 asks of a call-off instead)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from registry.engagements.tables import Engagement
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import Framework

THRESHOLD_PENCE = 5_000_000  # £50,000: PRSA 2014 s.3(2), "equal to or greater than" (s.3(1)(b))
PUBLISH_WITHIN = timedelta(days=30)
SOURCE = "Procurement Reform (Scotland) Act 2014 s.23(2), for a regulated contract of £50,000 or more (s.3)"


def needs_award_notice(framework: Framework, price_pence: int | None) -> bool:
    """Whether awarding a call-off at this price under this framework publishes an award notice."""
    return framework.regime == Regime.SCOTLAND and price_pence is not None and price_pence >= THRESHOLD_PENCE


@dataclass(frozen=True)
class CallOffAwardNotice:
    """The public notice of a call-off's award: published when the engagement was awarded."""

    reference: str  # the engagement's
    title: str
    framework_reference: str
    framework_title: str
    lot_number: int
    buyer: str
    supplier: str
    route: str
    value_pence: int
    awarded_at: datetime
    published_at: datetime
    deadline: datetime  # the latest the law allows; the service publishes at the award
    source: str = SOURCE


def award_notice(engagement: Engagement, framework: Framework, lot_number: int, names: dict[int, str]) -> CallOffAwardNotice | None:
    """The engagement's call-off award notice, or None when it has none (not awarded, under £50,000,
    or an England-regime framework). An award later cancelled keeps its notice: it was published."""
    if engagement.awarded_at is None or engagement.supplier is None or not needs_award_notice(framework, engagement.awarded_price_pence):
        return None
    return CallOffAwardNotice(
        reference=engagement.reference, title=engagement.title,
        framework_reference=framework.reference, framework_title=framework.title, lot_number=lot_number,
        buyer=names.get(engagement.buyer, ""), supplier=names.get(engagement.supplier, ""),
        route="Direct award" if engagement.route == "direct_award" else "Mini-competition",
        value_pence=engagement.awarded_price_pence, awarded_at=engagement.awarded_at,
        published_at=engagement.awarded_at, deadline=engagement.awarded_at + PUBLISH_WITHIN,
    )
