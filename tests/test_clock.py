from datetime import UTC, datetime, timedelta

import pytest

from registry import clock


def test_system_clock_gives_aware_utc_time():
    reading = clock.SystemClock().now()
    assert reading.tzinfo is UTC
    assert abs(reading - datetime.now(UTC)) < timedelta(seconds=1)


def test_controlled_clock_can_be_set_and_advanced_and_keeps_ticking():
    controlled = clock.ControlledClock()
    controlled.set(datetime(2027, 3, 1, 11, 59, 59, tzinfo=UTC))
    first = controlled.now()
    assert datetime(2027, 3, 1, 11, 59, 59, tzinfo=UTC) <= first < datetime(2027, 3, 1, 12, 0, 0, tzinfo=UTC)
    controlled.advance(timedelta(seconds=2))
    assert controlled.now() >= datetime(2027, 3, 1, 12, 0, 1, tzinfo=UTC)
    assert controlled.now() > first
    controlled.reset()
    assert abs(controlled.now() - datetime.now(UTC)) < timedelta(seconds=1)


def test_controlled_clock_refuses_a_naive_time():
    with pytest.raises(ValueError, match="time zone"):
        clock.ControlledClock().set(datetime(2027, 3, 1, 12, 0))


def test_registry_now_reads_the_clock_in_use():
    controlled = clock.ControlledClock()
    controlled.set(datetime(2030, 1, 1, tzinfo=UTC))
    previous = clock.use(controlled)
    try:
        assert clock.now().year == 2030
    finally:
        clock.use(previous)
    assert clock.now().year != 2030
