"""The vectorised rule engine: one frame (agencies × cell ids), every rule instance evaluated at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from xxgk.findings import ERROR, REGION_REASONS, USCC_REASONS, WARNING, Finding, finding, number
from xxgk.hints import Hint, fix_hints
from xxgk.identifiers import region_problem, uscc_problem
from xxgk.identity import parse_date
from xxgk.labels import field_title, rule_title
from xxgk.plausible import implausible
from xxgk.reader import Fill
from xxgk.rules.ast import walk_refs
from xxgk.rules.expand import RuleInstance, binding_labels, computed_cells, expand_rules
from xxgk.rules.vector import EPSILON, evaluate, evaluate_check
from xxgk.spec import FormSpec
from xxgk.yoy import year_over_year


@dataclass
class Frame:
    """Cell values of n fills of one form; computed cells recomputed unless a fill typed over them."""

    spec: FormSpec
    index: dict[str, int]
    values: np.ndarray  # (n, m) float64
    typed: np.ndarray  # (n, m) bool: a computed cell holding a typed value
    formula_values: dict[str, np.ndarray]  # computed cell -> what its formula gives

    @property
    def n(self) -> int:
        return int(self.values.shape[0])

    def column(self, cell_id: str) -> np.ndarray:
        return self.values[:, self.index[cell_id]]

    @classmethod
    def from_rows(cls, spec: FormSpec, values: np.ndarray, typed: np.ndarray | None = None) -> Frame:
        index = {cid: j for j, cid in enumerate(spec.cells)}
        typed = np.zeros(values.shape, dtype=bool) if typed is None else typed
        frame = cls(spec, index, values.astype(np.float64, copy=True), typed, {})
        frame._compute()
        return frame

    @classmethod
    def from_fills(cls, spec: FormSpec, fills: Sequence[Fill]) -> Frame:
        ids = list(spec.cells)
        values = np.array([[f.numbers[c] for c in ids] for f in fills], dtype=np.float64).reshape(len(fills), len(ids))
        typed = np.zeros(values.shape, dtype=bool)
        for i, f in enumerate(fills):
            for cid in f.typed_computed:
                typed[i, ids.index(cid)] = True
        return cls.from_rows(spec, values, typed)

    def _compute(self) -> None:
        for cid, expr in computed_cells(self.spec).items():
            j = self.index[cid]
            calc = evaluate(expr, self.column, None, self.n)
            self.formula_values[cid] = calc
            self.values[:, j] = np.where(self.typed[:, j], self.values[:, j], calc)


PrevColumn = Callable[[str], np.ndarray]


def previous_columns(spec: FormSpec, previous: Sequence[Fill | None]) -> PrevColumn | None:
    """Last year's values aligned to the current rows (NaN where no previous report or no such cell)."""
    if not any(previous):
        return None
    n = len(previous)
    frames: dict[str, tuple[Frame, list[int]]] = {}
    for form in {p.spec.form for p in previous if p is not None}:
        rows = [i for i, p in enumerate(previous) if p is not None and p.spec.form == form]
        pspec = next(p.spec for p in previous if p is not None and p.spec.form == form)
        frames[form] = (Frame.from_fills(pspec, [previous[i] for i in rows if previous[i] is not None]), rows)  # type: ignore[misc]

    def column(cell_id: str) -> np.ndarray:
        out = np.full(n, np.nan)
        for frame, rows in frames.values():
            cid = cell_id if cell_id in frame.index else spec.previous_aliases.get(cell_id)
            if cid in frame.index:
                out[rows] = frame.column(cid)
        return out

    return column


Where = Callable[[int, str], str]  # (row, cell id) -> the sheet-qualified address in that row's workbook


def fill_addresses(fills: Sequence[Fill]) -> Where:
    return lambda row, cell_id: fills[row].address(cell_id)


def fill_blanks(fills: Sequence[Fill]) -> Callable[[int, str], bool]:
    return lambda row, cell_id: cell_id in fills[row].blank


def _rule_finding(inst: RuleInstance, spec: FormSpec, cells: tuple[str, ...], left: float, right: float) -> Finding:
    labels = binding_labels(inst, spec)
    table = spec.table(inst.table).title
    diff = number(left - right)
    message = inst.rule.message.format(table=table, lhs=_fmt(left), rhs=_fmt(right), diff=_fmt(abs(diff)), **labels)
    return Finding("rule", inst.rule.severity, message, inst.key, inst.ids, cells, number(right), number(left),
                   rule_title(inst, spec))


def _fmt(value: float) -> str:
    v = number(value)
    return str(v)


@dataclass(frozen=True)
class RuleResults:
    """Both sides of every applicable rule instance for every row of a frame (rows × instances)."""

    instances: tuple[RuleInstance, ...]
    left: np.ndarray  # (n, k) float64
    right: np.ndarray  # (n, k)
    passed: np.ndarray  # (n, k) bool: holds, or cannot be applied (a NaN side)


def evaluate_rules(frame: Frame, previous: PrevColumn | None = None) -> RuleResults:
    """Every rule instance on every row; those needing last year's values are left out without them."""
    instances = tuple(i for i in expand_rules(frame.spec) if previous is not None or not i.uses_prev)
    shape = (frame.n, len(instances))
    left, right, passed = np.empty(shape), np.empty(shape), np.empty(shape, dtype=bool)
    for k, inst in enumerate(instances):
        left[:, k], right[:, k], passed[:, k] = evaluate_check(inst.check, frame.column, previous, frame.n,
                                                               inst.rule.tolerance)
    return RuleResults(instances, left, right, passed)


def check_rules(frame: Frame, where: Where, previous: PrevColumn | None = None,
                results: RuleResults | None = None) -> list[list[Finding]]:
    """Rule findings per row of the frame, in rule order."""
    res = results or evaluate_rules(frame, previous)
    out: list[list[Finding]] = [[] for _ in range(frame.n)]
    for k, inst in enumerate(res.instances):
        for i in np.flatnonzero(~res.passed[:, k]):
            cells = tuple(where(int(i), c) for c in inst.ids)
            out[i].append(_rule_finding(inst, frame.spec, cells, float(res.left[i, k]), float(res.right[i, k])))
    return out


def _formula_finding(code: str, frame: Frame, fill: Fill, cid: str, expected: float, actual: float | None) -> Finding:
    cell, pos = frame.spec.cells[cid], fill.positions[cid]
    return finding(code, WARNING, ids=(cid,), cells=(pos.address,), expected=number(expected),
                   actual=None if actual is None else number(actual),
                   sheet=pos.sheet, cell=pos.a1, label=f"{cell.row.short}·{cell.column.short}".strip("·"))


def formula_findings(frame: Frame, fills: Sequence[Fill]) -> list[list[Finding]]:
    """Computed cells typed over (checked by the rules with the typed value) or emptied (recomputed)."""
    out: list[list[Finding]] = [[] for _ in fills]
    for cid, calc in frame.formula_values.items():
        j = frame.index[cid]
        for i in np.flatnonzero(frame.typed[:, j]):
            out[i].append(_formula_finding("formula.overwritten", frame, fills[int(i)], cid, calc[i], frame.values[i, j]))
    for k, fill in enumerate(fills):
        for cid in sorted(fill.removed_formulas, key=frame.index.__getitem__):
            out[k].append(_formula_finding("formula.removed", frame, fill, cid, frame.column(cid)[k], None))
        out[k].extend(_altered(frame, fill, k))
    return out


_TEXT_CODES = frozenset({"cell.text", "cell.number_as_text", "cell.not_a_number"})
_INPUTS: dict[int, dict[str, frozenset[str]]] = {}


def _inputs_of(spec: FormSpec) -> dict[str, frozenset[str]]:
    """Computed cell -> every cell its value depends on, through other computed cells."""
    if id(spec) not in _INPUTS:
        deps: dict[str, frozenset[str]] = {}
        for cid, expr in computed_cells(spec).items():  # ordered: inputs first
            direct = {r.id for r, _ in walk_refs(expr)}
            deps[cid] = frozenset(direct.union(*(deps.get(d, frozenset()) for d in direct)))
        _INPUTS[id(spec)] = deps
    return _INPUTS[id(spec)]


def _altered(frame: Frame, fill: Fill, row: int) -> list[Finding]:
    """Formula cells whose shown result differs from what the inputs give: an edited formula (or a result
    never recalculated). The printed table would show the wrong number, so it is an error."""
    found = []
    text_cells = {i for f in fill.findings if f.code in _TEXT_CODES for i in f.ids}
    for cid, shown in fill.cached.items():
        if text_cells & _inputs_of(frame.spec)[cid]:
            continue  # spreadsheets leave text out of SUM: the shown total differs for that reason, reported there
        expected = frame.column(cid)[row]
        if abs(shown - expected) > EPSILON:
            f = _formula_finding("formula.altered", frame, fill, cid, expected, shown)
            found.append(Finding(f.code, ERROR, f.message, f.rule, f.ids, f.cells, f.expected, f.actual, f.title))
    return found


def _cover_finding(code: str, fill: Fill, field_id: str, raw: str, **params: Any) -> Finding:
    f, pos = fill.spec.field(field_id), fill.positions[field_id]
    return finding(code, WARNING if code == "cover.date" else ERROR, ids=(field_id,), cells=(pos.address,), actual=raw or None,
                   title=field_title(f, fill.spec), sheet=pos.sheet, label=f.label, raw=raw, **params)


_FULLWIDTH_DIGITS = {0xFF10 + i: 0x30 + i for i in range(10)}


def _cover_problem(fill: Fill, field_id: str, raw: str) -> Finding | None:
    f, spec = fill.spec.field(field_id), fill.spec
    if f.type == "uscc" and (p := uscc_problem(raw)):
        return _cover_finding("cover.uscc", fill, f.id, raw, reason=USCC_REASONS[p])
    if f.type == "region" and (p := region_problem(raw)):
        return _cover_finding("cover.region", fill, f.id, raw, reason=REGION_REASONS[p])
    year = raw.translate(_FULLWIDTH_DIGITS)
    digits = year.isascii() and year.isdigit()  # "２０２４" is accepted as the sheet's formula accepts it; "²" is not
    if f.type == "year" and not (digits and spec.years[0] <= int(year) <= spec.years[1]):
        reason = f"不在本表式适用的 {spec.years[0]}–{spec.years[1]} 年之间" if digits else "不是 4 位数字的年份"
        return _cover_finding("cover.year", fill, f.id, raw, reason=reason)
    if f.type == "date" and parse_date(raw) is None:
        return _cover_finding("cover.date", fill, f.id, raw)
    if f.type == "choice" and raw not in f.choices:
        return _cover_finding("cover.choice", fill, f.id, raw, choices="、".join(f.choices))
    return None


def cover_findings(fill: Fill) -> list[Finding]:
    out = []
    formulas = {i for found in fill.findings if found.code == "cover.formula" for i in found.ids}  # reported already
    for f in fill.spec.cover.fields:
        raw = fill.meta.get(f.id, "")
        if f.id in formulas:
            continue
        if not raw:
            if f.required:
                out.append(_cover_finding("cover.required", fill, f.id, raw))
        elif problem := _cover_problem(fill, f.id, raw):
            out.append(problem)
    return out


@dataclass
class Checked:
    """What check_all finds: per fill its findings and its fix hints, and the frame of each form."""

    findings: list[list[Finding]]
    hints: list[list[Hint]]
    frames: dict[str, Frame]


def check_all(fills: Sequence[Fill], previous: Sequence[Fill | None] | None = None, *, hints: bool = True) -> Checked:
    """All findings per fill (reader's, cover, overwritten formulas, rules) and, with `hints`, the fix hints
    of the broken rules (xxgk.hints), both computed per form for all its fills at once."""
    results: list[list[Finding]] = [list(f.findings) + cover_findings(f) for f in fills]
    found_hints: list[list[Hint]] = [[] for _ in fills]
    frames: dict[str, Frame] = {}
    for form in dict.fromkeys(f.spec.form for f in fills):
        rows = [i for i, f in enumerate(fills) if f.spec.form == form]
        group = [fills[i] for i in rows]
        frame = Frame.from_fills(group[0].spec, group)
        frames[form] = frame
        prev = previous_columns(frame.spec, [previous[i] for i in rows]) if previous else None
        where = fill_addresses(group)
        evaluated = evaluate_rules(frame, prev)
        ids = list(frame.index)
        computed = np.array([c in frame.formula_values for c in ids], dtype=bool)
        odd = implausible(frame.values, frame.typed, computed, group, ids)
        for k, (ow, rf) in enumerate(zip(formula_findings(frame, group), check_rules(frame, where, prev, evaluated),
                                         strict=True)):
            results[rows[k]].extend(odd[k] + ow + rf)
        if previous:
            for k, i in enumerate(rows):
                results[i].extend(year_over_year(group[k], previous[i]))
        if hints:
            for k, hs in enumerate(fix_hints(frame, evaluated, where, fill_blanks(group))):
                found_hints[rows[k]] = hs
    return Checked(results, found_hints, frames)


def check_fills(fills: Sequence[Fill], previous: Sequence[Fill | None] | None = None) -> tuple[list[list[Finding]], dict[str, Frame]]:
    """All findings per fill (reader's, cover, overwritten formulas, rules) and the frame of each form."""
    checked = check_all(fills, previous, hints=False)
    return checked.findings, checked.frames
