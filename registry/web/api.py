"""The JSON API's conventions (/api/v1), in one place: pagination and the error body. A service's
refusal gets the same answer as on the pages, from the app's one table (registry.web.errors).

- A list is a page: `{"items": [...], "page", "page_size", "total", "links": {"self", "next",
  "prev"}, "notes": [...]}`. A `page_size` over MAX_PAGE_SIZE is clamped, and `notes` says so.
- Every error is `{"status_code", "detail", "errors"?}` (registry.web.errors): 400 for a request that
  cannot be understood (malformed JSON, a wrong type, an unknown filter value, a bad page number),
  naming each parameter; 401 when not signed in; 403 when signed in but not allowed (recorded, as
  the pages do); 404 for what does not exist or is not yours to know of; 422 for a well-formed
  request that breaks a rule, with each field's problem in the pages' own words.
- Each domain's API controller calls the same service functions as its pages, so that who may see
  what is decided once, in the service."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, NoReturn, TypeVar
from urllib.parse import urlencode

from litestar import Request
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, Example, SecurityScheme
from litestar.params import PathParameter, QueryParameter
from pydantic import BaseModel, Field

from registry.hooks import Hook

PREFIX = "/api/v1"
TEXT = r"^[^\x00]*$"  # a text parameter: anything but NUL, which no database stores
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")

# --- Authentication, as the OpenAPI document describes it ---------------------------------------

SECURITY_SCHEMES = {
    "BearerToken": SecurityScheme(
        type="http", scheme="bearer",
        description="An API token created at /account/api-tokens, sent as `Authorization: Bearer <token>`",
    ),
    "SessionCookie": SecurityScheme(
        type="apiKey", security_scheme_in="cookie", name="registry_session",
        description="A signed-in browser session; state-changing requests also need the CSRF token in the `X-CSRFToken` header",
    ),
}
COMPONENTS = Components(security_schemes=SECURITY_SCHEMES)
SIGNED_IN = [{"BearerToken": []}, {"SessionCookie": []}]  # an operation that needs a signed-in user
OPTIONAL = [{}, *SIGNED_IN]  # public, but some users see more
DESCRIPTION = (
    "The registry's JSON API. Lists are paginated (`page`, `page_size`, at most "
    f"{MAX_PAGE_SIZE} a page; `links.next` is the next page). Sign in with an API token "
    "(`Authorization: Bearer <token>`) or a browser session. Errors are JSON: 400 malformed request, "
    "401 not signed in, 403 not allowed, 404 not found, 422 a rule broken (each field's problem in `errors`)."
)

# --- Parameters ---------------------------------------------------------------------------------


def number(description: str) -> PathParameter:
    """A whole number in the path (an id, a lot or version number): from 1 to what the database holds."""
    return PathParameter(ge=1, le=MAX_ID, description=description, examples=[Example(value=1)])


# --- Errors -------------------------------------------------------------------------------------


class FieldProblem(BaseModel):
    key: str | None = Field(default=None, description="The parameter or field", examples=["title"])
    message: str = Field(examples=["Enter the framework's title"])
    source: str | None = Field(default=None, description="Where it was: query, path or body", examples=["body"])


class Problem(BaseModel):
    status_code: int = Field(examples=[422])
    detail: str = Field(examples=["Check the fields named in errors"])
    errors: list[FieldProblem] | None = None


_MEANINGS = {
    400: "The request is malformed: `errors` names each parameter or field",
    401: "Not signed in (send a valid API token, or sign in)",
    403: "Signed in, but not allowed to see or do this",
    404: "There is no such thing, or it is not yours to see",
    422: "A rule was broken: `errors` gives each field's problem",
}


def errors(*codes: int) -> dict[int, ResponseSpec]:
    """The error responses an operation documents: 400 and 401 always (a malformed request, an API
    token that is not valid), and `codes`."""
    return {code: ResponseSpec(data_container=Problem, description=_MEANINGS[code], generate_examples=False) for code in sorted({400, 401, *codes})}


def invalid(problems: dict[str | None, str], *, source: str = "body", status_code: int = 422) -> NoReturn:
    """Refuse the request with each field's problem (422: a rule broken; 400: a malformed parameter)."""
    detail = "Check the fields named in errors" if status_code == 422 else "Check the parameters named in errors"
    raise ValidationException(
        detail=detail, status_code=status_code,
        extra=[{"key": key, "message": message, "source": source} for key, message in problems.items()],
    )


def bad_parameter(name: str, message: str) -> NoReturn:
    invalid({name: message}, source="query", status_code=400)


# How a refusal is answered and recorded: the pages' recorded 403 (registry.accounts.auth.deny,
# registered by registry.app.register_hooks). The signed-in user is the one the middleware put on the request.
refusals: Hook[[Request, object, str], None] = Hook("a signed-in user was refused")



# --- Pagination ---------------------------------------------------------------------------------

PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000, description="The page, from 1")]
PageSize = Annotated[int, QueryParameter(ge=1, le=1_000_000, description=f"Items a page; at most {MAX_PAGE_SIZE} (more is clamped)")]


class Links(BaseModel):
    self: str = Field(examples=["/api/v1/frameworks?page=1&page_size=20"])
    next: str | None = Field(default=None, examples=["/api/v1/frameworks?page=2&page_size=20"])
    prev: str | None = Field(default=None, examples=[None])


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int = Field(examples=[1])
    page_size: int = Field(description=f"Items a page, as used: at most {MAX_PAGE_SIZE}", examples=[20])
    total: int = Field(description="Items on every page together", examples=[42])
    links: Links
    notes: list[str] = Field(default_factory=list, description="What the service changed in the request, and why", examples=[[]])


@dataclass(frozen=True)
class Paging:
    """One request's page: the number and the (clamped) size asked for, and where the page starts."""

    request: Request
    page: int
    size: int
    notes: tuple[str, ...]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def window(self, items: Sequence[T]) -> list[T]:
        """This page's part of a list held whole."""
        return list(items[self.offset:self.offset + self.size])

    def slice(self, items: Sequence[T]) -> "Page[T]":
        """The page of a list held whole."""
        return self.result(self.window(items), len(items))

    def result(self, items: list, total: int, **extra_query: object) -> Page:
        """The page whose `items` were fetched already, of `total` in all."""
        last = max(1, -(-total // self.size))
        return Page(
            items=items, page=self.page, page_size=self.size, total=total, notes=list(self.notes),
            links=Links(
                self=self._link(self.page, extra_query),
                next=self._link(self.page + 1, extra_query) if self.page < last else None,
                prev=self._link(min(self.page - 1, last), extra_query) if self.page > 1 else None,
            ),
        )

    def _link(self, page: int, extra_query: dict) -> str:
        pairs = [(k, v) for k, v in self.request.query_params.multi_items() if k not in ("page", "page_size", *extra_query)]
        pairs += [(k, str(v)) for k, v in extra_query.items()]
        pairs += [("page", str(page)), ("page_size", str(self.size))]
        return f"{self.request.url.path}?{urlencode(pairs)}"


def paging(request: Request, page: int, page_size: int) -> Paging:
    notes = ()
    if page_size > MAX_PAGE_SIZE:
        notes = (f"page_size {page_size} is over the maximum of {MAX_PAGE_SIZE}: pages have {MAX_PAGE_SIZE} items",)
    return Paging(request=request, page=page, size=min(page_size, MAX_PAGE_SIZE), notes=notes)
