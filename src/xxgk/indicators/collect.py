"""Reports (fills) into the indicator table: this year's files, and last year's from the same inputs or --previous."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from xxgk.identity import agency_key
from xxgk.indicators.compute import META, Where, indicator_table
from xxgk.indicators.definitions import Indicator, Terms, indicators
from xxgk.layout import Pos
from xxgk.reader import Fill

if TYPE_CHECKING:
    import pandas as pd

    from xxgk.consolidate.result import Consolidation


def _year(fill: Fill) -> int:
    text = str(fill.meta.get("meta.year", "")).strip()
    return int(text) if text.isdigit() else 0


def _definitions(fills: Sequence[Fill]) -> tuple[Indicator, ...]:
    """The indicators of the inputs' forms, by id in first-seen order (gb2019 and gb2021 define the same ids)."""
    seen: dict[str, Indicator] = {}
    for form in dict.fromkeys(f.spec.form for f in fills):
        for ind in indicators(form):
            seen.setdefault(ind.id, ind)
    return tuple(seen.values())


def _columns(fills: Sequence[Fill], cells: set[str]) -> dict[str, np.ndarray]:
    """cell id -> numbers per fill, computed cells recomputed (xxgk.engine.Frame) unless typed over."""
    from xxgk.engine import Frame

    out = {c: np.full(len(fills), np.nan) for c in cells}
    for form in dict.fromkeys(f.spec.form for f in fills):
        rows = [i for i, f in enumerate(fills) if f.spec.form == form]
        frame = Frame.from_fills(fills[rows[0]].spec, [fills[i] for i in rows])
        for c in cells:
            if c in frame.index:
                out[c][rows] = frame.column(c)
    return out


def fills_table(fills: Sequence[Fill], previous: Sequence[Fill] = (), *, names: Sequence[str] | None = None,
                keys: Sequence[str] | None = None) -> pd.DataFrame:
    """The indicator table of `fills` (shown), with `previous` as last year's only. names: the file names to show;
    keys: who each report (fills, then previous) belongs to when the caller knows (the portal's unit), instead
    of the cover's credit code or name (a name written differently last year would lose last year's value)."""
    import pandas as pd

    every = [*fills, *previous]
    if not fills:
        return indicator_table(pd.DataFrame(columns=list(META)), {}, ())
    defs = _definitions(fills)
    shown_names = list(names) if names is not None else [f.path.name for f in fills]
    meta = pd.DataFrame({
        "file": shown_names + [p.path.name for p in previous],
        "agency": [f.agency for f in every],
        "uscc": [f.meta.get("meta.uscc", "") for f in every],
        "region": [str(f.meta.get("meta.region", "") or "") for f in every],
        "year": [_year(f) for f in every],
        "key": list(keys) if keys is not None else [agency_key(f.agency, f.meta.get("meta.uscc", "")) for f in every],
    })
    cells = {c for d in defs for c in d.cells}
    columns = _columns(every, cells)
    shown = np.array([True] * len(fills) + [False] * len(previous))
    return indicator_table(meta, columns, defs, shown=shown, where=formula_texts([f.positions for f in every]))


def formula_texts(layouts: Sequence[Mapping[str, Pos]]) -> Where:
    """Where: an indicator's formula over the cells of a row's file ('依申请公开'!J8 ÷ …), written once per
    layout (the fills of one template share their positions object) and indicator."""
    cache: dict[tuple[int, str], str] = {}

    def where(row: int, ind: Indicator) -> str:
        positions = layouts[row]
        key = (id(positions), ind.id)
        text = cache.get(key)
        if text is None:
            def side(terms: Terms) -> str:
                return "".join(("-" if s < 0 else "+" if k else "") + (positions[c].address if c in positions else c)
                               for k, (s, c) in enumerate(terms))
            text = cache[key] = ind.written(side)
        return text

    return where


def read_table(paths: Sequence[Path], previous: Path | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read the workbooks (folders expanded) and last year's; the table and the names of files not read."""
    from xxgk.validate import FileReport, expand_paths, load_previous, read_all

    got = read_all(expand_paths(list(paths), [previous] if previous else []))
    fills = [g for g in got if isinstance(g, Fill)]
    unread = [g.path.name for g in got if isinstance(g, FileReport)]
    last = load_previous(previous) if previous is not None else []
    return fills_table(fills, last), unread


def consolidation_table(result: Consolidation) -> pd.DataFrame:
    """The indicators of a consolidation's summed units (computed cells recomputed from their inputs), per unit
    and per region, with last year's values of the same agencies when the consolidation had --previous; the
    source names the unit's file (or the sub-summary it came through) and the cell ids."""
    import pandas as pd

    from xxgk.engine import Frame

    units = result.units
    defs = indicators(result.spec.form)
    if not units:
        return indicator_table(pd.DataFrame(columns=list(META)), {}, ())
    meta = pd.DataFrame({
        "file": [f"{u.via} ▸ {u.file}" if u.via else u.file for u in units], "agency": [u.name for u in units],
        "uscc": [u.meta.get("meta.uscc", "") for u in units],
        "region": [str(u.meta.get("meta.region", "") or "") for u in units],
        "year": [result.year] * len(units), "key": [f"unit:{k}" for k in range(len(units))]})
    cells = sorted({c for d in defs for c in d.cells})
    frame = Frame.from_rows(result.spec, result.matrix)
    columns = {c: frame.column(c) for c in cells}
    shown = np.ones(len(units), dtype=bool)
    if result.last_year is not None:
        known = ~np.isnan(result.last_year).all(axis=1)
        last = result.last_year[known]
        # last year's totals as reported where known (its form may differ), else recomputed from its inputs
        before = Frame.from_rows(result.spec, np.nan_to_num(last), ~np.isnan(last))
        meta = pd.concat([meta, meta[known].assign(year=result.year - 1, file=(result.previous or ""))],
                         ignore_index=True)
        columns = {c: np.concatenate([columns[c], before.column(c)]) for c in cells}
        shown = np.concatenate([shown, np.zeros(int(known.sum()), dtype=bool)])
    return indicator_table(meta, columns, defs, shown=shown)
