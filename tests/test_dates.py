"""Times as GOV.UK writes them: "5pm", "5:30pm", "midday", "midnight"."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from registry.dates import local_time, time_of_day

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(("moment", "read"), [
    (time(17, 0), "5pm"), (time(17, 30), "5:30pm"), (time(9, 5), "9:05am"), (time(12, 0), "midday"), (time(0, 0), "midnight"),
    (time(12, 30), "12:30pm"), (time(0, 30), "12:30am"), (time(23, 59), "11:59pm"),
])
def test_times_of_day(moment, read):
    assert time_of_day(moment) == read


def test_a_moment_is_read_in_the_local_zone_with_its_date():
    assert local_time(datetime(2027, 3, 23, 12, 0, tzinfo=UTC), LONDON) == "23 March 2027, midday"  # GMT in March
    assert local_time(datetime(2027, 7, 1, 16, 0, tzinfo=UTC), LONDON) == "1 July 2027, 5pm"  # BST in July
    assert local_time(None, LONDON) == ""
