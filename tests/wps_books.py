"""Workbook files as the WPS add-in's node tests load them into their mock of the ET object model
(addin/wps/test/mock-et.js): per sheet, what Range.Value2 gives (formula errors as CVErr numbers, dates as serial
numbers), formulas, fills as BGR numbers, number formats and protection; the defined names and the custom
document properties. Also the annotated copy's values and fills, to compare the book after a click with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook

CVERR = {"#NULL!": 2000, "#DIV/0!": 2007, "#VALUE!": 2015, "#REF!": 2023, "#NAME?": 2029, "#NUM!": 2036, "#N/A": 2042}
CVERR_BASE = -2146828288
EPOCH = dt.datetime(1899, 12, 30)


def bgr(argb: str) -> int:
    r, g, b = int(argb[-6:-4], 16), int(argb[-4:-2], 16), int(argb[-2:], 16)
    return b * 65536 + g * 256 + r


def _fill(cell: Any) -> int | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid" or not isinstance(fill.fgColor.rgb, str):
        return None
    return bgr(fill.fgColor.rgb)


def _value2(value: Any, error: bool) -> Any:
    if error and isinstance(value, str) and value in CVERR:
        return CVERR_BASE + CVERR[value]
    if isinstance(value, dt.datetime):
        return (value - EPOCH).total_seconds() / 86400
    if isinstance(value, dt.date):
        return (dt.datetime(value.year, value.month, value.day) - EPOCH).days
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheet(book: Any, ws: Any) -> dict[str, Any]:
    grid = book.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)
    values: dict[str, Any] = {}
    formulas: dict[str, str] = {}
    fills: dict[str, int | None] = {}
    formats: dict[str, str] = {}
    links: dict[str, str] = {}
    for row in ws.iter_rows():
        for cell in row:
            r, c = cell.row - 1, cell.column - 1
            shown = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
            if shown not in (None, ""):
                values[cell.coordinate] = _value2(shown, cell.data_type == "e")
            if isinstance(cell.value, str) and cell.value.startswith("="):
                formulas[cell.coordinate] = cell.value
            fill = _fill(cell)
            if fill is not None:
                fills[cell.coordinate] = fill
            if cell.hyperlink is not None:
                links[cell.coordinate] = cell.hyperlink.location or cell.hyperlink.target or ""
            if cell.number_format not in ("General",):
                formats[cell.coordinate] = cell.number_format
    return {"name": ws.title, "values": values, "formulas": formulas, "fills": fills, "formats": formats,
            "links": links, "protected": bool(ws.protection.sheet)}


def mock_book(path: Path) -> dict[str, Any]:
    """The workbook at `path` as the mock loads it."""
    book = CalamineWorkbook.from_path(str(path))
    wb = openpyxl.load_workbook(path)
    names = []
    for name, dn in wb.defined_names.items():
        sheet, _, cell = dn.attr_text.rpartition("!")
        names.append({"name": name, "sheet": sheet.strip("'").replace("''", "'"), "address": cell.replace("$", ""),
                      "refers_to": "=" + dn.attr_text})
    return {"name": path.name, "sheets": [_sheet(book, ws) for ws in wb.worksheets], "names": names,
            "properties": {p.name: str(p.value) for p in wb.custom_doc_props.props}}
