"""Absolute links to the service, for emails and everything published (OCDS releases, CSV, calendars).
The app factory sets the public base address from the settings; so does every command (registry.cli)."""

from registry.settings import Settings

_base_url: str | None = None  # None until configured: then read once from the REGISTRY_ settings


def configure(base_url: str) -> None:
    global _base_url
    _base_url = base_url.rstrip("/")


def base_url() -> str:
    if _base_url is None:  # code run outside the app and the commands: the settings say where the service is
        configure(Settings().base_url)
    return _base_url


def absolute(path: str) -> str:
    return f"{base_url()}{path}"
