"""The taxonomies in taxonomies.json: regions, engagement methods, groups, languages, formats, lot subjects."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

DATA_FILE = Path(__file__).parent / "taxonomies.json"


@dataclass(frozen=True)
class Term:
    code: str
    name: str
    group: str | None = None
    seldom_heard: bool = False


@cache
def _load() -> dict[str, tuple[Term, ...]]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {name: tuple(Term(**item) for item in items) for name, items in raw.items() if not name.startswith("_")}


def terms(taxonomy: str) -> tuple[Term, ...]:
    return _load()[taxonomy]


def codes(taxonomy: str) -> frozenset[str]:
    return frozenset(term.code for term in terms(taxonomy))


@cache
def _positions(taxonomy: str) -> dict[str, int]:
    return {term.code: position for position, term in enumerate(terms(taxonomy))}


def in_order(taxonomy: str, codes) -> list[str]:
    """The codes in the taxonomy's own order (unknown codes last)."""
    positions = _positions(taxonomy)
    unknown = len(positions)
    return sorted(codes, key=lambda code: positions.get(code, unknown))


def name_of(taxonomy: str, code: str) -> str:
    for term in terms(taxonomy):
        if term.code == code:
            return term.name
    return code


def check_codes(taxonomy: str, values: list[str], what: str) -> list[str]:
    """The values, if every one is a known code of the taxonomy; ValueError naming the first that is not."""
    known = codes(taxonomy)
    for value in values:
        if value not in known:
            raise ValueError(f"Select {what} from the list")
    return list(dict.fromkeys(values))


def codes_field(taxonomy: str, what: str):
    """A form field's type: a list of the taxonomy's codes, each checked (see check_codes)."""
    return Annotated[list[str], AfterValidator(lambda values: check_codes(taxonomy, values, what))]
