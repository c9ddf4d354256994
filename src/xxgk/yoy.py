"""Year over year (the form spec's `year_over_year:`): warnings, never errors, against last year's report.

A cell whose number grew beyond `up` times, or shrank below `down` times, last year's is usually a typo or a
unit mix-up (元 for 万元); both years under `min_sample` give no warning (3 → 16 is no signal). A report whose
every table number equals last year's (and not all zero) was most likely copied forward (沿用上年数据).
Only input cells are compared: a total follows its inputs, which are compared themselves.

One vectorised comparison (`compare`) serves one workbook against its last year (`year_over_year`, used by
validate, the portal and the add-ins) and the rows of a consolidation (`year_over_year_rows`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

import numpy as np

from xxgk.findings import WARNING, Finding, finding, number
from xxgk.layout import Pos
from xxgk.reader import Fill
from xxgk.spec import EXT_SEPARATOR, FormSpec, SpecError, read_yaml, spec_path

TITLES = {"yoy.jump": "与上年相比变化异常", "yoy.unchanged": "沿用上年数据"}
Locate = Callable[[int, str], Pos]  # (row, cell id) -> where that row's file holds the cell


@dataclass(frozen=True)
class YoyRule:
    up: float = 5.0
    down: float = 0.2
    min_sample: float = 10.0


@cache
def yoy_rule(form: str) -> YoyRule:
    """The national form's `year_over_year:` section (defaults when absent)."""
    raw = read_yaml(spec_path(form.partition(EXT_SEPARATOR)[0])).get("year_over_year") or {}
    try:
        rule = YoyRule(float(raw.get("up", 5)), float(raw.get("down", 0.2)), float(raw.get("min_sample", 10)))
    except (TypeError, ValueError) as exc:
        raise SpecError(f"year_over_year: {exc}") from exc
    if not (rule.up > 1 > rule.down > 0 and rule.min_sample >= 0):
        raise SpecError(f"year_over_year: need up > 1 > down > 0 and min_sample >= 0, got {rule}")
    return rule


@cache
def input_cells(spec: FormSpec) -> tuple[str, ...]:
    from xxgk.rules.expand import computed_cells

    computed = computed_cells(spec)
    return tuple(c for c in spec.cells if c not in computed)


def _previous_id(spec: FormSpec, prev: Fill, cid: str) -> str | None:
    if cid in prev.numbers:
        return cid
    alias = spec.previous_aliases.get(cid)
    return alias if alias in prev.numbers else None


def year_over_year(fill: Fill, prev: Fill | None) -> list[Finding]:
    """The year-over-year warnings of one report against last year's report of the same agency."""
    if prev is None:
        return []
    ids = input_cells(fill.spec)
    now = np.array([[fill.numbers.get(c, np.nan) for c in ids]], dtype=float)
    last = np.array([[prev.numbers[p] if (p := _previous_id(fill.spec, prev, c)) is not None else np.nan
                      for c in ids]], dtype=float)
    return compare(fill.spec, ids, now, last, lambda _row, cid: fill.positions[cid], [prev.path.name])[0]


def year_over_year_rows(spec: FormSpec, rows: np.ndarray, prev_rows: np.ndarray,
                        prev_column: Callable[[str], int | None], locate: Locate, source: str) -> list[list[Finding]]:
    """The warnings of many reports at once (a consolidation): rows hold this year's values in spec.cells order,
    prev_rows last year's aligned to them (NaN where an agency has none), prev_column maps a cell id to its
    column in prev_rows; source names last year's data in the 沿用上年数据 message."""
    ids = input_cells(spec)
    index = {c: j for j, c in enumerate(spec.cells)}
    now = rows[:, [index[c] for c in ids]].astype(float)
    last = np.full(now.shape, np.nan)
    for k, cid in enumerate(ids):
        j = prev_column(cid)
        if j is not None:
            last[:, k] = prev_rows[:, j]
    return compare(spec, ids, now, last, locate, [source] * len(rows))


def compare(spec: FormSpec, ids: Sequence[str], now: np.ndarray, last: np.ndarray, locate: Locate,
            sources: Sequence[str]) -> list[list[Finding]]:
    """Per row of `now` (n × len(ids); last year's in `last`, NaN where unknown) its yoy.jump and yoy.unchanged."""
    rule = yoy_rule(spec.form)
    known = ~np.isnan(last) & ~np.isnan(now)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(known & (last != 0), now / np.where(last != 0, last, 1), np.nan)
        big = np.maximum(np.abs(now), np.abs(last)) >= rule.min_sample
        moved = (now != last) & ((last == 0) | (now == 0) | (ratio < 0) | (ratio > rule.up) | (ratio < rule.down))
    jumps = known & big & moved
    out: list[list[Finding]] = [[] for _ in range(len(now))]
    for r, k in zip(*(axis.tolist() for axis in np.nonzero(jumps)), strict=True):
        out[r].append(_jump(spec, ids[k], locate(r, ids[k]), float(now[r, k]), float(last[r, k]), rule))
    compared = known.sum(axis=1)
    same = (compared > 0) & np.all(~known | (now == last), axis=1) & np.any(known & (now != 0), axis=1)
    for r in np.nonzero(same)[0].tolist():
        cells = tuple(c for c, k in zip(ids, known[r], strict=True) if k)
        out[r].append(finding("yoy.unchanged", WARNING, title=TITLES["yoy.unchanged"], count=len(cells),
                              path=sources[r], ids=cells))
    return out


def _jump(spec: FormSpec, cid: str, pos: Pos, now: float, last: float, rule: YoyRule) -> Finding:
    cell = spec.cells[cid]
    factor = now / last if last else None
    up = abs(now) > abs(last)
    factor_text = (f"为上年的 {_factor(factor)} 倍" if factor is not None and factor > 0
                   else "由 0 变为非 0" if not last else "由非 0 变为 0" if not now else "正负号相反")
    limit = f"超过上年的 {_plain(rule.up)} 倍" if up else f"不到上年的 {_plain(rule.down)} 倍"
    found = finding("yoy.jump", WARNING, ids=(cid,), cells=(pos.address,), expected=number(last), actual=number(now),
                    title=TITLES["yoy.jump"], sheet=pos.sheet, cell=pos.a1,
                    label=f"{cell.row.short}·{cell.column.short}".strip("·"),
                    direction="增加" if up else "减少", factor_text=factor_text, limit=limit)
    return replace(found, factor=None if factor is None else round(factor, 6))


def _factor(x: float) -> str:
    """A factor as people read it: three significant digits, never in exponent form (10,000; 0.0001; 5.37)."""
    if x >= 100:
        return f"{x:,.0f}"
    return _plain(round(x, max(0, 2 - math.floor(math.log10(x)))))


def _plain(x: float) -> str:
    text = format(Decimal(str(x)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
