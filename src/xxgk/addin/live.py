"""Read the workbook open in Excel, as Excel shows it now (unsaved edits included), for the reader.

`XlwingsSource(book)` is the reader's `WorkbookSource` over an xlwings Book: defined names from
`book.names`, each sheet's values in one call (A1 to the used range's last cell), the formulas of the sheets
that hold computed cells in one call per sheet, custom document properties from
`book.api.CustomDocumentProperties` (Windows/COM). xlwings is never imported here: the book is duck-typed.

xlwings' remote-interpreter book (`xw.Book(json=payload)`, used to test on Linux) carries names and values but
cannot give formulas, fills or document properties synchronously. A payload may carry them in keys xlwings
ignores (the same shapes Excel gives through COM):
  book:  "xxgk_custom_properties": {name: value}
  sheet: "xxgk_formulas": [[...]] (like "values", "" where a cell holds no formula),
         "xxgk_fills": {"D6": "#FFFFFF" | null}   (a cell's fill, null: none)
Without "xxgk_formulas" the remote book cannot say which totals were typed over: reading it stops with
LiveReadError rather than guess. On macOS, where document properties are not read, the form is recognised by
its defined names (as for files without the property).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xxgk.layout import Pos
from xxgk.reader import Grid, Package, read_source

FORMULAS_KEY = "xxgk_formulas"
FILLS_KEY = "xxgk_fills"
PROPERTIES_KEY = "xxgk_custom_properties"


class LiveReadError(Exception):
    """The open book cannot be read (the message is Chinese)."""


def is_remote(book: Any) -> bool:
    """xlwings' remote book keeps its payload as a dict; a COM/appscript book has a live api object."""
    return isinstance(book.api, dict)


def _sheet(book: Any, name: str) -> Any:
    for sheet in book.sheets:
        if sheet.name == name:
            return sheet
    raise LiveReadError(f"工作簿中没有工作表“{name}”。")


def _last_cell(sheet: Any) -> tuple[int, int]:
    last = sheet.used_range.last_cell
    return last.row, last.column


def _rows(value: Any) -> list[list[Any]]:
    """A 2-D read as lists (xlwings returns a scalar for one cell, tuples from COM)."""
    if not isinstance(value, (list, tuple)):
        return [[value]]
    return [list(r) if isinstance(r, (list, tuple)) else [r] for r in value]


def _number(value: Any) -> Any:
    """Numbers as floats, as calamine gives them for a file (ints come from JSON payloads)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def sheet_values(sheet: Any) -> Grid:
    """What the sheet shows, A1 to the last used cell, in one read."""
    rows, cols = _last_cell(sheet)
    value = sheet.range((1, 1), (rows, cols)).options(ndim=2, err_to_str=True).value
    return [[_number(v) for v in row] for row in _rows(value)]


def sheet_formulas(sheet: Any) -> list[list[Any]]:
    """The formulas of the sheet, A1 to the last used cell, in one read ("" or a value where none)."""
    rows, cols = _last_cell(sheet)
    try:
        return _rows(sheet.range((1, 1), (rows, cols)).formula)
    except NotImplementedError:  # the remote book: only what the payload carries
        carried = sheet.api.get(FORMULAS_KEY)
        if carried is None:
            raise LiveReadError("无法读取公式：这个工作簿连接方式不提供公式（需要 Excel）。") from None
        return _rows(carried)


def defined_names(book: Any) -> dict[str, str]:
    """Workbook-scoped name -> reference without '='; a sheet-scoped one only when no workbook one exists."""
    names: dict[str, str] = {}
    local: dict[str, str] = {}
    for name in book.names:
        full, refers = str(name.name), str(name.refers_to or "")
        ref = refers[1:] if refers.startswith("=") else refers
        if "!" in full:
            local.setdefault(full.rsplit("!", 1)[-1], ref)
        else:
            names[full] = ref
    return {**local, **names}


def custom_properties(book: Any) -> dict[str, str]:
    if is_remote(book):
        return {str(k): str(v) for k, v in (book.api.get(PROPERTIES_KEY) or {}).items()}
    try:
        props = book.api.CustomDocumentProperties
        return {str(p.Name): str(p.Value) for p in props}
    except Exception:  # macOS (appscript) or a book without the collection: recognised by its names instead
        return {}


class XlwingsSource:
    """The reader's WorkbookSource over an open xlwings Book."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.path = Path(str(book.fullname))
        self._pkg: Package | None = None
        self._grids: dict[str, Grid] = {}

    def package(self) -> Package:
        if self._pkg is None:
            sheets = {s.name: s.name for s in self.book.sheets}
            self._pkg = Package(defined_names(self.book), custom_properties(self.book), sheets)
        return self._pkg

    def formulas(self, refs: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[Pos, str]:
        from xlsxwriter.utility import xl_cell_to_rowcol

        found = {}
        for sheet_name, cells in refs:
            grid = sheet_formulas(_sheet(self.book, sheet_name))
            for a1 in cells:
                row, col = xl_cell_to_rowcol(a1)
                value = grid[row][col] if row < len(grid) and col < len(grid[row]) else None
                if isinstance(value, str) and value.startswith("="):
                    found[Pos(sheet_name, row, col)] = value[1:]
        return found

    def grids(self, sheets: set[str]) -> dict[str, Grid]:
        for name in sheets - set(self._grids):
            self._grids[name] = sheet_values(_sheet(self.book, name))
        return {name: self._grids[name] for name in sheets}


def read_live(book: Any) -> tuple[Any, XlwingsSource]:
    """The Fill of the open book (raises reader.Unreadable when it is not an xxgk workbook) and its source."""
    source = XlwingsSource(book)
    return read_source(source), source
