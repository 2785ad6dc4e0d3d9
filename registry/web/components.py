"""GOV.UK Frontend's component macros, rendered once per distinct set of parameters and remembered.

A component macro is a pure function of its parameters: it is imported without the page's context
and its output depends on nothing else. A page calls a dozen of them, mostly with the same
parameters on every request (the header, the navigation, the phase banner, a search box and its
buttons), and each call costs a tenth to half a millisecond of nested macro calls. A remembered call
costs turning its parameters into a key.

Templates import the components as usual; `ComponentTemplate` (the environment's template class)
wraps each macro of a component's template as it is imported. Calls with a `caller` (a `{% call %}`
block), with parameters holding anything other than plain values, or with much text (a long typed
answer) are rendered every time and not kept."""

import marshal
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Template, Undefined
from jinja2.environment import TemplateModule
from markupsafe import Markup

PACKAGE = "govuk_frontend_jinja"
REMEMBERED = 4096  # distinct calls kept, least recently used forgotten first
LONGEST_TEXT = 2000  # characters of text in one call's parameters beyond which it is not kept
LONGEST_MARSHALLED = LONGEST_TEXT + 1024  # bytes: the same, for parameters keyed by marshal (text and its structure)
PLAIN = (bool, int, float, Decimal, date, datetime, type(None))


class Unkeyable(Exception):
    """The parameters hold something that cannot safely be part of a key."""


def key_of(params: Any) -> bytes | tuple:
    """A hashable key equal for equal parameters only: every value keeps its type, so that Markup
    and str (escaped differently) or True and 1 (printed differently) never share a key. Parameters
    of the builtin types alone (most calls) are keyed by `marshal`, in C, which keeps each value's
    exact type and refuses anything else (a subclass such as Markup, a date): those are keyed value
    by value. The two kinds of key are never equal to each other."""
    try:
        marshalled = marshal.dumps(params)
    except ValueError:
        return _key_by_value(params)
    if len(marshalled) > LONGEST_MARSHALLED:
        raise Unkeyable
    return marshalled


def _key_by_value(params: Any) -> tuple:
    budget = [LONGEST_TEXT]

    def frozen(value: Any) -> Any:
        if type(value) is dict:  # exactly: a subclass may render differently
            return (dict, tuple((frozen(name), frozen(item)) for name, item in value.items()))
        if type(value) in (list, tuple):
            return (type(value), tuple(frozen(item) for item in value))
        if isinstance(value, Undefined):
            return (Undefined,)
        if isinstance(value, str):
            budget[0] -= len(value)
            if budget[0] < 0:
                raise Unkeyable
            return (type(value), value)
        if isinstance(value, PLAIN):  # by repr: equal values may print differently (1.0 and 1.00, one moment in two zones)
            return (type(value), repr(value))
        raise Unkeyable

    return frozen(params)


class _Call:
    """One call of a component macro, compared by the macro's name and its parameters' key."""

    __slots__ = ("macro", "name", "key", "params", "hash")

    def __init__(self, macro: Callable, name: str, key: tuple, params: Any) -> None:
        self.macro, self.name, self.key, self.params = macro, name, key, params
        self.hash = hash((name, key))

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Call) and self.name == other.name and self.key == other.key


@lru_cache(maxsize=REMEMBERED)
def _rendered(call: _Call) -> Markup:
    try:
        return call.macro(call.params)
    finally:
        call.macro = call.params = None  # kept as the cache's key: hold on to nothing the page passed


class RememberedMacro:
    def __init__(self, macro: Callable, name: str) -> None:
        self.macro, self.name = macro, name

    def __call__(self, *args: Any, **kwargs: Any) -> Markup:
        if kwargs or len(args) != 1:
            return self.macro(*args, **kwargs)
        try:
            key = key_of(args[0])
        except Unkeyable:
            return self.macro(*args)
        return _rendered(_Call(self.macro, self.name, key, args[0]))


class ComponentTemplate(Template):
    def make_module(self, vars=None, shared=False, locals=None) -> TemplateModule:  # noqa: A002 (Jinja's names)
        module = super().make_module(vars, shared, locals)
        # Not when imported with the page's context: the macros could then read more than their parameters.
        if not shared and self.name and self.name.startswith("components/") and PACKAGE in (self.filename or ""):
            for name, value in list(module.__dict__.items()):
                if name.startswith("govuk") and callable(value):
                    # Keyed by the environment too: each has its own filters and globals.
                    setattr(module, name, RememberedMacro(value, f"{id(self.environment)}:{self.name}:{name}"))
        return module
