"""Indicators of 10,000 units × 5 years (issue 14: ≤ 10 s): the vectorised table against a per-unit loop.

    .venv/bin/python bench/bench_indicators.py [--units 10000] [--years 5]

The numbers are random counts for every input cell of gb2021 (computed cells recomputed by the engine, as
for read workbooks), 100 regions; each unit has every year, so every row has last year's value and the
change; every value's source names its cells ('依申请公开'!J8 ÷ …) as for read workbooks. The baseline is the obvious per-unit Python loop (one dict per report, the same definitions) on a
sample of the same rows, extrapolated; the ratio is printed. Reading the workbooks is not timed here
(bench_validate / bench_consolidate measure reading).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from xxgk.engine import Frame
from xxgk.indicators import indicator_table, indicators
from xxgk.indicators.collect import formula_texts
from xxgk.layout import plan_layout
from xxgk.rules.expand import computed_cells
from xxgk.spec import load_spec

GOAL_SECONDS = 10.0


def data(units: int, years: int, seed: int = 7) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    spec = load_spec("gb2021")
    rng = np.random.default_rng(seed)
    n = units * years
    values = rng.integers(0, 60, size=(n, len(spec.cells))).astype(float)
    computed = set(computed_cells(spec))
    for j, cid in enumerate(spec.cells):
        if cid in computed:
            values[:, j] = 0
    frame = Frame.from_rows(spec, values)
    unit = np.tile(np.arange(units), years)
    meta = pd.DataFrame({"file": [f"单位{u}.xlsx" for u in unit], "agency": [f"单位{u}" for u in unit],
                         "uscc": "", "region": [f"33{u % 100:04d}" for u in unit],
                         "year": np.repeat(np.arange(2020, 2020 + years), units), "key": [f"name:{u}" for u in unit]})
    cells = {c for d in indicators("gb2021") for c in d.cells}
    return meta, {c: frame.column(c) for c in cells}


def loop_baseline(meta: pd.DataFrame, columns: dict[str, np.ndarray], rows: int) -> float:
    """Seconds per report of a plain Python loop: dict lookups, last year by key, ranks by sorting per region."""
    defs = indicators("gb2021")
    start = time.perf_counter()
    records = [{c: float(v[i]) for c, v in columns.items()} for i in range(rows)]
    by_key = {(meta.at[i, "key"], int(meta.at[i, "year"])): i for i in range(rows)}
    values: dict[tuple[int, str], float] = {}
    for i, rec in enumerate(records):
        for d in defs:
            num = sum(s * rec[c] for s, c in d.numerator)
            den = sum(s * rec[c] for s, c in d.denominator) if d.is_rate else 1.0
            values[i, d.id] = num / den if den else float("nan")
    for i in range(rows):
        j = by_key.get((meta.at[i, "key"], int(meta.at[i, "year"]) - 1))
        for d in defs:
            _ = values[i, d.id] - values[j, d.id] if j is not None else None
    groups: dict[tuple[str, int, str], list[float]] = {}
    for (i, ident), v in values.items():
        groups.setdefault((meta.at[i, "region"], int(meta.at[i, "year"]), ident), []).append(v)
    for vs in groups.values():
        sorted(vs, reverse=True)
    return (time.perf_counter() - start) / rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args()
    meta, columns = data(args.units, args.years)
    layout = plan_layout(load_spec("gb2021")).pos  # one template: every report shares its positions, as read ones do
    start = time.perf_counter()
    table = indicator_table(meta, columns, indicators("gb2021"), where=formula_texts([layout] * len(meta)))
    seconds = time.perf_counter() - start
    per_row = loop_baseline(meta, columns, min(len(meta), 5_000))
    loop_total = per_row * len(meta)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{args.units:,} units × {args.years} years = {len(meta):,} reports, {len(indicators('gb2021'))} indicators, "
          f"{len(table):,} rows (units and regions)")
    print(f"vectorised indicator_table: {seconds:.2f} s   goal ≤ {GOAL_SECONDS:.0f} s: "
          f"{'met' if seconds <= GOAL_SECONDS else 'NOT met'}")
    print(f"per-unit Python loop (5,000-row sample, extrapolated): {loop_total:.2f} s   "
          f"ratio loop / vectorised: {loop_total / seconds:.1f}×")


if __name__ == "__main__":
    main()
