"""Benchmark `xxgk import`: per-file time by format (txt, html, docx, PDF) of the same real report.

The report is 淮安市人民政府 2024 (tests/fixtures/real/009_huaian_city_2024.*): its published PDF and the
text extracted from it; html and docx are written from its imported workbook by `xxgk report` (the
official layout, merged cells). Phases per format, best of --repeat runs: reading the file (front end),
interpreting it (core), writing the workbook and validating it. The baseline, measured in the same run,
is the part every import shares: build_template + validate of the same numbers.

    .venv/bin/python bench/bench_import.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from xxgk.importer.core import read_source
from xxgk.importer.run import import_file, read_report
from xxgk.importer.workbook import write_workbook
from xxgk.report.write import write_report
from xxgk.validate import validate_files

REAL = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real"


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        first = import_file(REAL / "009_huaian_city_2024.txt", tmp / "first")
        assert first.output is not None
        write_report(first.output, tmp / "009.docx")
        write_report(first.output, tmp / "009.html")
        files = {"txt": REAL / "009_huaian_city_2024.txt", "html": tmp / "009.html", "docx": tmp / "009.docx",
                 "pdf": REAL / "009_huaian_city_2024.pdf"}
        base = best(lambda: validate_files([write_workbook(first.reading, read_report(files["txt"]), tmp / "b.xlsx")]),
                    args.repeat)
        print(f"load average {os.getloadavg()[0]:.2f}; best of {args.repeat}")
        print(f"baseline (write workbook + validate): {base * 1000:.0f} ms")
        print(f"{'format':6} {'read':>8} {'interpret':>10} {'total':>8} {'ratio':>6}")
        for kind, path in files.items():
            read = best(lambda p=path: read_report(p), args.repeat)
            source = read_report(path)
            interpret = best(lambda s=source: read_source(s), args.repeat)
            total = best(lambda p=path: import_file(p, tmp / "out"), args.repeat)
            print(f"{kind:6} {read * 1000:6.0f} ms {interpret * 1000:7.0f} ms {total * 1000:5.0f} ms {total / base:5.1f}x")


if __name__ == "__main__":
    main()
