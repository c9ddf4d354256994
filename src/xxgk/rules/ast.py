"""The rule AST. Patterns (with {var} and @group) and concrete instances share these node types."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Ref:
    """A cell id, or before expansion a pattern such as requests.{r}.@applicants."""

    id: str


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Sum:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class BinOp:
    op: str  # "+" or "-"
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Prev:
    """The value of the wrapped expression in last year's report."""

    expr: Expr


Expr = Ref | Num | Sum | BinOp | Prev


@dataclass(frozen=True)
class Compare:
    op: str  # "==", "~=", "<=", ">="
    left: Expr
    right: Expr


def walk_refs(expr: Expr, in_prev: bool = False) -> Iterator[tuple[Ref, bool]]:
    """Every Ref in the expression with whether it sits inside prev()."""
    if isinstance(expr, Ref):
        yield expr, in_prev
    elif isinstance(expr, Sum):
        for item in expr.items:
            yield from walk_refs(item, in_prev)
    elif isinstance(expr, BinOp):
        yield from walk_refs(expr.left, in_prev)
        yield from walk_refs(expr.right, in_prev)
    elif isinstance(expr, Prev):
        yield from walk_refs(expr.expr, True)
