"""Plausibility limits (the form spec's `limits`): a number far beyond what one report can hold is a warning.

Checked on the engine's frame, all fills of a form at once: input cells, and computed cells only where a
number was typed over the formula (a recomputed total follows its inputs, which are checked themselves).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from xxgk.findings import WARNING, Finding, finding, number
from xxgk.reader import Fill
from xxgk.values import format_number

TYPE_NAMES = {"count": "件数", "signed": "增减数", "amount": "金额（万元）"}


def _limit_rows(fills: Sequence[Fill], ids: list[str]) -> np.ndarray | None:
    spec = fills[0].spec
    if spec.limits is None:
        return None
    default = spec.field(spec.limits.by).default or ""
    types = [spec.cells[c].type for c in ids]
    rows = {}
    for kind in {f.meta.get(spec.limits.by, "") for f in fills}:
        limits = spec.limits.for_kind(kind, default)
        rows[kind] = np.array([limits.get(t, np.inf) for t in types])
    return np.array([rows[f.meta.get(spec.limits.by, "")] for f in fills]).reshape(len(fills), len(ids))


def implausible(values: np.ndarray, typed: np.ndarray, computed: np.ndarray, fills: Sequence[Fill],
                ids: list[str]) -> list[list[Finding]]:
    """values/typed: (fills × cells) as in engine.Frame; computed: which columns are formula cells."""
    out: list[list[Finding]] = [[] for _ in fills]
    limits = _limit_rows(fills, ids)
    if limits is None or not len(fills):
        return out
    over = (np.abs(values) > limits) & (typed | ~computed)
    for i, j in zip(*np.nonzero(over), strict=True):
        out[int(i)].append(_finding(fills[int(i)], ids[int(j)], float(values[i, j]), float(limits[i, j])))
    return out


def _finding(fill: Fill, cid: str, value: float, limit: float) -> Finding:
    spec, pos = fill.spec, fill.positions[cid]
    cell = spec.cells[cid]
    assert spec.limits is not None
    kind = fill.meta.get(spec.limits.by, "") or spec.field(spec.limits.by).default or ""
    exact = fill.exact.get(cid)
    shown = format_number(exact) if exact is not None else f"{value:.0f}" if float(value).is_integer() else str(value)
    return finding("cell.implausible", WARNING, ids=(cid,), cells=(pos.address,), actual=number(value), sheet=pos.sheet,
                   cell=pos.a1, label=f"{cell.row.short}·{cell.column.short}".strip("·"), number=shown,
                   scope=f"{kind}报表", kind=TYPE_NAMES.get(cell.type, cell.type),
                   limit=f"{limit:,.0f}")
