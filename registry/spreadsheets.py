"""What goes into a spreadsheet people download (CSV exports of notices, interest, answers, reports)."""


def spreadsheet_safe(value: str) -> str:
    """Stop a spreadsheet from running a CSV cell as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
