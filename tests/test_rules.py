"""The rule language: one parse, an Excel formula and a vectorised evaluation of the same AST."""

from __future__ import annotations

import numpy as np
import pytest

from xxgk.rules.ast import BinOp, Compare, Num, Prev, Ref, Sum
from xxgk.rules.excel import NotCompilable, compile_check, compile_expr
from xxgk.rules.parser import RuleSyntaxError, parse_check
from xxgk.rules.vector import evaluate, evaluate_check


def test_parse_precedence_and_nodes() -> None:
    ast = parse_check("a.b + c.d - 2 == sum(e.f, g.h) + prev(i.j)")
    assert ast == Compare("==", BinOp("-", BinOp("+", Ref("a.b"), Ref("c.d")), Num(2.0)),
                          BinOp("+", Sum((Ref("e.f"), Ref("g.h"))), Prev(Ref("i.j"))))


@pytest.mark.parametrize("text", ["a.b", "a.b == ", "a.b == c.d)", "prev(a.b, c.d) == 1", "a.b ! c.d", "== a.b"])
def test_parse_errors(text: str) -> None:
    with pytest.raises(RuleSyntaxError):
        parse_check(text)


ADDR = {"a": "'S'!$A$1", "b": "'S'!$B$1", "c": "'S'!$C$1"}


def test_excel_compilation() -> None:
    check = parse_check("a - (b + c) >= sum(a, b)")
    left, right, cond = compile_check(check, ADDR.__getitem__)
    assert left == "N('S'!$A$1)-(N('S'!$B$1)+N('S'!$C$1))"
    assert right == "SUM('S'!$A$1,'S'!$B$1)"
    assert cond.startswith(f"({left})>=({right})-")
    with pytest.raises(NotCompilable):
        compile_expr(Prev(Ref("a")), ADDR.__getitem__)


def test_parenthesised_subtraction_is_evaluated_like_excel() -> None:
    check = parse_check("a - (b - c) == 0")
    cols = {"a": np.array([5.0]), "b": np.array([7.0]), "c": np.array([2.0])}
    left, _, passed = evaluate_check(check, cols.__getitem__, None, 1)
    assert left[0] == 0 and passed[0]
    assert compile_check(check, ADDR.__getitem__)[0] == "N('S'!$A$1)-(N('S'!$B$1)-N('S'!$C$1))"


def test_vector_evaluation_with_and_without_previous() -> None:
    cur = {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([1.0, 0.0, 3.0])}
    prev = {"a": np.array([1.0, np.nan, 9.0])}
    check = parse_check("b == prev(a)")
    _, _, passed = evaluate_check(check, cur.__getitem__, prev.__getitem__, 3)
    assert list(passed) == [True, True, False]  # NaN (no previous report) is not applicable
    assert list(evaluate(Sum((Ref("a"), Ref("b"))), cur.__getitem__, None, 3)) == [2.0, 2.0, 6.0]
    _, _, without = evaluate_check(check, cur.__getitem__, None, 3)
    assert without.all()


def test_tolerance_applies_to_approximate_checks() -> None:
    cur = {"a": np.array([10.0, 10.0]), "b": np.array([12.0, 13.0])}
    _, _, passed = evaluate_check(parse_check("a ~= b"), cur.__getitem__, None, 2, tolerance=2)
    assert list(passed) == [True, False]
