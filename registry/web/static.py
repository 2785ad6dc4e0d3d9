from pathlib import Path

from litestar import Router
from litestar.static_files import create_static_files_router

from registry.settings import Settings

OWN_STATIC_DIR = Path(__file__).parent / "static"


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
        create_static_files_router(path="/assets", directories=[govuk / "assets"], include_in_schema=False),
        create_static_files_router(path="/static/govuk", directories=[govuk], include_in_schema=False),
        create_static_files_router(path="/static/app", directories=[OWN_STATIC_DIR], include_in_schema=False),
    ]
