"""The open data, public: the open-data page, the OCDS release package and records, the CSV
downloads, and the audit log's signed checkpoints. (The iCalendar feeds are the frameworks' own:
/open-data/calendar.ics and /frameworks/{reference}/calendar.ics.)"""

from collections.abc import Awaitable
from urllib.parse import urlencode

from litestar import Controller, MediaType, Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from registry.audit import checkpoints as audit_checkpoints
from registry.audit import keys as audit_keys
from registry.opendata import downloads, ocds
from registry.opendata import service as opendata
from registry.opendata.downloads import APPOINTED_SUPPLIERS, ENGAGEMENTS, NOTICES
from registry import links
from registry.numbers import is_whole_number
from registry.web.downloads import csv_file
from registry.web.pages import page
from registry.web.remembered import visitors_copy
from registry.settings import Settings
from registry.web.dependencies import AppSettings

OPEN = {"Access-Control-Allow-Origin": "*"}  # anyone's scripts, from anywhere, may read open data
RELEASES_PATH = "/open-data/ocds/releases.json"


def problem(status_code: int, detail: str) -> Response:
    """An error as JSON, whatever the client accepts: these addresses only ever serve JSON."""
    return Response({"status_code": status_code, "detail": detail}, status_code=status_code, media_type=MediaType.JSON, headers=OPEN)


def whole_number(name: str, text: str | None, minimum: int) -> int | None:
    if text is None or text == "":
        return None
    if not is_whole_number(text.strip()) or int(text) < minimum or int(text) > 2**31 - 1:
        raise ValueError(f"{name} must be a whole number of {minimum} or more")
    return int(text)


def base_url() -> str:
    return links.absolute("")


def csv_download(content: str, filename: str) -> Response:
    return csv_file(content, filename, headers=OPEN)


class OpenDataController(Controller):
    path = "/open-data"
    include_in_schema = False  # OCDS and CSV documented on the open-data page and by the standard, not in the API's schema

    @get("/", name="open_data")
    async def index(self, request: Request, settings: AppSettings) -> Template | Response:
        return await visitors_copy(request, lambda: index_page(settings))

    @get("/ocds/releases.json")
    async def releases(self, request: Request, after: FromQuery[str | None] = None, page_size: FromQuery[str | None] = None) -> Response:
        """Every release, in the order published, a page at a time (`links.next` is the next page)."""
        return await visitors_copy(request, lambda: release_page(after, page_size), everyone=True)

    @get("/ocds/records/{ocid_file:str}")
    async def record(self, request: Request, ocid_file: FromPath[str]) -> Response:
        """The record package of one contracting process: its releases and their compiled release."""
        return await visitors_copy(request, lambda: record_package(ocid_file), everyone=True)

    @get("/audit-checkpoints.json")
    async def audit_checkpoints(self, settings: AppSettings) -> Response:
        """The audit log's checkpoints, signed: to keep, and to hold the log to later (`registry audit verify --checkpoints`)."""
        document = await audit_checkpoints.published_document(settings.open_data_publisher)
        return Response(document, media_type=MediaType.JSON, headers=OPEN)

    @get("/appointed-suppliers.csv")
    async def appointed_suppliers(self, request: Request) -> Response:
        return await visitors_copy(request, lambda: csv_of(downloads.appointed_suppliers(), "appointed-suppliers.csv"), everyone=True)

    @get("/notices.csv")
    async def notices(self, request: Request) -> Response:
        return await visitors_copy(request, lambda: csv_of(downloads.notices(), "notices.csv"), everyone=True)

    @get("/engagements.csv")
    async def engagements(self, request: Request) -> Response:
        return await visitors_copy(request, lambda: csv_of(downloads.engagements_csv(), "engagements.csv"), everyone=True)


async def csv_of(content: Awaitable[str], filename: str) -> Response:
    return csv_download(await content, filename)


async def index_page(settings: Settings) -> Template:
    keys = audit_keys.current()
    return page(
        "opendata/index.html",
        processes=await opendata.processes(), counts=await downloads.counts(), prefix=settings.ocid_prefix,
        unregistered=ocds.is_unregistered(settings.ocid_prefix), publisher=settings.open_data_publisher, licence=ocds.LICENCE,
        default_page_size=opendata.DEFAULT_PAGE_SIZE, max_page_size=opendata.MAX_PAGE_SIZE, extensions=ocds.EXTENSIONS,
        columns={"appointed_suppliers": APPOINTED_SUPPLIERS, "notices": NOTICES, "engagements": ENGAGEMENTS},
        checkpoint=await audit_checkpoints.latest(), signing_key_id=keys.signing_key_id, public_key=audit_keys.public_key_text(keys.public_key),
    )


async def release_page(after: str | None, page_size: str | None) -> Response:
    try:
        cursor = whole_number("after", after, 0) or 0
        requested = whole_number("page_size", page_size, 1)
    except ValueError as bad:
        return problem(400, str(bad))
    found = await opendata.release_page(cursor, requested)
    query = {key: value for key, value in (("after", cursor or None), ("page_size", requested and found.size)) if value}
    package = ocds.package_metadata(
        links.absolute(RELEASES_PATH + (f"?{urlencode(query)}" if query else "")), await opendata.last_published(), base_url(),
    )
    package["releases"] = found.releases
    if found.next_after is not None:
        package["links"] = {"next": links.absolute(f"{RELEASES_PATH}?{urlencode({'after': found.next_after, 'page_size': found.size})}")}
    headers = {**OPEN, "X-Page-Size": str(found.size), "X-Page-Size-Maximum": str(opendata.MAX_PAGE_SIZE)}
    if found.clamped:
        headers["X-Page-Size-Clamped"] = (
            f"page_size {found.requested_size} is over the maximum of {opendata.MAX_PAGE_SIZE}: {found.size} releases a page"
        )
    return Response(package, media_type=MediaType.JSON, headers=headers)


async def record_package(ocid_file: str) -> Response:
    ocid = ocid_file.removesuffix(".json")
    found = await opendata.releases_of(ocid) if ocid_file.endswith(".json") else []
    if not found:
        return problem(404, f"There is no contracting process with the ocid {ocid}")
    record = opendata.record(ocid, found)
    package = ocds.package_metadata(
        links.absolute(f"/open-data/ocds/records/{ocid}.json"), ocds.parse_timestamp(record["compiledRelease"]["date"]), base_url(),
    )
    package["packages"] = [links.absolute(RELEASES_PATH)]
    package["records"] = [record]
    return Response(package, media_type=MediaType.JSON, headers=OPEN)
