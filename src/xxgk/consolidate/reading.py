"""Find the input files and read them: every file becomes a Submission, whatever is wrong with it.

Files are read in chunks; each chunk is read with python-calamine (xxgk.reader) and checked at once by the
vectorised engine, then reduced to compact records, so memory stays flat for thousands of files. Chunks
can run in worker processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from xxgk.consolidate.messages import consolidation_finding
from xxgk.consolidate.model import KIND, Submission, Unit, input_mask
from xxgk.consolidate.sheets import UNITS, cell_labels
from xxgk.consolidate.subsummary import SummarySheets, read_issues, read_units
from xxgk.engine import check_all
from xxgk.findings import ERROR, WARNING, Finding, finding, number
from xxgk.identity import agency_key
from xxgk.inbox import WORKBOOK_SUFFIXES, InputError, scan, skip_reason
from xxgk.reader import Fill
from xxgk.readmany import read_many

__all__ = ["WORKBOOK_SUFFIXES", "InputError", "read_all", "read_chunk", "scan"]

Progress = Callable[[int, int], None]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _unreadable(sub: Submission, found: Finding) -> None:
    reason = skip_reason(sub.path)
    sub.skipped = reason is not None
    if reason is not None:  # not a report at all: listed with the reason, no finding
        sub.reason = reason
        return
    sub.findings = [found]
    sub.reason = found.message


def _unit_of(sub: Submission) -> Unit:
    assert sub.row is not None
    return Unit(agency_key(sub.agency, sub.uscc), sub.meta, sub.row, sub.exact, sub.name)


def _mismatches(fill: Fill, row: np.ndarray, units: list[Unit]) -> list[Finding]:
    """A summary's table cells must equal the sum of its 单位明细 rows (else it was edited afterwards)."""
    spec = fill.spec
    total = np.sum([u.values for u in units], axis=0) if units else np.zeros_like(row)
    bad = np.flatnonzero(input_mask(spec) & (np.abs(total - row) > 1e-6 + 1e-12 * np.abs(row)))
    labels = cell_labels(spec)
    out = []
    for j in bad[:10]:
        cid = list(spec.cells)[j]
        pos = fill.positions[cid]
        out.append(consolidation_finding(
            "consolidate.summary_mismatch", ERROR, ids=(cid,), cells=(pos.address,), expected=number(total[j]),
            actual=number(row[j]), sheet=pos.sheet, cell=pos.a1, label=labels[cid], units=UNITS))
    return out


def _summary_parts(sub: Submission, fill: Fill, workbook: Path) -> None:
    assert sub.row is not None
    sheets = SummarySheets(workbook)
    units = read_units(fill.spec, sheets.units, sub.name)
    if units is None:
        sub.units = [_unit_of(sub)]
        sub.findings.append(consolidation_finding("consolidate.no_units", WARNING, sheet=UNITS))
        return
    sub.has_unit_rows = True
    sub.units = units
    sub.carried = read_issues(sheets.issues, sub.name)
    sub.findings.extend(_mismatches(fill, sub.row, units))


def _complete(sub: Submission, fill: Fill, findings: list[Finding], row: np.ndarray, workbook: Path) -> None:
    """workbook: the .xlsx read for the fill (a converted copy of an .xls/.ods/.et)."""
    sub.form = fill.spec.form
    sub.meta = dict(fill.meta)
    sub.kind = sub.meta.get(KIND) or (fill.spec.field(KIND).default or "")
    sub.findings = list(findings)
    sub.row = row
    sub.exact = {c: fill.exact[c] for c in fill.exact}
    if sub.is_summary:
        _summary_parts(sub, fill, workbook)
    else:
        sub.units = [_unit_of(sub)]


def read_chunk(items: Sequence[tuple[Path, str]]) -> list[Submission]:
    """Read and check a batch of files (the .xls/.ods/.et among them converted in one LibreOffice start);
    never raises for a bad file."""
    subs = [Submission(Path(p), name, _mtime(Path(p))) for p, name in items]
    with read_many([s.path for s in subs]) as reads:
        fills: list[tuple[Submission, Fill, Path]] = []
        for sub, read in zip(subs, reads, strict=True):
            if read.fill is None or read.workbook is None:
                _unreadable(sub, read.failure or finding("file.unreadable", ERROR, reason="文件无法读取"))
            else:
                fills.append((sub, read.fill, read.workbook))
        checked = check_all([f for _, f, _ in fills])
        next_row = dict.fromkeys(checked.frames, 0)
        for (sub, fill, workbook), fs, hints in zip(fills, checked.findings, checked.hints, strict=True):
            frame = checked.frames[fill.spec.form]
            row = frame.values[next_row[fill.spec.form]].copy()
            next_row[fill.spec.form] += 1
            _complete(sub, fill, fs, row, workbook)
            sub.hints = hints
    return subs


def default_jobs(files: int) -> int:
    """Worker processes worth starting: none for a small inbox, else one per core (at most 8)."""
    if files < 400:
        return 1
    return max(1, min(8, os.cpu_count() or 1))


def read_all(items: Sequence[tuple[Path, str]], *, jobs: int | None = None, chunk: int = 50,
             on_progress: Progress | None = None) -> list[Submission]:
    """Read every file, in order; in worker processes when jobs > 1."""
    jobs = default_jobs(len(items)) if jobs is None else jobs
    chunks = [items[i:i + chunk] for i in range(0, len(items), chunk)]
    done, out = 0, []
    if jobs <= 1 or len(chunks) <= 1:
        for part in chunks:
            out.extend(read_chunk(part))
            done += len(part)
            if on_progress:
                on_progress(done, len(items))
        return out
    results: list[list[Submission]] = [[] for _ in chunks]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(read_chunk, part): i for i, part in enumerate(chunks)}
        for fut in as_completed(futures):
            i = futures[fut]
            results[i] = fut.result()
            done += len(chunks[i])
            if on_progress:
                on_progress(done, len(items))
    return [s for part in results for s in part]
