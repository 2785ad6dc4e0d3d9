"""Pages of a long list: which page was asked for, and GOV.UK's pagination component for it."""

import math
from collections.abc import Callable
from dataclasses import dataclass

PAGE_SIZE = 25


@dataclass(frozen=True)
class Page:
    number: int
    pages: int
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def number_asked(asked: str | int | None) -> int:
    """The page number asked for (as typed in an address or sent by a form): 1 unless a whole number from 1."""
    try:
        return max(int(asked or 1), 1)
    except ValueError:
        return 1


def page_of(asked: str | int | None, total: int, size: int = PAGE_SIZE) -> Page:
    """The page asked for, kept within the pages there are."""
    pages = max(1, math.ceil(total / size))
    return Page(min(number_asked(asked), pages), pages, size)


def pagination(page: int, pages: int, link: Callable[[int], str]) -> dict | None:
    """The pagination's parameters (govukPagination's, as macros/pagination.html renders them): the first,
    last and nearby pages, with gaps between."""
    if pages < 2:
        return None
    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    items, last = [], 0
    for number in shown:
        if number > last + 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": link(number), "current": number == page})
        last = number
    return {
        "previous": {"href": link(page - 1)} if page > 1 else None,
        "next": {"href": link(page + 1)} if page < pages else None,
        "items": items,
    }
