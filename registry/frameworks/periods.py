"""The periods each regime's law sets for a framework: the shortest tendering period before the
tender deadline, the longest term, and whether the framework is for light touch services, which
changes both. docs/regimes.md has a row for each rule, with its source and the test that proves it.

The invitation to tender is the open procedure's one call for tenders here: published on the
registry (the tender notice) with the tender documents attached to the framework, tenders submitted
electronically. The prior information notice is published before the request for information; it
is the planned procurement notice (England) or prior information notice (Scotland) whose date may
shorten the period. The registry offers no urgency reduction and no longer term for exceptional
cases: the officer has nowhere to record the reasons the law asks for."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from registry.dates import LONDON
from registry.frameworks.lifecycle import column_of
from registry.frameworks.regimes import Regime, next_working_day
from registry.frameworks.tables import Document, Framework, Notice, NoticeKind
from registry.reference import cpv, light_touch

MAX_TERM_MONTHS = 48

# The longest term, with the words that say why, by regime.
TERM_LIMITS = {
    Regime.ENGLAND: "A framework can last at most 48 months (4 years): Procurement Act 2023 s.47(1)(b)",
    Regime.SCOTLAND: (
        "A framework can last at most 48 months (4 years): Public Contracts (Scotland) Regulations 2015 reg. 34(2)"
        " (the exceptional cases it allows need reasons the registry does not record)"
    ),
}


def term_problem(duration_months: int | None, regime: Regime | str) -> str | None:
    """What to say of a framework's duration longer than its regime allows (None when it is within it)."""
    if duration_months is None or duration_months <= MAX_TERM_MONTHS:
        return None
    return TERM_LIMITS[Regime(regime)]


# --- Light touch ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LightTouch:
    light_touch: bool
    reason: str  # why, with the source, in an officer's words


def light_touch_of(framework) -> LightTouch:
    """Whether `framework` (a Framework, a selected row or Details) is for light touch services, from
    its CPV codes. The law asks whether it is wholly or mainly for such services; from codes alone the
    registry can tell only "wholly", so it counts a framework light touch only when every code is on
    the list, and otherwise applies the full rules."""
    regime = Regime(column_of(framework, "regime") or Regime.SCOTLAND)
    codes = tuple(column_of(framework, "cpv_codes") or ())
    if regime is Regime.SCOTLAND:
        return LightTouch(False, (
            "Not treated as light touch: the registry keeps no list of the social and other specific services of Schedule 3 to the "
            "Public Contracts (Scotland) Regulations 2015, so the Regulations' full rules apply"
        ))
    listed = light_touch.codes(regime)
    if not codes:
        return LightTouch(False, "Not light touch: the framework has no CPV codes to show that its services are light touch services")
    others = [code for code in codes if code not in listed]
    if not others:
        return LightTouch(True, (
            "Light touch: every CPV code of the framework is a light touch service (Procurement Act 2023 s.9(5); "
            "Procurement Regulations 2024 reg. 42(1) and Schedule 1)"
        ))
    named = cpv.find(others[0])
    return LightTouch(False, (
        f"Not light touch: {named.label if named else others[0]} ({named.description if named else 'not on the list'}) is not a light "
        "touch service (Procurement Regulations 2024 reg. 42(1) and Schedule 1; Procurement Act 2023 s.9)"
    ))


def is_light_touch(framework) -> bool:
    return light_touch_of(framework).light_touch


# --- The minimum tendering period --------------------------------------------------------------


@dataclass(frozen=True)
class MinimumPeriod:
    days: int | None  # None: the law sets no minimum
    rule: str  # the rule in an officer's words
    source: str
    earliest_deadline: datetime | None  # the first moment the tender deadline may be set to

    @property
    def described(self) -> str:
        return f"{self.rule}: {self.source}"


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _pin_between(pin_day: date | None, notice_day: date, shortest_days: int) -> bool:
    """Whether the prior information notice was published at least `shortest_days` days, and not more
    than 12 months, before the day of the tender notice."""
    return pin_day is not None and _year_before(notice_day) <= pin_day <= notice_day - timedelta(days=shortest_days)


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


def minimum_tendering_period(
    regime: Regime | str, *, light_touch: bool, published_at: datetime, pin_published_at: datetime | None,
    documents_with_notice: bool, zone: ZoneInfo,
) -> MinimumPeriod:
    """The shortest tendering period the law allows for the open procedure's invitation to tender
    published at `published_at`, and the first moment its tender deadline may be."""
    notice_day = published_at.astimezone(zone).date()
    pin_day = pin_published_at.astimezone(zone).date() if pin_published_at else None
    if Regime(regime) is Regime.ENGLAND:
        return _england(light_touch, notice_day, pin_day, documents_with_notice, zone)
    return _scotland(light_touch, notice_day, pin_day, zone)


def _england(light_touch: bool, notice_day: date, pin_day: date | None, documents_with_notice: bool, zone: ZoneInfo) -> MinimumPeriod:
    # The tendering period begins with the day after the tender notice is published and ends with
    # the day by which tenders must be submitted (s.54(5)): the deadline may be on its last day.
    if light_touch:
        return MinimumPeriod(None, "No minimum tendering period for a light touch contract", "Procurement Act 2023 s.54(4)", None)
    if _pin_between(pin_day, notice_day, 40):
        days, rule, source = 10, (
            f"At least 10 days, because the prior information notice (a qualifying planned procurement notice) was published on "
            f"{pin_day:%-d %B %Y}, at least 40 days and not more than 12 months before"
        ), "Procurement Act 2023 s.54(4) and s.15(3)"
    elif documents_with_notice:
        days, rule, source = 25, (
            "At least 25 days: tenders are submitted electronically and the tender documents are provided with the tender notice"
        ), "Procurement Act 2023 s.54(4)"
    else:
        days, rule, source = 30, (
            "At least 30 days: tenders are submitted electronically but no tender documents are attached to be provided with the tender notice"
        ), "Procurement Act 2023 s.54(4)"
    last_day = notice_day + timedelta(days=days)
    return MinimumPeriod(
        days, f"{rule}, counted from the day after the tender notice is published: the tender deadline may be on {last_day:%-d %B %Y} or later",
        f"{source}, s.54(5)", _start_of(last_day, zone),
    )


def _scotland(light_touch: bool, notice_day: date, pin_day: date | None, zone: ZoneInfo) -> MinimumPeriod:
    # Periods are counted from the day after the notice, and one whose last day is not a working day
    # in Scotland runs on to the next working day (reg. 2(4)); tenders may arrive until its end.
    if light_touch:
        return MinimumPeriod(
            None, "The authority sets the procedure for services in Schedule 3", "Public Contracts (Scotland) Regulations 2015 reg. 76(1)", None,
        )
    if _pin_between(pin_day, notice_day, 35):
        days, rule, source = 15, (
            f"At least 15 days, because the prior information notice was published on {pin_day:%-d %B %Y}, between 35 days and "
            "12 months before the contract notice"
        ), "Public Contracts (Scotland) Regulations 2015 reg. 28(4)"
    else:
        days, rule, source = 30, (
            "At least 30 days: 35 days, less 5 because tenders are submitted electronically"
        ), "Public Contracts (Scotland) Regulations 2015 reg. 28(3) and (6)"
    last_day = next_working_day(notice_day + timedelta(days=days), Regime.SCOTLAND)
    return MinimumPeriod(
        days, f"{rule}, counted from the day after the contract notice and ending on a working day: the tender deadline must be after "
        f"{last_day:%-d %B %Y}", f"{source}, reg. 2(4)", _start_of(last_day + timedelta(days=1), zone),
    )


def deadline_problem(minimum: MinimumPeriod, tender_deadline: datetime | None) -> str | None:
    """What to say of a tender deadline earlier than the minimum allows (None when it keeps it)."""
    if tender_deadline is None or minimum.earliest_deadline is None or tender_deadline >= minimum.earliest_deadline:
        return None
    return f"The tender deadline is too early. {minimum.described}"


async def minimum_for(framework: Framework, published_at: datetime) -> MinimumPeriod:
    """The minimum tendering period of `framework`'s invitation to tender if published at
    `published_at`: its regime, whether it is light touch, when its prior information notice was
    first published, and whether tender documents are attached to go out with the notice. Days are
    the United Kingdom's, whatever zone a reader reads times in."""
    pin = await Notice.select(Notice.published_at).where(
        (Notice.framework == framework.id) & (Notice.kind == NoticeKind.PIN)
    ).order_by(Notice.version).first()
    documents = await Document.count().where(Document.framework == framework.id)
    return minimum_tendering_period(
        framework.regime, light_touch=is_light_touch(framework), published_at=published_at,
        pin_published_at=pin["published_at"] if pin else None, documents_with_notice=documents > 0, zone=LONDON,
    )
