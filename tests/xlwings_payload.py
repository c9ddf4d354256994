"""Build xlwings remote-interpreter payloads (`xw.Book(json=payload)`) from real workbook files, as xlwings' VBA
client would send them (names, values; dates as ISO strings), plus what the remote book cannot carry itself
(see xxgk.addin.live: formulas, fills, custom document properties), and apply recorded actions back to a payload
(to run a second click on the book as the first one left it)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import coordinate_to_tuple
from python_calamine import CalamineWorkbook

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw


def _json_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return "" if value is None else value


def _fill(cell: Any) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid" or not isinstance(fill.fgColor.rgb, str):
        return None
    return "#" + fill.fgColor.rgb[-6:].upper()


def payload_from_file(path: Path) -> dict[str, Any]:
    book = CalamineWorkbook.from_path(str(path))
    wb = openpyxl.load_workbook(path)
    sheets = []
    for ws in wb.worksheets:
        values = book.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)
        formulas = [["" for _ in row] for row in values]
        fills: dict[str, str | None] = {}
        for row in ws.iter_rows():
            for cell in row:
                r, c = cell.row - 1, cell.column - 1
                if isinstance(cell.value, str) and cell.value.startswith("=") and r < len(formulas) and c < len(formulas[r]):
                    formulas[r][c] = cell.value
                if cell.has_style:
                    fills[cell.coordinate] = _fill(cell)
        sheets.append({"name": ws.title, "values": [[_json_value(v) for v in row] for row in values] or [[]],
                       "pictures": [], "tables": [], "xxgk_formulas": formulas, "xxgk_fills": fills})
    index = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    names = []
    for name, dn in wb.defined_names.items():
        sheet, _, cell = dn.attr_text.rpartition("!")
        sheet = sheet.strip("'").replace("''", "'")
        names.append({"name": name, "refers_to": "=" + dn.attr_text, "book_scope": True, "scope_sheet_index": None,
                      "scope_sheet_name": None, "sheet_index": index.get(sheet), "address": cell.replace("$", "")})
    props = {p.name: str(p.value) for p in wb.custom_doc_props.props}
    return {"client": "VBA", "version": xw.__version__,
            "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
            "names": names, "sheets": sheets, "xxgk_custom_properties": props}


def remote_book(payload: dict[str, Any]) -> Any:
    import copy

    return xw.Book(json=copy.deepcopy(payload))


def set_value(payload: dict[str, Any], sheet: str, a1: str, value: object) -> None:
    """What typing into a cell does (without saving): the payload shows the new value."""
    grid = next(s for s in payload["sheets"] if s["name"] == sheet)["values"]
    row, col = coordinate_to_tuple(a1)
    while len(grid) < row:
        grid.append([""] * len(grid[0]))
    for line in grid:
        line.extend([""] * (col - len(line)))
    grid[row - 1][col - 1] = _json_value(value)
    formulas = next(s for s in payload["sheets"] if s["name"] == sheet).get("xxgk_formulas")
    if formulas is not None and row - 1 < len(formulas) and col - 1 < len(formulas[row - 1]):
        formulas[row - 1][col - 1] = ""


def replay(payload: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    """The payload Excel would send after applying `actions` (values, sheets, fills; what these tests need)."""
    import copy

    out = copy.deepcopy(payload)
    sheets = out["sheets"]
    for a in actions:
        func, pos = a["func"], a["sheet_position"]
        if func == "addSheet":
            sheets.insert(a["args"][0], {"name": a["args"][1], "values": [[]], "pictures": [], "tables": [],
                                         "xxgk_formulas": [[]], "xxgk_fills": {}})
        elif func == "sheetDelete":
            del sheets[pos]
        elif func in ("setValues", "rangeClearContents"):
            grid = sheets[pos]["values"]
            r0, c0 = a["start_row"], a["start_column"]
            values = a["values"] if func == "setValues" else [[""] * a["column_count"]] * a["row_count"]
            width = max(len(grid[0]) if grid else 0, c0 + max(len(v) for v in values))
            while len(grid) < r0 + len(values):
                grid.append([""] * width)
            for line in grid:
                line.extend([""] * (width - len(line)))
            if grid == [[]]:
                grid[0] = [""] * width
            for i, row in enumerate(values):
                for j, v in enumerate(row):
                    grid[r0 + i][c0 + j] = v
        elif func == "setRangeColor":
            fills = sheets[pos].setdefault("xxgk_fills", {})
            for i in range(a["row_count"]):
                for j in range(a["column_count"]):
                    fills[openpyxl.utils.get_column_letter(a["start_column"] + j + 1) + str(a["start_row"] + i + 1)] = a["args"][0]
    return out


def vba_payload(path: Path, *, extras: bool = False) -> dict[str, Any]:
    """Exactly what xlwings 0.37.8's VBA client (RunServerPython) sends: names as sheet index + address (no
    "refers_to"), no formulas, fills or properties; with `extras`, what our clients add under the one "xxgk" key
    (addin/PROTOCOL.md)."""
    full = payload_from_file(path)
    props = full.pop("xxgk_custom_properties")
    for name in full["names"]:
        name.pop("refers_to")
    formulas = {s["name"]: {openpyxl.utils.get_column_letter(c + 1) + str(r + 1): f
                            for r, row in enumerate(s.pop("xxgk_formulas")) for c, f in enumerate(row) if f}
                for s in full["sheets"]}
    fills = {s["name"]: s.pop("xxgk_fills") for s in full["sheets"]}
    full["version"] = "0.37.8"
    from xxgk.spec import load_spec

    spec = load_spec(props.get("xxgk_form", "gb2021"))
    named = {spec.cover.sheet, *(t.sheet for t in spec.tables)}
    formulas = {k: v for k, v in formulas.items() if k in named}  # our clients: the cover and the tables
    fills = {k: v for k, v in fills.items() if k in named}
    if extras:
        full["xxgk"] = {"protocol": 1, "client": "test", "properties": props, "formulas": formulas, "fills": fills}
    return full


def xlam_payload(path: Path) -> dict[str, Any]:
    """What the .xlam in 报送平台 mode sends (addin/vba/XxgkRemote.bas, Extras): xlwings' standard payload plus,
    under "xxgk", the document properties and the formula and fill of every single-cell defined name."""
    full = payload_from_file(path)
    out = vba_payload(path)
    formulas: dict[str, dict[str, str]] = {}
    fills: dict[str, dict[str, str | None]] = {}
    for name in full["names"]:
        index, a1 = name["sheet_index"], name["address"]
        if index is None or ":" in a1:
            continue
        sheet = full["sheets"][index]
        row, col = coordinate_to_tuple(a1)
        grid = sheet["xxgk_formulas"]
        if row - 1 < len(grid) and col - 1 < len(grid[row - 1]) and grid[row - 1][col - 1]:
            formulas.setdefault(sheet["name"], {})[a1] = grid[row - 1][col - 1]
        fills.setdefault(sheet["name"], {})[a1] = sheet["xxgk_fills"].get(a1)
    out["xxgk"] = {"protocol": 1, "client": "xxgk.xlam", "properties": full["xxgk_custom_properties"],
                   "formulas": formulas, "fills": fills}
    return out
