"""Publishing and reading OCDS releases.

The domain services call the publishing functions here inside the transaction of the step they
publish, so that a step and its release are stored together or not at all. A release, once stored,
never changes: the database refuses UPDATE and DELETE on the table, and a correction (an amended
notice, say) is a new release with a new id."""

import json
from dataclasses import dataclass
from datetime import datetime

from registry.clarifications.tables import Clarification
from registry.engagements.tables import Engagement
from registry.frameworks.tables import Document, Framework, Notice
from registry.opendata import releases
from registry.opendata.ocds import compile_releases, ocid_for
from registry.opendata.tables import Release

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


async def store(data: dict) -> Release:
    row = Release(
        ocid=data["ocid"], release_id=data["id"], date=datetime.fromisoformat(data["date"]), tags=json.dumps(data["tag"]),
        data=json.dumps(data, ensure_ascii=False),
    )
    await row.save()
    return row


# --- Publishing (called by the domain services, in their transactions) ----------------------------


async def notice_published(framework: Framework, notice: Notice) -> Release:
    """A framework's notice was published (a new version of the PIN, tender, award or cancellation notice)."""
    return await store(await releases.notice_releases(framework, notice))


async def document_published(framework: Framework, document: Document) -> Release:
    """A document was added to a published framework."""
    return await store(await releases.document_release(framework, document))


async def clarification_published(framework: Framework, clarification_id: int) -> Release:
    clarification = await Clarification.objects().get(Clarification.id == clarification_id)
    return await store(await releases.clarification_release(framework, clarification))


async def reasoned_response_published(framework: Framework, survey_id: int) -> Release:
    """Entries of the request for information's reasoned response were published."""
    earlier = await Release.count().where((Release.ocid == ocid_for(framework.reference)) & Release.release_id.like("%-reasoned-response-%"))
    return await store(await releases.reasoned_response_release(framework, survey_id, earlier + 1))


async def engagement_published(reference: str, event: str, *, previous_state: str | None = None) -> Release | None:
    """An engagement's step was taken: `invited`, `awarded`, `delivery_started`, `completed` or `cancelled`."""
    engagement = await Engagement.objects().get(Engagement.reference == reference)
    data = await releases.engagement_release(engagement, event, previous_state)
    return await store(data) if data is not None else None


# --- Reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    releases: list[dict]
    next_after: int | None  # the cursor of the next page, when there is one
    size: int
    requested_size: int | None

    @property
    def clamped(self) -> bool:
        return self.requested_size is not None and self.requested_size > self.size


def page_size(requested: int | None) -> int:
    """The page size to use: the default when none is asked for, at most the maximum."""
    if requested is None:
        return DEFAULT_PAGE_SIZE
    if requested < 1:
        raise ValueError("page_size must be a whole number of 1 or more")
    return min(requested, MAX_PAGE_SIZE)


async def release_page(after: int, requested_size: int | None) -> Page:
    """Releases in the order they were published, after the cursor `after` (0: from the first)."""
    size = page_size(requested_size)
    rows = await Release.select(Release.id, Release.data).where(Release.id > after).order_by(Release.id).limit(size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return Page([json.loads(row["data"]) for row in rows], rows[-1]["id"] if more else None, size, requested_size)


async def last_published() -> datetime | None:
    row = await Release.select(Release.date).order_by(Release.date, ascending=False).first()
    return row["date"] if row else None


async def releases_of(ocid: str) -> list[dict]:
    """The contracting process's releases, oldest first (an empty list: no such ocid)."""
    rows = await Release.select(Release.data).where(Release.ocid == ocid).order_by(Release.date).order_by(Release.id)
    return [json.loads(row["data"]) for row in rows]


def record(ocid: str, found: list[dict]) -> dict:
    """The record of a contracting process: its releases and their compiled release."""
    return {"ocid": ocid, "releases": found, "compiledRelease": compile_releases(found)}


@dataclass(frozen=True)
class Process:
    ocid: str
    releases: int
    latest: datetime
    latest_tags: list[str]


async def processes() -> list[Process]:
    """Every contracting process with releases, the most recently updated first."""
    rows = await Release.select(Release.ocid, Release.date, Release.tags).order_by(Release.id)
    found: dict[str, Process] = {}
    for row in rows:
        before = found.get(row["ocid"])
        count = before.releases + 1 if before else 1
        latest = row["date"] if before is None or row["date"] >= before.latest else before.latest
        tags = json.loads(row["tags"]) if latest == row["date"] else before.latest_tags
        found[row["ocid"]] = Process(row["ocid"], count, latest, tags)
    return sorted(found.values(), key=lambda process: process.latest, reverse=True)
