"""The one place the registry reads the current time from.

`now()` is the current time. Deadlines are enforced against `received()`: the time of receipt of
the action being handled, which for a request is the moment its body had fully reached the service
(taken once, before any queueing, by `registry.web.receipt`), and outside a request the current
time. How long the service then takes to store an action is the service's concern, not the
sender's: the exact time and date of receipt decide (Directive 2014/24/EU Annex IV (a), the
requirement for electronic receipt behind the Public Contracts (Scotland) Regulations 2015 reg. 23;
the same expectation of equal treatment under the Procurement Act 2023 s.12).

In production the clock is the system clock. Tests swap in a `ControlledClock`; a live server
started with REGISTRY_CLOCK_CONTROL=true exposes it at /_test/clock (refused in production).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


_received: ContextVar[datetime | None] = ContextVar("received", default=None)


def received() -> datetime:
    """When the action being handled was received: the arrival of the request that carries it, or,
    outside a request (a command, a test calling a service), the current time."""
    return _received.get() or now()


def before(deadline: datetime | None) -> bool:
    """Whether the action being handled was received before `deadline` (never, without one)."""
    return deadline is not None and received() < deadline


@contextmanager
def receiving(moment: datetime) -> Iterator[datetime]:
    """Handle what runs inside as received at `moment`."""
    if moment.tzinfo is None:
        raise ValueError("the moment must include a time zone")
    token = _received.set(moment)
    try:
        yield moment
    finally:
        _received.reset(token)
