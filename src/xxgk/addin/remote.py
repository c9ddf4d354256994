"""The ribbon buttons run on the 报送平台 (the server side of addin/PROTOCOL.md).

The request is the book JSON of xlwings' remote interpreter (what xlwings' VBA client `RunServerPython` sends,
or the WPS add-in) plus our clients' optional "xxgk" key; the same button code as the local click runs on
`xw.Book(json=…)`, and the response is the xlwings actions it recorded. One code path for the local and the
remote book: only the payload is prepared here.

xlwings' remote book is xlwings PRO, licensed PolyForm Noncommercial 1.0.0 (use by government institutions is
permitted): when no key is configured the server sets the noncommercial key itself.

Preparing the payload:
- the "xxgk" key is moved where xxgk.addin.live reads it (per-sheet "xxgk_formulas"/"xxgk_fills", the book's
  "xxgk_custom_properties");
- without formulas (xlwings' standard payload) the template's computed cells are taken to hold their formulas,
  so the reader recomputes them instead of calling every total typed over (the template is recognised by its
  stamp or, failing that, by its defined names).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xxgk.addin.live import FILLS_KEY, FORMULAS_KEY, PROPERTIES_KEY

PROTOCOL = 1
EXTRA_KEY = "xxgk"
PLACEHOLDER = "="  # a computed cell whose formula text the client did not send


class BadPayload(ValueError):
    """The request is not a book payload (the message is Chinese)."""


def _xlwings() -> Any:
    """xlwings with its remote engine, registered here when xlwings was imported before the key was set.
    Pyodide (xlwings Lite's browser Python) is marked absent: the remote book tries to import it on every open,
    a search of the whole import path each time (~0.5 ms of a click) that can only fail on a server."""
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    if "pyodide" not in sys.modules and importlib.util.find_spec("pyodide") is None:
        sys.modules.setdefault("pyodide", None)  # type: ignore[arg-type]  # `import pyodide` raises ImportError
    from xxgk.addin.buttons import import_xlwings

    xw = import_xlwings()
    if "remote" not in {engine.name for engine in xw.engines}:
        from xlwings.pro import _xlremote

        xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
    return xw


def _check(payload: Any) -> None:
    if not isinstance(payload, dict) or not isinstance(payload.get("sheets"), list) or not payload["sheets"]:
        raise BadPayload("请求不是工作簿内容（缺少 sheets）。请用信息公开年报加载项或 WPS 加载项发送。")
    for sheet in payload["sheets"]:
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str) \
                or not isinstance(sheet.get("values"), list):
            raise BadPayload("请求中的工作表内容不完整（每个工作表需要 name 和 values）。")
    payload.setdefault("names", [])
    payload.setdefault("book", {"name": "工作簿.xlsx", "active_sheet_index": 0, "selection": "A1"})
    if not isinstance(payload["book"], dict):
        raise BadPayload("请求中的 book 不是对象。")
    if not isinstance(payload["names"], list):
        raise BadPayload("请求中的 names 不是列表。")
    for sheet in payload["sheets"]:
        sheet.setdefault("pictures", [])
        sheet.setdefault("tables", [])


def _move_extras(payload: dict[str, Any]) -> None:
    extra = payload.pop(EXTRA_KEY, None)
    if not isinstance(extra, dict):
        return
    if isinstance(extra.get("properties"), dict):
        payload[PROPERTIES_KEY] = {str(k): str(v) for k, v in extra["properties"].items()}
    for key, target in (("formulas", FORMULAS_KEY), ("fills", FILLS_KEY)):
        per_sheet = extra.get(key)
        if not isinstance(per_sheet, dict):
            continue
        for sheet in payload["sheets"]:
            given = per_sheet.get(sheet["name"], {} if key == "formulas" else None)  # formulas sent: none elsewhere
            if given is not None:
                sheet[target] = _grid(given, sheet["values"]) if key == "formulas" and isinstance(given, dict) else given


def _grid(cells: dict[str, Any], values: list[Any]) -> list[list[Any]]:
    """{"C6": "=SUM(…)"} as the grid xxgk.addin.live reads (the shape of "values", "" where no formula);
    cells outside the sheet's values are ignored (never a grid larger than what was sent)."""
    from xlsxwriter.utility import xl_cell_to_rowcol

    grid: list[list[Any]] = []
    for a1, text in cells.items():
        if not isinstance(text, str) or not text.startswith("="):
            continue
        try:
            row, col = xl_cell_to_rowcol(str(a1))
        except (ValueError, AttributeError):
            raise BadPayload(f"请求中的公式位置“{str(a1)[:20]}”不是单元格地址。") from None
        if _inside(values, row, col):
            _put(grid, row, col, text)
    return grid


def _inside(values: list[Any], row: int, col: int) -> bool:
    return 0 <= row < len(values) and isinstance(values[row], list) and 0 <= col < len(values[row])


def _put(grid: list[list[Any]], row: int, col: int, value: Any) -> None:
    while len(grid) <= row:
        grid.append([])
    grid[row].extend([""] * (col + 1 - len(grid[row])))
    grid[row][col] = value


def _names(payload: dict[str, Any]) -> dict[str, tuple[int, str]]:
    out = {}
    for n in payload["names"]:
        if isinstance(n, dict) and isinstance(n.get("sheet_index"), int) and isinstance(n.get("address"), str):
            out[str(n.get("name"))] = (n["sheet_index"], n["address"])
    return out


def _spec_of(payload: dict[str, Any], names: dict[str, tuple[int, str]]) -> Any:
    from xxgk.reader import Package, Unreadable, _detect_spec

    sheets = {s["name"]: s["name"] for s in payload["sheets"]}
    pkg = Package(dict.fromkeys(names, ""), payload.get(PROPERTIES_KEY) or {}, sheets)
    try:
        return _detect_spec(pkg, Path(str(payload["book"].get("name") or "")))
    except Unreadable:
        return None  # the button says so, in Chinese


def _assume_formulas(payload: dict[str, Any]) -> None:
    """xlwings' standard payload has no formulas: put a placeholder in the template's computed cells."""
    if any(FORMULAS_KEY in s for s in payload["sheets"]):
        return
    from xlsxwriter.utility import xl_cell_to_rowcol

    from xxgk.spec import defined_name

    names = _names(payload)
    spec = _spec_of(payload, names)
    if spec is None:
        return
    grids: dict[int, list[list[Any]]] = {}
    for cid in spec.computed_ids():
        at = names.get(defined_name(cid))
        if at is None or not 0 <= at[0] < len(payload["sheets"]):
            continue
        row, col = xl_cell_to_rowcol(at[1].split(":")[0])
        if not _inside(payload["sheets"][at[0]]["values"], row, col):
            continue
        _put(grids.setdefault(at[0], []), row, col, PLACEHOLDER)
    for index, sheet in enumerate(payload["sheets"]):
        sheet[FORMULAS_KEY] = grids.get(index, [])


def prepare(payload: Any) -> dict[str, Any]:
    """The request made ready for `xw.Book(json=…)` (raises BadPayload). The payload is changed in place."""
    _check(payload)
    _move_extras(payload)
    _assume_formulas(payload)
    return payload


def _buttons() -> dict[str, Callable[..., Any]]:
    from xxgk.addin import buttons

    return {"validate": buttons.validate, "clear": buttons.clear}


def click(button: str, payload: Any, previous: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Run a button on the payload's book; the response body ({"actions": [...], "xxgk": {...}}).
    previous: for 校验, who finds last year's report (xxgk.addin.previous.PreviousOf; the portal's, per token)."""
    book = _xlwings().Book(json=prepare(payload))
    if button == "validate" and previous is not None:
        _buttons()[button](book=book, previous=previous)
    else:
        _buttons()[button](book=book)
    return {"actions": book.json()["actions"], EXTRA_KEY: {"protocol": PROTOCOL}}


# ---- 上报: the open book as a workbook file ---------------------------------------------------------------


def book(payload: Any) -> Any:
    """The payload's remote book (raises BadPayload)."""
    return _xlwings().Book(json=prepare(payload))


def _cell_value(raw: Any, field_type: str | None) -> Any:
    """A payload value as the template writes it: ISO date strings of date fields as dates."""
    import datetime as dt

    if field_type == "date" and isinstance(raw, str) and len(raw) >= 10:
        try:
            return dt.date.fromisoformat(raw[:10])
        except ValueError:
            return raw
    return raw


def book_file(remote_book: Any, path: Path) -> Path:
    """The open book's cover and tables written into a fresh template of its form (what 上报 stores): input
    cells and cover fields as shown, totals typed over a formula kept as typed. Raises reader.Unreadable
    (not a template) or LiveReadError."""
    from xxgk.addin.live import read_live
    from xxgk.template import build_template

    fill, source = read_live(remote_book)
    spec = fill.spec
    grids = source.grids({pos.sheet for pos in fill.positions.values()})
    types = {f.id: f.type for f in spec.cover.fields}
    computed = spec.computed_ids()
    values: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    for cid, pos in fill.positions.items():
        grid = grids.get(pos.sheet, [])
        raw = grid[pos.row][pos.col] if pos.row < len(grid) and pos.col < len(grid[pos.row]) else None
        if raw is None or raw == "":
            continue
        if cid not in computed:
            values[cid] = _cell_value(raw, types.get(cid))
        elif cid in fill.typed_computed:
            overrides[cid] = raw
    return build_template(spec, path, values=values, overrides=overrides)
