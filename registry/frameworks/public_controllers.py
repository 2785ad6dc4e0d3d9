"""What anyone can read about published frameworks: the list, their notices and documents, and
their key dates as iCalendar. Each framework's own page gathers every stage: it is composed above
them, in registry.pages.framework."""

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from registry import clock
from registry.frameworks import calendar, documents, lifecycle, service
from registry.frameworks import notices as notice_types
from registry.frameworks.tables import Framework, State
from registry.reference import cpv, taxonomies
from registry.web.pages import page
from registry.settings import Settings
from registry.web.dependencies import AppSettings
from registry.web.remembered import Rendered, visitors_copy

ICS = "text/calendar"  # Litestar adds "; charset=utf-8" to every text type


async def published_framework(reference: str) -> Framework:
    framework = await service.get(reference)
    if framework is None or framework.state == State.DRAFT:
        raise NotFoundException(f"There is no published framework {reference}")
    return framework


class PublicFrameworksController(Controller):
    include_in_schema = False

    @get("/frameworks", name="frameworks")
    async def index(
        self,
        request: Request,
        q: FromQuery[str | None] = None,
        status: FromQuery[list[str] | None] = None,
        subject: FromQuery[str | None] = None,
        closing: FromQuery[str | None] = None,
    ) -> Template | Response:
        return await visitors_copy(request, lambda: frameworks_page(q, status, subject, closing))

    @get("/reference/cpv")
    async def cpv_search(self, q: FromQuery[str | None] = None) -> Template:
        """The CPV list, searched by words or by the code's first digits: the officer's picker without JavaScript."""
        text = (q or "").strip()[:100]
        return page("frameworks/cpv_search.html", q=text, results=cpv.search(text), participation=cpv.participation_codes(), limit=50)

    @get("/frameworks/{reference:str}/notices/{kind:str}/{version:int}")
    async def notice(self, request: Request, reference: FromPath[str], kind: FromPath[str], version: FromPath[int]) -> Template | Response:
        return await visitors_copy(request, lambda: notice_page(reference, kind, version))

    @get("/frameworks/{reference:str}/documents/{document_id:int}")
    async def document(self, reference: FromPath[str], document_id: FromPath[int], settings: AppSettings) -> Response:
        framework = await published_framework(reference)
        document = await documents.find(framework.id, document_id)
        if document is None:
            raise NotFoundException("There is no such document")
        return Response(
            documents.read(document, settings.files_dir),
            media_type=document.content_type,
            headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
        )

    @get("/frameworks/{reference:str}/calendar.ics")
    async def framework_calendar(self, request: Request, reference: FromPath[str], settings: AppSettings) -> Response:
        return await visitors_copy(request, lambda: calendar_of_framework(reference, settings), everyone=True)

    @get("/open-data/calendar.ics")
    async def all_calendar(self, request: Request, settings: AppSettings) -> Response:
        return await visitors_copy(request, lambda: calendar_of_every_framework(settings), everyone=True)


async def frameworks_page(q: str | None, status: list[str] | None, subject: str | None, closing: str | None) -> Rendered:
    states = tuple(s for s in (status or []) if s in {state.value for state in lifecycle.PUBLIC_STATES})
    subject = subject if subject in taxonomies.codes("lot_subjects") else None
    within = 14 if closing == "14" else 30 if closing == "30" else None
    rows = await service.published(service.Search(text=q, states=states, lot_subject=subject, closing_within_days=within))
    now = clock.received()  # the moment the list is built as of (web.remembered)
    # The list holds until the soonest key date of a framework it shows; "closing within" moves with the clock itself.
    return Rendered(page(
        "frameworks/index.html",
        rows=rows, labels=lifecycle.LABELS, states=lifecycle.PUBLIC_STATES, subjects=taxonomies.terms("lot_subjects"),
        values={"q": q or "", "status": list(states), "subject": subject or "", "closing": closing or ""},
        deadlines={row["reference"]: service.next_deadline(row, now) for row in rows},
    ), until=calendar.next_key_date_of_any(rows, now), kept=within is None)


async def notice_page(reference: str, kind: str, version: int) -> Rendered:
    """The page holds until the framework's next key date (how to take part in a request for
    information is shown while it is open)."""
    framework = await published_framework(reference)
    now = clock.received()  # the moment the page is built as of (web.remembered)
    notices = [n for n in await service.notices(framework.id) if n.kind == kind]
    current = next((n for n in notices if n.version == version), None)
    if current is None:
        raise NotFoundException(f"There is no version {version} of that notice")
    previous = next((n for n in notices if n.version == version - 1), None)
    content = service.notice_content(current)
    changed = service.changes_between(service.notice_content(previous), content) if previous else []
    return Rendered(page(
        "frameworks/notice.html", framework=framework, notice=current, content=content, changed=changed,
        notice_kind=notice_types.notice_type(framework.regime, current.kind),
        versions=notices, subjects={t.code: t.name for t in taxonomies.terms("lot_subjects")},
    ), until=calendar.next_key_date(framework, now))


async def calendar_of_framework(reference: str, settings: Settings) -> Response:
    framework = await published_framework(reference)
    return Response(calendar.calendar_of([framework], f"{framework.reference} key dates", settings.zone), media_type=ICS)


async def calendar_of_every_framework(settings: Settings) -> Response:
    frameworks = await Framework.objects().where(Framework.state != State.DRAFT).order_by(Framework.reference)
    return Response(calendar.calendar_of(frameworks, "Participation frameworks: key dates", settings.zone), media_type=ICS)
