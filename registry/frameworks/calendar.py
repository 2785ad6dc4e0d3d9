"""Frameworks' key dates as iCalendar, built with the icalendar library."""

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from registry import clock
from registry.frameworks.tables import Framework
from registry.web import links

KEY_DATES = {
    "rfi_closes_at": "Request for information closes",
    "clarification_deadline": "Clarification questions deadline",
    "tender_deadline": "Tender deadline",
    "standstill_ends_at": "Standstill period ends",
}


def key_dates(framework: Framework) -> list[tuple[str, datetime]]:
    return [(label, moment) for attribute, label in KEY_DATES.items() if (moment := getattr(framework, attribute))]


def calendar_of(frameworks: list[Framework], name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Participation Framework Registry//Key dates//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = clock.now()
    for framework in frameworks:
        for attribute, label in KEY_DATES.items():
            moment = getattr(framework, attribute)
            if moment is None:
                continue
            event = Event()
            event.add("uid", f"{framework.reference}-{attribute}@participation-framework-registry")
            event.add("dtstamp", stamp)
            event.add("dtstart", moment)
            event.add("dtend", moment + timedelta(minutes=30))
            event.add("summary", f"{framework.reference}: {label}")
            event.add("description", f"{framework.title}\n{links.absolute(f'/frameworks/{framework.reference}')}")
            event.add("url", links.absolute(f"/frameworks/{framework.reference}"))
            calendar.add_component(event)
    return calendar.to_ical()
