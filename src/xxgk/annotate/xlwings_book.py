"""Apply a plan to a book open in Excel through xlwings (the 校验 and 清除标记 buttons).

Writes go through xlwings' Range/Sheet API only, so the same code runs on Excel (COM/appscript) and on
xlwings' remote-interpreter book, whose recorded actions the tests assert on. The result sheet's values go in
one range write. Two things need the COM object model and are skipped on the remote book, which has neither:
the template's sheet protection (lifted with its empty password around the writes and put back with the
same allowances), and reading a cell's current fill (the remote book takes it from the payload's
"xxgk_fills", see xxgk.addin.live). The page setup (plan.PrintSetup) goes through sheet.api.PageSetup and is
skipped on the remote book too: it has no page setup, the result sheet there is for the screen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from xxgk.addin.live import FILLS_KEY, XlwingsSource, block_values, is_remote
from xxgk.annotate.plan import (
    FILL_HEADER,
    NO_FILL,
    RESULT_SHEET,
    WRAPPED_COLUMNS,
    Cell,
    Original,
    PrintSetup,
    ResultSheet,
    Scalar,
    choose_result_sheet,
)

XL_LANDSCAPE = 2  # Excel's xlLandscape
# Sheet.Protect's allowances, read back from Protection (and the sheet) to protect again exactly as before.
_ALLOWANCES = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows", "AllowInsertingColumns",
               "AllowInsertingRows", "AllowInsertingHyperlinks", "AllowDeletingColumns", "AllowDeletingRows",
               "AllowSorting", "AllowFiltering", "AllowUsingPivotTables")


class ProtectedSheet(Exception):
    """A sheet is protected with a password: nothing can be marked on it (the message is Chinese)."""


def _hex(color: Any) -> str:
    if color is None:
        return NO_FILL
    if isinstance(color, str):
        return color.upper() if color.startswith("#") else f"#{color.upper()}"
    r, g, b = color
    return f"#{r:02X}{g:02X}{b:02X}"


def _literal(value: Scalar) -> Scalar:
    """Text Excel would take for a formula or a number when written as a value (a 说明 typed as "=见附件")
    keeps a leading apostrophe, which Excel stores as "text" and does not show."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _areas(cells: Iterable[Cell]) -> list[tuple[int, int, int, int]]:
    """Cells as few rectangles (first row, first col, last row, last col; 0-based): runs down each column,
    then equal runs side by side merged."""
    runs: list[list[int]] = []
    for cell in sorted(set(cells), key=lambda c: (c.col, c.row)):
        last = runs[-1] if runs else None
        if last is not None and last[1] == cell.col and last[2] == cell.row - 1:
            last[2] = cell.row
        else:
            runs.append([cell.row, cell.col, cell.row, cell.col])
    areas: list[list[int]] = []
    for r1, c1, r2, c2 in sorted(runs):
        same = next((a for a in areas if a[0] == r1 and a[2] == r2 and a[3] == c1 - 1), None)
        if same is not None:
            same[3] = c2
        else:
            areas.append([r1, c1, r2, c2])
    return [(a[0], a[1], a[2], a[3]) for a in areas]


def _a1_area(area: tuple[int, int, int, int]) -> str:
    from xlsxwriter.utility import xl_range

    return xl_range(*area)


UNION_CHARS = 255  # Excel's Range() takes an address of at most 255 characters


def _unions(areas: list[tuple[int, int, int, int]]) -> list[str]:
    """Rectangles joined into union addresses ("B14,D29:D30") Excel takes in one Range."""
    out: list[str] = []
    for area in map(_a1_area, areas):
        if out and len(out[-1]) + 1 + len(area) <= UNION_CHARS:
            out[-1] += "," + area
        else:
            out.append(area)
    return out


def _hyperlink(target: str, text: str) -> str:
    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    return f"=HYPERLINK({quoted('#' + target)},{quoted(text)})"


def _runs(values: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """Consecutive columns of an equal setting as (first, last, value): one write each."""
    runs: list[tuple[int, int, int]] = []
    for col, width in enumerate(values):
        if runs and runs[-1][2] == width and runs[-1][1] == col - 1:
            runs[-1] = (runs[-1][0], col, width)
        else:
            runs.append((col, col, width))
    return runs


class XlwingsBook:
    """The AnnotatableBook over an xlwings Book. Given the click's reader source, it takes the sheets that
    looked up and the cells it read from there instead of asking Excel again."""

    def __init__(self, book: Any, source: XlwingsSource | None = None) -> None:
        self.book = book
        self.remote = is_remote(book)
        self.source = source if source is not None else XlwingsSource(book, read_path=False)
        self._unprotected: dict[str, dict[str, Any]] = {}
        self._structure: bool | None = None  # the book's structure protection lifted: its ProtectWindows
        self._pending: dict[Cell, str | None] = {}  # fills to write, batched by sheet and colour
        self._written: set[Cell] = set()  # cells whose content this click changed: read again from Excel
        self.result_name = RESULT_SHEET

    def _sheet(self, name: str) -> Any:
        return self.source.sheet(name)

    def _range(self, cell: Cell) -> Any:
        sheet = self._sheet(cell.sheet)
        if sheet is None:
            return None
        self._unprotect(sheet)
        return sheet.range(cell.a1)

    # ---- protection (COM only)

    def _unprotect(self, sheet: Any) -> None:
        if self.remote or sheet.name in self._unprotected:
            return
        ws = sheet.api
        try:
            protected = bool(ws.ProtectContents)
        except Exception:  # macOS: no COM object model; Excel reports a protected cell itself
            return
        if not protected:
            return
        state = {"DrawingObjects": bool(ws.ProtectDrawingObjects), "Scenarios": bool(ws.ProtectScenarios),
                 "EnableSelection": ws.EnableSelection}
        allowed = ws.Protection  # one call for the object, one per allowance
        state.update({a: bool(getattr(allowed, a)) for a in _ALLOWANCES})
        try:
            ws.Unprotect("")
        except Exception as exc:
            raise ProtectedSheet(f"工作表“{sheet.name}”设置了保护密码，无法标记。请先在“审阅”中撤销工作表保护后再校验。") from exc
        self._unprotected[sheet.name] = state

    def _unprotect_structure(self) -> None:
        """A book whose structure is protected (审阅 → 保护工作簿) refuses the result sheet: lift it with the
        empty password, or stop before the first change (colours without the result sheet's record could not be
        cleared)."""
        if self.remote or self._structure is not None:
            return
        wb = self.book.api
        try:
            protected, windows = bool(wb.ProtectStructure), bool(wb.ProtectWindows)
        except Exception:  # macOS or a fake without the object model: Excel itself refuses the sheet
            return
        if not protected:
            return
        try:
            wb.Unprotect("")
        except Exception as exc:
            raise ProtectedSheet("工作簿设置了结构保护密码（审阅 → 保护工作簿），无法添加“校验结果”表，"
                                 "工作簿没有做任何改动。请先撤销工作簿保护后再校验。") from exc
        self._structure = windows

    def protect_again(self) -> None:
        """Put back every protection lifted for the writes, with the same allowances."""
        if self._structure is not None:
            self.book.api.Protect("", Structure=True, Windows=self._structure)
            self._structure = None
        for name, state in self._unprotected.items():
            sheet = self._sheet(name)
            if sheet is None:
                continue
            selection = state.pop("EnableSelection")
            sheet.api.Protect("", Contents=True, UserInterfaceOnly=False, **state)
            sheet.api.EnableSelection = selection
        self._unprotected.clear()

    # ---- AnnotatableBook

    def prepare(self, sheets: set[str]) -> None:
        self._unprotect_structure()
        for name in sorted(sheets):
            sheet = self._sheet(name)
            if sheet is not None:
                self._unprotect(sheet)

    def result_grid(self) -> list[list[object]] | None:
        def values_of(name: str) -> list[list[object]] | None:
            """The sheet's used range in one read. A result sheet written here starts at A1 (its title); one
            whose first rows were cleared by hand reads shifted up, which reading it back allows (it finds the
            header, the 说明 and the record by their text, never by row)."""
            sheet = self._sheet(name)
            return None if sheet is None else block_values(sheet.used_range)

        self.result_name, grid = choose_result_sheet(values_of)
        return [list(row) for row in grid] if grid is not None else None

    def looks(self, cells: Iterable[Cell]) -> dict[Cell, Original]:
        self.flush()
        cells = list(cells)
        if self.remote:
            return {cell: self._payload_fill(cell) for cell in cells}
        out: dict[Cell, Original] = {}
        for name in sorted({c.sheet for c in cells}):
            out.update(self._sheet_looks(name, [c for c in cells if c.sheet == name]))
        return out

    def _payload_fill(self, cell: Cell) -> Original:
        sheet = self._sheet(cell.sheet)
        fills = (sheet.api.get(FILLS_KEY) or {}) if sheet is not None else {}
        return Original(_hex(fills[cell.a1]) if cell.a1 in fills else "")

    def _sheet_looks(self, name: str, cells: list[Cell]) -> dict[Cell, Original]:
        """One read for a sheet's cells when they share a fill (Excel answers for the union; mixed fills make
        xlwings fail), else one read per cell."""
        sheet = self._sheet(name)
        if sheet is None:
            return {cell: Original("") for cell in cells}
        self._unprotect(sheet)
        unions = _unions(_areas(cells))
        if len(unions) == 1:
            try:
                same = _hex(sheet.range(unions[0]).color)
            except Exception:  # mixed fills
                pass
            else:
                return {cell: Original(same) for cell in cells}
        return {cell: Original(_hex(sheet.range(cell.a1).color)) for cell in cells}

    def content(self, cell: Cell) -> Scalar:
        known, value = self.source.shown(cell.sheet, cell.row, cell.col) if cell not in self._written else (False, None)
        if not known:
            sheet = self._sheet(cell.sheet)
            if sheet is None:
                return None
            value = sheet.range(cell.a1).value
        return value if isinstance(value, (str, int, float)) or value is None else str(value)

    def set_fill(self, cell: Cell, fill: str) -> None:
        self._pending[cell] = fill

    def restore(self, cell: Cell, original: Original) -> None:
        self._pending[cell] = None if original.fill in (NO_FILL, "") else original.fill

    def flush(self) -> None:
        """The pending fills, one write per rectangle of a colour (on Excel: per union of them)."""
        pending, self._pending = self._pending, {}
        groups: dict[tuple[str, str | None], list[Cell]] = {}
        for cell, fill in pending.items():
            groups.setdefault((cell.sheet, fill), []).append(cell)
        for (name, fill), cells in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or "")):
            sheet = self._sheet(name)
            if sheet is None:
                continue
            self._unprotect(sheet)
            areas = _areas(cells)
            if self.remote:  # the remote book takes rectangles only
                for area in areas:
                    sheet.range(_a1_area(area)).color = fill
            else:
                for union in _unions(areas):
                    sheet.range(union).color = fill

    def set_content(self, cell: Cell, value: Scalar) -> None:
        rng = self._range(cell)
        if rng is None:
            return
        self._written.add(cell)
        if value is None or value == "":
            rng.clear_contents()
        else:
            rng.value = value

    def write_result_sheet(self, sheet: ResultSheet | None) -> None:
        self.flush()
        old = self._sheet(self.result_name)
        if old is not None:
            old.delete()
            self.source.forget(self.result_name)
        if sheet is None:
            return
        sheets = self.source.sheets
        ws = sheets.add(name=self.result_name, after=sheets[-1])
        grid = [[_literal(v) for v in row] for row in sheet.grid()]
        for link in sheet.links:  # links as formulas: part of the one values write, not one call each
            grid[link.row][link.col] = _hyperlink(link.target, link.text)
        ws.range(_a1_area((0, 0, len(grid) - 1, sheet.width - 1))).value = grid
        self._format(ws, sheet)
        if sheet.printing is not None and not self.remote:  # the remote book has no PageSetup: it ignores printing
            self._page_setup(ws, sheet.printing)
        if sheet.listed:  # findings to go through; a passing book's short sheet is not shown (the message box tells)
            ws.activate()

    def _format(self, ws: Any, sheet: ResultSheet) -> None:
        """Widths (one write per run of equal columns), title and header, wrapped finding rows, hidden record:
        each range asked for once and given all its settings."""
        for first, last, width in sheet.width_runs:
            ws.range(_a1_area((0, first, 0, last))).column_width = width
        for row, kind in enumerate(sheet.kinds):
            if kind == "title":
                font = ws.range(_a1_area((row, 0, row, 0))).font
                font.bold = True
                font.size = 14
            elif kind == "header":
                header = ws.range(_a1_area((row, 0, row, sheet.width - 1)))
                header.font.bold = True
                header.color = FILL_HEADER
        wrapped = sheet.wrapped
        if wrapped:
            for first, last, wraps in _runs(tuple(int(c in WRAPPED_COLUMNS) for c in range(sheet.width))):
                if wraps:
                    ws.range(_a1_area((wrapped[0], first, wrapped[-1], last))).wrap_text = True
            ws.range(_a1_area((wrapped[0], 0, wrapped[-1], 0))).rows.autofit()
        hidden = sheet.hidden
        if hidden:
            ws.range(_a1_area((hidden[0], 0, hidden[-1], 0))).rows.hidden = True

    def _page_setup(self, ws: Any, printing: PrintSetup) -> None:
        """The plan's print setup through the COM PageSetup. A failure leaves the screen result intact: Excel
        raises on some page properties when no printer is installed, and printing is not worth losing the run."""
        try:
            page = ws.api.PageSetup
            page.PrintArea = printing.area
            if printing.titles:
                page.PrintTitleRows = printing.titles
            page.Orientation = XL_LANDSCAPE
            page.PaperSize = printing.paper
            page.Zoom = False
            page.FitToPagesWide = printing.fit_wide
            page.FitToPagesTall = printing.fit_tall or False
            page.PrintGridlines = True
            # The cover's print area is the staff member's own setting, which 清除标记 could not give back:
            # in the open book it stays as it is (the file copy, a new file, widens it to print the status).
        except Exception:
            return


@contextlib.contextmanager
def quiet(book: Any) -> Iterator[None]:
    """Excel recalculated first when calculation is manual (the click reads what Excel shows), screen updating
    and events off while the click reads and writes, both put back however it ends. Nothing on the remote book,
    whose client applies the actions in one go."""
    if is_remote(book):
        yield
        return
    app = book.app
    try:
        saved = (app.screen_updating, app.enable_events)
    except Exception:  # an Excel without these (macOS versions): just run
        yield
        return
    try:
        if app.calculation == "manual":
            app.calculate()
        app.screen_updating = False
        app.enable_events = False
        yield
    finally:
        app.screen_updating, app.enable_events = saved


@contextlib.contextmanager
def writing(book: Any, source: XlwingsSource | None = None) -> Iterator[XlwingsBook]:
    """An XlwingsBook (over the click's reader source, when given) whose lifted sheet protections are put back
    however the writes end."""
    target = XlwingsBook(book, source)
    try:
        yield target
        target.flush()
    finally:
        target.protect_again()
