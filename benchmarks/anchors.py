"""The benchmarks' anchors: what a request costs with nothing of the registry around it. A bare
Litestar handler answering JSON (`/bare`), and the same handler pinging the database first
(`/bare/ping`: `registry.db.ping`, the health check's own ping, on the same engine and database),
served as `registry serve` serves the registry (uvicorn, one worker, the registry's HTTP protocol,
no access log). Every page's figure is then a ratio against these, measured in the same run on the
same machine (benchmarks/run.py), so that the machine's speed cancels out.

    python -m benchmarks.anchors --port 8001     # with REGISTRY_DATABASE_URL set
"""

import argparse

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, MediaType, get

from registry import db
from registry.app import served_timeouts
from registry.settings import Settings


@get("/bare", media_type=MediaType.JSON)
async def bare() -> dict:
    return {"status": "ok"}


@get("/bare/ping", media_type=MediaType.JSON)
async def bare_ping() -> dict:
    await db.ping()
    return {"status": "ok"}


@asynccontextmanager
async def database(app: Litestar) -> AsyncIterator[None]:
    settings = Settings()
    engine = db.create_engine(settings.database_url, served_timeouts(settings))  # as the served registry's
    db.bind(engine)
    await db.connect(engine, pool_size=settings.postgres_pool_size)
    try:
        yield
    finally:
        await db.disconnect(engine)


def create_app() -> Litestar:
    return Litestar(route_handlers=[bare, bare_ping], lifespan=[database], debug=False, logging_config=None, openapi_config=None)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn.run(
        "benchmarks.anchors:create_app", factory=True, host="127.0.0.1", port=port, workers=1, log_level="warning",
        access_log=False, http="registry.web.server:GuardedHttpToolsProtocol", proxy_headers=True, server_header=False,
    )


if __name__ == "__main__":
    main()
