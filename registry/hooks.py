"""How a package lets the packages above it take part in what it does, without importing them.

A lower package never imports a higher one (pyproject.toml's import-linter contract). When one of
its actions needs what a later package knows or does – the lifecycle asking the evaluation whether
moderation may start, a published notice becoming an OCDS release – it declares a `Hook`, and the
later package registers with it when the app starts (registry.app.register_hooks, listed the way
Piccolo apps are). A hook's callbacks run in the order they were registered, inside the caller's
transaction, so that what they do is committed or rolled back with the action itself."""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Hook(Generic[P, R]):
    """The callbacks that later packages registered for one moment of a lower package's work."""

    def __init__(self, moment: str):
        self.moment = moment  # what the callbacks are told of, for a reader of the code and of errors
        self._callbacks: list[Callable[P, Awaitable[R]]] = []

    def register(self, callback: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        """Add a callback (once: registering it again changes nothing)."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    async def run(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        """Call every callback in turn, and give back what each returned."""
        return [await callback(*args, **kwargs) for callback in self._callbacks]

    def __repr__(self) -> str:
        return f"Hook({self.moment!r}, {len(self._callbacks)} registered)"


class Named(Generic[P, R]):
    """Callbacks that later packages registered under a name, for a lower package to call by the
    names its own data gives (a transition names the checks that guard it). A name nothing
    registered is an error of the wiring, not a pass: the move it guards must not go ahead unchecked."""

    def __init__(self, what: str):
        self.what = what
        self._by_name: dict[str, Callable[P, Awaitable[R]]] = {}

    def register(self, name: str, callback: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        """Register `callback` as `name` (again, the same one, changes nothing)."""
        if self._by_name.setdefault(name, callback) is not callback:
            raise ValueError(f"The {self.what} {name!r} is registered already")
        return callback

    def registered(self, name: str) -> bool:
        return name in self._by_name

    @contextmanager
    def replaced(self, name: str, callback: Callable[P, Awaitable[R]]) -> Iterator[None]:
        """`name` answered by `callback` inside the block, and by what it was before after it (tests:
        a procedure of their own, or a check that must not run)."""
        before = self._by_name.get(name)
        self._by_name[name] = callback
        try:
            yield
        finally:
            if before is None:
                del self._by_name[name]
            else:
                self._by_name[name] = before

    async def run(self, names, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        """Call the callbacks registered under `names`, in that order, and give back what each returned."""
        missing = [name for name in names if name not in self._by_name]
        if missing:
            raise LookupError(f"Nothing registered the {self.what} {', '.join(map(repr, missing))}: is its package in registry.app.STAGES?")
        return [await self._by_name[name](*args, **kwargs) for name in names]

    def __repr__(self) -> str:
        return f"Named({self.what!r}, {sorted(self._by_name)})"
