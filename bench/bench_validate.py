"""Benchmark single-file validation start-up, the vectorised engine, and build_template.

  1. `xxgk validate one.xlsx` wall time including interpreter start-up (subprocess, best of 5), next to
     `python -c pass`, `python -c "import xxgk.cli"`, the phases inside one process, and the 10 slowest
     imports of xxgk.cli from `python -X importtime`;
  2. the engine on N fills: Frame.from_rows over N sampled rows, then engine.check_rules, against a
     pure-Python per-fill loop evaluating the same rule instances (same answers, checked); then the fix
     hints on the same fills (with live totals, and with every total typed as a value), against the engine;
  3. build_template time per workbook, next to the bench generator's per-file time.

The N rows are the generated data of bench/out (made by bench/generate.py when not cached). A share of
rows (--broken, default 5 %) gets one input cell changed so that rules fail and findings are built.

    .venv/bin/python bench/bench_validate.py [--n 10000] [--seed 1] [--broken 0.05]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import common
import generate
import numpy as np

from xxgk import engine
from xxgk.engine import Frame
from xxgk.hints import Hint, fix_hints
from xxgk.reader import Fill, read_fill
from xxgk.rules.ast import BinOp, Compare, Expr, Num, Prev, Ref, Sum
from xxgk.rules.expand import RuleInstance, computed_cells, expand_rules
from xxgk.rules.vector import EPSILON
from xxgk.spec import FormSpec, load_spec
from xxgk.template import build_template

GOAL_STARTUP = 0.6  # seconds, xxgk validate one.xlsx

PHASES = r"""
import sys, time
t0 = time.perf_counter()
import xxgk.cli
t1 = time.perf_counter()
from pathlib import Path
from xxgk.spec import load_spec
from xxgk.reader import read_fill
from xxgk.engine import check_fills
from xxgk.validate import validate_files
load_spec("gb2021")
t2 = time.perf_counter()
fill = read_fill(Path(sys.argv[1]))
t3 = time.perf_counter()
check_fills([fill])
t4 = time.perf_counter()
read_fill(Path(sys.argv[1]))
t5 = time.perf_counter()
validate_files([Path(sys.argv[1])])
t6 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)
"""


def best(cmd: Sequence[str], times: int = 5) -> tuple[float, common.Timed]:
    runs = [common.run_timed(cmd) for _ in range(times)]
    for r in runs:
        if r.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stderr}")
    return min(r.seconds for r in runs), runs[-1]


def import_times(module: str) -> list[tuple[int, int, int, str]]:
    """(self µs, cumulative µs, depth, name) for every import `python -X importtime -c 'import module'` logs."""
    r = common.run_timed([common.PYTHON, "-X", "importtime", "-c", f"import {module}"])
    rows = []
    for line in r.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2, m.group(4)))
    return rows


# --------------------------------------------------------------------------- 1. start-up


def startup(one: Path) -> None:
    print(f"\n1. start-up: xxgk validate {one.name}")
    py, _ = best([common.PYTHON, "-c", "pass"])
    imp, _ = best([common.PYTHON, "-c", "import xxgk.cli"])
    val, last = best([*common.xxgk_command(), "validate", str(one)])
    valj, _ = best([*common.xxgk_command(), "validate", "--json", str(one)])
    rows = [["command (best of 5, wall, start-up included)", "seconds"],
            ['python -c "pass"', f"{py:.3f}"],
            ['python -c "import xxgk.cli"', f"{imp:.3f}"],
            [f"xxgk validate {one.name}", f"{val:.3f}"],
            [f"xxgk validate --json {one.name}", f"{valj:.3f}"]]
    print(common.table(rows))
    print(f"xxgk validate one file: {val:.3f} s (goal <= {GOAL_STARTUP} s: {common.goal(val <= GOAL_STARTUP)}), "
          f"exit {last.returncode}, peak RSS {common.mb(last.max_rss)}")

    r = common.run_timed([common.PYTHON, "-c", PHASES, str(one)])
    if r.returncode == 0:
        names = ("import xxgk.cli", "load_spec + other imports", "read_fill (first)", "check_fills (first)",
                 "read_fill (second)", "validate_files (warm)")
        values = [float(x) for x in r.stdout.split()]
        print("inside one process: " + ", ".join(f"{a} {b * 1000:.0f} ms" for a, b in zip(names, values, strict=True)))
    else:
        print(f"phase timing failed: {r.stderr.strip()[-300:]}")

    rows_it = import_times("xxgk.cli")
    total = max((c for _, c, d, n in rows_it if n == "xxgk.cli"), default=0)
    print(f"python -X importtime -c 'import xxgk.cli': {total / 1000:.0f} ms cumulative")
    print("  top 10 by cumulative time (packages imported at the first level below xxgk.cli or at top level):")
    top = sorted((r for r in rows_it if r[2] <= 1 and r[3] != "xxgk.cli"), key=lambda r: -r[1])[:10]
    print(common.table([["module", "cumulative ms", "self ms"]]
                       + [[n, f"{c / 1000:.1f}", f"{s / 1000:.1f}"] for s, c, _, n in top]))
    print("  top 10 by self time (any depth):")
    top = sorted(rows_it, key=lambda r: -r[0])[:10]
    print(common.table([["module", "self ms", "cumulative ms"]]
                       + [[n, f"{s / 1000:.1f}", f"{c / 1000:.1f}"] for s, c, _, n in top]))


# --------------------------------------------------------------------------- 2. engine


def _py_eval(expr: Expr, row: dict[str, float]) -> float:
    if isinstance(expr, Ref):
        return row[expr.id]
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Sum):
        return sum(_py_eval(item, row) for item in expr.items)
    if isinstance(expr, BinOp):
        a, b = _py_eval(expr.left, row), _py_eval(expr.right, row)
        return a + b if expr.op == "+" else a - b
    if isinstance(expr, Prev):
        return float("nan")
    raise TypeError(expr)


def _py_passes(check: Compare, left: float, right: float, tolerance: float) -> bool:
    if left != left or right != right:  # NaN: cannot be applied
        return True
    tol = tolerance + EPSILON
    if check.op in ("==", "~="):
        return abs(left - right) <= tol
    if check.op == "<=":
        return left <= right + tol
    return left >= right - tol


def python_loop(spec: FormSpec, rows: list[dict[str, float]], fills: Sequence[Fill],
                finding: Callable[[RuleInstance, FormSpec, Fill, float, float], object]) -> list[list[object]]:
    """The baseline: per fill, computed cells then every rule instance, in plain Python."""
    computed = computed_cells(spec)
    instances = [i for i in expand_rules(spec) if not i.uses_prev]
    out: list[list[object]] = []
    for row, fill in zip(rows, fills, strict=True):
        row = dict(row)
        for cid, expr in computed.items():
            row[cid] = _py_eval(expr, row)
        found = []
        for inst in instances:
            left, right = _py_eval(inst.check.left, row), _py_eval(inst.check.right, row)
            if not _py_passes(inst.check, left, right, inst.rule.tolerance):
                found.append(finding(inst, spec, fill, left, right))
        out.append(found)
    return out


def engine_bench(spec: FormSpec, matrix: np.ndarray, one: Fill, broken: float, seed: int) -> None:
    n = matrix.shape[0]
    matrix = matrix.copy()
    computed = set(computed_cells(spec))
    inputs = [j for j, cid in enumerate(spec.cells) if cid not in computed]
    rng = random.Random(seed)
    hit = rng.sample(range(n), int(n * broken))
    clean = matrix.copy()
    changed: dict[int, tuple[int, int]] = {}
    for i in hit:  # one input cell off by 1..5
        changed[i] = (rng.choice(inputs), rng.randint(1, 5))
        matrix[i, changed[i][0]] += changed[i][1]
    ids = list(spec.cells)
    fills = [dataclasses.replace(one, path=Path(f"{i}.xlsx"), numbers=dict(zip(ids, r, strict=True)), findings=[])
             for i, r in enumerate(matrix.tolist())]
    print(f"\n2. engine on {n} fills ({len(hit)} with one input changed by 1..5), "
          f"{len(expand_rules(spec))} rule instances, {len(computed)} computed cells")

    t0 = time.perf_counter()
    frame = Frame.from_rows(spec, matrix)
    t1 = time.perf_counter()
    results = engine.evaluate_rules(frame)
    found = engine.check_rules(frame, engine.fill_addresses(fills), results=results)
    t2 = time.perf_counter()
    hints = fix_hints(frame, results, engine.fill_addresses(fills))
    t_hints = time.perf_counter() - t2
    frame2 = Frame.from_fills(spec, fills)
    t3 = time.perf_counter()
    assert np.array_equal(frame.values, frame2.values)

    rows = [f.numbers for f in fills]
    def finding(inst: RuleInstance, s: FormSpec, fill: Fill, lv: float, rv: float) -> object:
        """The same finding record the engine makes, per fill."""
        return engine._rule_finding(inst, s, tuple(fill.address(c) for c in inst.ids), lv, rv)
    t4 = time.perf_counter()
    loop = python_loop(spec, rows, fills, finding)
    t5 = time.perf_counter()

    def key(f: object) -> object:
        return getattr(f, "rule", None) or f[0]  # type: ignore[index]

    same = [[f.rule for f in fs] for fs in found] == [[key(f) for f in fs] for fs in loop]
    n_found = sum(map(len, found))
    vec = t2 - t0
    print(common.table([
        ["step", "seconds", "µs per fill"],
        ["Frame.from_rows (computed cells)", f"{t1 - t0:.3f}", f"{(t1 - t0) / n * 1e6:.1f}"],
        ["engine.check_rules", f"{t2 - t1:.3f}", f"{(t2 - t1) / n * 1e6:.1f}"],
        ["engine total (from_rows + check_rules)", f"{vec:.3f}", f"{vec / n * 1e6:.1f}"],
        ["(Frame.from_fills, as check_fills does)", f"{t3 - t2:.3f}", f"{(t3 - t2) / n * 1e6:.1f}"],
        ["pure-Python per-fill loop (baseline)", f"{t5 - t4:.3f}", f"{(t5 - t4) / n * 1e6:.1f}"],
    ]))
    print(f"findings: engine {n_found} in {sum(1 for f in found if f)} fills; the Python loop finds the same: "
          f"{'yes' if same else 'NO'}")
    print(f"baseline / engine = {(t5 - t4) / vec:.1f}x")
    hints_bench(spec, clean, changed, vec, t_hints, hints, fills)


def _hint_counts(hints: Sequence[Sequence[Hint]]) -> str:
    named = sum(1 for hs in hints for h in hs if h.changes)
    listed = sum(1 for hs in hints for h in hs if not h.changes)
    return f"{named} naming cells, {listed} listing candidates, in {sum(1 for hs in hints if hs)} fills"


def hints_bench(spec: FormSpec, clean: np.ndarray, changed: dict[int, tuple[int, int]], vec: float, t_hints: float,
                hints: Sequence[Sequence[Hint]], fills: Sequence[Fill]) -> None:
    """Fix hints on the same fills: as generated (live formulas: a slip can be mended anywhere in its column,
    so no cell is named) and with every total typed as a value (imported data: the slip is named)."""
    where = engine.fill_addresses(fills)
    full = Frame.from_rows(spec, clean).values
    for i, (j, by) in changed.items():
        full[i, j] += by
    typed = np.zeros(full.shape, dtype=bool)
    typed[:, [j for j, cid in enumerate(spec.cells) if cid in computed_cells(spec)]] = True
    t0 = time.perf_counter()
    frame = Frame.from_rows(spec, full, typed)
    results = engine.evaluate_rules(frame)
    engine.check_rules(frame, where, results=results)
    t1 = time.perf_counter()
    typed_hints = fix_hints(frame, results, where)
    t2 = time.perf_counter()
    n = len(fills)
    print(f"\nfix hints (xxgk.hints.fix_hints) on the same {n} fills")
    print(common.table([
        ["data", "engine s", "hints s", "(engine + hints) / engine", "hints"],
        ["as generated (totals are formulas)", f"{vec:.3f}", f"{t_hints:.3f}", f"{(vec + t_hints) / vec:.2f}",
         _hint_counts(hints)],
        ["every total typed as a value", f"{t1 - t0:.3f}", f"{t2 - t1:.3f}", f"{(t2 - t0) / (t1 - t0):.2f}",
         _hint_counts(typed_hints)],
    ]))


# --------------------------------------------------------------------------- 3. build_template


def build_bench(spec: FormSpec, folder: Path, seed: int) -> None:
    print("\n3. build_template per workbook")
    rows = [v for _, v in generate.sample(6, seed + 1000, spec)]
    with tempfile.TemporaryDirectory() as tmp:
        build_template(spec, Path(tmp) / "warm.xlsx", values=rows[0])
        times = []
        for i, values in enumerate(rows[1:]):
            t0 = time.perf_counter()
            build_template(spec, Path(tmp) / f"{i}.xlsx", values=values)
            times.append(time.perf_counter() - t0)
        empty = []
        for i in range(3):
            t0 = time.perf_counter()
            build_template(spec, Path(tmp) / f"e{i}.xlsx")
            empty.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        stamp = generate.Stamp(spec, generate.text_fields_of(spec, rows[0]))
        t_stamp = time.perf_counter() - t0
        slots = stamp.formula_slots(rows)
        t0 = time.perf_counter()
        for k in range(50):
            (Path(tmp) / f"s{k}.xlsx").write_bytes(stamp.render(rows[k % len(rows)], slots[k % len(rows)]))
        t_render = (time.perf_counter() - t0) / 50
    meta = common.manifest(folder)
    print(common.table([
        ["", "ms per workbook"],
        ["build_template, filled (median of 5)", f"{sorted(times)[2] * 1000:.0f}"],
        ["build_template, empty (median of 3)", f"{sorted(empty)[1] * 1000:.0f}"],
        ["bench generator: render + write (mean of 50)", f"{t_render * 1000:.2f}"],
        [f"bench generator: whole run of the cached folder, sampling included ({meta['n']} files)",
         f"{float(meta['seconds']) / int(meta['n']) * 1000:.2f}"],
    ]))
    print(f"(the generator's one-off stamp: {t_stamp:.2f} s, two build_template calls)")


def main() -> int:
    ap = argparse.ArgumentParser(description="Benchmark xxgk validate start-up, the engine and build_template.")
    ap.add_argument("--n", type=int, default=10_000, help="fills for the engine (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the generated data (default 1)")
    ap.add_argument("--broken", type=float, default=0.05, help="share of rows with a changed input (default 0.05)")
    args = ap.parse_args()
    folder = common.cached_folder(args.n, args.seed)
    meta = common.manifest(folder)
    one = folder / meta["files"][0]
    spec = load_spec(str(meta["form"]))
    print(common.environment())
    startup(one)
    engine_bench(spec, np.load(generate.values_path(folder)), read_fill(one), args.broken, args.seed)
    build_bench(spec, folder, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
