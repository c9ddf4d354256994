"""Fix hints: the one or two cells whose change makes the broken rules of a fill hold again.

One wrong cell often breaks several rules (a typed-over （七）总计 breaks R2 and R3 in its column and in the
总计 column). A hint names the cell first: 「依申请公开」D29（（七）总计·自然人）填 99，按各项之和应为 69；
改为 69 后 4 条校验全部通过。

The rules are linear, so each rule instance's residual (left − right) is an affine function of a fill's
*free* cells: its input cells and the computed cells it typed over (a computed cell holding its formula
is not free: its value follows its inputs). Last year's values (prev()) are constants. The coefficients
come from evaluating every instance on unit vectors (one frame row per cell, computed cells recomputed),
once per pattern of typed-over cells; a fill's residuals come from the engine's own evaluation.

Policy (exact; a hint is never a guess):
- What a hint repairs: the broken equality instances (==, ~=) of error severity, the *targets*. Broken
  warnings and broken inequalities are not targets; every instance that holds must still hold after the
  change (inequalities and warnings included); broken non-targets may stay broken.
- The targets of a fill are split into independent groups: two targets are in one group when a free cell
  appears (with a coefficient ≠ 0) in both, directly or through other targets. Each group is solved alone;
  a fill can get one hint per group.
- A fix of a group is a set of one or two cells with new values such that every target of the group holds
  exactly (within the rule's tolerance) and every holding instance still holds. New values respect the
  cell types: count cells a non-negative integer, signed cells an integer, amounts non-negative with at
  most 6 decimals; a cell changed by a fix really changes. Single cells are tried first (one value per
  cell, from the residuals); pairs only when no single cell works, among the free cells of the group's
  targets (two unknowns solved by least squares, then checked exactly).
- Exactly one smallest fix: a hint with its changes (cell, from, to), the keys of the targets it repairs
  (`fixes`) and the message.
- Several smallest fixes (an input slip in one column can be mended in any of its cells): no culprit is
  named. When there are at most MAX_CANDIDATES of them, a hint with no changes whose message lists them as
  possibilities (「可能是 A、B 或 C 之一」); with more, nothing.
- No fix of one or two cells: nothing.
- Finally the changes of all hints of a fill are applied together and checked once more; should groups
  interfere (a holding instance broken only by the combination), the fill gets no hint at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from xxgk.findings import number
from xxgk.rules.ast import Compare
from xxgk.rules.vector import EPSILON, evaluate

if TYPE_CHECKING:
    from xxgk.engine import Frame, RuleResults
    from xxgk.rules.expand import RuleInstance
    from xxgk.spec import FormSpec

MAX_CANDIDATES = 3  # several equally small fixes are listed (never chosen from) up to this many
_CHUNK = 2_000_000  # elements of one (fills × instances × cells) block of the vectorised single-cell search

Where = Callable[[int, str], str]  # (row, cell id) -> sheet-qualified address in that row's workbook
Blank = Callable[[int, str], bool]  # (row, cell id) -> the cell was left empty (read as 0)


@dataclass(frozen=True)
class CellChange:
    id: str  # cell id from the spec
    cell: str  # sheet-qualified A1, e.g. "'依申请公开'!D29"
    before: float | int | None  # None: the cell was left empty
    after: float | int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "cell": self.cell, "from": self.before, "to": self.after}


@dataclass(frozen=True)
class Hint:
    changes: tuple[CellChange, ...]  # empty: no single culprit, the message lists the candidates
    fixes: tuple[str, ...]  # rule instance keys it repairs, e.g. "R2[natural]"
    message: str  # Chinese, location → problem → remedy

    def to_dict(self) -> dict[str, Any]:
        return {"changes": [c.to_dict() for c in self.changes], "fixes": list(self.fixes), "message": self.message}


# ---- the linear system -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _System:
    """The rule instances of one frame as data: what each checks and how close it must come."""

    instances: tuple[RuleInstance, ...]
    equality: np.ndarray  # (k,) bool: == or ~=
    op_le: np.ndarray  # (k,) bool: <=
    op_ge: np.ndarray  # (k,) bool: >=
    tol: np.ndarray  # (k,) tolerance + EPSILON
    target: np.ndarray  # (k,) bool: equality of error severity (what a hint repairs)

    @classmethod
    def of(cls, instances: Sequence[RuleInstance]) -> _System:
        ops = np.array([i.check.op for i in instances], dtype=object)
        return cls(tuple(instances), np.isin(ops, ("==", "~=")), ops == "<=", ops == ">=",
                   np.array([i.rule.tolerance + EPSILON for i in instances]),
                   np.isin(ops, ("==", "~=")) & np.array([i.rule.severity == "error" for i in instances], dtype=bool))

    def holds(self, residual: np.ndarray) -> np.ndarray:
        """Which residuals (instances on the last axis) satisfy their check. Written as "not beyond the
        tolerance" so that a NaN residual (last year's value missing: not applicable) holds."""
        with np.errstate(invalid="ignore"):
            ok = ~(np.abs(residual) > self.tol)
            if self.op_le.any():
                ok[..., self.op_le] = ~(residual[..., self.op_le] > self.tol[self.op_le])
            if self.op_ge.any():
                ok[..., self.op_ge] = ~(residual[..., self.op_ge] < -self.tol[self.op_ge])
        return ok


def _residual(check: Compare, column: Callable[[str], np.ndarray], prev: Callable[[str], np.ndarray], n: int) -> np.ndarray:
    return evaluate(check.left, column, prev, n) - evaluate(check.right, column, prev, n)


_COEFFICIENTS: dict[tuple[int, tuple[str, ...], bytes], np.ndarray] = {}
_CACHED_PATTERNS = 256


def coefficients(spec: FormSpec, instances: Sequence[RuleInstance], typed: np.ndarray) -> np.ndarray:
    """(k, m): how much each instance's residual moves per unit of each cell, for a fill whose typed-over
    computed cells are `typed`; 0 for a computed cell holding its formula (not free)."""
    key = (id(spec), tuple(i.key for i in instances), np.packbits(typed).tobytes())
    if key not in _COEFFICIENTS:
        from xxgk.engine import Frame  # the engine imports this module

        m = len(spec.cells)
        units = np.vstack([np.zeros(m), np.eye(m)])
        frame = Frame.from_rows(spec, units, np.broadcast_to(typed, units.shape).copy())
        zeros = np.zeros(m + 1)
        res = np.stack([_residual(i.check, frame.column, lambda _cid: zeros, m + 1) for i in instances]) \
            if instances else np.zeros((0, m + 1))
        coef = res[:, 1:] - res[:, :1]
        coef[np.abs(coef) < 1e-12] = 0.0
        if len(_COEFFICIENTS) >= _CACHED_PATTERNS:  # files typed over in many different ways: keep memory flat
            del _COEFFICIENTS[next(iter(_COEFFICIENTS))]
        _COEFFICIENTS[key] = coef
    return _COEFFICIENTS[key]


# ---- candidate values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Types:
    integer: np.ndarray  # (m,) bool
    nonnegative: np.ndarray  # (m,) bool

    @classmethod
    def of(cls, spec: FormSpec) -> _Types:
        types = np.array([c.type for c in spec.cells.values()], dtype=object)
        return cls(types != "amount", types != "signed")

    def settle(self, before: np.ndarray, after: np.ndarray, cells: np.ndarray | slice) -> tuple[np.ndarray, np.ndarray]:
        """(value, allowed): the new values rounded to their cell type, and whether each is a valid change."""
        integer, nonneg = self.integer[cells], self.nonnegative[cells]
        with np.errstate(invalid="ignore"):
            rounded = np.where(integer, np.round(after), np.round(after, 6))
            ok = np.isfinite(after) & (np.abs(rounded - after) <= 1e-6)
            ok &= ~nonneg | (rounded >= 0)
            ok &= np.abs(rounded - before) > EPSILON
        return rounded, ok


# ---- per fill ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fix:
    cells: tuple[int, ...]  # column indices
    values: tuple[float, ...]


def _groups(coef: np.ndarray, broken: np.ndarray) -> list[np.ndarray]:
    """The broken targets split into independent groups (linked by a free cell they share)."""
    todo = list(np.flatnonzero(broken))
    touches = coef != 0
    out = []
    while todo:
        seed = todo.pop(0)
        group, cells = {seed}, touches[seed].copy()
        grew = True
        while grew:
            linked = [k for k in todo if (touches[k] & cells).any()]
            grew = bool(linked)
            for k in linked:
                todo.remove(k)
                group.add(k)
                cells |= touches[k]
        out.append(np.array(sorted(group)))
    return out


def _singles(system: _System, coef: np.ndarray, types: _Types, values: np.ndarray, residual: np.ndarray,
             passed: np.ndarray, group: np.ndarray) -> list[_Fix]:
    """Every single cell whose change repairs the group and breaks nothing that holds (one fill)."""
    cells = np.flatnonzero((coef[group] != 0).all(axis=0))
    if not len(cells):
        return []
    k0 = group[0]
    after, ok = types.settle(values[cells], values[cells] - residual[k0] / coef[k0, cells], cells)
    delta = np.where(ok, after - values[cells], 0.0)
    moved = residual[None, :] + coef[:, cells].T * delta[:, None]
    ok &= _acceptable(system, moved, passed, group)
    return [_Fix((int(j),), (float(v),)) for j, v in zip(cells[ok], after[ok], strict=True)]


def _acceptable(system: _System, moved: np.ndarray, passed: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per candidate (rows of `moved`, instances on columns): the group's targets hold, holding ones still hold."""
    need = passed.copy()
    need[group] = True
    return (system.holds(moved) | ~need).all(axis=1)


def _pairs(system: _System, coef: np.ndarray, types: _Types, values: np.ndarray, residual: np.ndarray,
           passed: np.ndarray, group: np.ndarray) -> list[_Fix]:
    """Every pair of cells (of the group's targets) whose change repairs the group and breaks nothing."""
    cells = np.flatnonzero((coef[group] != 0).any(axis=0))
    if len(cells) < 2:
        return []
    touches = coef[group][:, cells] != 0
    ia, ib = np.triu_indices(len(cells), 1)
    covers = (touches[:, ia] | touches[:, ib]).all(axis=0)  # a target neither cell moves stays broken
    a, b = cells[ia[covers]], cells[ib[covers]]
    ma, mb, r = coef[group][:, a], coef[group][:, b], residual[group][:, None]
    saa, sbb, sab = (ma * ma).sum(0), (mb * mb).sum(0), (ma * mb).sum(0)
    sar, sbr = (ma * r).sum(0), (mb * r).sum(0)
    det = saa * sbb - sab * sab
    solvable = np.abs(det) > 1e-9
    det = np.where(solvable, det, 1.0)
    after_a, ok_a = types.settle(values[a], values[a] + (sab * sbr - sbb * sar) / det, a)
    after_b, ok_b = types.settle(values[b], values[b] + (sab * sar - saa * sbr) / det, b)
    ok = solvable & ok_a & ok_b
    da, db = np.where(ok, after_a - values[a], 0.0), np.where(ok, after_b - values[b], 0.0)
    moved = residual[None, :] + coef[:, a].T * da[:, None] + coef[:, b].T * db[:, None]
    ok &= _acceptable(system, moved, passed, group)
    return [_Fix((int(x), int(y)), (float(u), float(v)))
            for x, y, u, v in zip(a[ok], b[ok], after_a[ok], after_b[ok], strict=True)]


# ---- messages ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """One fill, for the messages: its addresses, blanks and the frame's formula values."""

    spec: FormSpec
    row: int
    where: Where
    blank: Blank
    ids: tuple[str, ...]
    values: np.ndarray
    formula: dict[str, np.ndarray]  # computed cell -> what its formula gives, per row of the frame

    def change(self, j: int, after: float) -> CellChange:
        cid = self.ids[j]
        before = None if self.blank(self.row, cid) and self.values[j] == 0 else number(float(self.values[j]))
        return CellChange(cid, self.where(self.row, cid), before, number(after))

    def place(self, c: CellChange) -> str:
        sheet, _, a1 = c.cell.rpartition("!")
        cell = self.spec.cells[c.id]
        label = "·".join(p for p in (cell.row.short, cell.column.short) if p)
        return f"「{sheet.strip(chr(39))}」{a1}（{label}）"

    @staticmethod
    def was(c: CellChange) -> str:
        return "未填（按 0 计）" if c.before is None else f"填 {c.before}"

    def basis(self, c: CellChange) -> str:
        calc = self.formula.get(c.id)
        return "按各项之和应为" if calc is not None and abs(calc[self.row] - float(c.after)) <= EPSILON else "按勾稽关系应为"


def _fixed_message(row: _Row, changes: tuple[CellChange, ...], fixes: int) -> str:
    if len(changes) == 1:
        (c,) = changes
        return f"{row.place(c)}{row.was(c)}，{row.basis(c)} {c.after}；改为 {c.after} 后 {fixes} 条校验全部通过。"
    parts = "；".join(f"{row.place(c)}{row.was(c)}，应为 {c.after}" for c in changes)
    return f"{parts}；改正这 {len(changes)} 处后 {fixes} 条校验全部通过。"


def _candidates_message(row: _Row, options: list[tuple[CellChange, ...]], fixes: int) -> str:
    def one(changes: tuple[CellChange, ...]) -> str:
        return "和".join(f"{row.place(c)}（{row.was(c)}，改为 {c.after}）" for c in changes)

    listed = [one(o) for o in options]
    alternatives = "、".join(listed[:-1]) + f"或{listed[-1]}"
    what = "一个单元格" if len(options[0]) == 1 else "两个单元格"
    return (f"{fixes} 条校验不成立，改动下列任一处的{what}都能使其全部通过，无法确定是哪一处填错："
            f"可能是{alternatives}之一。请逐一核对原始记录后改正。")


def _hint(row: _Row, fixes: list[_Fix], keys: tuple[str, ...]) -> Hint | None:
    if len(fixes) == 1:
        changes = tuple(row.change(j, v) for j, v in zip(fixes[0].cells, fixes[0].values, strict=True))
        return Hint(changes, keys, _fixed_message(row, changes, len(keys)))
    if 1 < len(fixes) <= MAX_CANDIDATES:
        options = [tuple(row.change(j, v) for j, v in zip(f.cells, f.values, strict=True)) for f in fixes]
        return Hint((), keys, _candidates_message(row, options, len(keys)))
    return None


# ---- the search ----------------------------------------------------------------------------------------


def _single_search(system: _System, coef: np.ndarray, types: _Types, values: np.ndarray, residual: np.ndarray,
                   passed: np.ndarray) -> list[list[_Fix]]:
    """Single-cell fixes of all broken targets at once, for many fills (rows) sharing `coef`, vectorised:
    the (fill, cell) candidates are those whose cell moves every broken target of the fill, each checked
    against every instance."""
    n = residual.shape[0]
    broken = ~passed & system.target[None, :]
    out: list[list[_Fix]] = [[] for _ in range(n)]
    still = coef == 0
    step = max(1, _CHUNK // max(1, coef.size))
    for lo in range(0, n, step):
        b = broken[lo:lo + step]
        reach = ~(b[:, :, None] & still[None, :, :]).any(axis=1)  # (f, m): the cell moves every broken target
        reach &= ~still.all(axis=0)[None, :]
        rows, cells = np.nonzero(reach)
        if not len(rows):
            continue
        rows += lo
        first = broken[rows].argmax(axis=1)
        before = values[rows, cells]
        after, ok = types.settle(before, before - residual[rows, first] / coef[first, cells], cells)
        delta = np.where(ok, after - before, 0.0)
        moved = residual[rows] + coef[:, cells].T * delta[:, None]  # (candidates, k)
        need = passed[rows] | broken[rows]
        ok &= (system.holds(moved) | ~need).all(axis=1)
        for i, j, v in zip(rows[ok].tolist(), cells[ok].tolist(), after[ok].tolist(), strict=True):
            out[i].append(_Fix((j,), (v,)))
    return out


@dataclass(frozen=True)
class _Form:
    """The linear system of the fills that share one pattern of typed-over computed cells."""

    system: _System
    coef: np.ndarray  # (k, m)
    types: _Types
    degree: int  # the most targets one cell moves: a group with more than twice this many needs three cells


def _fill_hints(form: _Form, row: _Row, residual: np.ndarray, passed: np.ndarray, singles: list[_Fix]) -> list[Hint]:
    system, coef, types = form.system, form.coef, form.types
    groups = _groups(coef, ~passed & system.target)
    found: list[tuple[Hint, list[_Fix]]] = []
    for group in groups:
        if len(groups) == 1:
            fixes = singles
        else:
            fixes = _singles(system, coef, types, row.values, residual, passed, group) if len(group) <= form.degree else []
        if not fixes and len(group) <= 2 * form.degree:
            fixes = _pairs(system, coef, types, row.values, residual, passed, group)
        keys = tuple(system.instances[k].key for k in group)
        if (h := _hint(row, fixes, keys)) is not None:
            found.append((h, fixes))
    if not found or _together(form, row.values, residual, passed, found):
        return [h for h, _ in found]
    return []


def _together(form: _Form, values: np.ndarray, residual: np.ndarray, passed: np.ndarray,
              found: list[tuple[Hint, list[_Fix]]]) -> bool:
    """All hints' changes applied at once repair what they claim and break nothing that holds."""
    after = values.copy()
    need = passed.copy()
    for hint, fixes in found:
        if hint.changes:
            (fix,) = fixes
            after[list(fix.cells)] = fix.values
            need |= np.isin([i.key for i in form.system.instances], hint.fixes)
    moved = residual + form.coef @ (after - values)
    return bool((form.system.holds(moved) | ~need).all())


def fix_hints(frame: Frame, results: RuleResults, where: Where, blank: Blank | None = None) -> list[list[Hint]]:
    """Fix hints per row of the frame (see the module docstring for the policy)."""
    out: list[list[Hint]] = [[] for _ in range(frame.n)]
    system = _System.of(results.instances)
    residual = results.left - results.right
    rows = np.flatnonzero((~results.passed & system.target[None, :]).any(axis=1))
    if not len(rows):
        return out
    spec, types, ids = frame.spec, _Types.of(frame.spec), tuple(frame.spec.cells)
    blank = blank or (lambda _i, _c: False)
    packed = np.packbits(frame.typed[rows], axis=1)
    _, first, which = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    for p, pattern in enumerate(frame.typed[rows[first]]):
        these = rows[which.ravel() == p]
        coef = coefficients(spec, system.instances, pattern)
        form = _Form(system, coef, types, int((coef[system.target] != 0).sum(axis=0).max(initial=0)))
        singles = _single_search(system, coef, types, frame.values[these], residual[these], results.passed[these])
        for i, found in zip(these.tolist(), singles, strict=True):
            row = _Row(spec, i, where, blank, ids, frame.values[i], frame.formula_values)
            out[i] = _fill_hints(form, row, residual[i], results.passed[i], found)
    return out
