"""Money as the registry keeps it: whole pence in the database, pounds (and pence, when there are
any) on screen, as the GOV.UK style guide writes them: £75, £75.50, £1,250,000."""


def pounds(pence: int | None) -> str:
    if pence is None:
        return ""
    whole, part = divmod(int(pence), 100)
    return f"£{whole:,}" if part == 0 else f"£{whole:,}.{part:02d}"
