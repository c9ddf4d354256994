"""Read back what a summary workbook carries besides its tables: its units (单位明细) and its findings
with their explanations (校验结果), located by the hidden key row, so an upper level can consolidate it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from xxgk.consolidate.model import AGENCY, USCC, Issue, Unit
from xxgk.consolidate.sheets import (
    FIRST_ROW,
    ISSUE_COLUMNS,
    ISSUES,
    KEY_ROW,
    SEVERITY_TEXT,
    UNIT_FILE,
    UNIT_STATUS,
    UNIT_VIA,
    UNITS,
)
from xxgk.findings import Finding
from xxgk.identity import agency_key
from xxgk.reader import open_calamine
from xxgk.spec import FormSpec
from xxgk.values import as_text, parse_cell

VIA = " ▸ "
OPTIONAL_ISSUE_KEYS = frozenset({"issue.hint", "issue.title"})  # columns a summary made by an earlier version lacks
_Grid = list[list[Any]]


def _scalar(value: object) -> int | float | str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, (int, str)):
        return value
    return as_text(value)


class SummarySheets:
    """The 单位明细 and 校验结果 sheets of one summary workbook (None where absent or unrecognisable)."""

    def __init__(self, path: Path) -> None:
        self.units: _Grid | None = None
        self.issues: _Grid | None = None
        try:
            wb = open_calamine(path)
        except Exception:
            return
        try:
            names = set(wb.sheet_names)
            if UNITS in names:
                self.units = wb.get_sheet_by_name(UNITS).to_python(skip_empty_area=False)
            if ISSUES in names:
                self.issues = wb.get_sheet_by_name(ISSUES).to_python(skip_empty_area=False)
        except Exception:
            self.units = self.issues = None
        finally:
            wb.close()


def _keys(grid: _Grid | None, required: Sequence[str]) -> dict[str, int] | None:
    if not grid or len(grid) <= KEY_ROW:
        return None
    keys = {as_text(v): j for j, v in enumerate(grid[KEY_ROW]) if as_text(v)}
    return keys if all(k in keys for k in required) else None


def _numbers(spec: FormSpec, block: list[list[object]]) -> np.ndarray:
    """Cell values of the unit rows: numbers as they are, blanks 0, anything else parsed like the reader."""
    arr = np.array(block, dtype=object).reshape(len(block), len(spec.cells))
    arr[arr == ""] = 0.0
    try:
        return arr.astype(np.float64)
    except (TypeError, ValueError):
        types = [c.type for c in spec.cells.values()]
        out = np.zeros(arr.shape)
        for (i, j), raw in np.ndenumerate(arr):
            parsed = parse_cell(raw, types[j])
            out[i, j] = float(parsed.value) if parsed.value is not None else 0.0
        return out


def read_units(spec: FormSpec, grid: _Grid | None, via: str) -> list[Unit] | None:
    """The units a summary lists, or None when its 单位明细 is missing or lacks the key row."""
    cells = list(spec.cells)
    keys = _keys(grid, [AGENCY, USCC, *cells])
    if keys is None or grid is None:
        return None
    width = max(keys.values()) + 1
    rows = [list(r) + [""] * (width - len(r)) for r in grid[FIRST_ROW:]]
    rows = [r for r in rows if as_text(r[keys[AGENCY]]) or as_text(r[keys[USCC]])]
    if not rows:
        return []
    values = _numbers(spec, [[r[keys[c]] for c in cells] for r in rows])
    amounts = [c for c, cell in spec.cells.items() if cell.type == "amount"]
    units = []
    for i, r in enumerate(rows):
        meta = {f: as_text(r[keys[f]]) for f in spec.field_ids if f in keys}
        meta.setdefault(AGENCY, ""), meta.setdefault(USCC, "")
        exact = {c: _decimal(r[keys[c]]) for c in amounts}
        inner = as_text(r[keys[UNIT_VIA]]) if UNIT_VIA in keys else ""
        units.append(Unit(agency_key(meta[AGENCY], meta[USCC]), meta, values[i], exact,
                          as_text(r[keys[UNIT_FILE]]) if UNIT_FILE in keys else "",
                          via + (VIA + inner if inner else ""),
                          as_text(r[keys[UNIT_STATUS]]) if UNIT_STATUS in keys else ""))
    return units


def _decimal(raw: object) -> Decimal:
    parsed = parse_cell(None if raw == "" else raw, "amount")
    return parsed.value if parsed.value is not None else Decimal(0)


def read_issues(grid: _Grid | None, via: str) -> list[Issue]:
    """The 校验结果 rows of a summary, with their 说明; the file column prefixed with the summary's name."""
    keys = _keys(grid, [c.key for c in ISSUE_COLUMNS if c.key not in OPTIONAL_ISSUE_KEYS])
    if keys is None or grid is None:
        return []
    severity = {v: k for k, v in SEVERITY_TEXT.items()}
    width = max(keys.values()) + 1
    out = []
    for raw in grid[FIRST_ROW:]:
        r = list(raw) + [""] * (width - len(raw))

        def get(key: str, r: list[object] = r) -> str:
            return as_text(r[keys[key]])

        if not get("issue.message"):
            continue
        finding = Finding(
            code=get("issue.code") or "rule",
            severity=severity.get(get("issue.severity"), "warning"),
            message=get("issue.message"),
            rule=get("issue.rule") or None,
            ids=tuple(i for i in get("issue.ids").split(",") if i),
            cells=tuple(c for c in get("issue.cells").split("、") if c),
            expected=_scalar(r[keys["issue.expected"]]),
            actual=_scalar(r[keys["issue.actual"]]),
            title=(get("issue.title") or None) if "issue.title" in keys else None,
        )
        file = get("issue.file")
        out.append(Issue(get("issue.agency"), get("issue.uscc"), via + (VIA + file if file else ""), finding,
                         get("issue.note"), get("issue.hint") if "issue.hint" in keys else ""))
    return out
