"""Money as the registry keeps it: whole pence in the database, pounds (and pence, when there are
any) on screen, as the GOV.UK style guide writes them: £75, £75.50, £1,250,000.

And money as people type it: every amount field (a tender's price, an engagement's budget, agreed
price and response price, a framework's or lot's estimated value) is read by `typed_pounds`, which
says what is wrong in one of a few ways (`Flaw`) for the field to put in its own words."""

from decimal import Decimal
from enum import StrEnum

PENNY = Decimal("0.01")
POUND = Decimal(1)


def pounds(pence: int | None) -> str:
    if pence is None:
        return ""
    whole, part = divmod(int(pence), 100)
    return f"£{whole:,}" if part == 0 else f"£{whole:,}.{part:02d}"


class Flaw(StrEnum):
    MISSING = "missing"
    NOT_A_NUMBER = "not a number"  # words, an infinity or NaN, a number Decimal cannot read
    NEGATIVE = "negative"
    TOO_LARGE = "too large"  # at or over the field's limit
    TOO_PRECISE = "too precise"  # smaller units than the field takes: a part of a penny, or pence in whole pounds


class NotAnAmount(ValueError):
    def __init__(self, flaw: Flaw):
        super().__init__(str(flaw))
        self.flaw = flaw


def typed_pounds(text: str, *, below: Decimal, unit: Decimal = PENNY) -> Decimal:
    """An amount typed in pounds, with or without a pound sign and commas, from £0 to less than
    `below`, in whole `unit`s (pennies, or pounds); NotAnAmount saying what is wrong otherwise.

    The amount is compared with its limit before it is rounded: Decimal works to 28 significant
    digits, and rounding 27 nines or 1e400 to the penny is an InvalidOperation, not a number. Below
    the limit every amount rounds, and converts to pence, exactly."""
    cleaned = text.replace(",", "").replace("£", "").strip()
    if not cleaned:
        raise NotAnAmount(Flaw.MISSING)
    try:
        amount = Decimal(cleaned)
        if not amount.is_finite():
            raise NotAnAmount(Flaw.NOT_A_NUMBER)
        if amount < 0:
            raise NotAnAmount(Flaw.NEGATIVE)
        if amount >= below:
            raise NotAnAmount(Flaw.TOO_LARGE)
        if amount != amount.quantize(unit):
            raise NotAnAmount(Flaw.TOO_PRECISE)
        return amount.quantize(unit)
    except ArithmeticError:  # InvalidOperation (what Decimal cannot read), Overflow: never a server error
        raise NotAnAmount(Flaw.NOT_A_NUMBER) from None


def pence_of(amount: Decimal) -> int:
    """An amount in pounds (as typed_pounds gives it) in whole pence."""
    return int(amount * 100)

