"""Frameworks' key dates as iCalendar (RFC 5545), built with the icalendar library.

A feed is published (METHOD:PUBLISH) for subscribers to read, not to reply to. Each event is a
deadline that leaves the subscriber's time free (TRANSP:TRANSPARENT), identified as this
installation's (its UID ends with the configured host), and stamped with the framework's last change
(DTSTAMP), so that downloading a feed again gives the same bytes until something in it has changed.
The authority's time zone is always there (a VTIMEZONE): it names the zone the dates belong to, and
keeps a feed with no events a valid calendar, which needs at least one component."""

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from registry.frameworks import notices
from registry.frameworks.lifecycle import first_after
from registry.frameworks.regimes import RULES, Regime
from registry.frameworks.tables import Framework, NoticeKind
from registry import links
from registry.dates import LONDON

KEY_DATES = {
    "rfi_closes_at": "Request for information closes",
    "clarification_deadline": "Clarification questions deadline",
    "tender_deadline": "Tender deadline",
    "standstill_ends_at": "Standstill period ends",
}
# The notice that publishes each date, where the regime has one: the RFI's closing time in England's
# preliminary market engagement notice (UK2), the deadlines in the tender notice, and in England the
# standstill's end, which the contract award notice (UK6) starts (Procurement Act 2023 s.51(2)).
PUBLISHED_BY = {
    "rfi_closes_at": NoticeKind.MARKET_ENGAGEMENT,
    "clarification_deadline": NoticeKind.TENDER,
    "tender_deadline": NoticeKind.TENDER,
    "standstill_ends_at": NoticeKind.AWARD,
}
ZONE_RULES_FROM, ZONE_RULES_UNTIL = date(2020, 1, 1), date(2060, 1, 1)  # the span of the VTIMEZONE's transitions


def key_dates(framework: Framework) -> list[tuple[str, datetime]]:
    return [(label, moment) for attribute, label in KEY_DATES.items() if (moment := getattr(framework, attribute))]


def next_key_date(framework, now: datetime) -> datetime | None:
    """The first of a framework's key dates still to come (from a Framework, or a selected row: the
    dates it selected): its pages read differently from then, with nothing written (the stage is
    read with the clock: registry.frameworks.lifecycle.stage_of)."""
    return first_after(framework, KEY_DATES, now)


def next_turn_of_moves(framework, now: datetime) -> datetime:
    """The first moment still to come at which what blocks a framework's next moves may change with
    nothing written (registry.frameworks.stages.checks read the clock no finer than this): its next
    key date, or the start of the next day in the United Kingdom: the minimum tendering period is
    counted from the day the tender notice would be published (registry.frameworks.periods), and a
    term ends at the start of a day."""
    tomorrow = datetime.combine(now.astimezone(LONDON).date() + timedelta(days=1), time(), LONDON)
    return min(filter(None, (next_key_date(framework, now), tomorrow)))


def next_key_date_of_any(frameworks, now: datetime) -> datetime | None:
    """The first key date still to come of any of `frameworks` (a list reads differently from then)."""
    return min(filter(None, (next_key_date(framework, now) for framework in frameworks)), default=None)


def published_by(framework: Framework, attribute: str) -> notices.NoticeType | None:
    """The notice that publishes the key date, or None: Scotland's standstill runs from the letters, not a notice."""
    kind = PUBLISHED_BY[attribute]
    if not notices.publishes(framework.regime, kind):
        return None
    if attribute == "standstill_ends_at" and not RULES[Regime(framework.regime)].standstill_from_award_notice:
        return None
    return notices.notice_type(framework.regime, kind)


def event_description(framework: Framework, attribute: str) -> str:
    notice = published_by(framework, attribute)
    published = f"Published in the {notice.in_sentence} ({notice.source})\n" if notice else ""
    return f"{framework.title}\n{published}{links.absolute(f'/frameworks/{framework.reference}')}"


def event_uid(framework: Framework, attribute: str) -> str:
    """Unique to this installation: two registries' PF-2027-001 are different frameworks."""
    return f"{framework.reference}-{attribute}@{urlsplit(links.base_url()).hostname}"


def calendar_of(frameworks: list[Framework], name: str, zone: ZoneInfo) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Participation Framework Registry//Key dates//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone.key)
    calendar.add_component(Timezone.from_tzinfo(zone, tzid=zone.key, first_date=ZONE_RULES_FROM, last_date=ZONE_RULES_UNTIL))
    for framework in frameworks:
        changed = framework.updated_at.astimezone(UTC)  # every change of a key date changes the framework
        for attribute, label in KEY_DATES.items():
            moment = getattr(framework, attribute)
            if moment is None:
                continue
            event = Event()
            event.add("uid", event_uid(framework, attribute))
            event.add("dtstamp", changed)
            event.add("last-modified", changed)
            event.add("dtstart", moment.astimezone(UTC))
            event.add("dtend", moment.astimezone(UTC) + timedelta(minutes=30))
            event.add("transp", "TRANSPARENT")
            event.add("summary", f"{framework.reference}: {label}")
            event.add("description", event_description(framework, attribute))
            event.add("url", links.absolute(f"/frameworks/{framework.reference}"))
            calendar.add_component(event)
    return calendar.to_ical()
