"""Evaluate rule ASTs over many fills at once: one numpy column per cell id, one row per agency."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from xxgk.rules.ast import BinOp, Compare, Expr, Num, Prev, Ref, Sum

Column = Callable[[str], np.ndarray]

EPSILON = 1e-6  # amounts carry at most 6 decimals; below this two values are the same


def evaluate(expr: Expr, cur: Column, prev: Column | None, n: int) -> np.ndarray:
    """Values of the expression, float64 of length n; NaN where prev() has no previous value."""
    if isinstance(expr, Num):
        return np.full(n, expr.value)
    if isinstance(expr, Ref):
        return cur(expr.id)
    if isinstance(expr, Sum):
        total = np.zeros(n)
        for item in expr.items:
            total = total + evaluate(item, cur, prev, n)
        return total
    if isinstance(expr, BinOp):
        left = evaluate(expr.left, cur, prev, n)
        right = evaluate(expr.right, cur, prev, n)
        return left + right if expr.op == "+" else left - right
    if isinstance(expr, Prev):
        if prev is None:
            return np.full(n, np.nan)
        return evaluate(expr.expr, prev, None, n)
    raise TypeError(expr)


def evaluate_check(check: Compare, cur: Column, prev: Column | None, n: int,
                   tolerance: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left, right, passed): passed is True where the check holds or cannot be applied (NaN side)."""
    left = evaluate(check.left, cur, prev, n)
    right = evaluate(check.right, cur, prev, n)
    tol = tolerance + EPSILON
    with np.errstate(invalid="ignore"):
        if check.op in ("==", "~="):
            passed = np.abs(left - right) <= tol
        elif check.op == "<=":
            passed = left <= right + tol
        else:
            passed = left >= right - tol
    passed = passed | np.isnan(left) | np.isnan(right)
    return left, right, passed
