"""The Open Contracting Data Standard (1.1) as this registry publishes it: ocids, packages and the
merge of a contracting process's releases into its compiled release.

Every framework is one contracting process (the first stage of a framework agreement procedure) and
every engagement (call-off) is another, linked to its framework through `relatedProcesses`. The ocid
is the configured prefix, a hyphen and the registry's own reference (PF-2026-001, PF-2026-001-E003)."""

import copy
from datetime import UTC, date, datetime, time
from functools import cache

import ocdsmerge

from registry.dates import LONDON
from registry import clock
from registry.opendata import profile
from registry.settings import Settings

VERSION = "1.1"
LICENCE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CURRENCY = "GBP"
EXTENSIONS = profile.EXTENSIONS  # versioned addresses, each with its files in the project (profile.py)

_configured: dict[str, str] = {}


def configure(settings: Settings) -> None:
    """The app factory's settings: the ocid prefix and the publisher's name."""
    _configured.update(prefix=settings.ocid_prefix, publisher=settings.open_data_publisher)


def _setting(name: str) -> str:
    if name not in _configured:  # a command that did not build the app (load-fixtures): read the environment
        configure(Settings())
    return _configured[name]


def prefix() -> str:
    return _setting("prefix")


def publisher_name() -> str:
    return _setting("publisher")


def is_unregistered(ocid_prefix: str) -> bool:
    return "unregistered" in ocid_prefix


def ocid_for(reference: str) -> str:
    """The ocid of a framework's or an engagement's contracting process."""
    return f"{prefix()}-{reference}"


def timestamp(moment: datetime) -> str:
    """An RFC 3339 date-time in UTC, as OCDS dates are written."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def day_start(day: date) -> str:
    """The start of a calendar day in the UK, with its offset."""
    return datetime.combine(day, time(0), LONDON).isoformat(timespec="seconds")


def money(pounds: float | int | None) -> dict | None:
    return None if pounds is None else {"amount": pounds, "currency": CURRENCY}


def pence(amount_pence: int | None) -> dict | None:
    if amount_pence is None:
        return None
    return money(amount_pence // 100 if amount_pence % 100 == 0 else amount_pence / 100)


def prune(value):
    """The value without None, empty strings, empty lists and empty objects (OCDS omits what is unknown)."""
    if isinstance(value, dict):
        pruned = {key: prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        return [item for item in (prune(item) for item in value) if item not in (None, "", [], {})]
    return value


# --- Packages ------------------------------------------------------------------------------------


def package_metadata(uri: str, published: datetime | None, base_url: str) -> dict:
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": EXTENSIONS,
        "publishedDate": timestamp(published or clock.now()),
        "publisher": {"name": publisher_name(), "uri": base_url + "/"},
        "license": LICENCE,
        "publicationPolicy": base_url + "/open-data",
    }


# --- Merging (https://standard.open-contracting.org/1.1/en/schema/merging/) ----------------------


@cache
def _merger() -> ocdsmerge.Merger:
    """The Open Contracting Partnership's own merge, with the rules of the schema the packages declare."""
    return ocdsmerge.Merger(schema=copy.deepcopy(profile.release_schema()))


def compile_releases(releases: list[dict]) -> dict:
    """The compiled release of one contracting process: its releases merged in date order by the
    standard's merge rules (ocdsmerge)."""
    if not releases:
        raise ValueError("a compiled release needs at least one release")
    return _merger().create_compiled_release(releases)
