"""Compile rule ASTs to Excel formulas (used for computed cells, the 校验 sheet and conditional formats).

Only functions that Excel 2010+, WPS and LibreOffice all evaluate identically are emitted: SUM, N, ABS, IF.
"""

from __future__ import annotations

from collections.abc import Callable

from xxgk.rules.ast import BinOp, Compare, Expr, Num, Prev, Ref, Sum
from xxgk.rules.vector import EPSILON

Address = Callable[[str], str]


class NotCompilable(ValueError):
    """The expression needs data the workbook does not hold (e.g. last year's values)."""


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def compile_expr(expr: Expr, addr: Address, prev_addr: Address | None = None) -> str:
    if isinstance(expr, Num):
        return _num(expr.value)
    if isinstance(expr, Ref):
        return f"N({addr(expr.id)})"
    if isinstance(expr, Sum):
        parts = [addr(i.id) if isinstance(i, Ref) else compile_expr(i, addr, prev_addr) for i in expr.items]
        return f"SUM({','.join(parts)})"
    if isinstance(expr, BinOp):
        right = compile_expr(expr.right, addr, prev_addr)
        if expr.op == "-" and isinstance(expr.right, BinOp):
            right = f"({right})"
        return f"{compile_expr(expr.left, addr, prev_addr)}{expr.op}{right}"
    if isinstance(expr, Prev):
        if prev_addr is None:
            raise NotCompilable("prev() needs last year's values")
        return compile_expr(expr.expr, prev_addr, None)
    raise TypeError(expr)


def compile_check(check: Compare, addr: Address, tolerance: float = 0.0,
                  prev_addr: Address | None = None) -> tuple[str, str, str]:
    """(left formula, right formula, pass condition) without leading '='."""
    left = compile_expr(check.left, addr, prev_addr)
    right = compile_expr(check.right, addr, prev_addr)
    tol = _num(tolerance + EPSILON)  # the same margin as the vectorised evaluator
    if check.op in ("==", "~="):
        cond = f"ABS(({left})-({right}))<={tol}"
    elif check.op == "<=":
        cond = f"({left})<=({right})+{tol}"
    else:
        cond = f"({left})>=({right})-{tol}"
    return left, right, cond


def verdict_formula(cond: str, ok: str = "✓", bad: str = "✗") -> str:
    return f'=IF({cond},"{ok}","{bad}")'
