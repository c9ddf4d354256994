"""Benchmark the Python side of one 校验 click on a filled template, against `python -c pass`.

RunPython starts a fresh interpreter per click with
    python -B -c "import xlwings.utils;xlwings.utils.prepare_sys_path(...); import xxgk.addin.buttons; ..."
so the click pays interpreter start, `import xlwings.utils` (the whole xlwings package, which imports pandas
eagerly when it is installed), the xxgk imports, reading the book, validating and writing the result back.
Excel is replaced by xlwings' remote-interpreter book (`xw.Book(json=…)`) holding the template's sheets,
names, formulas and document properties: its reads and writes are in-memory, so the COM round trips of a
real Excel are not in these figures.

Measured, each best of --n runs, in subprocesses timed from spawn to exit:
  1. `python -c pass` (the baseline), `import xlwings` with and without pandas;
  2. the click as RunPython runs it, with pandas importable and with pandas blocked (an environment without
     pandas: `sys.modules["pandas"] = None` makes `import pandas` fail as if it were not installed);
  3. the phases inside one click process: import xlwings, import xxgk, open the book (JSON → Book), read,
     validate, write back.
The read uses the live reader (`xxgk.addin.live`) and the write-back the add-in's adapter
(`xxgk.addin.buttons`, `xxgk.annotate`) when they are present; without them the read is `read_fill` of the
saved file and the write-back is reported as not measured.

    .venv/bin/python bench/bench_click.py [--n 7]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import zipfile
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import common

from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template

GOAL = 1.0  # seconds, the Python side of one click
HAVE_LIVE = find_spec("xxgk.addin.live") is not None
HAVE_BUTTONS = find_spec("xxgk.addin.buttons") is not None and find_spec("xxgk.annotate") is not None

NO_PANDAS = "import sys; sys.modules['pandas'] = None\n"  # an environment without pandas
RUNPYTHON = "import xlwings.utils;xlwings.utils.prepare_sys_path({path!r}); "

CLICK = """
import json, os, sys
book_json, path = sys.argv[1], sys.argv[2]
import xlwings as xw
book = xw.Book(json=json.load(open(book_json, encoding="utf-8")))
if {buttons}:
    import xxgk.addin.buttons as buttons
    buttons.validate(book=book)
    actions = book.json()["actions"]
    print(len(actions), [a["args"][0] for a in actions if a["func"] == "alert"])
else:
    from pathlib import Path
    from xxgk.engine import check_fills
    from xxgk.reader import read_fill
    check_fills([read_fill(Path(path))])
"""

PHASES = """
import time
t = [time.perf_counter()]
import json, sys
import xlwings.utils
import xlwings as xw
t.append(time.perf_counter())
from pathlib import Path
from xxgk.engine import check_fills
from xxgk.reader import read_fill
if {live}:
    from xxgk.addin.live import read_live
if {buttons}:
    import xxgk.addin.buttons
    from xxgk.annotate.run import annotate, check_one
    from xxgk.annotate.xlwings_book import writing
t.append(time.perf_counter())
book = xw.Book(json=json.load(open(sys.argv[1], encoding="utf-8")))
t.append(time.perf_counter())
if {live}:
    fill, source = read_live(book)
else:
    fill = read_fill(Path(sys.argv[2]))
t.append(time.perf_counter())
if {buttons}:
    findings, hints = check_one(fill)
else:
    findings = check_fills([fill])[0][0]
t.append(time.perf_counter())
if {buttons}:
    with writing(book) as target:
        annotate(target, source, fill, findings, hints)
    actions = len(book.json()["actions"])
else:
    actions = -1
t.append(time.perf_counter())
print(json.dumps({{"phases": [b - a for a, b in zip(t, t[1:])], "findings": len(findings), "actions": actions,
                  "pandas": sys.modules.get("pandas") is not None}}))
"""
PHASE_NAMES = ("import xlwings (import xlwings.utils, as RunPython does)", "import xxgk (reader, engine, add-in)",
               "open the book (JSON -> xw.Book)", "read", "validate", "write back")


# --------------------------------------------------------------------------- the filled template as a Book payload


def filled_template(folder: Path) -> Path:
    """A filled gb2021 template with one typed-over total, so the click has findings to write back."""
    spec = load_spec("gb2021")
    (agency,) = agencies("样例县", "330206", 1, seed=3)
    _, values = next(iter(sample_fills(spec, [agency], 2024, seed=3)))
    folder.mkdir(parents=True, exist_ok=True)
    return build_template(spec, folder / "click.xlsx", values=dict(values), overrides={"requests.new.total": 99999})


def book_payload(path: Path) -> dict[str, Any]:
    """What xlwings' VBA client sends for the open book, plus what the live reader takes for what the remote
    book cannot give (formulas, fills, custom properties): the tests' builder, so bench and tests agree."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    from xlwings_payload import payload_from_file

    payload: dict[str, Any] = payload_from_file(path)
    return payload


# --------------------------------------------------------------------------- timing


def child_env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[1] / "src")
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "XLWINGS_LICENSE_KEY": "noncommercial"}


def best(cmd: list[str], n: int) -> float:
    runs = [common.run_timed(cmd, env=child_env()) for _ in range(n)]
    for r in runs:
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(cmd[:3])} … exited {r.returncode}:\n{r.stderr[-2000:]}")
    return min(r.seconds for r in runs)


def phases(book_json: Path, path: Path, n: int, no_pandas: bool) -> tuple[list[float], dict[str, Any]]:
    code = (NO_PANDAS if no_pandas else "") + PHASES.format(live=HAVE_LIVE, buttons=HAVE_BUTTONS)
    runs = []
    for _ in range(n):
        r = common.run_timed([common.PYTHON, "-B", "-c", code, str(book_json), str(path)], env=child_env())
        if r.returncode != 0:
            raise SystemExit(f"phase timing failed:\n{r.stderr[-2000:]}")
        runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
    return [min(run["phases"][i] for run in runs) for i in range(len(PHASE_NAMES))], runs[-1]


def click_command(book_json: Path, path: Path, no_pandas: bool) -> list[str]:
    command = RUNPYTHON.format(path=str(path.parent)) + CLICK.format(buttons=HAVE_BUTTONS)
    return [common.PYTHON, "-B", "-c", (NO_PANDAS if no_pandas else "") + command, str(book_json), str(path)]


def main() -> int:
    ap = argparse.ArgumentParser(description="Benchmark the Python side of one 校验 click.")
    ap.add_argument("--n", type=int, default=7, help="runs per measurement, the best is kept (default 7)")
    args = ap.parse_args()
    out = common.OUT / "click"
    path = filled_template(out)
    book_json = out / "click.book.json"
    payload = book_payload(path)
    book_json.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    cells = sum(len(r) for s in payload["sheets"] for r in s["values"])
    with zipfile.ZipFile(path) as z:
        size = sum(i.file_size for i in z.infolist())
    print(common.environment())
    print(f"template: {path.name}, {len(payload['sheets'])} sheets, {cells} cells, {len(payload['names'])} names, "
          f"{size / 1024:.0f} KB unzipped; book payload {book_json.stat().st_size / 1024:.0f} KB")
    print(f"live reader (xxgk.addin.live): {'yes' if HAVE_LIVE else 'not present: read = read_fill of the saved file'}; "
          f"write-back (xxgk.addin.buttons + xxgk.annotate): {'yes' if HAVE_BUTTONS else 'not present: not measured'}")
    print(f"pandas installed: {'yes' if find_spec('pandas') else 'no'}\n")

    n = args.n
    base = best([common.PYTHON, "-c", "pass"], n)
    rows: list[tuple[str, float]] = [
        ('python -c "pass" (baseline)', base),
        ("python -c \"import xlwings\"", best([common.PYTHON, "-c", "import xlwings"], n)),
        ("python -c \"import xlwings\", pandas blocked", best([common.PYTHON, "-c", NO_PANDAS + "import xlwings"], n)),
        ("one 校验 click as RunPython runs it", best(click_command(book_json, path, False), n)),
        ("one 校验 click, pandas blocked", best(click_command(book_json, path, True), n)),
    ]
    print(f"1. whole processes, spawn to exit, best of {n}")
    print(common.table([["command", "seconds", "x baseline"]]
                       + [[name, f"{s:.3f}", f"{s / base:.1f}"] for name, s in rows]))

    for no_pandas in (False, True):
        times, last = phases(book_json, path, n, no_pandas)
        label = "pandas blocked" if no_pandas else "pandas importable"
        print(f"\n2. phases inside one click ({label}; each the best of {n}; {last['findings']} findings, "
              f"{last['actions'] if last['actions'] >= 0 else 'no'} write-back actions, "
              f"pandas imported: {'yes' if last['pandas'] else 'no'})")
        shown = [(name, t) for name, t in zip(PHASE_NAMES, times, strict=True)
                 if not (name == "write back" and last["actions"] < 0)]
        print(common.table([["phase", "ms"]] + [[name, f"{t * 1000:.0f}"] for name, t in shown]
                           + [["sum of phases (start-up not included)", f"{sum(t for _, t in shown) * 1000:.0f}"]]))
        if last["actions"] < 0:
            print("write back: not measured (xxgk.addin.buttons is not in this tree yet)")

    if HAVE_BUTTONS:
        done = common.run_timed(click_command(book_json, path, True), env=child_env())
        print(f"\nwhat the timed click did (actions recorded, message box): {done.stdout.strip()}")
    click, click_no_pandas = rows[3][1], rows[4][1]
    print(f"\none click: {click:.3f} s with pandas importable, {click_no_pandas:.3f} s without "
          f"(goal <= {GOAL} s: {common.goal(click <= GOAL)} / {common.goal(click_no_pandas <= GOAL)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
