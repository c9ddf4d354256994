"""Shared builders for the consolidation tests (no tests here): real workbooks from the template."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from python_calamine import CalamineWorkbook

from xxgk.consolidate import Options, consolidate
from xxgk.consolidate.sheets import FIRST_ROW, KEY_ROW
from xxgk.engine import Frame
from xxgk.reader import Fill, read_fill
from xxgk.rules.expand import computed_cells
from xxgk.samples import Agency, agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template

SPEC = load_spec("gb2021")
YEAR = 2024
COMPUTED = set(computed_cells(SPEC))
INPUTS = [c for c in SPEC.cells if c not in COMPUTED]
COUNTY_A = agencies("甲县", "330206", 6, seed=11)
COUNTY_B = agencies("乙县", "330281", 5, seed=12)


def sample_values(group: Sequence[Agency], year: int = YEAR, seed: int = 7, form: str = "gb2021"
                  ) -> list[dict[str, object]]:
    return [dict(v) for _, v in sample_fills(load_spec(form), list(group), year, seed=seed)]


def write(folder: Path, values: dict[str, object], name: str | None = None, form: str = "gb2021",
          overrides: dict[str, object] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{values['meta.agency']}.xlsx")
    return build_template(load_spec(form), path, values=values, overrides=overrides)


def write_all(folder: Path, rows: Iterable[dict[str, object]]) -> list[Path]:
    return [write(folder, v) for v in rows]


def copy_into(folder: Path, files: Iterable[Path]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
    return folder


def run(inputs: Sequence[Path], out: Path, **options: Any) -> Any:
    options.setdefault("today", dt.date(YEAR + 1, 2, 1))
    return consolidate(list(inputs), Options(output=out, **options))


def independent_totals(rows: Sequence[dict[str, object]]) -> dict[str, Decimal]:
    """The expected summary of input cells: a plain Decimal sum of what was typed, blanks as 0."""
    return {cid: sum((Decimal(str(r.get(cid, 0))) for r in rows), Decimal(0)) for cid in INPUTS}


def computed_totals(paths: Sequence[Path]) -> dict[str, float]:
    """Computed cells of the expected summary: numpy sums of each agency's engine-computed values."""
    fills = [read_fill(p) for p in paths]
    frame = Frame.from_fills(SPEC, fills)
    sums = frame.values.sum(axis=0)
    return {cid: float(sums[frame.index[cid]]) for cid in COMPUTED}


def summary_numbers(path: Path) -> tuple[Fill, dict[str, float]]:
    """The summary as the reader sees it, computed cells recomputed by the engine."""
    fill = read_fill(path)
    frame = Frame.from_fills(fill.spec, [fill])
    return fill, {cid: float(frame.values[0, j]) for cid, j in frame.index.items()}


def sheet(path: Path, name: str) -> list[list[Any]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    finally:
        wb.close()


def records(path: Path, name: str) -> list[dict[str, Any]]:
    """Rows of one of the consolidation's sheets, keyed by the hidden key row."""
    grid = sheet(path, name)
    keys = [str(k) for k in grid[KEY_ROW]]
    return [dict(zip(keys, row, strict=False)) for row in grid[FIRST_ROW:] if any(v != "" for v in row)]


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def unit_set(path: Path) -> set[tuple[str, ...]]:
    """单位明细 rows as comparable tuples: name, USCC and every cell value."""
    from xxgk.consolidate.sheets import UNITS

    return {(r["meta.agency"], r["meta.uscc"], *(float(r[c] or 0) for c in SPEC.cells)) for r in records(path, UNITS)}


def as_array(numbers: dict[str, float]) -> np.ndarray:
    return np.array([numbers[c] for c in SPEC.cells])
