from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

from registry.settings import Settings

OWN_STATIC_DIR = Path(__file__).parent / "static"
# Every page needs the stylesheet, the scripts and the fonts: a browser keeps them for an hour instead
# of asking again on each page, then revalidates them by their ETag. An hour bounds how long a stale
# copy can outlive a deployment that changes them (the file names carry no version).
CACHED_FOR_AN_HOUR = CacheControlHeader(public=True, max_age=3600)


class AssetsMissing(RuntimeError):
    pass


def static_routers(settings: Settings) -> list[Router]:
    """GOV.UK Frontend's precompiled dist (installed by npm, never committed) and our own scripts."""
    govuk = settings.assets_dir
    if not (govuk / "govuk-frontend.min.css").is_file():
        raise AssetsMissing(
            f"GOV.UK Frontend is not installed at {govuk} (REGISTRY_ASSETS_DIR); run `npm ci` or `make run`"
        )
    return [
        create_static_files_router(path="/assets", directories=[govuk / "assets"], cache_control=CACHED_FOR_AN_HOUR, include_in_schema=False),
        create_static_files_router(path="/static/govuk", directories=[govuk], cache_control=CACHED_FOR_AN_HOUR, include_in_schema=False),
        create_static_files_router(path="/static/app", directories=[OWN_STATIC_DIR], cache_control=CACHED_FOR_AN_HOUR, include_in_schema=False),
    ]
