"""Every page's SQL statement count is independent of the data's size (no N+1): each page is
requested on a synthetic data set and on one ten times larger, and must issue the same number of
statements on both. So must a tender's submission."""

from benchmarks import dataset
from registry import db
from registry.db.querycount import counting
from tests.conftest import app_client, emptied
from tests.support import csrf_from, set_session_cookie

SMALL = dataset.Size(suppliers=12, frameworks=12, engagements=40, tenders=6, sessions=3)


def pages(manifest: dataset.Manifest) -> dict[str, tuple[str | None, str]]:
    """Each page by name: (the session to request it in, its path)."""
    supplier, commissioner, officer = manifest.supplier_sessions[0], manifest.commissioner_session, manifest.officer_session
    tender = f"/frameworks/{manifest.tender_framework}/tenders/1"
    return {
        "directory search": (None, manifest.search_path),
        "directory, every supplier": (None, "/suppliers?seed=7"),
        "directory, as a commissioner": (commissioner, manifest.search_path),
        "supplier profile": (None, manifest.supplier_profile_path),
        "framework page": (None, manifest.framework_path),
        "frameworks list": (None, "/frameworks"),
        "open data releases": (None, "/open-data/ocds/releases.json"),
        "supplier dashboard (followed frameworks)": (supplier, "/organisation/frameworks"),
        "supplier's engagements": (supplier, "/organisation/engagements"),
        "tender task list": (supplier, tender),
        "tender check answers": (supplier, f"{tender}/check"),
        "commissioning": (commissioner, "/commissioning"),
        "engagement": (commissioner, manifest.engagement_path),
        "reports": (commissioner, "/reports"),
        "manage frameworks": (officer, "/manage/frameworks"),
    }


async def statements_per_page(settings, manifest: dataset.Manifest) -> dict[str, int]:
    counts = {}
    async with app_client(settings) as client:
        for name, (session, path) in pages(manifest).items():
            if session:
                set_session_cookie(client, session)
            else:
                client.cookies.clear()
            with counting() as count:
                response = await client.get(path)
            assert response.status_code == 200, f"{name}: {path} answered {response.status_code}"
            counts[name] = count.statements
        # Last, since it changes what the pages show: a prepared tender submitted.
        set_session_cookie(client, manifest.supplier_sessions[1])
        tender = f"/frameworks/{manifest.tender_framework}/tenders/1"
        token = csrf_from((await client.get(f"{tender}/check")).text)
        with counting() as count:
            response = await client.post(f"{tender}/submit", data={"_csrf_token": token})
        assert response.status_code == 303, f"the submission answered {response.status_code}"
        counts["tender submission"] = count.statements
    return counts


async def test_each_pages_statement_count_does_not_grow_with_the_data(database, settings, engine_kind, migrated_database, tmp_path):
    small = await dataset.generate(SMALL)
    on_small = await statements_per_page(settings, small)

    larger_url = await emptied(engine_kind, migrated_database, tmp_path / "larger.sqlite3")
    await db.disconnect(db.current())
    engine = db.create_engine(larger_url)
    db.bind(engine)
    await db.connect(engine, pool_size=settings.postgres_pool_size)
    try:
        larger = await dataset.generate(SMALL.times(10))
        on_larger = await statements_per_page(settings.model_copy(update={"database_url": larger_url}), larger)
    finally:
        await db.disconnect(engine)
    grown = {name: (on_small[name], on_larger[name]) for name in on_small if on_larger[name] != on_small[name]}
    assert not grown, f"statements on the small and the ten times larger data set: {grown}"
    assert all(count > 0 for count in on_small.values())
