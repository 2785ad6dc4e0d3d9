"""Every page's SQL statement count is independent of the data's size (no N+1): each page is
requested on a synthetic data set and on one ten times larger, and must issue the same number of
statements on both. So must a tender's submission. The pages are those the benchmarks measure
(benchmarks/pages.py): every public page and the main pages of each signed-in user."""

from benchmarks import dataset
from benchmarks.pages import every_page
from registry import db
from registry.db.querycount import counting
from tests.conftest import app_client, emptied
from tests.support import csrf_from, set_session_cookie

WITHOUT_DATA = {"start page", "accessibility statement"}  # the only pages that read nothing from the database
SMALL = dataset.Size(suppliers=12, frameworks=12, engagements=40, tenders=6, sessions=3)


async def statements_per_page(settings, manifest: dataset.Manifest) -> dict[str, int]:
    counts = {}
    async with app_client(settings) as client:
        for name, (session, path) in every_page(manifest).items():
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
    assert {name for name, count in on_small.items() if count == 0} == WITHOUT_DATA
