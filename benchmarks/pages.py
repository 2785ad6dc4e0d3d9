"""The pages the benchmarks measure (benchmarks.run) and whose SQL statements must not grow with the
data (tests/test_query_counts.py): every public page, and the main pages of each signed-in user."""

from benchmarks.dataset import Manifest


def public(manifest: Manifest) -> dict[str, str]:
    """Each public page by name: its address."""
    return {
        "start page": "/",
        "frameworks list": "/frameworks",
        "framework page": manifest.framework_path,
        "directory search": manifest.search_path,
        "directory, every supplier": "/suppliers?seed=7",
        "supplier profile": manifest.supplier_profile_path,
        "API: frameworks": "/api/v1/frameworks",
        "API: suppliers": "/api/v1/suppliers",
        "open data": "/open-data",
        "open data: OCDS releases": "/open-data/ocds/releases.json",
        "open data: calendar": "/open-data/calendar.ics",
        "open data: notices CSV": "/open-data/notices.csv",
        "accessibility statement": "/accessibility",
    }


def signed_in(manifest: Manifest) -> dict[str, tuple[str, str]]:
    """Each signed-in page by name: (the session it is asked for in, its address)."""
    supplier, commissioner, officer = manifest.supplier_sessions[0], manifest.commissioner_session, manifest.officer_session
    tender = f"/frameworks/{manifest.tender_framework}/tenders/1"
    return {
        "supplier dashboard (followed frameworks)": (supplier, "/organisation/frameworks"),
        "supplier's engagements": (supplier, "/organisation/engagements"),
        "tender task list": (supplier, tender),
        "tender check answers": (supplier, f"{tender}/check"),
        "directory, as a commissioner": (commissioner, manifest.search_path),
        "commissioning": (commissioner, "/commissioning"),
        "commissioner's engagement page": (commissioner, manifest.engagement_path),
        "reports": (commissioner, "/reports"),
        "manage frameworks": (officer, "/manage/frameworks"),
        "officer's task list (a framework)": (manifest.moderating_officer_session, manifest.officer_framework_path),
        "moderation sheet": (manifest.moderating_officer_session, manifest.moderation_path),
        "evaluator's scoring page": (manifest.evaluator_session, manifest.scoring_path),
    }


def every_page(manifest: Manifest) -> dict[str, tuple[str | None, str]]:
    """Each page by name: (the session to ask for it in, or None, its address)."""
    return {**{name: (None, path) for name, path in public(manifest).items()}, **signed_in(manifest)}
