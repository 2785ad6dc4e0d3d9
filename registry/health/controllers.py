from typing import Literal

from litestar import Controller, MediaType, Response, get
from pydantic import BaseModel

from registry import db


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["sqlite", "postgres"]
    reason: str | None = None


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
