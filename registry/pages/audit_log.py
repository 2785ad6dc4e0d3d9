"""The service admin's view of the audit log (/admin/audit). A page of the audit package's, composed
here because it needs the signed-in admin (accounts), which builds on the audit log."""

from datetime import date

from litestar import Controller, get
from litestar.params import FromQuery
from litestar.response import Template

from registry.accounts.auth import requires_role
from registry.accounts.tables import Role
from registry.audit import service as audit
from registry import paging
from registry.web.dependencies import AppSettings


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class AuditLogController(Controller):
    path = "/admin/audit"
    include_in_schema = False
    guards = [requires_role(Role.ADMIN)]

    @get("/", name="admin_audit")
    async def log(
        self,
        settings: AppSettings,
        actor: FromQuery[str | None] = None,
        object_type: FromQuery[str | None] = None,
        object_id: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
    ) -> Template:
        errors = {}
        start, end = _date(date_from), _date(date_to)
        if date_from and start is None:
            errors["date_from"] = "Enter the 'from' date as YYYY-MM-DD, for example 2027-03-31"
        if date_to and end is None:
            errors["date_to"] = "Enter the 'to' date as YYYY-MM-DD, for example 2027-03-31"
        if start and end and end < start:
            errors["date_to"] = "The 'to' date must be the same as or after the 'from' date"
        criteria = audit.AuditFilter(
            actor=actor or None,
            object_type=object_type or None,
            object_id=object_id or None,
            action=action or None,
            date_from=start,
            date_to=end,
            page=page,
            zone=settings.zone,
        )
        events, total = await audit.search(criteria)
        shown = paging.page_of(page, total, audit.PAGE_SIZE)
        return Template(
            "audit/log.html",
            context={
                "events": events,
                "total": total,
                "page_number": shown.number,
                "pages": shown.pages,
                "actions": await audit.distinct_values("action"),
                "object_types": await audit.distinct_values("object_type"),
                "values": {"actor": actor or "", "object_type": object_type or "", "object_id": object_id or "", "action": action or "", "date_from": date_from or "", "date_to": date_to or ""},
                "errors": errors,
            },
            status_code=400 if errors else 200,
        )
