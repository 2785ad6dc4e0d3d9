"""Absolute links to the service, for emails. The app factory sets the public base address."""

_base_url = "http://127.0.0.1:8000"


def configure(base_url: str) -> None:
    global _base_url
    _base_url = base_url.rstrip("/")


def absolute(path: str) -> str:
    return f"{_base_url}{path}"
