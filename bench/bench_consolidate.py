"""Benchmark `xxgk consolidate` on N generated agency workbooks (make bench).

In one run, on the same cached folder (bench/out/, generated once per N and seed):
  floor        raw python-calamine: open each workbook, load every sheet holding a named cell (to_python)
  consolidate  `xxgk consolidate FOLDER -o OUT.xlsx --json --force` in a subprocess: wall time, peak RSS
  baseline     naive openpyxl: load_workbook(data_only=True) per file, read the named cells through the
               defined names, sum them; on a random sample of files, extrapolated linearly to N
Every figure is a whole subprocess (interpreter start-up included), timed from spawn to exit, with its
own peak RSS (os.wait4). No timing is asserted.

    .venv/bin/python bench/bench_consolidate.py [--n 10000] [--seed 1] [--sample 500] [--with-validate]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve()
GOAL_FLOOR_RATIO = 3.0  # consolidate / floor at most
GOAL_BASELINE_RATIO = 10.0  # baseline / consolidate at least
GOAL_RSS = 1024**3  # consolidate peak memory at most


# --------------------------------------------------------------------------- workers (own processes)


def worker_floor(job: dict) -> dict:
    from python_calamine import CalamineWorkbook

    folder, sheets = Path(job["folder"]), job["sheets"]
    t0 = time.perf_counter()
    for name in job["files"]:
        wb = CalamineWorkbook.from_path(str(folder / name))
        for sheet in sheets:
            wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        wb.close()
    return {"loop": time.perf_counter() - t0, "files": len(job["files"])}


def worker_baseline(job: dict) -> dict:
    import openpyxl

    folder = Path(job["folder"])
    sums = dict.fromkeys(job["cells"], 0.0)
    t0 = time.perf_counter()
    loading = 0.0
    for name in job["files"]:
        t1 = time.perf_counter()
        wb = openpyxl.load_workbook(folder / name, data_only=True)
        loading += time.perf_counter() - t1
        for dn_name in job["names"]:
            for sheet, ref in wb.defined_names[dn_name].destinations:
                value = wb[sheet][ref].value
                key = job["names"][dn_name]
                if key in sums and isinstance(value, (int, float)):
                    sums[key] += value
        wb.close()
    return {"loop": time.perf_counter() - t0, "load": loading, "files": len(job["files"]), "sums": sums}


def run_worker(kind: str, job_path: Path) -> None:
    job = json.loads(job_path.read_text(encoding="utf-8"))
    result = worker_floor(job) if kind == "floor" else worker_baseline(job)
    print(json.dumps(result))


# --------------------------------------------------------------------------- the run


def main() -> int:
    ap = argparse.ArgumentParser(description="Benchmark xxgk consolidate against a calamine floor and an openpyxl baseline.")
    ap.add_argument("--n", type=int, default=10_000, help="number of workbooks (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the generated data (default 1)")
    ap.add_argument("--sample", type=int, default=500, help="files the openpyxl baseline reads (default 500)")
    ap.add_argument("--with-validate", action="store_true",
                    help="also time `xxgk validate --json` on all files (done anyway when consolidate is missing)")
    ap.add_argument("--worker", choices=("floor", "baseline"), help=argparse.SUPPRESS)
    ap.add_argument("--job", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        run_worker(args.worker, args.job)
        return 0

    import random
    import zipfile

    import common
    import generate

    from xxgk.spec import defined_name, load_spec

    folder = common.cached_folder(args.n, args.seed)
    meta = common.manifest(folder)
    files: list[str] = meta["files"]
    totals: dict[str, float] = meta["totals"]
    n = len(files)
    spec = load_spec(str(meta["form"]))
    names = {defined_name(k): k for k in (*spec.field_ids, *spec.cells)}
    with zipfile.ZipFile(folder / files[0]) as zf:
        refs, _ = generate.read_names(zf)
    sheets = sorted({refs[name][0] for name in names})
    print(common.environment())
    print(f"{n} workbooks in {folder}; named cells on sheets {', '.join(sheets)}; page cache warm after generation")

    def job(kind: str, chosen: list[str]) -> Path:
        path = common.OUT / f".job_{kind}.json"
        path.write_text(json.dumps({"folder": str(folder), "files": chosen, "sheets": sheets, "names": names,
                                    "cells": list(spec.cells)}, ensure_ascii=False), encoding="utf-8")
        return path

    def worker(kind: str, chosen: list[str]) -> tuple[common.Timed, dict]:
        path = job(kind, chosen)
        timed = common.run_timed([common.PYTHON, str(SCRIPT), "--worker", kind, "--job", str(path)])
        path.unlink()
        if timed.returncode != 0:
            raise SystemExit(f"{kind} worker failed:\n{timed.stderr}")
        return timed, json.loads(timed.stdout)

    # (a) floor ---------------------------------------------------------------------------------------
    print("floor: calamine over every file ...", flush=True)
    floor, floor_res = worker("floor", files)

    # (b) consolidate -----------------------------------------------------------------------------------
    out_xlsx = common.OUT / f"consolidated_n{n}_seed{args.seed}.xlsx"
    out_json = common.OUT / f"consolidated_n{n}_seed{args.seed}.json"
    cmd = [*common.xxgk_command(), "consolidate", str(folder), "-o", str(out_xlsx), "--json", "--force"]
    print("consolidate: " + " ".join(cmd), flush=True)
    cons = common.run_timed(cmd, stdout_file=out_json, sample_tree=True)
    missing = cons.returncode != 0 and "No such command" in cons.stderr
    if missing:
        print("  `xxgk consolidate` does not exist yet (No such command); the bench keeps calling it")
    elif cons.returncode not in (0, 1):
        print(f"  consolidate exited {cons.returncode}: {cons.stderr.strip()[-800:]}")
    else:
        print(f"  exit {cons.returncode}, JSON {out_json.stat().st_size} bytes, summary {out_xlsx}"
              + ("" if out_xlsx.exists() else " (NOT written)"))
        for line in _check_summary(out_xlsx, out_json, spec, totals):
            print("  " + line)

    val = None
    if missing or args.with_validate:
        vcmd = [*common.xxgk_command(), "validate", "--json", *(str(folder / f) for f in files)]
        print(f"validate (stand-in): xxgk validate --json <{n} files> ...", flush=True)
        val = common.run_timed(vcmd, stdout_file=common.OUT / f"validate_n{n}_seed{args.seed}.json", sample_tree=True)
        print(f"  exit {val.returncode}" + (f": {val.stderr.strip()[-400:]}" if val.returncode not in (0, 1) else ""))

    # (c) baseline --------------------------------------------------------------------------------------
    k = min(args.sample, n)
    chosen = sorted(random.Random(args.seed).sample(files, k)) if k < n else files
    print(f"baseline: openpyxl over {k} {'randomly chosen ' if k < n else ''}files ...", flush=True)
    base, base_res = worker("baseline", chosen)
    startup = base.seconds - base_res["loop"]
    per_file = base_res["loop"] / k
    base_seconds = startup + per_file * n
    print(f"  {per_file * 1000:.1f} ms per file: load_workbook {base_res['load'] / k * 1000:.1f} ms, "
          f"defined-name look-ups and reads {(base_res['loop'] - base_res['load']) / k * 1000:.1f} ms")
    if k == n:
        off = [c for c in spec.cells if abs(base_res["sums"][c] - totals[c]) > 1e-6 * max(1.0, abs(totals[c]))]
        print(f"  openpyxl sums equal the generated totals: {'yes' if not off else 'NO, ' + ', '.join(off[:5])}")

    # report --------------------------------------------------------------------------------------------
    ref = val if missing and val else cons
    ref_name = "validate (stand-in)" if missing else "consolidate"
    def row(label: str, t: common.Timed, seconds: float, note: str) -> list[str]:
        return [label, f"{seconds:.2f}", f"{seconds / n * 1000:.2f}", f"{t.cpu:.1f}", common.mb(t.max_rss),
                common.mb(t.tree_rss), note]

    rows = [["", "wall s", "ms per file", "CPU s", "peak RSS", "tree RSS", "note"],
            row("floor (calamine)", floor, floor.seconds, f"loop {floor_res['loop']:.2f} s")]
    if not missing:
        rows.append(row("xxgk consolidate", cons, cons.seconds, f"exit {cons.returncode}"))
    else:
        rows.append(["xxgk consolidate", "-", "-", "-", "-", "-", "missing"])
    if val:
        rows.append(row("xxgk validate", val, val.seconds, f"exit {val.returncode}" + (", stand-in" if missing else "")))
    rows.append(row("baseline (openpyxl)", base, base_seconds,
                    f"EXTRAPOLATED from {k} files ({base_res['loop']:.2f} s; CPU and RSS of the sample run)"
                    if k < n else f"measured on all {n}"))
    print()
    print(f"N = {n} workbooks, seed {args.seed}")
    print(common.table(rows))
    print()
    r_floor = ref.seconds / floor.seconds
    r_base = base_seconds / ref.seconds
    base_cpu = base.cpu / k * n  # start-up included in the per-file share: a slight overestimate
    print(f"{ref_name} / floor      = {r_floor:6.2f}   (goal <= {GOAL_FLOOR_RATIO:g}: {common.goal(r_floor <= GOAL_FLOOR_RATIO)})"
          f"   by CPU time {ref.cpu / floor.cpu:.2f}")
    print(f"baseline / {ref_name}   = {r_base:6.2f}   (goal >= {GOAL_BASELINE_RATIO:g}: {common.goal(r_base >= GOAL_BASELINE_RATIO)})"
          f"   by CPU time {base_cpu / ref.cpu:.2f}" + ("   baseline extrapolated" if k < n else ""))
    print("(wall-clock ratios are the goals; CPU-time ratios are steadier when other work shares the cores,"
          " but hide any parallelism)")
    print(f"{ref_name} peak RSS     = {common.mb(ref.tree_rss):>6}   (goal <= 1 GB: {common.goal(ref.tree_rss <= GOAL_RSS)};"
          f" summed over its processes, largest single process {common.mb(ref.max_rss)})")
    if missing:
        print("NOTE: xxgk consolidate is missing; the ratios above use `xxgk validate` as a stand-in.")
    return 0


def _off(got: dict[str, float], totals: dict[str, float]) -> list[str]:
    return [c for c in totals if c not in got or abs(got[c] - totals[c]) > 1e-6 * max(1.0, abs(totals[c]))]


def _verdict(what: str, got: dict[str, float], totals: dict[str, float]) -> str:
    off = _off(got, totals)
    if not off:
        return f"{what}: equal to the generated totals in all {len(totals)} cells"
    return f"{what}: DIFFER in {len(off)} cells, e.g. " + ", ".join(f"{c}: {got.get(c)} vs {totals[c]}" for c in off[:3])


def _check_summary(path: Path, json_path: Path, spec, totals: dict[str, float]) -> list[str]:
    """Best effort: the JSON's totals, then the summary workbook read back (read_fill, or straight through its
    defined names with calamine when read_fill refuses it), each compared with the generated totals."""
    out = []
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
        got = {c: float(v) for c, v in data["totals"].items()}
        got.update({c: float(v) for c, v in data.get("exact", {}).items()})
        out.append(_verdict("JSON totals", got, totals))
    except Exception as exc:  # the JSON schema is the consolidator's business
        out.append(f"JSON totals: not checked ({type(exc).__name__}: {exc})")
    if not path.exists():
        return [*out, "summary workbook: not checked (no output file)"]
    from xxgk.engine import Frame
    from xxgk.reader import Unreadable, read_fill

    try:
        fill = read_fill(path)
        frame = Frame.from_fills(fill.spec, [fill])
        return [*out, _verdict("summary workbook (read_fill)", {c: float(frame.column(c)[0]) for c in frame.index}, totals)]
    except Unreadable as exc:
        out.append(f"summary workbook: read_fill refuses it: {exc.finding.message}")
    except Exception as exc:
        out.append(f"summary workbook: read_fill failed ({type(exc).__name__}: {exc})")
    try:  # straight through the defined names: cached values, formula cells included
        import zipfile

        import generate
        from python_calamine import CalamineWorkbook
        from xlsxwriter.utility import xl_cell_to_rowcol

        from xxgk.spec import defined_name

        with zipfile.ZipFile(path) as zf:
            names, _ = generate.read_names(zf)
        wb = CalamineWorkbook.from_path(str(path))
        grids = {sheet: wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
                 for sheet in {names[defined_name(c)][0] for c in spec.cells if defined_name(c) in names}}
        wb.close()
        got = {}
        for c in spec.cells:
            if defined_name(c) in names:
                sheet, a1 = names[defined_name(c)]
                r, k = xl_cell_to_rowcol(a1)
                value = grids[sheet][r][k]
                got[c] = float(value) if isinstance(value, (int, float)) else float("nan")
        out.append(_verdict("summary workbook (its named cells, read with calamine)", got, totals))
    except Exception as exc:
        out.append(f"summary workbook: not checked ({type(exc).__name__}: {exc})")
    return out


if __name__ == "__main__":
    sys.exit(main())
