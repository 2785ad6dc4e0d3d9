"""The one place the registry reads the current time from.

Deadlines are enforced against `now()` at the moment of each action. In production it is the
system clock. Tests swap in a `ControlledClock`; a live server started with
REGISTRY_CLOCK_CONTROL=true exposes it at /_test/clock (refused in production).
"""

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ControlledClock:
    """A clock a test can set or move; it still ticks, so that ordering by time keeps working."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the moment must include a time zone")
        self._offset = moment - datetime.now(UTC)

    def advance(self, by: timedelta) -> None:
        self._offset += by

    def reset(self) -> None:
        self._offset = timedelta(0)


_clock: Clock = SystemClock()


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return _clock.now()


def use(clock: Clock) -> Clock:
    """Make `clock` the registry's clock; returns the one it replaces."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def current() -> Clock:
    return _clock
