"""The accredited-supplier directory's pages: the search (public; availability for officials) and
each appointed supplier's profile. Every filter lives in the query string, so a search is a link
that can be shared; its `seed` (given on first arrival) keeps its fair order the same page after page."""

import secrets
from dataclasses import replace
from functools import lru_cache
from urllib.parse import urlencode

from jinja2 import Environment
from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from markupsafe import Markup

from registry.accounts.auth import CurrentUser, OptionalUser
from registry.accounts.tables import Role
from registry.directory import profiles, search
from registry import paging
from registry.directory.index import TAXONOMIES
from registry.engagements.tables import MEASURES
from registry.frameworks import eligibility
from registry.reference import taxonomies
from registry.web.forms import FormResult
from registry.web.pages import page
from registry.web.remembered import Rendered, users_copy, visitors_copy

def _names() -> dict:
    return {name: {term.code: term.name for term in taxonomies.terms(name)} for name in TAXONOMIES}


def _whole_number(text: str | None, below: int) -> int | None:
    """A whole number from the query string, or None for anything else (nothing to fail on)."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) >= below:  # "²" is a digit int() refuses
        return None
    return int(text)


@lru_cache(maxsize=64)
def _filters_html(environment: Environment, facets: tuple[search.Facet, ...]) -> Markup:
    """The filter checkboxes, rendered once per distinct set of options and counts. They are most of
    the page's rendering (some 250 checkboxes), and the same on every page of a search and for
    everyone who searches for the same thing."""
    checkboxes = environment.get_template("directory/_facets.html").module.facet_checkboxes
    return Markup("").join(checkboxes(facet) for facet in facets if facet.options or facet.hint)


@lru_cache(maxsize=4096)
def _card_html(environment: Environment, result: search.Result, official: bool) -> Markup:
    """One result's card, rendered once per distinct content and kept: a supplier looks the same in
    every search that finds it until its entry changes (and with it the result)."""
    card = environment.get_template("directory/_result.html").module.result_card
    return card(result, _names(), search.SIZE_LABELS, official)


def _href(text: str, chosen: dict, sort: str, seed: int | None, page_number: int = 1) -> str:
    pairs = [("q", text)] if text else []
    pairs += [(group, value) for group, values in chosen.items() for value in values]
    pairs += [("sort", sort)] if sort != "relevance" else []
    pairs += [("seed", seed)] if seed is not None else []
    pairs += [("page", page_number)] if page_number > 1 else []
    return "/suppliers?" + urlencode(pairs) if pairs else "/suppliers"


def _selected(results: search.Results, text: str, seed: int | None) -> list[dict]:
    """The chosen filters, by group, each with the address of the same search without it."""
    labels = {(facet.name, option.value): option.label for facet in results.facets for option in facet.options}
    groups = []
    for group, values in results.chosen.items():
        if not values:
            continue
        items = []
        for value in values:
            without = {**results.chosen, group: tuple(v for v in values if v != value)}
            items.append({"label": labels.get((group, value), value), "href": _href(text, without, results.sort, seed)})
        groups.append({"legend": search.GROUPS[group], "all_of": group in search.ALL_OF, "items": items})
    return groups


class DirectoryController(Controller):
    path = "/suppliers"
    include_in_schema = False

    @get("/", name="directory")
    async def index(self, request: Request, user: OptionalUser) -> Template | Redirect | Response:
        async def build() -> Rendered:
            return Rendered(await self.search_page(request, user), until=None)  # the directory reads no clock: live frameworks are stored

        return await (users_copy if user is not None else visitors_copy)(request, build)

    @get("/{organisation_id:int}", name="directory_supplier")
    async def show(self, request: Request, organisation_id: FromPath[int], user: OptionalUser) -> Template | Response:
        return await visitors_copy(request, lambda: self.profile_page(organisation_id, user))

    async def search_page(self, request: Request, user: CurrentUser | None) -> Template | Redirect:
        params = request.query_params
        typed = params.get("q") or ""
        requested_page = _whole_number(params.get("page"), below=10**9) or 1
        seed = _whole_number(params.get("seed"), below=search.PRIME)
        query = search.Query(
            text=typed.strip(), filters={group: params.getall(group) for group in search.GROUPS if group in params},
            sort=params.get("sort") or "relevance", page=requested_page, seed=seed or 0, official=search.is_official(user),
        )
        problem = search.text_problem(query.text)
        if seed is None and problem is None:  # a new search: give it its own fair order, in its address
            chosen = {group: query.filters.get(group, []) for group in search.GROUPS}
            return Redirect(_href(query.text, chosen, query.sort, secrets.randbelow(search.PRIME)), status_code=303)
        results = await search.search(replace(query, text="") if problem else query)

        environment = request.app.template_engine.engine

        def link(number: int) -> str:
            return _href(query.text, results.chosen, results.sort, seed, number)

        return page(
            "directory/search.html",
            FormResult(data=None, errors={"q": problem} if problem else {}, values={"q": typed, "sort": results.sort}),
            results=None if problem else results, filters_html=_filters_html(environment, tuple(results.facets)), ignored=results.ignored,
            cards=[] if problem else [_card_html(environment, result, query.official) for result in results.results],
            pagination=None if problem else paging.pagination(results.page, results.pages, link), sorts=search.SORTS,
            seed=seed, beyond_last=requested_page > results.pages,
            clear_href=_href("" if problem else query.text, {}, results.sort, seed),
            filtered=any(results.chosen.values()), selected=_selected(results, query.text, seed),
        )

    async def profile_page(self, organisation_id: int, user: CurrentUser | None) -> Template:
        supplier = await profiles.supplier_page(organisation_id, official=search.is_official(user))
        if supplier is None:
            raise NotFoundException("There is no appointed supplier here")
        return page(
            "directory/profile.html", supplier=supplier, names=_names(), size_labels=search.SIZE_LABELS, measures=MEASURES,
            may_commission=user is not None and user.has_role(Role.COMMISSIONER),
            commission_under=await eligibility.references_open_to(user.organisation_id) if user is not None and user.has_role(Role.COMMISSIONER) else set(),
        )
