from typing import Literal

from litestar import Controller, MediaType, Response, get
from pydantic import BaseModel

from registry import db
from registry.health import readiness
from registry.web.dependencies import AppSettings


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["sqlite", "postgres"]
    reason: str | None = None


class MailSender(BaseModel):
    running: bool
    stuck: bool
    last_pass_at: str | None
    last_delivery_at: str | None
    oldest_unsent_seconds: int | None
    last_error: str | None


class Ready(BaseModel):
    status: Literal["ready", "not ready"]
    database: Literal["sqlite", "postgres"]
    problems: list[str]
    mail_sender: MailSender | None = None


class HealthController(Controller):
    tags = ["health"]

    @get("/healthz", media_type=MediaType.JSON, summary="Is the service and its database up?")
    async def health(self) -> Response[Health]:
        database = db.kind()
        try:
            await db.ping()
        except Exception as error:  # any driver error means the database cannot be reached
            return Response(Health(status="unavailable", database=database, reason=f"database unreachable: {type(error).__name__}"), status_code=503)
        return Response(Health(status="ok", database=database))

    @get(
        "/readyz", media_type=MediaType.JSON, summary="Can this server do its work now?",
        description="503 when a write would fail (the database read-only, in recovery or unreachable; a disk read-only "
        "or nearly full) or the mail sender is stuck; `problems` says which. For a load balancer's readiness check.",
    )
    async def ready(self, settings: AppSettings) -> Response[Ready]:
        found = await readiness.check(settings)
        body = Ready(status="ready" if found.ready else "not ready", database=db.kind(), problems=found.problems, mail_sender=found.mail_sender)
        return Response(body, status_code=200 if found.ready else 503)
