"""Last year's numbers (a summary workbook or a folder of reports), matched to this year's agencies: per agency,
and as a total over the same agencies as this year's total (the rules are checked in checks.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xxgk.consolidate.keys import SHARED, KeyResolver, shared_code
from xxgk.consolidate.model import Submission, Unit
from xxgk.consolidate.reading import read_all, scan
from xxgk.engine import Frame
from xxgk.findings import WARNING, Finding, finding
from xxgk.identity import clean_uscc, normalize_name
from xxgk.spec import FormSpec, load_spec


@dataclass
class Previous:
    spec: FormSpec
    keys: dict[str, int]  # agency key -> row of values
    values: np.ndarray  # (n, m_prev)
    source: str

    def column_index(self, spec: FormSpec, cell_id: str) -> int | None:
        """Last year's column of this year's cell id, through the form's aliases when last year's form differs."""
        index = {cid: j for j, cid in enumerate(self.spec.cells)}
        if cell_id in index:
            return index[cell_id]
        alias = spec.previous_aliases.get(cell_id)
        return index.get(alias) if alias else None


def _latest(subs: list[Submission]) -> list[Submission]:
    """One submission per agency (summaries per file): the later 填报日期, then the later file time."""
    resolver = KeyResolver((s.agency, s.uscc) for s in subs if not s.is_summary)
    best: dict[str, Submission] = {}
    for s in subs:
        key = s.name if s.is_summary else resolver.key(s.agency, s.uscc) or s.name
        if key not in best or s.rank() > best[key].rank():
            best[key] = s
    return list(best.values())


def load_previous(path: Path, jobs: int | None = None) -> Previous | Finding:
    """Last year's per-agency values, or a warning saying why they cannot be used."""
    try:
        items = scan([path])
    except ValueError as exc:
        return finding("previous.missing", WARNING, path=Path(path).name, reason=str(exc))
    subs = [s for s in read_all(items, jobs=jobs) if s.readable]
    if not subs:
        return finding("previous.missing", WARNING, path=Path(path).name, reason="其中没有可读取的年报工作簿")
    form = Counter(s.form for s in subs).most_common(1)[0][0]
    assert form is not None
    spec = load_spec(form)
    subs = [s for s in subs if s.form == form]
    chosen = subs if len(subs) == 1 else _latest(subs)
    units: list[Unit] = [u for s in chosen for u in s.units]
    values = np.array([u.values for u in units]).reshape(len(units), len(spec.cells))
    return Previous(spec, index_units(units), values, Path(path).name)


def index_units(units: Sequence[Unit]) -> dict[str, int]:
    """Last year's agencies findable by USCC and name, by USCC, and by name (the first one of each key)."""
    keys: dict[str, int] = {}
    for i, u in enumerate(units):
        for key in _keys(u):
            keys.setdefault(key, i)
    return keys


def _keys(unit: Unit, by_code: bool = True) -> list[str]:
    """Keys to find an agency by: USCC and name, USCC alone (unless by_code is False), name alone."""
    code, name = clean_uscc(unit.uscc), normalize_name(unit.name)
    keys = (f"uscc:{code}{SHARED}{name}" if code and name else "", f"uscc:{code}" if code and by_code else "",
            f"name:{name}" if name else "")
    return [k for k in keys if k]


def _match(previous: Previous, unit: Unit) -> int | None:
    """Last year's row of an agency. A USCC that other agencies also carry this year finds it only with its name."""
    return next((previous.keys[k] for k in _keys(unit, not shared_code(unit.key)) if k in previous.keys), None)


def aligned(previous: Previous, units: Sequence[Unit]) -> np.ndarray:
    """Last year's rows for the agencies (by USCC, else by name; NaN rows where last year has no such agency)."""
    out = np.full((len(units), previous.values.shape[1]), np.nan)
    for i, unit in enumerate(units):
        j = _match(previous, unit)
        if j is not None:
            out[i] = previous.values[j]
    return out


def same_agencies_total(previous: Previous, units: Sequence[Unit]) -> tuple[np.ndarray | None, list[Unit]]:
    """Last year's total over exactly these agencies (computed cells recomputed), or None and the agencies
    without a counterpart of their own in last year's data (none found, or one already found by another)."""
    taken: set[int] = set()
    unmatched = []
    for u in units:
        j = _match(previous, u)
        if j is None or j in taken:
            unmatched.append(u)
        else:
            taken.add(j)
    if unmatched or not taken:
        return None, unmatched
    summed = previous.values[sorted(taken)].sum(axis=0, keepdims=True)
    return Frame.from_rows(previous.spec, summed).values[0], []


def last_year_rows(spec: FormSpec, previous: Previous, units: Sequence[Unit]) -> np.ndarray:
    """Last year's values of the agencies in this year's cell order (through the aliases; NaN where unknown)."""
    rows = aligned(previous, units)
    out = np.full((len(units), len(spec.cells)), np.nan)
    for j, cid in enumerate(spec.cells):
        k = previous.column_index(spec, cid)
        if k is not None:
            out[:, j] = rows[:, k]
    return out
