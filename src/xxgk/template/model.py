"""What the template's sheets are written from: the spec, its layout, the values to write, and the cached
results of every formula (cells and verdicts), computed the way the formulas compute them so that readers
that do not recalculate, and previews, show the right totals and verdicts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from xxgk.checksheet import BAD, CHECK_FIRST_ROW, WARN, CoverLine, RuleLine, check_name
from xxgk.layout import Layout, plan_layout
from xxgk.rules.ast import Expr
from xxgk.rules.excel import NotCompilable, compile_check
from xxgk.rules.expand import computed_cells, expand_rules
from xxgk.rules.vector import evaluate, evaluate_check
from xxgk.spec import Field, FormSpec
from xxgk.template.covercheck import cover_checks
from xxgk.template.sheet import excel_number, new_sheet, protect
from xxgk.template.styles import make_styles


class TemplateModel:
    """One template being written: its workbook, styles, values and cached results."""

    def __init__(self, spec: FormSpec, workbook: Workbook, values: dict[str, object],
                 overrides: dict[str, object]) -> None:
        self.spec = spec
        self.wb = workbook
        self.values = values
        self.overrides = overrides
        self.layout: Layout = plan_layout(spec)
        self.exprs = computed_cells(spec)
        self.styles = make_styles(workbook)
        self.numbers = cached_numbers(spec, self.exprs, values, overrides)
        self.cover_lines = [CoverLine(c, CHECK_FIRST_ROW + k, c.passes(self.field_value(c.field), spec))
                            for k, c in enumerate(cover_checks(spec))]
        self.checks = rule_lines(spec, self.addr, self.numbers, self.cover_lines)
        self.failed = (sum(1 for line in self.cover_lines if not line.passed)
                       + sum(1 for c in self.checks if c.bad == BAD and not c.cached[2]))

    def addr(self, cid: str) -> str:
        return self.layout.pos[cid].ref

    def field_value(self, f: Field) -> object:
        return self.values.get(f.id, f.default)

    def new_sheet(self, name: str) -> Worksheet:
        return new_sheet(self.wb, name)

    @staticmethod
    def protect(ws: Worksheet) -> None:
        protect(ws)


def cached_numbers(spec: FormSpec, exprs: dict[str, Expr], values: dict[str, object],
                   overrides: dict[str, object]) -> dict[str, float]:
    """Every cell's value as the formulas see it: inputs through N(), computed cells evaluated in
    dependency order unless overridden."""
    numbers = {cid: excel_number(values.get(cid)) for cid in spec.cells}
    column = _columns(numbers)
    for cid, expr in exprs.items():
        numbers[cid] = (excel_number(overrides[cid]) if cid in overrides
                        else float(evaluate(expr, column, None, 1)[0]))
    return numbers


def rule_lines(spec: FormSpec, addr: Callable[[str], str], numbers: dict[str, float],
               cover_lines: list[CoverLine]) -> list[RuleLine]:
    """The 校验 rows of the rule instances the workbook can check (no previous-year data, compilable),
    after the cover's rows, with their formulas and cached results."""
    checks: list[RuleLine] = []
    names: dict[str, str] = {line.check.name: line.check.key for line in cover_lines}
    first = CHECK_FIRST_ROW + len(cover_lines)
    column = _columns(numbers)
    for inst in expand_rules(spec):
        if inst.uses_prev:
            continue
        try:
            left, right, cond = compile_check(inst.check, addr, inst.rule.tolerance)
        except NotCompilable:
            continue
        name = check_name(inst.key)
        if name in names:
            raise ValueError(f"checks {names[name]} and {inst.key} get the same name {name}")
        names[name] = inst.key
        lv, rv, passed = evaluate_check(inst.check, column, None, 1, inst.rule.tolerance)
        bad = WARN if inst.rule.severity == "warning" else BAD
        checks.append(RuleLine(inst, first + len(checks), left, right, cond, bad,
                               (float(lv[0]), float(rv[0]), bool(passed[0]))))
    return checks


def _columns(numbers: dict[str, float]) -> Callable[[str], np.ndarray]:
    """The evaluator's view of `numbers` (read live: later entries count): one row per cell."""
    return lambda cid: np.array([numbers[cid]])
