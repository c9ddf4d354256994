"""Rules the consolidation checks on rows of values as reported (computed cells not recomputed): the cross-year
rules (prev()) and the year-over-year warnings (xxgk.yoy) per agency against last year's numbers, and every rule
(and the year-over-year warnings) on the summary's own totals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from xxgk.consolidate.messages import MORE, consolidation_finding
from xxgk.consolidate.model import Issue, Submission, Unit
from xxgk.consolidate.previous import Previous, aligned, same_agencies_total
from xxgk.consolidate.result import Consolidation
from xxgk.engine import Frame, check_rules
from xxgk.findings import ERROR, WARNING, Finding
from xxgk.layout import plan_layout
from xxgk.rules.expand import expand_rules
from xxgk.spec import FormSpec
from xxgk.yoy import year_over_year_rows

TOTAL_FILE = "（汇总合计）"
SHOWN = 3  # agencies named in a message


def _prev_keys(spec: FormSpec) -> set[str]:
    return {inst.key for inst in expand_rules(spec) if inst.uses_prev}


def check_rows(spec: FormSpec, rows: np.ndarray, prev_rows: np.ndarray | None, previous: Previous | None,
               only_cross_year: bool = True) -> list[list[Finding]]:
    """Rule findings for rows of values (as reported: computed cells are not recomputed).

    prev_rows holds last year's values aligned to the rows (NaN where an agency has none)."""
    n = rows.shape[0]
    frame = Frame.from_rows(spec, rows, np.ones(rows.shape, dtype=bool))
    prev_col = None
    if previous is not None and prev_rows is not None:
        def prev_col(cell_id: str) -> np.ndarray:
            j = previous.column_index(spec, cell_id)
            return prev_rows[:, j] if j is not None else np.full(n, np.nan)

    layout = plan_layout(spec)
    found = check_rules(frame, lambda _row, cell_id: layout.address(cell_id), prev_col)
    if not only_cross_year:
        found = [list(fs) for fs in found]
    else:
        keep = _prev_keys(spec)
        found = [[f for f in fs if f.rule in keep] for fs in found]
    if previous is not None and prev_rows is not None:
        yoy = year_over_year_rows(spec, rows, prev_rows, lambda c: previous.column_index(spec, c),
                                  lambda _row, c: layout.pos[c], previous.source)
        for fs, more in zip(found, yoy, strict=True):
            fs.extend(more)
    return found


def cross_year(spec: FormSpec, direct: Sequence[Submission], inner: Sequence[Unit], previous: Previous) -> list[Issue]:
    """prev() rules per agency. Findings on agency reports join the file (and decide its status); those on
    agencies inside a sub-summary are listed only (the sub-summary is judged where it was made)."""
    units = [s.units[0] for s in direct] + list(inner)
    if not units:
        return []
    rows = np.array([u.values for u in units]).reshape(len(units), len(spec.cells))
    found = check_rows(spec, rows, aligned(previous, units), previous)
    for s, fs in zip(direct, found, strict=False):
        s.findings.extend(fs)
        s.cross_year_errors = sum(f.severity == ERROR for f in fs)
    return [Issue(u.name, u.uscc, u.via, f) for u, fs in zip(inner, found[len(direct):], strict=True) for f in fs]


def total_issues(result: Consolidation, previous: Previous | None) -> list[Issue]:
    """Every rule on the summary's own totals. Cross-year ones compare with last year's total of the same
    agencies; when last year's data lacks some of them, they are skipped with a warning saying so."""
    prev, skipped = None, []
    if previous is not None:
        prev, unmatched = same_agencies_total(previous, result.units)
        skipped = [_partial(result, previous, unmatched)] if prev is None else []
    rows = prev[None, :] if prev is not None else None
    (found,) = check_rows(result.spec, result.total[None, :], rows, previous, only_cross_year=False)
    return [Issue(result.agency, result.uscc, TOTAL_FILE, f) for f in [*skipped, *found]]


def _partial(result: Consolidation, previous: Previous, unmatched: Sequence[Unit]) -> Finding:
    names = "、".join(u.name or u.uscc for u in unmatched[:SHOWN]) + (MORE if len(unmatched) > SHOWN else "")
    return consolidation_finding("consolidate.previous_partial", WARNING, count=len(result.units),
                                 missing=len(unmatched), source=previous.source, names=names)
