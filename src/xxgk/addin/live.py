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

Few operations (each is a round trip to Excel over COM): a book stamped with the form and the spec version of
this xxgk (document properties xxgk_form / xxgk_spec_version, as the template writes them) is mapped from the
form spec's layout, not from its ~259 defined names, the cover's status line included (its defined name is
asked for only when the live status formula is not where the layout puts it). Each sheet is looked up once by
name and its block (A1 to the layout's last row and column) read as one array of values and, where the reader
needs them, one of formulas; the click's writer takes both sheets and values from here. Any other book (an
older template, no properties) is read by its names and used ranges as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from xxgk.layout import Pos
from xxgk.reader import Grid, Package, parse_ref, read_source

FORMULAS_KEY = "xxgk_formulas"
FILLS_KEY = "xxgk_fills"
PROPERTIES_KEY = "xxgk_custom_properties"


class LiveReadError(Exception):
    """The open book cannot be read (the message is Chinese)."""


def is_remote(book: Any) -> bool:
    """xlwings' remote book keeps its payload as a dict; a COM/appscript book has a live api object."""
    return isinstance(book.api, dict)


def find_sheet(sheets: Any, name: str) -> Any:
    """The sheet called `name` of a book's sheets in one lookup, None when there is none."""
    try:
        return sheets[name]
    except Exception:  # xlwings raises KeyError (COM: pywintypes.com_error), the remote book ValueError
        return None


def _sheet(book: Any, name: str) -> Any:
    sheet = find_sheet(book.sheets, name)
    if sheet is None:
        raise LiveReadError(f"工作簿中没有工作表“{name}”。")
    return sheet


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


def block_values(block: Any) -> Grid:
    value = block.options(ndim=2, err_to_str=True).value
    return [[_number(v) for v in row] for row in _rows(value)]


def sheet_values(sheet: Any) -> Grid:
    """What the sheet shows, A1 to the last used cell, in one read."""
    rows, cols = _last_cell(sheet)
    return block_values(sheet.range((1, 1), (rows, cols)))


def sheet_formulas(sheet: Any, block: Any = None) -> list[list[Any]]:
    """The formulas of the sheet, A1 to the last used cell (or of `block`), in one read ("" or a value where
    none)."""
    try:
        if block is None:
            rows, cols = _last_cell(sheet)
            block = sheet.range((1, 1), (rows, cols))
        return _rows(block.formula)
    except NotImplementedError:  # the remote book: only what the payload carries
        carried = sheet.api.get(FORMULAS_KEY)
        if carried is None:
            raise LiveReadError("无法读取公式：这个工作簿连接方式不提供公式（需要 Excel）。") from None
        return _rows(carried)


def _payload_names(payload: dict[str, Any]) -> dict[str, str]:
    """defined_names of a remote book straight from its payload (xlwings' Name objects cost ~45 µs each)."""
    sheets = [str(s.get("name", "")) for s in payload.get("sheets", [])]
    names: dict[str, str] = {}
    local: dict[str, str] = {}
    for n in payload.get("names", []):
        ref = n.get("refers_to")
        if isinstance(ref, str):
            ref = ref[1:] if ref.startswith("=") else ref
        elif isinstance(n.get("sheet_index"), int) and 0 <= n["sheet_index"] < len(sheets) and n.get("address"):
            quoted = sheets[n["sheet_index"]].replace("'", "''")
            ref = f"'{quoted}'!{n['address']}"
        else:
            continue
        name = str(n.get("name", ""))
        if n.get("book_scope", True) and "!" not in name:
            names[name] = ref
        else:
            local.setdefault(name.rsplit("!", 1)[-1], ref)
    return {**local, **names}


def defined_names(book: Any) -> dict[str, str]:
    """Workbook-scoped name -> reference without '='; a sheet-scoped one only when no workbook one exists."""
    if isinstance(getattr(book, "api", None), dict):  # the remote book
        return _payload_names(book.api)
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


@dataclass(frozen=True)
class Stamped:
    """What a stamped book's form gives without asking the book: its defined names from the form spec's layout
    (as the template defines them, the cover's status line included), each sheet's block (rows, columns from
    A1 to the last named cell), the reader's positions and read plan for those names, and the blocks the click
    reads (the cover's one column wider: the cell right of the status line, where the click writes). The same
    for every book of a form: made once per process."""

    form: str
    names: dict[str, str]
    blocks: dict[str, tuple[int, int]]
    positions: dict[str, Pos]
    plan: Any  # xxgk.reader's read plan
    read_blocks: dict[str, tuple[int, int]]


def stamped(properties: dict[str, str]) -> Stamped | None:
    """The layout of a book stamped with a form and this xxgk's spec version of it; None otherwise."""
    from xxgk.extensions import form_keys
    from xxgk.spec import EXT_PROPERTY, EXT_SEPARATOR, load_spec

    form, ext = properties.get("xxgk_form"), properties.get(EXT_PROPERTY)
    key = f"{form}{EXT_SEPARATOR}{ext}" if form and ext else form
    if not key or key not in form_keys():
        return None
    if properties.get("xxgk_spec_version") != load_spec(key).spec_version:
        return None
    return _stamped(key)


@lru_cache(maxsize=16)
def _stamped(key: str) -> Stamped:
    from xxgk.layout import plan_layout
    from xxgk.reader import _positions
    from xxgk.spec import defined_name, load_spec
    from xxgk.template.cover import STATUS_NAME, status_pos

    spec = load_spec(key)
    layout = plan_layout(spec)
    names = {defined_name(cid): pos.ref for cid, pos in layout.pos.items()}
    status = status_pos(layout.cover)
    names[STATUS_NAME] = status.ref
    blocks = {plan.name: (plan.last_row + 1, plan.width) for plan in (layout.cover, *layout.tables)}
    _grow(blocks, [parse_ref(ref) for ref in names.values()])
    read_blocks = dict(blocks)
    _grow(read_blocks, [Pos(status.sheet, status.row, status.col + layout.cover.width)])  # plan.status_cell
    scratch = Package(names, {}, {name: name for name in blocks})
    positions, plan = _positions(spec, scratch)
    return Stamped(spec.form, names, blocks, positions, plan, read_blocks)


def _grow(blocks: dict[str, tuple[int, int]], cells: list[Pos | None]) -> None:
    for pos in cells:
        if pos is not None and pos.sheet in blocks:
            rows, cols = blocks[pos.sheet]
            blocks[pos.sheet] = (max(rows, pos.row + 1), max(cols, pos.col + 1))


def _name_ref(book: Any, name: str) -> str | None:
    try:
        refers = str(book.names[name].refers_to or "")
    except Exception:  # no such name
        return None
    return refers[1:] if refers.startswith("=") else refers


class XlwingsSource:
    """The reader's WorkbookSource over an open xlwings Book. It also hands the sheets it looked up and the
    values it read to the click's writer (xxgk.annotate.xlwings_book), which then asks Excel for neither again."""

    def __init__(self, book: Any, *, read_path: bool = True) -> None:
        self.book = book
        self.path = Path(str(book.fullname)) if read_path else Path()  # the reader names the Fill by it
        self._pkg: Package | None = None
        self._grids: dict[str, Grid] = {}
        self._formula_grids: dict[str, list[list[Any]]] = {}
        self._blocks: dict[str, tuple[int, int]] | None = None  # stamped books: each sheet's block from the layout
        self._sheets: dict[str, Any] = {}
        self._all: Any = None  # book.sheets, asked for once
        self._ranges: dict[str, Any] = {}

    def package(self) -> Package:
        if self._pkg is None:
            properties = custom_properties(self.book)
            layout = stamped(properties)
            if layout is None:
                sheets = {s.name: s.name for s in self.book.sheets}
                self._pkg = Package(defined_names(self.book), properties, sheets)
            else:
                names, self._blocks = dict(layout.names), dict(layout.read_blocks)
                present = {name: name for name in self._blocks if self.sheet(name) is not None}
                self._check_status(names, present)
                self._pkg = Package(names, properties, present)
                if len(present) == len(self._blocks):  # else the reader says which sheets are missing
                    self._pkg.positions[layout.form] = layout.positions
                    self._pkg.plans[layout.form] = layout.plan
        return self._pkg

    def _check_status(self, names: dict[str, str], present: dict[str, str]) -> None:
        """The status line where the layout puts it holds the template's live status formula; otherwise (a book
        reworked by hand) its defined name is asked for, as for any other book."""
        from xxgk.checksheet import FAILED_NAME
        from xxgk.template.cover import STATUS_NAME

        pos = parse_ref(names[STATUS_NAME])
        if pos is not None and pos.sheet in present:
            formula = self.formulas(((pos.sheet, (pos.a1,)),)).get(pos, "")
            if FAILED_NAME in formula:
                return
        ref = _name_ref(self.book, STATUS_NAME)
        if ref is None:
            del names[STATUS_NAME]
        else:
            names[STATUS_NAME] = ref

    @property
    def sheets(self) -> Any:
        """book.sheets, asked for once."""
        if self._all is None:
            self._all = self.book.sheets
        return self._all

    def sheet(self, name: str) -> Any:
        """The sheet called `name` (None: there is none), looked up once."""
        if name not in self._sheets:
            self._sheets[name] = find_sheet(self.sheets, name)
        return self._sheets[name]

    def forget(self, name: str) -> None:
        """A sheet deleted or added since it was looked up."""
        self._sheets.pop(name, None)
        self._grids.pop(name, None)

    def shown(self, sheet: str, row: int, col: int) -> tuple[bool, Any]:
        """(True, value) when the cell is inside a block already read (0-based), else (False, None)."""
        grid = self._grids.get(sheet)
        if grid is None or row >= len(grid) or col >= len(grid[row]):
            return False, None
        return True, grid[row][col]

    def _block(self, name: str) -> Any:
        """The stamped sheet's block as one Range (None for other books: they are read by used range)."""
        if self._blocks is None or name not in self._blocks:
            return None
        if name not in self._ranges:
            from xlsxwriter.utility import xl_range

            rows, cols = self._blocks[name]
            self._ranges[name] = _sheet_or_fail(self.sheet(name), name).range(xl_range(0, 0, rows - 1, cols - 1))
        return self._ranges[name]

    def formulas(self, refs: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[Pos, str]:
        found = {}
        for sheet_name, cells in refs:
            if sheet_name not in self._formula_grids:
                sheet = _sheet_or_fail(self.sheet(sheet_name), sheet_name)
                self._formula_grids[sheet_name] = sheet_formulas(sheet, self._block(sheet_name))
            grid = self._formula_grids[sheet_name]
            for a1 in cells:
                row, col = _rowcol(a1)
                value = grid[row][col] if row < len(grid) and col < len(grid[row]) else None
                if isinstance(value, str) and value.startswith("="):
                    found[Pos(sheet_name, row, col)] = value[1:]
        return found

    def grids(self, sheets: set[str]) -> dict[str, Grid]:
        for name in sorted(sheets - set(self._grids)):
            block = self._block(name)
            sheet = _sheet_or_fail(self.sheet(name), name)
            self._grids[name] = block_values(block) if block is not None else sheet_values(sheet)
        return {name: self._grids[name] for name in sheets}


@lru_cache(maxsize=8192)
def _rowcol(a1: str) -> tuple[int, int]:
    from xlsxwriter.utility import xl_cell_to_rowcol

    return xl_cell_to_rowcol(a1)


def _sheet_or_fail(sheet: Any, name: str) -> Any:
    if sheet is None:
        raise LiveReadError(f"工作簿中没有工作表“{name}”。")
    return sheet


def read_live(book: Any, *, named: bool = True) -> tuple[Any, XlwingsSource]:
    """The Fill of the open book (raises reader.Unreadable when it is not an xxgk workbook) and its source.
    named=False: the Fill's path is left empty (one call less; the click names no file)."""
    source = XlwingsSource(book, read_path=named)
    return read_source(source), source
