"""Helpers for files people download."""


def spreadsheet_safe(value: str) -> str:
    """Stop a spreadsheet from running a CSV cell as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
