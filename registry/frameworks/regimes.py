"""Procurement regimes and the dates they fix. Working days skip weekends and the bank holidays of
the regime's nation, from the `holidays` package (maintained, and offline: no network at run time)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

import holidays


class Regime(StrEnum):
    SCOTLAND = "scotland"
    ENGLAND = "england"


@dataclass(frozen=True)
class RegimeRules:
    title: str
    legislation: str
    holiday_subdivision: str
    standstill_days: int
    standstill_in_working_days: bool

    @property
    def standstill_description(self) -> str:
        if self.standstill_in_working_days:
            return f"{self.standstill_days} working days"
        return f"{self.standstill_days} calendar days, ending on a working day"


RULES = {
    Regime.SCOTLAND: RegimeRules("Scotland", "Public Contracts (Scotland) Regulations 2015", "SCT", 10, False),
    Regime.ENGLAND: RegimeRules("England", "Procurement Act 2023", "ENG", 8, True),
}


@cache
def _bank_holidays(subdivision: str, year: int) -> frozenset[date]:
    return frozenset(holidays.UK(subdiv=subdivision, years=year))


def is_working_day(day: date, regime: Regime) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(RULES[regime].holiday_subdivision, day.year)


def next_working_day(day: date, regime: Regime) -> date:
    while not is_working_day(day, regime):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, days: int, regime: Regime) -> date:
    day = start
    for _ in range(days):
        day = next_working_day(day + timedelta(days=1), regime)
    return day


def standstill_end_date(notified_on: date, regime: Regime) -> date:
    """The last day of the standstill period that starts the day after bidders are notified."""
    rules = RULES[regime]
    if rules.standstill_in_working_days:
        return add_working_days(notified_on, rules.standstill_days, regime)
    return next_working_day(notified_on + timedelta(days=rules.standstill_days), regime)


def standstill_ends_at(notified_at: datetime, regime: Regime, zone: ZoneInfo) -> datetime:
    """The moment the standstill is over: midnight at the end of its last day, in the authority's zone."""
    last_day = standstill_end_date(notified_at.astimezone(zone).date(), regime)
    return datetime.combine(last_day + timedelta(days=1), time(), zone)
