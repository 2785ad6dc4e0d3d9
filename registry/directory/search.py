"""The directory's one search: text, filters, facet counts, sort and a fair order, on either engine.

Only suppliers appointed to at least one lot of a live framework are found. Filters combine with
AND across groups. Within one group, what a supplier works with (methods, groups of people,
regions, languages, formats) must include all the values ticked, as a direct award's check of a
brief does (registry.engagements: a supplier covers a brief when its profile has all of it); what a
supplier is (its framework, lot, size, availability) may be any of them. An "any of" group's counts
apply every other group's filters but not its own, so a count is what choosing that value alone in
its group would find; an "all of" group's counts are what ticking that value as well would find.
The database finds the text's matches (its own full-text index); filters, counts and order work on
the listing each worker holds in memory (registry.directory.listing).

Results that tie (all of them, when there is no text and the sort is by relevance) are put in a
fair order: a shuffle by the search's seed, the same on both engines and for every page of one
search, different for another seed. Each organisation id is mixed with the seed in whole-number
arithmetic modulo the prime 2^31 - 1 (two rounds of square-and-add, so that another seed does not
just rotate the same order). A search's matches are ranked by its sort once, whoever searches
(kept per generation); a visitor's page puts in the fair order only the runs of ties it reaches.

Availability (commissioners and procurement officers only) is the capacity a supplier's profile
states less its engagements awarded or in delivery (registry.engagements.capacity). A supplier
whose profile does not state its capacity is neither available nor full: it has its own option,
"capacity not stated"."""

import bisect
import math
import re
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from registry import db
from registry.db import changes
from registry.accounts.tables import SME_SIZES, OrganisationSize, Role
from registry.directory import listing
from registry.directory.index import SIZE
from registry.directory.tables import DirectoryEntry
from registry.engagements import capacity
from registry.reference import taxonomies
from registry.errors import RuleBroken

PAGE_SIZE = 20
MAX_TEXT = 200
PRIME = 2_147_483_647  # 2^31 - 1: seeds are below it
MULTIPLIER = 48_271
POSITION_BITS = 32  # a fair key's low bits hold the supplier's position
POSITION_MASK = (1 << POSITION_BITS) - 1
LONG_RUN = 1_000  # ties whose fair order is kept for the next page of a search
MANY_FRAMEWORKS = 3  # with more live frameworks than this, a lot is offered once its framework is chosen
LOTS_AFTER_FRAMEWORK = "Choose a framework to filter by its lots"
SORTS = {"relevance": "Relevance", "rank": "Lot rank (best first)", "name": "Name (A to Z)"}
AVAILABLE, NOT_STATED = "available", "not-stated"

# The filter groups, by their name in the query string, with their legends; in the order shown.
GROUPS = {
    "framework": "Framework",
    "lot": "Lot",
    "method": "Engagement methods",
    "group": "Groups worked with",
    "region": "Regions",
    "language": "Languages",
    "format": "Accessible formats",
    "size": "Organisation size",
    "availability": "Availability",
}
TAG_TAXONOMIES = {  # the groups filtered by directory tags, and the tags' taxonomy
    "method": "engagement_methods", "group": "groups", "region": "regions", "language": "languages",
    "format": "accessible_formats", "size": SIZE,
}
ALL_OF = frozenset({"method", "group", "region", "language", "format"})  # a supplier must work with every value ticked
ALL_OF_HINT = "Suppliers who work with all you tick"
SIZE_LABELS = {"sme": "SME (micro, small or medium)", **{size.value: size.value.capitalize() for size in OrganisationSize}}
AVAILABILITY_LABELS = {AVAILABLE: "Places available now", NOT_STATED: "Capacity not stated"}


def is_official(user) -> bool:
    """Commissioners and procurement officers see suppliers' availability and record; no one else."""
    return user is not None and user.has_role(Role.COMMISSIONER, Role.PROCUREMENT_OFFICER)


class InvalidSearch(RuleBroken):
    """The search cannot run as asked; the message says what to change."""

    field = "q"


@dataclass(frozen=True)
class Query:
    text: str = ""
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)  # group: chosen values
    sort: str = "relevance"
    page: int = 1
    seed: int = 0
    official: bool = False  # a commissioner or procurement officer: may see and filter by availability (see is_official)
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    legend: str
    options: tuple[Option, ...]
    hint: str = ""  # how the options combine, or why they are not offered yet


@dataclass(frozen=True)
class LotPlace:
    framework: str  # reference
    framework_title: str
    lot: int
    lot_title: str
    rank: int


@dataclass(frozen=True)
class Result:
    """What the list shows of one supplier (hashable: the page keeps each card's HTML by its content)."""

    organisation_id: int
    name: str
    size: str | None
    regions: tuple[str, ...]  # codes
    methods: tuple[str, ...]
    lots: tuple[LotPlace, ...]
    places_left: int | None = None  # for officials; None when unknown or not shown


@dataclass(frozen=True)
class Results:
    results: list[Result]
    total: int
    page: int
    pages: int
    facets: list[Facet]
    chosen: dict[str, tuple[str, ...]]  # the filters that applied
    ignored: list[tuple[str, str]]  # (legend, value) of filter values not recognised
    sort: str


# --- Searching ----------------------------------------------------------------------------------


def _allowed(found: listing.Listing, official: bool) -> dict[str, dict[str, str]]:
    """Each group's recognised values, with their labels, in the order shown (kept with the listing:
    they change only with its live lots)."""
    if official not in found.allowed:
        found.allowed[official] = _recognised(found.lots, official)
    return found.allowed[official]


def _recognised(live_lots: list[listing.LiveLot], official: bool) -> dict[str, dict[str, str]]:
    allowed = {
        "framework": {lot.framework: f"{lot.framework}: {lot.framework_title}" for lot in live_lots},
        "lot": {lot.key: f"{lot.framework} lot {lot.number}: {lot.title}" for lot in live_lots},
        "size": SIZE_LABELS,
        "availability": AVAILABILITY_LABELS if official else {},
    }
    for group, taxonomy in TAG_TAXONOMIES.items():
        if taxonomy != SIZE:
            allowed[group] = {term.code: term.name for term in taxonomies.terms(taxonomy)}
    return allowed


def words(text: str) -> list[str]:
    """The letters-and-digits words of the text: nothing else reaches the full-text query syntax."""
    return list(dict.fromkeys(re.findall(r"[^\W_]+", text)))


def text_problem(text: str) -> str | None:
    """What is wrong with the search text, in words for the searcher; None when nothing is."""
    if len(text) > MAX_TEXT:
        return f"Search text must be {MAX_TEXT} characters or fewer"
    return None


async def search(query: Query) -> Results:
    if problem := text_problem(query.text):
        raise InvalidSearch(problem)
    sort = query.sort if query.sort in SORTS else "relevance"
    seed = query.seed % PRIME
    found = await listing.current()
    allowed = _allowed(found, query.official)
    chosen: dict[str, tuple[str, ...]] = {}
    ignored = []
    for group, legend in GROUPS.items():
        values = list(dict.fromkeys(query.filters.get(group) or ()))
        chosen[group] = tuple(v for v in values if v in allowed[group])
        ignored += [(legend, v) for v in values if v not in allowed[group]]
    scores: dict[int, float] = {}
    base = found.everyone
    if text_words := words(query.text):
        base, scores = await listing.text_matches(found, _full_text_query(text_words))
    availability, places = await _availability(found) if query.official else ({}, {})
    filtered = _filtered(found, chosen, availability)
    matches = listing.intersection(base, filtered.values())
    total = matches.bit_count()
    pages = max(1, math.ceil(total / query.page_size))
    page = min(max(query.page, 1), pages)
    ranking = _ranking(found, matches, sort, scores, chosen, text_words)
    shown = _page_of(found, ranking, seed, (page - 1) * query.page_size, page * query.page_size)
    return Results(
        results=[_result(found.listed[p], places if query.official else None) for p in shown], total=total, page=page, pages=pages,
        facets=_kept_facets(found, query.official, text_words, base, filtered, chosen, allowed, availability), chosen=chosen, ignored=ignored, sort=sort,
    )


def _full_text_query(text_words: list[str]) -> str:
    """All the words, each as a prefix, in the engine's full-text syntax; quoted, so that nothing the
    searcher types is syntax."""
    if db.kind() == "sqlite":
        return " ".join(f'"{word}"*' for word in text_words)
    return " & ".join(f"'{word}':*" for word in text_words)  # a word with no lexeme in it is dropped, never a syntax error


def _group_bits(found: listing.Listing, group: str, values: Sequence[str], availability: Mapping[str, int]) -> int:
    """The suppliers that one filter group lets through: having all of its chosen values (ALL_OF), or any."""
    if group in ALL_OF:
        taxonomy = TAG_TAXONOMIES[group]
        return listing.intersection(found.everyone, (found.having(taxonomy, (value,)) for value in values))
    if group == "availability":
        return listing.union(availability[value] for value in values)
    if group == "size":
        values = [code for value in values for code in (SME_SIZES if value == "sme" else (value,))]
    return found.having(TAG_TAXONOMIES.get(group, group), values)


def _filtered(found: listing.Listing, chosen: Mapping[str, tuple[str, ...]], availability: Mapping[str, int]) -> dict[str, int]:
    """Each filter group with chosen values, and the suppliers it lets through."""
    return {group: _group_bits(found, group, values, availability) for group, values in chosen.items() if values}


@dataclass(frozen=True)
class Ranking:
    """A search's matches in its sort's order, the seed aside: runs of suppliers the sort finds equal
    (ties) are left to each visitor's fair order."""

    search: tuple  # what was searched for and the sort: what the ranking is kept by
    positions: array  # of unsigned ints (4 bytes each: 100,000 suppliers in 400 kB)
    starts: array  # where each run of ties begins in positions; then its length


def _ranking(found: listing.Listing, matches: int, sort: str, scores: Mapping[int, float], chosen, text_words: list[str]) -> Ranking:
    """The matches ranked by the sort (kept: every visitor's search for the same thing shares it)."""
    searched = (matches, sort, tuple(text_words), tuple(chosen.items()))
    if (kept := listing.recall(found.rankings, searched)) is not None:
        return kept
    listed = found.listed
    matched = list(range(len(listed))) if matches == found.everyone else listing.positions(matches)
    if sort == "name":
        compared = [listed[position].name.lower() for position in matched]
    elif sort == "rank":
        compared = [(_best_rank(listed[position], chosen), scores.get(position, 0.0)) for position in matched]
    elif scores:
        compared = list(map(scores.__getitem__, matched))
    else:  # relevance without text: all are equal
        return listing.keep(found.rankings, searched, Ranking(searched, array("I", matched), array("I", [0, len(matched)])), listing.RANKINGS_KEPT)
    by_value = sorted(range(len(matched)), key=compared.__getitem__)
    values = [compared[i] for i in by_value]
    starts = array("I", [0, *(i for i in range(1, len(values)) if values[i] != values[i - 1]), len(values)])
    return listing.keep(found.rankings, searched, Ranking(searched, array("I", [matched[i] for i in by_value]), starts), listing.RANKINGS_KEPT)


def _page_of(found: listing.Listing, ranking: Ranking, seed: int, start: int, stop: int) -> list[int]:
    """The positions from start to stop of the ranking with its ties in the seed's fair order: only
    the runs of ties the page reaches are put in order (a long run is kept for the next page)."""
    starts = ranking.starts
    first = bisect.bisect_right(starts, start) - 1
    shown: list[int] = []
    for begin, end in zip(starts[first:], starts[first + 1:]):
        if begin >= stop:
            break
        tied = ranking.positions[begin:end]
        if len(tied) > LONG_RUN:
            remembered = (ranking.search, begin, seed)
            if (kept := listing.recall(found.orders, remembered)) is None:
                kept = listing.keep(found.orders, remembered, array("I", _in_fair_order(found, tied, seed)), listing.ORDERS_KEPT)
            tied = kept
        elif len(tied) > 1:
            tied = _in_fair_order(found, tied, seed)
        shown += tied
    skipped = start - starts[first]
    return shown[skipped:skipped + stop - start]


def _best_rank(supplier: listing.Listed, chosen: Mapping[str, tuple[str, ...]]) -> int:
    """The supplier's best rank in the lots the search is filtered to (all, when it is not)."""
    ranks = [
        place.rank for place in supplier.places
        if (not chosen["framework"] or place.lot.framework in chosen["framework"]) and (not chosen["lot"] or place.lot.key in chosen["lot"])
    ]
    return min(ranks, default=PRIME)


def _in_fair_order(found: listing.Listing, positions: Sequence[int], seed: int) -> list[int]:
    """These suppliers' positions in the seed's fair order (see the module's description): by the
    mixed key, then by organisation id. One loop and a sort of whole numbers, not a key function:
    at 100,000 suppliers a function call per supplier was most of a new visitor's search."""
    multiplied = _multiplied(found)
    keyed = []
    for position in positions:
        mixed = (multiplied[position] + seed) % PRIME
        mixed = (mixed * mixed + seed) % PRIME
        keyed.append((mixed * mixed % PRIME) << POSITION_BITS | position)  # positions follow organisation ids
    keyed.sort()
    return [key & POSITION_MASK for key in keyed]


def _multiplied(found: listing.Listing) -> list[int]:
    """Each listed supplier's organisation id times the multiplier, modulo the prime: the part of
    its fair key no seed changes (kept with the listing)."""
    if len(found.multiplied) != len(found.listed):
        found.multiplied[:] = [supplier.organisation * MULTIPLIER % PRIME for supplier in found.listed]
    return found.multiplied


async def _availability(found: listing.Listing) -> tuple[dict[str, int], dict[int, int | None]]:
    """The suppliers with places left and those whose capacity is unknown; and each one's places left.
    Kept while the database's change token (registry.db.changes) stays the same: engagements change
    availability without a new directory generation. The token is read first, as the listing's is."""
    token = await changes.token()
    if found.availability is not None and found.availability[0] == token:
        return found.availability[1]
    rows = await DirectoryEntry.select(DirectoryEntry.organisation, DirectoryEntry.capacity)
    active = await capacity.active_counts_of_all()
    left = {row["organisation"]: capacity.places_left(row["capacity"], active.get(row["organisation"], 0)) for row in rows}
    availability = {
        AVAILABLE: found.of(o for o, places in left.items() if places),
        NOT_STATED: found.of(o for o, places in left.items() if places is None),
    }, left
    found.availability = (token, availability)
    return availability


def _kept_facets(found: listing.Listing, official: bool, text_words: list[str], base: int, filtered, chosen, allowed, availability) -> list[Facet]:
    """The facets, kept for the next page of the same search (for officials, with the availability
    they were counted from: it changes without a new generation)."""
    remembered = (tuple(text_words), tuple(chosen.items()), found.availability[0] if official else None)
    if (kept := listing.recall(found.facets, remembered)) is not None:
        return kept
    return listing.keep(found.facets, remembered, _facets(found, base, filtered, chosen, allowed, availability), listing.FACETS_KEPT)


def _facets(found: listing.Listing, base: int, filtered: Mapping[str, int], chosen, allowed, availability: Mapping[str, int]) -> list[Facet]:
    """Each group's options with their counts: the matches under every other group's filters that
    have the value, which is what choosing that value alone in its group would find."""
    facets = []
    # Every live framework's lots would be hundreds of checkboxes: then only the chosen frameworks'
    # lots are offered (and any lot already chosen, to be unticked).
    many = len(allowed["framework"]) > MANY_FRAMEWORKS
    offered_lots = {lot.key for lot in found.lots if lot.framework in chosen["framework"]}
    for group, legend in GROUPS.items():
        if not allowed[group]:
            continue
        others = listing.intersection(base, (bits for name, bits in filtered.items() if name != group or group in ALL_OF))
        limited = group == "lot" and many
        options = []
        for value, label in allowed[group].items():
            if limited and value not in offered_lots and value not in chosen[group]:
                continue
            count = (others & _group_bits(found, group, (value,), availability)).bit_count()
            options.append(Option(value, label, count, value in chosen[group]))  # "(0)" too: the option is there, nobody has it
        hint = LOTS_AFTER_FRAMEWORK if limited and not chosen["framework"] else (ALL_OF_HINT if group in ALL_OF else "")
        facets.append(Facet(group, legend, tuple(options), hint=hint))
    return facets


def _result(supplier: listing.Listed, places: dict[int, int | None] | None) -> Result:
    """What the list shows of one supplier."""
    return Result(
        organisation_id=supplier.organisation, name=supplier.name, size=supplier.size,
        regions=supplier.shown["regions"], methods=supplier.shown["engagement_methods"],
        lots=tuple(LotPlace(p.lot.framework, p.lot.framework_title, p.lot.number, p.lot.title, p.rank) for p in supplier.places),
        places_left=places.get(supplier.organisation) if places is not None else None,
    )
