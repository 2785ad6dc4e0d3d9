"""The suppliers the directory lists, held in memory by each worker as bit sets, so that a search's
filters and facet counts cost the same whatever the number of suppliers.

Each listed supplier has a position; each filter value (a tag, a live framework, a live lot) has a
whole number whose set bits are the positions of the suppliers that have it. Combining filters is
AND and OR on those numbers, and a facet count is the number of bits of one AND: microseconds for
ten thousand suppliers (1.25 kB a value), where counting in SQL reads every tag of every match.

The listing is built from the database and kept while the database's directory generation stays
the same: a counter that the database itself raises on every write to the directory's entries and
tags, to appointments and lots, and to frameworks' state, reference and title (triggers, see the
app's migration of 2026-11-27 12:00). Reading the counter is the one statement a search adds; a worker rebuilds its listing the
first time it sees a new generation. Text matches are kept for the same generation, a few hundred
texts at most."""

import asyncio
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

from registry import db
from registry.directory.tables import DirectoryEntry
from registry.reference import taxonomies

TEXTS_KEPT = 256  # full-text queries' matches kept per generation
RANKINGS_KEPT = 64  # searches' matches ranked by their sort, shared by every visitor's fair order (up to 0.8 MB each at 100,000 suppliers)
ORDERS_KEPT = 32  # long runs of ties put in a visitor's fair order, so that the next page does not sort them again
FACETS_KEPT = 256  # searches' facet counts kept: the same on every page of a search
LIVE_LOTS = """SELECT f.reference AS framework, f.title AS framework_title, l.number, l.title
    FROM lot l JOIN framework f ON f.id = l.framework WHERE f.state = 'live' ORDER BY f.reference, l.number"""
LIVE_APPOINTMENTS = """SELECT a.organisation, f.reference AS framework, l.number AS lot, a.rank
    FROM appointment a JOIN framework f ON f.id = a.framework AND f.state = 'live' JOIN lot l ON l.id = a.lot
    ORDER BY f.reference, l.number"""
SHOWN_TAXONOMIES = ("regions", "engagement_methods")  # what a result in the list shows of a supplier's tags
# Each supplier's tags in one row, "taxonomy:code taxonomy:code ...": a tenth of the rows to turn into Python values.
TAGS = {
    "sqlite": "SELECT organisation, group_concat(taxonomy || ':' || code, ' ') AS tags FROM directory_tag GROUP BY organisation",
    "postgres": "SELECT organisation, string_agg(taxonomy || ':' || code, ' ') AS tags FROM directory_tag GROUP BY organisation",
}
TEXT_MATCHES = {
    # bm25 weighs the columns: name, trading name, methods, terms, description (lower is better)
    "sqlite": """SELECT e.organisation, bm25(directory_entry_fts, 10.0, 10.0, 4.0, 1.0, 2.0) AS score
        FROM directory_entry_fts JOIN directory_entry e ON e.id = directory_entry_fts.rowid WHERE directory_entry_fts MATCH {}""",
    "postgres": """SELECT e.organisation, -ts_rank(e.document, query) AS score
        FROM directory_entry e CROSS JOIN to_tsquery('english', {}) AS query WHERE e.document @@ query""",
}


@dataclass(frozen=True)
class LiveLot:
    framework: str  # reference
    framework_title: str
    number: int
    title: str

    @property
    def key(self) -> str:
        """How the lot filter names it: "REFERENCE:NUMBER"."""
        return f"{self.framework}:{self.number}"


@dataclass(frozen=True)
class Place:
    lot: LiveLot
    rank: int


@dataclass(frozen=True)
class Listed:
    organisation: int
    name: str
    size: str | None
    places: tuple[Place, ...]  # its appointments to lots of live frameworks, by framework and lot
    shown: dict[str, tuple[str, ...]]  # its codes of each of SHOWN_TAXONOMIES, in the taxonomy's order


@dataclass
class Listing:
    generation: int
    lots: list[LiveLot]  # by framework and number
    listed: list[Listed]  # by position
    position: dict[int, int]  # organisation id: position
    everyone: int
    values: dict[str, dict[str, int]]  # a tag's taxonomy, "framework" or "lot": each value's suppliers
    texts: OrderedDict = field(default_factory=OrderedDict)  # full-text query: its matches (bits, {position: score})
    rankings: OrderedDict = field(default_factory=OrderedDict)  # a search's text, filters and sort: its matches ranked, ties together
    orders: OrderedDict = field(default_factory=OrderedDict)  # a long run of ties and a seed: its fair order
    facets: OrderedDict = field(default_factory=OrderedDict)  # a search's text and filters: its facets
    allowed: dict = field(default_factory=dict)  # official or not: each filter group's recognised values
    multiplied: list[int] = field(default_factory=list)  # by position: the seedless part of each one's fair key (search's)
    availability: tuple | None = None  # the change token, and officials' availability as of it (search's)

    def of(self, organisations) -> int:
        """The bit set of these organisations (those not listed are left out)."""
        return bit_set(self.position[o] for o in organisations if o in self.position)

    def having(self, kind: str, values) -> int:
        """The suppliers having any of these values of one kind."""
        of_kind = self.values.get(kind, {})
        return union(of_kind.get(value, 0) for value in values)


def union(bit_sets) -> int:
    result = 0
    for bits in bit_sets:
        result |= bits
    return result


def intersection(first: int, bit_sets) -> int:
    for bits in bit_sets:
        first &= bits
    return first


def bit_set(positions) -> int:
    """The whole number with these bits set (built in bytes: OR-ing bits one by one into a large
    number copies it each time)."""
    positions = list(positions)
    if not positions:
        return 0
    octets = bytearray(max(positions) // 8 + 1)
    for position in positions:
        octets[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(octets, "little")


def positions(bits: int) -> list[int]:
    """The positions of the set bits, lowest first: 64-bit words at a time, skipping empty ones."""
    words = memoryview(bits.to_bytes((bits.bit_length() + 63) // 64 * 8, "little")).cast("Q")
    found = []
    for index, word in enumerate(words):
        while word:
            lowest = word & -word
            found.append(index * 64 + lowest.bit_length() - 1)
            word ^= lowest
    return found


_listings: "weakref.WeakKeyDictionary[object, Listing]" = weakref.WeakKeyDictionary()  # by engine: one per database
_building: "weakref.WeakKeyDictionary[object, asyncio.Lock]" = weakref.WeakKeyDictionary()


async def current() -> Listing:
    """This database's listing at its current generation, built if this worker has not seen it."""
    engine = db.current()
    generation = await _generation()
    listing = _listings.get(engine)
    if listing is not None and listing.generation == generation:
        return listing
    async with _building.setdefault(engine, asyncio.Lock()):
        listing = _listings.get(engine)
        if listing is None or listing.generation != generation:
            # The generation is read before the rows: a write committed in between makes the next
            # search rebuild again, never keep a listing older than its generation says.
            listing = _listings[engine] = await _build(generation)
    return listing


async def _generation() -> int:
    return (await DirectoryEntry.raw("SELECT n FROM directory_generation"))[0]["n"]


async def _build(generation: int) -> Listing:
    lots = {(row["framework"], row["number"]): LiveLot(**row) for row in await DirectoryEntry.raw(LIVE_LOTS)}
    places: dict[int, list[Place]] = {}
    for row in await DirectoryEntry.raw(LIVE_APPOINTMENTS):
        places.setdefault(row["organisation"], []).append(Place(lots[row["framework"], row["lot"]], row["rank"]))
    tags = {
        row["organisation"]: [tuple(tag.split(":", 1)) for tag in row["tags"].split()]
        for row in await DirectoryEntry.raw(TAGS[db.kind()]) if row["organisation"] in places
    }
    entries = await DirectoryEntry.raw("SELECT organisation, name, size FROM directory_entry ORDER BY organisation")
    listed = [
        Listed(row["organisation"], row["name"], row["size"], tuple(places[row["organisation"]]), _shown(tags.get(row["organisation"], [])))
        for row in entries if row["organisation"] in places
    ]
    members: dict[str, dict[str, list[int]]] = {"framework": {}, "lot": {}}
    for number, supplier in enumerate(listed):
        for place in supplier.places:
            members["framework"].setdefault(place.lot.framework, []).append(number)
            members["lot"].setdefault(place.lot.key, []).append(number)
        for taxonomy, code in tags.get(supplier.organisation, []):
            members.setdefault(taxonomy, {}).setdefault(code, []).append(number)
    values = {kind: {value: bit_set(numbers) for value, numbers in of_kind.items()} for kind, of_kind in members.items()}
    position = {supplier.organisation: number for number, supplier in enumerate(listed)}
    return Listing(generation, list(lots.values()), listed, position, (1 << len(listed)) - 1, values)


def _shown(tags: list[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    return {taxonomy: tuple(taxonomies.in_order(taxonomy, [code for kind, code in tags if kind == taxonomy])) for taxonomy in SHOWN_TAXONOMIES}


async def text_matches(listing: Listing, match: str) -> tuple[int, dict[int, float]]:
    """The listed suppliers matching a full-text query (in the engine's syntax): their bit set, and
    each one's score by position (lower is better)."""
    if (kept := recall(listing.texts, match)) is not None:
        return kept
    rows = await DirectoryEntry.raw(TEXT_MATCHES[db.kind()], match)
    scores = {listing.position[row["organisation"]]: row["score"] for row in rows if row["organisation"] in listing.position}
    return keep(listing.texts, match, (bit_set(scores), scores), TEXTS_KEPT)


def recall(kept: OrderedDict, key):
    """What was kept under this key (now the most recently used), or None."""
    if key in kept:
        kept.move_to_end(key)
        return kept[key]
    return None


def keep(kept: OrderedDict, key, value, limit: int):
    """Keep the value, forgetting the least recently used beyond the limit; returns the value."""
    kept[key] = value
    if len(kept) > limit:
        kept.popitem(last=False)
    return value
