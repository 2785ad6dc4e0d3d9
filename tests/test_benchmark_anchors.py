"""The benchmarks' anchors (benchmarks/anchors.py) start against the registry's database: `make bench`
measures every page against them, so an anchor that no longer starts stops the whole run."""

from litestar.testing import AsyncTestClient

from benchmarks import anchors


async def test_the_anchors_answer_with_and_without_the_database_ping(database, settings, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", settings.database_url)
    async with AsyncTestClient(anchors.create_app()) as client:
        assert (await client.get("/bare")).json() == {"status": "ok"}
        assert (await client.get("/bare/ping")).json() == {"status": "ok"}
