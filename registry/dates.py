"""Moments as people read them, in GOV.UK's style: "5 March 2027, 5pm", "5:30pm", "midday",
"midnight" (https://www.gov.uk/guidance/style-guide/a-to-z-of-gov-uk-style#times). For pages,
emails and messages alike."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")  # the service's time zone unless settings say otherwise


def time_of_day(moment: time) -> str:
    """Like "5pm", "5:30pm", "midday" or "midnight"."""
    if moment.minute == 0 and moment.hour in (0, 12):
        return "midnight" if moment.hour == 0 else "midday"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """A moment as people read it in `zone`, like "5 March 2027, 5pm"; nothing for no moment."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{local:%-d %B %Y}, {time_of_day(local.time())}"


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day when it is shorter (a term
    of one month from 31 January ends on 28 or 29 February)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)
