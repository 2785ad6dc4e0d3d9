"""The iCalendar feeds of frameworks' key dates, as a subscriber's calendar reads them (RFC 5545):
a published feed whose events change only when the framework does, that never blocks the
subscriber's time, whose events are named after this installation, and that stays valid with no
events at all."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from registry.frameworks import service
from registry.frameworks.tables import Framework, State
from tests.conftest import app_client
from tests.support import officer_and_supplier
from tests.test_frameworks import draft_with_lots

DEADLINE = datetime(2027, 5, 14, 11, 0, tzinfo=UTC)
FEEDS = ("/open-data/calendar.ics", "/frameworks/{reference}/calendar.ics")


async def published_with_a_deadline(controlled_clock) -> tuple[object, Framework]:
    """An officer, and a framework of theirs published with a tender deadline."""
    controlled_clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    await Framework.update({Framework.tender_deadline: DEADLINE}).where(Framework.id == framework.id)
    return officer, await service.get(framework.reference)


async def feeds(client, reference: str) -> list[bytes]:
    found = []
    for path in FEEDS:
        response = await client.get(path.format(reference=reference))
        assert response.status_code == 200 and response.headers["content-type"] == "text/calendar; charset=utf-8", path
        found.append(response.content)
    return found


async def test_a_feed_is_the_same_at_every_download_until_the_framework_changes(client, database, controlled_clock):
    officer, framework = await published_with_a_deadline(controlled_clock)
    first = await feeds(client, framework.reference)
    controlled_clock.advance(timedelta(days=3, minutes=7))
    assert await feeds(client, framework.reference) == first  # calendar clients see nothing new: nothing changed
    event = Calendar.from_ical(first[1]).walk("VEVENT")[0]
    assert event.decoded("dtstamp") == framework.updated_at.replace(microsecond=0)  # the event's last change

    await service.move(officer, framework.reference, State.CANCELLED, note="Withdrawn")
    changed = Calendar.from_ical((await feeds(client, framework.reference))[1]).walk("VEVENT")[0]
    assert changed.decoded("dtstamp") > event.decoded("dtstamp")


async def test_a_feed_is_published_and_its_deadlines_leave_the_subscribers_time_free(client, database, controlled_clock):
    _, framework = await published_with_a_deadline(controlled_clock)
    for content in await feeds(client, framework.reference):
        calendar = Calendar.from_ical(content)
        assert calendar["method"] == "PUBLISH" and calendar["version"] == "2.0"
        events = calendar.walk("VEVENT")
        assert [str(event["summary"]) for event in events] == [f"{framework.reference}: Tender deadline"]
        assert events[0]["transp"] == "TRANSPARENT" and events[0].decoded("dtstart") == DEADLINE


async def test_event_ids_are_scoped_to_the_configured_host(database, settings, controlled_clock):
    _, framework = await published_with_a_deadline(controlled_clock)
    async with app_client(settings.model_copy(update={"base_url": "https://frameworks.example.gov.uk"})) as client:
        content = (await feeds(client, framework.reference))[1]
    uid = str(Calendar.from_ical(content).walk("VEVENT")[0]["uid"])
    assert uid == f"{framework.reference}-tender_deadline@frameworks.example.gov.uk"


async def test_a_feed_with_no_events_is_still_a_valid_calendar(client, database, controlled_clock):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)  # no key date yet
    for content in await feeds(client, framework.reference):
        calendar = Calendar.from_ical(content)
        assert calendar.walk("VEVENT") == []
        assert calendar.subcomponents, "RFC 5545: a calendar has at least one component"
        assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/London"]  # the authority's time zone
        assert calendar["x-wr-timezone"] == "Europe/London"
