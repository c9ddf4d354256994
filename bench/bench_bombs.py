"""What counting inflated bytes costs (issue 12 §1): every workbook's members are inflated in a stream and
counted before any reader opens it. Reading the template with that counted check, against the same read with
only the sizes the headers declare checked (what the reader did before), in the same run; and the time a
lying bomb (1 GiB worksheet, headers claiming 100 KB) takes to be refused.

    .venv/bin/python bench/bench_bombs.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from bomb_support import lying_bomb  # noqa: E402
from xxgk.container import ContainerCheck, _size_problem, inspect_file  # noqa: E402
from xxgk.reader import read_fill  # noqa: E402

TEMPLATE = ROOT / "workbook" / "信息公开年报模板_2021.xlsx"


def declared_only(path: Path) -> ContainerCheck:
    """The old check: sizes as the headers declare them (no inflation)."""
    with zipfile.ZipFile(path) as zf:
        problem = _size_problem([(i.filename, i.file_size, i.compress_size) for i in zf.infolist()], 512 * 2**20, 200)
    return problem or ContainerCheck(True, "xlsx", None, False, ".xlsx")


def medians(fns, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Median seconds of each function, run interleaved (the machine's load hits them alike)."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    read_fill(TEMPLATE)  # warm: imports, spec and package caches
    counted_check, declared_check, counted, uncounted = medians(
        [lambda: inspect_file(TEMPLATE), lambda: declared_only(TEMPLATE),
         lambda: read_fill(TEMPLATE), lambda: read_fill(TEMPLATE, declared_only(TEMPLATE))], args.repeat)
    print(f"load average {os.getloadavg()[0]:.1f}; template {TEMPLATE.name}, median of {args.repeat}")
    print(f"  check, counted inflation  {counted_check * 1e3:7.2f} ms")
    print(f"  check, declared sizes     {declared_check * 1e3:7.2f} ms")
    print(f"  read_fill, counted        {counted * 1e3:7.2f} ms")
    print(f"  read_fill, uncounted      {uncounted * 1e3:7.2f} ms")
    print(f"  ratio counted/uncounted   {counted / uncounted:7.2f}  (goal ≤ 1.25)")
    with tempfile.TemporaryDirectory() as tmp:
        bomb = lying_bomb(TEMPLATE, Path(tmp) / "bomb.xlsx")
        start = time.perf_counter()
        verdict = inspect_file(bomb)
        print(f"lying bomb (1 GiB claimed as 100 KB): {verdict.kind} in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
