"""A recording stand-in for the xlwings object model: wraps a book (here xlwings' remote book) and counts every
operation a COM book would turn into a round trip to Excel — each property read or write and each method call on
an xlwings object (Book, Sheets, Sheet, Range, Names, Name, App, Font...), each item taken from a collection. What
stays in Python (xlwings' own option objects and row/column wrappers, the remote book's payload dict behind
`.api`) is not counted."""

from __future__ import annotations

from typing import Any

FREE = {"api", "impl"}  # the remote book's payload dict; not a call on a COM book either when only passed on
PURE = {"options"}  # xlwings' own Python: no round trip to Excel
PURE_ATTRS = {"rows", "columns"}  # Range.rows/.columns: xlwings' RangeRows/RangeColumns wrap the Range in Python


class Count:
    def __init__(self) -> None:
        self.ops: list[str] = []

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        return len(self.ops)


def _xlwings(value: Any) -> bool:
    return type(value).__module__.startswith("xlwings") and not isinstance(value, (str, int, float, bool))


def unwrap(value: Any) -> Any:
    return value._t if isinstance(value, Recorded) else value


def wrap(value: Any, count: Count, path: str) -> Any:
    return Recorded(value, count, path) if _xlwings(value) else value


class Recorded:
    def __init__(self, target: Any, count: Count, path: str) -> None:
        object.__setattr__(self, "_t", target)
        object.__setattr__(self, "_c", count)
        object.__setattr__(self, "_p", path)

    def __getattr__(self, name: str) -> Any:
        target, count, path = self._t, self._c, self._p
        value = getattr(target, name)
        if name in FREE:
            return value
        if callable(value) and not _xlwings(value):
            def call(*args: Any, **kw: Any) -> Any:
                if name not in PURE:
                    count.ops.append(f"{path}.{name}()")
                args = tuple(unwrap(a) for a in args)
                kw = {k: unwrap(v) for k, v in kw.items()}
                return wrap(value(*args, **kw), count, f"{path}.{name}()")
            return call
        if name not in PURE_ATTRS:
            count.ops.append(f"{path}.{name}")
        return wrap(value, count, f"{path}.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        self._c.ops.append(f"{self._p}.{name}=")
        setattr(self._t, name, unwrap(value))

    def __iter__(self) -> Any:
        for i, item in enumerate(self._t):
            self._c.ops.append(f"{self._p}[{i}]")
            yield wrap(item, self._c, f"{self._p}[{i}]")

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        self._c.ops.append(f"len({self._p})")
        return len(self._t)

    def __getitem__(self, key: Any) -> Any:
        self._c.ops.append(f"{self._p}[{key!r}]")
        return wrap(self._t[key], self._c, f"{self._p}[{key!r}]")

    def __call__(self, *args: Any, **kw: Any) -> Any:
        self._c.ops.append(f"{self._p}()")
        return wrap(self._t(*args, **kw), self._c, f"{self._p}()")

    def __eq__(self, other: object) -> bool:
        return bool(self._t == (other._t if isinstance(other, Recorded) else other))

    def __hash__(self) -> int:
        return hash(self._t)


def recorded(book: Any) -> tuple[Any, Count]:
    count = Count()
    return Recorded(book, count, "book"), count
