"""Test-only control of the server clock, mounted only when REGISTRY_CLOCK_CONTROL is on (which the
settings refuse in production). Browser tests use it to move a live server past a deadline."""

from datetime import datetime, timedelta
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.params import Body
from pydantic import BaseModel, model_validator

from registry import clock


class ClockChange(BaseModel):
    now: datetime | None = None
    advance_seconds: float | None = None

    @model_validator(mode="after")
    def _one_change(self) -> "ClockChange":
        if (self.now is None) == (self.advance_seconds is None):
            raise ValueError("give exactly one of now (an ISO 8601 time with offset) or advance_seconds")
        if self.now is not None and self.now.tzinfo is None:
            raise ValueError("now must include a time zone offset, for example 2027-01-31T12:00:00Z")
        return self


class ClockReading(BaseModel):
    now: datetime


class TestClockController(Controller):
    path = "/_test/clock"
    include_in_schema = False

    @get("/")
    async def read(self) -> ClockReading:
        return ClockReading(now=clock.now())

    @post("/", status_code=200)
    async def change(self, data: Annotated[ClockChange, Body()]) -> ClockReading:
        controlled = clock.current()
        assert isinstance(controlled, clock.ControlledClock)
        if data.now is not None:
            controlled.set(data.now)
        else:
            controlled.advance(timedelta(seconds=data.advance_seconds or 0))
        return ClockReading(now=clock.now())

    @delete("/", status_code=200)
    async def reset(self) -> ClockReading:
        controlled = clock.current()
        assert isinstance(controlled, clock.ControlledClock)
        controlled.reset()
        return ClockReading(now=clock.now())
