"""Helpers shared by the bench scripts: timed subprocesses with their own peak RSS, the cached folder."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import generate

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
PYTHON = sys.executable
GB = 1024**3


@dataclass
class Timed:
    seconds: float
    max_rss: int  # bytes: the largest single process (the child, or a grandchild it waited for)
    tree_rss: int  # bytes: the largest sum of RSS over the child and all its descendants, sampled
    cpu: float  # user + system seconds of the child and the grandchildren it waited for
    returncode: int
    stdout: str
    stderr: str


def _tree_rss(root: int) -> int:
    """Sum of the resident set sizes of root and all its descendants (from /proc; 0 when unavailable)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
            parents[int(entry.name)] = int(stat[stat.rindex(b")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(kids)
        frontier.extend(kids)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    return total


PAGE = os.sysconf("SC_PAGE_SIZE")


def run_timed(cmd: Sequence[str], *, stdout_file: Path | None = None, env: dict[str, str] | None = None,
              sample_tree: bool = False) -> Timed:
    """Run cmd; wall time from spawn to exit, peak RSS and CPU time from os.wait4 (that child only, unlike
    RUSAGE_CHILDREN). sample_tree: also poll the summed RSS of the child's process tree every 0.2 s (worker
    pools: wait4's figure is the largest single process, not the sum; the sum counts shared pages twice).

    stdout goes to stdout_file when given (large JSON), else it is captured.
    """
    out_path = stdout_file or OUT / f".stdout.{os.getpid()}"
    err_path = out_path.with_name(out_path.name + ".err")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env)
        peak = [0]
        done = threading.Event()

        def poll() -> None:
            while not done.wait(0.2):
                peak[0] = max(peak[0], _tree_rss(proc.pid))

        poller = threading.Thread(target=poll, daemon=True)
        if sample_tree:
            poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        done.set()
        if sample_tree:
            poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    err_path.unlink()
    stdout = "" if stdout_file else out_path.read_text(encoding="utf-8", errors="replace")
    if not stdout_file:
        out_path.unlink()
    return Timed(seconds, usage.ru_maxrss * 1024, max(peak[0], usage.ru_maxrss * 1024),
                 usage.ru_utime + usage.ru_stime, proc.returncode, stdout, stderr)


def xxgk_command() -> list[str]:
    """The xxgk console script of this interpreter's environment."""
    script = Path(PYTHON).with_name("xxgk")
    if script.exists():
        return [str(script)]
    return [PYTHON, "-c", "import sys; from xxgk.cli import main; sys.argv[0] = 'xxgk'; main()"]


def cached_folder(n: int, seed: int, root: Path = OUT) -> Path:
    """The generated folder for (n, seed), made when missing or incomplete (its manifest is written last)."""
    folder = root / f"{generate.FORM}_n{n}_seed{seed}_v{generate.GENERATOR_VERSION}"
    manifest = generate.manifest_path(folder)
    if manifest.exists():
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        if (meta.get("n") == n and meta.get("seed") == seed and generate.values_path(folder).exists()
                and all((folder / f).exists() for f in meta["files"][:50])):
            print(f"using cached {n} workbooks in {folder} (generated in {meta['seconds']} s)")
            return folder
    if folder.exists():
        shutil.rmtree(folder)
    print(f"generating {n} workbooks into {folder} ...", flush=True)
    meta = generate.generate_with_manifest(folder, n, seed, lambda k, s: print(f"  {k} files, {s:.1f} s", flush=True))
    secs = float(meta["seconds"])
    print(f"generated in {secs:.1f} s ({secs / max(n, 1) * 1000:.2f} ms per file, sampling included)")
    return folder


def manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(generate.manifest_path(folder).read_text(encoding="utf-8"))
    return data


def environment() -> str:
    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "?"

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"python {platform.python_version()}, {os.cpu_count()} CPUs (load average {load}), "
            f"python-calamine {ver('python-calamine')}, openpyxl {ver('openpyxl')}, numpy {ver('numpy')}, "
            f"xlsxwriter {ver('xlsxwriter')}")


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1024**2:.0f} MB"


def goal(ok: bool) -> str:
    return "met" if ok else "NOT met"


def table(rows: Sequence[Sequence[str]]) -> str:
    """A plain text table; first row is the header."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, row in enumerate(rows):
        lines.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
