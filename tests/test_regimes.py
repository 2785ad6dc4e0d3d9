from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from registry.frameworks.regimes import Regime, is_working_day, standstill_end_date, standstill_ends_at


@pytest.mark.parametrize(
    ("notified", "regime", "ends"),
    [
        # Scotland: 10 calendar days; a last day on a weekend or holiday moves to the next working day.
        (date(2027, 3, 1), Regime.SCOTLAND, date(2027, 3, 11)),  # Thursday: a working day
        (date(2027, 3, 3), Regime.SCOTLAND, date(2027, 3, 15)),  # would be Saturday 13th
        (date(2026, 12, 18), Regime.SCOTLAND, date(2026, 12, 29)),  # 28th is the Boxing Day substitute
        (date(2026, 12, 23), Regime.SCOTLAND, date(2027, 1, 5)),  # 2 Jan (Sat), 4 Jan (substitute)
        (date(2027, 3, 16), Regime.SCOTLAND, date(2027, 3, 29)),  # 26th is Good Friday, then the weekend
        # England: 8 working days beginning with the day the contract award notice is published
        # (Procurement Act 2023 s.51(2)): that day is day 1; weekends, Christmas and Easter Monday skipped.
        (date(2027, 3, 1), Regime.ENGLAND, date(2027, 3, 10)),  # Monday 1 to Wednesday 10
        (date(2026, 12, 22), Regime.ENGLAND, date(2027, 1, 5)),  # 25, 28 Dec and 1 Jan are holidays
        (date(2027, 3, 22), Regime.ENGLAND, date(2027, 4, 2)),  # Good Friday and Easter Monday skipped
        (date(2027, 3, 24), Regime.ENGLAND, date(2027, 4, 6)),  # Wednesday: 24, 25, 30, 31 March, 1, 2, 5, 6 April
        (date(2027, 3, 27), Regime.ENGLAND, date(2027, 4, 8)),  # published on a Saturday: day 1 is Tuesday 30 March
    ],
)
def test_standstill_end_dates(notified, regime, ends):
    assert standstill_end_date(notified, regime) == ends


def test_easter_monday_is_a_holiday_in_england_but_not_scotland():
    easter_monday = date(2027, 3, 29)
    assert not is_working_day(easter_monday, Regime.ENGLAND)
    assert is_working_day(easter_monday, Regime.SCOTLAND)
    assert not is_working_day(date(2027, 1, 4), Regime.SCOTLAND)  # 2 January's substitute
    assert is_working_day(date(2027, 1, 4), Regime.ENGLAND)


def test_standstill_ends_at_midnight_after_the_last_day_in_the_authoritys_zone():
    london = ZoneInfo("Europe/London")
    moment = standstill_ends_at(datetime(2027, 3, 1, 10, 0, tzinfo=UTC), Regime.SCOTLAND, london)
    assert moment == datetime(2027, 3, 12, 0, 0, tzinfo=london)
