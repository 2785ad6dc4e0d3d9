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
    # England: the standstill begins with the day the contract award notice is published (PA23 s.51(2)),
    # which the notify step publishes; Scotland: it runs from the letters to the bidders (PCSR 2015
    # regs. 85 and 86), and no notice starts it.
    standstill_from_award_notice: bool = False
    standstill_source: str = ""

    @property
    def standstill_description(self) -> str:
        if self.standstill_from_award_notice:
            return f"{self.standstill_days} working days beginning with the day the contract award notice is published"
        if self.standstill_in_working_days:
            return f"{self.standstill_days} working days"
        return f"{self.standstill_days} calendar days, ending on a working day"


RULES = {
    Regime.SCOTLAND: RegimeRules(
        "Scotland", "Public Contracts (Scotland) Regulations 2015", "SCT", 10, False, standstill_source="PCSR 2015 regs. 85 and 86",
    ),
    Regime.ENGLAND: RegimeRules(
        "England", "Procurement Act 2023", "ENG", 8, True, standstill_from_award_notice=True, standstill_source="Procurement Act 2023 s.51",
    ),
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
    """The last day of the standstill period that starts on `notified_on`'s step. England: 8 working
    days *beginning with* the day the contract award notice is published (Procurement Act 2023
    s.51(2)), so that day is the first when it is a working day (otherwise the next working day is).
    Scotland: 10 days from the day after the letters are sent, ending on a working day (PCSR 2015 regs. 85 and 86)."""
    rules = RULES[regime]
    if rules.standstill_from_award_notice:
        return add_working_days(next_working_day(notified_on, regime), rules.standstill_days - 1, regime)
    if rules.standstill_in_working_days:
        return add_working_days(notified_on, rules.standstill_days, regime)
    return next_working_day(notified_on + timedelta(days=rules.standstill_days), regime)


def standstill_ends_at(notified_at: datetime, regime: Regime, zone: ZoneInfo) -> datetime:
    """The moment the standstill is over: midnight at the end of its last day, in the authority's zone."""
    last_day = standstill_end_date(notified_at.astimezone(zone).date(), regime)
    return datetime.combine(last_day + timedelta(days=1), time(), zone)
