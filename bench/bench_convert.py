"""Benchmark reading submissions in other formats: read_fill on .xls / .ods / .et (LibreOffice conversion each
time, nothing cached) against read_fill on the same report as .xlsx, measured in the same run.

The .xls and .ods are written by LibreOffice from a filled template; the .et is the .xls renamed (what most
WPS .et files are). Each format is read --runs times: the first read (a cold LibreOffice start from disk
cache state of this run) and the median of the others are printed, in seconds and as a ratio to the .xlsx.

Then an inbox of --files old-format files (.xls, .ods, .et in turn) is read as validate and consolidate read it
(xxgk.readmany): one LibreOffice start per file against one start for the whole batch, ratio printed.

    .venv/bin/python bench/bench_convert.py [--runs 4] [--files 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from xxgk.libreoffice import find_soffice
from xxgk.reader import read_fill
from xxgk.readmany import read_many
from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template


def _soffice(src: Path, fmt: str, out: Path) -> Path:
    soffice = find_soffice()
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is required")
    subprocess.run([soffice, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", fmt, "--outdir", str(out), str(src)], capture_output=True, timeout=180, check=True)
    return out / f"{src.stem}.{fmt}"


def _times(path: Path, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        read_fill(path)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--files", type=int, default=20)
    args = parser.parse_args()
    spec = load_spec("gb2021")
    _agency, values = next(sample_fills(spec, agencies("样例县", "330206", 1), 2024))
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-convert-") as tmp:
        base = Path(tmp)
        xlsx = build_template(spec, base / "report.xlsx", values=values)
        files = {"xlsx": xlsx, "xls": _soffice(xlsx, "xls", base), "ods": _soffice(xlsx, "ods", base)}
        files["et"] = shutil.copyfile(files["xls"], base / "report.et")
        baseline = statistics.median(_times(xlsx, max(args.runs, 20)))
        print(f"load average {os.getloadavg()[0]:.2f}; LibreOffice {find_soffice()}; {args.runs} reads per format")
        print(f"{'format':8}{'first s':>10}{'then s (median)':>18}{'× .xlsx':>10}")
        print(f"{'xlsx':8}{baseline:>10.4f}{baseline:>18.4f}{1:>10.0f}")
        for fmt in ("xls", "ods", "et"):
            times = _times(files[fmt], args.runs)
            rest = statistics.median(times[1:]) if len(times) > 1 else times[0]
            print(f"{fmt:8}{times[0]:>10.2f}{rest:>18.2f}{rest / baseline:>10.0f}")
        _batch(files, base / "inbox", args.files)


def _batch(files: dict[str, Path], inbox: Path, n: int) -> None:
    inbox.mkdir()
    paths = [Path(shutil.copyfile(files[fmt], inbox / f"{i:03}.{fmt}")) for i, fmt in
             zip(range(n), ["xls", "ods", "et"] * n, strict=False)]
    seconds = {}
    for together in (False, True):
        start = time.perf_counter()
        with read_many(paths, together=together) as reads:
            assert all(r.fill is not None for r in reads)
        seconds[together] = time.perf_counter() - start
    print(f"\n{n} files (.xls/.ods/.et in turn), read with conversion:")
    print(f"{'':14}{'total s':>10}{'s per file':>12}")
    for together, label in ((False, "one by one"), (True, "one batch")):
        print(f"{label:14}{seconds[together]:>10.2f}{seconds[together] / n:>12.3f}")
    print(f"batch is {seconds[False] / seconds[True]:.1f}× faster")


if __name__ == "__main__":
    main()
