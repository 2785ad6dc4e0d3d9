"""The directory's one search: text, filters, facet counts, sort and a fair order, on either engine.

Only suppliers appointed to at least one lot of a live framework are found. Filters combine with
AND across groups and OR within one group; each group's facet counts apply every other group's
filters but not its own, so a count is what choosing that value alone in its group would find.

Results that tie (all of them, when there is no text and the sort is by relevance) are put in a
fair order: a shuffle by the search's seed, the same on both engines and for every page of one
search, different for another seed. Each organisation id is mixed with the seed in whole-number
arithmetic modulo the prime 2^31 - 1 (two rounds of square-and-add, so that another seed does not
just rotate the same order); every product stays below 2^62, inside a BIGINT.

Availability (commissioners and procurement officers only) is the capacity a supplier's profile
states less its engagements awarded or in delivery (registry.engagements.capacity). A supplier
whose profile does not state its capacity is neither available nor full: it has its own option,
"capacity not stated"."""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from registry import db
from registry.accounts.tables import OrganisationSize, Role
from registry.award.tables import Appointment
from registry.directory.index import SIZE
from registry.directory.tables import DirectoryEntry, DirectoryTag
from registry.engagements import capacity
from registry.frameworks.tables import Lot, State
from registry.reference import taxonomies

PAGE_SIZE = 20
MAX_TEXT = 200
PRIME = 2_147_483_647  # 2^31 - 1: seeds are below it
MULTIPLIER = 48_271
SORTS = {"relevance": "Relevance", "rank": "Lot rank (best first)", "name": "Name (A to Z)"}
SME = ("micro", "small", "medium")
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
SIZE_LABELS = {"sme": "SME (micro, small or medium)", **{size.value: size.value.capitalize() for size in OrganisationSize}}
AVAILABILITY_LABELS = {AVAILABLE: "Places available now", NOT_STATED: "Capacity not stated"}


def is_official(user) -> bool:
    """Commissioners and procurement officers see suppliers' availability and record; no one else."""
    return user is not None and user.has_role(Role.COMMISSIONER, Role.PROCUREMENT_OFFICER)


class InvalidSearch(ValueError):
    """The search cannot run as asked; the message says what to change."""


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
    options: list[Option]


@dataclass(frozen=True)
class LotPlace:
    framework: str  # reference
    framework_title: str
    lot: int
    lot_title: str
    rank: int


@dataclass(frozen=True)
class Result:
    organisation_id: int
    name: str
    size: str | None
    regions: list[str]  # codes
    methods: list[str]
    lots: list[LotPlace]
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


# --- Composing SQL ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sql:
    """A piece of SQL with Piccolo's {} placeholders, and its arguments in order."""

    text: str
    args: tuple = ()

    def __add__(self, other: "Sql | str") -> "Sql":
        other = Sql(other) if isinstance(other, str) else other
        return Sql(self.text + other.text, self.args + other.args)


def in_list(values: Iterable) -> Sql:
    values = tuple(values)
    return Sql(", ".join("{}" for _ in values), values)


def joined(separator: str, parts: Iterable[Sql]) -> Sql:
    result = Sql("")
    for position, part in enumerate(parts):
        result = result + (separator if position else "") + part
    return result


def all_of(parts: Iterable[Sql]) -> Sql:
    return joined(" AND ", [Sql("1 = 1"), *(Sql("(") + part + ")" for part in parts)])


LIVE_JOINS = "JOIN framework f ON f.id = a.framework AND f.state = 'live' JOIN lot l ON l.id = a.lot"
LIVE_APPOINTMENTS = f"appointment a {LIVE_JOINS}"


def words(text: str) -> list[str]:
    """The letters-and-digits words of the text: nothing else reaches the full-text query syntax."""
    return list(dict.fromkeys(re.findall(r"[^\W_]+", text)))


def _base(kind: str, text_words: list[str], seed: int) -> Sql:
    """Every supplier appointed to a live framework (and matching the text), with its relevance
    `score` (lower is better; 0 for all without text) and `mixed`, the first round of the fair order."""
    mixed = Sql("(CAST(e.organisation AS BIGINT) * " + str(MULTIPLIER) + " + CAST({} AS BIGINT)) % " + str(PRIME), (seed,))
    columns = Sql("e.id, e.organisation, e.name, e.size, e.capacity, ")
    live = f"EXISTS (SELECT 1 FROM {LIVE_APPOINTMENTS} WHERE a.organisation = e.organisation)"
    if not text_words:
        return Sql("SELECT ") + columns + "0 AS score, " + mixed + f" AS mixed FROM directory_entry e WHERE {live}"
    if kind == "sqlite":
        match = " ".join(f'"{word}"*' for word in text_words)  # each word a quoted prefix; all must match
        return (
            Sql("SELECT ") + columns + "bm25(directory_entry_fts, 10.0, 10.0, 4.0, 1.0, 2.0) AS score, " + mixed
            + " AS mixed FROM directory_entry_fts JOIN directory_entry e ON e.id = directory_entry_fts.rowid"
            + Sql(" WHERE directory_entry_fts MATCH {} AND ", (match,)) + live
        )
    match = " & ".join(f"'{word}':*" for word in text_words)  # quoted: a word with no lexeme in it is dropped, never a syntax error
    return (
        Sql("SELECT ") + columns + "-ts_rank(e.document, query) AS score, " + mixed
        + Sql(" AS mixed FROM directory_entry e CROSS JOIN to_tsquery('english', {}) AS query", (match,))
        + " WHERE e.document @@ query AND " + live
    )


def _lot_condition(lots: Sequence[str]) -> Sql:
    """Lots, as "REFERENCE:NUMBER" values, as a condition on live appointments (f, l)."""
    parts = []
    for value in lots:
        reference, _, number = value.rpartition(":")
        parts.append(Sql("(f.reference = {} AND l.number = {})", (reference, int(number))))
    return joined(" OR ", parts)


def _appointment_restriction(chosen: Mapping[str, tuple[str, ...]]) -> Sql:
    """The chosen frameworks and lots, as a condition on live appointments (a, f, l)."""
    parts = []
    if chosen.get("framework"):
        parts.append(Sql("f.reference IN (") + in_list(chosen["framework"]) + ")")
    if chosen.get("lot"):
        parts.append(_lot_condition(chosen["lot"]))
    return all_of(parts)


def _conditions(chosen: Mapping[str, tuple[str, ...]], availability: Mapping[str, list[int]]) -> dict[str, Sql]:
    """Each chosen group's condition on the base row b."""
    conditions = {}
    for group, values in chosen.items():
        if not values:
            continue
        if group in TAG_TAXONOMIES:
            codes = [code for value in values for code in (SME if value == "sme" else (value,))]
            conditions[group] = (
                Sql("b.organisation IN (SELECT t.organisation FROM directory_tag t WHERE t.taxonomy = {} AND t.code IN (", (TAG_TAXONOMIES[group],))
                + in_list(dict.fromkeys(codes)) + "))"
            )
        elif group in ("framework", "lot"):
            conditions[group] = (
                Sql(f"b.organisation IN (SELECT a.organisation FROM {LIVE_APPOINTMENTS} WHERE ")
                + _appointment_restriction({group: values}) + ")"
            )
        elif group == "availability":
            ids = [organisation for value in values for organisation in availability[value]]
            conditions[group] = Sql("b.organisation IN (") + in_list(ids) + ")" if ids else Sql("1 = 0")
    return conditions


def _except(conditions: Mapping[str, Sql], group: str | None = None) -> Sql:
    return all_of(condition for name, condition in conditions.items() if name != group)


ORDERS = {
    "relevance": "m.score",
    "rank": "m.best_rank, m.score",
    "name": "LOWER(m.name)",
}


# --- Searching ----------------------------------------------------------------------------------


async def _live_lots() -> list[dict]:
    return await Lot.select(
        Lot.framework.reference.as_alias("framework"), Lot.framework.title.as_alias("framework_title"), Lot.number, Lot.title,
    ).where(Lot.framework.state == State.LIVE).order_by(Lot.framework.reference).order_by(Lot.number)


def _allowed(live_lots: list[dict], official: bool) -> dict[str, dict[str, str]]:
    """Each group's recognised values, with their labels, in the order shown."""
    allowed = {
        "framework": {row["framework"]: f"{row['framework']}: {row['framework_title']}" for row in live_lots},
        "lot": {f"{row['framework']}:{row['number']}": f"{row['framework']} lot {row['number']}: {row['title']}" for row in live_lots},
        "size": SIZE_LABELS,
        "availability": AVAILABILITY_LABELS if official else {},
    }
    for group, taxonomy in TAG_TAXONOMIES.items():
        if taxonomy != SIZE:
            allowed[group] = {term.code: term.name for term in taxonomies.terms(taxonomy)}
    return allowed


async def _availability() -> tuple[dict[str, list[int]], dict[int, int | None]]:
    """The suppliers with places left and those whose capacity is unknown; and each one's places left."""
    rows = await DirectoryEntry.select(DirectoryEntry.organisation, DirectoryEntry.capacity)
    active = await capacity.active_counts([row["organisation"] for row in rows])
    left = {row["organisation"]: capacity.places_left(row["capacity"], active[row["organisation"]]) for row in rows}
    return {
        AVAILABLE: sorted(o for o, places in left.items() if places),
        NOT_STATED: sorted(o for o, places in left.items() if places is None),
    }, left


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
    live_lots = await _live_lots()
    allowed = _allowed(live_lots, query.official)
    chosen: dict[str, tuple[str, ...]] = {}
    ignored = []
    for group, legend in GROUPS.items():
        values = list(dict.fromkeys(query.filters.get(group) or ()))
        chosen[group] = tuple(v for v in values if v in allowed[group])
        ignored += [(legend, v) for v in values if v not in allowed[group]]
    availability, places = await _availability() if query.official else ({}, {})
    base = Sql("WITH base AS (") + _base(db.kind(), words(query.text), seed) + ") "
    conditions = _conditions(chosen, availability)

    def one_page(number: int) -> Sql:  # the page's rows, each carrying the total it is a page of
        return (
            base + "SELECT m.organisation, m.name, m.size, COUNT(*) OVER () AS total FROM (SELECT b.organisation, b.name, b.size, b.score, "
            + Sql("(b.mixed * b.mixed + CAST({} AS BIGINT)) % " + str(PRIME) + " AS mixed, ", (seed,))
            + f"COALESCE((SELECT MIN(a.rank) FROM {LIVE_APPOINTMENTS} WHERE a.organisation = b.organisation AND "
            + _appointment_restriction(chosen) + f"), {PRIME}) AS best_rank "
            + "FROM base b WHERE " + _except(conditions) + ") m "
            + f"ORDER BY {ORDERS[sort]}, (m.mixed * m.mixed) % {PRIME}, m.organisation "
            + Sql("LIMIT {} OFFSET {}", (query.page_size, (number - 1) * query.page_size))
        )

    page = max(query.page, 1)
    rows = await DirectoryEntry.raw(*_args(one_page(page)))
    if rows:
        total = rows[0]["total"]
    else:  # no results, or a page beyond the last: count them, and show the last page
        total = (await DirectoryEntry.raw(*_args(base + "SELECT COUNT(*) AS n FROM base b WHERE " + _except(conditions))))[0]["n"]
        if total:
            page = math.ceil(total / query.page_size)
            rows = await DirectoryEntry.raw(*_args(one_page(page)))
        else:
            page = 1
    pages = max(1, math.ceil(total / query.page_size))
    facets = await _facets(base, chosen, conditions, allowed, availability)
    return Results(
        results=await _details(rows, places if query.official else None), total=total, page=page, pages=pages,
        facets=facets, chosen=chosen, ignored=ignored, sort=sort,
    )


def _args(sql: Sql) -> tuple:
    return (sql.text, *sql.args)


async def _facets(base: Sql, chosen, conditions, allowed, availability) -> list[Facet]:
    parts = []
    for group, taxonomy in TAG_TAXONOMIES.items():
        parts.append(
            Sql(f"SELECT '{group}' AS facet, t.code AS value, COUNT(*) AS n FROM base b JOIN directory_tag t ON t.organisation = b.organisation "
                "WHERE t.taxonomy = {} AND ", (taxonomy,))
            + _except(conditions, group) + " GROUP BY t.code"
        )
    parts.append(
        Sql(f"SELECT 'framework', f.reference, COUNT(DISTINCT a.organisation) FROM base b JOIN appointment a ON a.organisation = b.organisation {LIVE_JOINS} WHERE ")
        + _except(conditions, "framework") + " GROUP BY f.reference"
    )
    parts.append(
        Sql(f"SELECT 'lot', f.reference || ':' || CAST(l.number AS TEXT), COUNT(DISTINCT a.organisation) FROM base b "
            f"JOIN appointment a ON a.organisation = b.organisation {LIVE_JOINS} WHERE ")
        + _except(conditions, "lot") + " GROUP BY f.reference, l.number"
    )
    for value, ids in availability.items():
        having = Sql("b.organisation IN (") + in_list(ids) + ")" if ids else Sql("1 = 0")
        parts.append(Sql(f"SELECT 'availability', '{value}', COUNT(*) FROM base b WHERE ") + _except(conditions, "availability") + " AND " + having)
    union = joined(" UNION ALL ", parts)
    counts: dict[str, dict[str, int]] = {group: {} for group in GROUPS}
    for row in await DirectoryEntry.raw(*_args(base + union)):
        counts[row["facet"]][row["value"]] = row["n"]
    counts["size"]["sme"] = sum(counts["size"].get(size, 0) for size in SME)
    return [
        Facet(group, legend, [
            Option(value, label, counts[group].get(value, 0), value in chosen[group])
            for value, label in allowed[group].items()
            if counts[group].get(value, 0) or value in chosen[group]
        ])
        for group, legend in GROUPS.items()
        if allowed[group]
    ]


async def _details(rows: list[dict], places: dict[int, int | None] | None) -> list[Result]:
    """The page's results, with what the list shows of each."""
    ids = [row["organisation"] for row in rows]
    if not ids:
        return []
    tags: dict[int, dict[str, list[str]]] = {i: {"regions": [], "engagement_methods": []} for i in ids}
    for tag in await DirectoryTag.select(DirectoryTag.organisation, DirectoryTag.taxonomy, DirectoryTag.code).where(
        DirectoryTag.organisation.is_in(ids) & DirectoryTag.taxonomy.is_in(["regions", "engagement_methods"])
    ):
        tags[tag["organisation"]][tag["taxonomy"]].append(tag["code"])
    lots: dict[int, list[LotPlace]] = {i: [] for i in ids}
    for row in await Appointment.select(
        Appointment.organisation, Appointment.rank, Appointment.framework.reference.as_alias("framework"),
        Appointment.framework.title.as_alias("framework_title"), Appointment.lot.number.as_alias("lot"), Appointment.lot.title.as_alias("lot_title"),
    ).where(Appointment.organisation.is_in(ids) & (Appointment.framework.state == State.LIVE)).order_by(
        Appointment.framework.reference
    ).order_by(Appointment.lot.number):
        lots[row["organisation"]].append(LotPlace(row["framework"], row["framework_title"], row["lot"], row["lot_title"], row["rank"]))
    return [
        Result(
            organisation_id=row["organisation"], name=row["name"], size=row["size"],
            regions=_in_taxonomy_order("regions", tags[row["organisation"]]["regions"]),
            methods=_in_taxonomy_order("engagement_methods", tags[row["organisation"]]["engagement_methods"]),
            lots=lots[row["organisation"]],
            places_left=places.get(row["organisation"]) if places is not None else None,
        )
        for row in rows
    ]


def _in_taxonomy_order(taxonomy: str, codes: list[str]) -> list[str]:
    order = {term.code: position for position, term in enumerate(taxonomies.terms(taxonomy))}
    return sorted(codes, key=lambda code: order.get(code, len(order)))
