"""Reports of different agencies, or of one agency by two ways, that meet and what the consolidator is told
about them: different agencies on one USCC, an agency sent directly and also inside a sub-summary."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from xxgk.consolidate.keys import shared_code
from xxgk.consolidate.messages import CELL_DIFFERENCE, DATE_ORDER, MORE, NOT_FILLED, consolidation_finding
from xxgk.consolidate.model import FILLED_ON, Submission, Unit, input_mask
from xxgk.consolidate.sheets import cell_labels
from xxgk.findings import ERROR, WARNING, Finding, number
from xxgk.identity import parse_date
from xxgk.spec import FormSpec

SHOWN = 3  # differing cells named in a message


def _agencies(sub: Submission) -> list[Unit]:
    """The agencies a file speaks for: itself, or a summary's 单位明细 rows (none when it has none)."""
    return sub.units if not sub.is_summary or sub.has_unit_rows else []


def flag_shared_codes(kept: Sequence[Submission]) -> None:
    """Different agencies whose reports carry one USCC: an error on each agency report (it is left out until the
    consolidator settles it), a warning on a sub-summary that holds one of them (it stays summed)."""
    groups: dict[str, list[tuple[Submission, Unit]]] = {}
    for s in kept:
        for u in _agencies(s):
            if code := shared_code(u.key):
                groups.setdefault(code, []).append((s, u))
    for group in groups.values():
        for s, u in group:
            other = next(((t, v) for t, v in group if t is not s and v.key != u.key), None)
            if other is not None:
                _flag(s, u, *other)


def _flag(sub: Submission, unit: Unit, other_sub: Submission, other: Unit) -> None:
    where = other.via or other_sub.name
    if sub.is_summary:
        sub.findings.append(consolidation_finding("consolidate.shared_uscc_inner", WARNING, agency=unit.name,
                                                  other=other.name, file=where))
    else:  # first, so that the 原因 column names it
        sub.findings.insert(0, consolidation_finding("consolidate.shared_uscc", ERROR, agency=unit.name,
                                                     other=other.name, file=where))


def _date_order(mine: Unit, theirs: Unit) -> str:
    a, b = parse_date(mine.meta.get(FILLED_ON, "")), parse_date(theirs.meta.get(FILLED_ON, ""))
    text = {"mine": mine.meta.get(FILLED_ON) or NOT_FILLED, "theirs": theirs.meta.get(FILLED_ON) or NOT_FILLED}
    if a is None or b is None:
        return DATE_ORDER["unknown"].format(**text)
    return DATE_ORDER["mine" if a > b else "theirs" if b > a else "same"].format(**text)


def _differences(spec: FormSpec, mine: Unit, theirs: Unit) -> list[str]:
    """The input cells (computed ones follow them) whose values differ, described."""
    differ = input_mask(spec) & ~np.isclose(mine.values, theirs.values, rtol=1e-12, atol=1e-9)
    labels, ids = cell_labels(spec), list(spec.cells)
    return [CELL_DIFFERENCE.format(label=labels[ids[j]], mine=number(float(mine.values[j])),
                                   theirs=number(float(theirs.values[j]))) for j in np.flatnonzero(differ)]


def in_sub_summary(spec: FormSpec, sub: Submission, summary: Submission) -> Finding:
    """The note on an agency report already inside a summed sub-summary: are the two copies the same?"""
    mine = sub.units[0]
    theirs = next(u for u in summary.units if u.key == mine.key)
    differ = _differences(spec, mine, theirs)
    if not differ:
        return consolidation_finding("consolidate.in_sub_summary", WARNING, agency=sub.agency, summary=summary.name)
    listing = "；".join(differ[:SHOWN]) + (MORE if len(differ) > SHOWN else "")
    return consolidation_finding("consolidate.in_sub_summary_differs", WARNING, agency=sub.agency,
                                 summary=summary.name, count=len(differ), listing=listing, dates=_date_order(mine, theirs))
