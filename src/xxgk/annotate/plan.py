"""What annotating a workbook writes, as plain data: the 校验结果 sheet, the cells to highlight, the
cover's status line, and the record that lets 清除标记 put everything back.

Both appliers (a book open in Excel through xlwings, a file copy) take the same plan, so the two agree by
construction. Nothing here touches a workbook.

The 说明 column is matched by finding identity (code, rule, cells: the 代码 column), never by row: an
explanation typed next to a finding is found again on the next run wherever that finding now sits, and an
explanation whose finding is gone is kept at the end of the list, so nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from xxgk.findings import ERROR, Finding
from xxgk.labels import rule_titles
from xxgk.layout import Pos, plan_cover
from xxgk.spec import FormSpec
from xxgk.values import as_text as _text

RESULT_SHEET = "校验结果"
ALT_RESULT_SHEET = "本表校验结果"  # used when a 校验结果 sheet of another kind exists (a consolidated summary's own)
HEADERS = ("序号", "类别", "规则", "问题", "应为", "实为", "说明（可填写）", "代码", "涉及单元格")
SEQ, KIND, RULE, MESSAGE, EXPECTED, ACTUAL, NOTE, CODE, CELLS = range(len(HEADERS))
# Excel character units; None: the sheet's default width (序号, 类别, 应为, 实为 and 代码 fit in it; 代码 is for tools).
# Few widths, few writes: a live book sets one width per run of equal columns (an xlwings call each), so only 规则,
# 问题, 说明 and the linked cells' columns (涉及单元格 onwards, one width) are set: four runs.
WIDTHS: tuple[int | None, ...] = (None, None, 20, 60, None, None, 30, None, 18)
MAX_WIDTH = 40
DEFAULT_COLUMN = 8.43  # Excel's default column width: the cover's columns right of its table
HEADER_ROW = 3
MAX_LINKS = 30  # linked cells per row (a rule involves at most ~25; 未填写 lists of a blank table are cut here)
FIRST_ROW = HEADER_ROW + 1
# In a finding's row: 规则 to 说明, adjacent (one range to wrap on a live book; a hint's 应为/实为 lists wrap in
# their default-width columns); the others stay on one line (代码 is cut, not stacked).
WRAPPED_COLUMNS = (RULE, MESSAGE, EXPECTED, ACTUAL, NOTE)
RECORD_TITLE = "以下为程序记录：清除标记时据此恢复原样，请勿修改。"
RECORD_HEADERS = ("类别", "单元格", "原底色", "原样式号", "原内容")
RECORD_MARK, RECORD_STATUS = "标记", "状态"  # a highlighted cell; the cell holding the click's status line
NO_FILL = "无"

KIND_ERROR, KIND_WARNING, KIND_HINT, KIND_ORPHAN = "错误", "警告", "修改建议", "已消除"
FILL_ERROR, FILL_WARNING, FILL_HINT = "#FFC7CE", "#FFEB9C", "#F8CBAD"  # red, yellow, orange (what to change)
FILL_HEADER = "#D9D9D9"
STATUS_NAME = "xxgk_status"  # the template's live status line (template.STATUS_NAME; not imported: it is heavy)

Scalar = str | int | float | None
ROW_POINTS, LINE_POINTS = 20.0, 15.0


def _width(text: str) -> float:
    """Display width in Excel character units: CJK characters count double."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


@dataclass(frozen=True)
class Cell:
    """A cell of the workbook, by sheet name and 0-based row/column."""

    sheet: str
    row: int
    col: int

    @property
    def a1(self) -> str:
        return Pos(self.sheet, self.row, self.col).a1

    @property
    def address(self) -> str:
        return Pos(self.sheet, self.row, self.col).address

    @property
    def label(self) -> str:
        """As messages name a cell: 「依申请公开」D6 (a leading apostrophe would be eaten by Excel)."""
        return f"「{self.sheet}」{self.a1}"

    @property
    def plain(self) -> str:
        """依申请公开!D6: an address Excel keeps as typed (no leading apostrophe), read back by parse."""
        return f"{self.sheet}!{self.a1}"

    @classmethod
    def parse(cls, address: str) -> Cell | None:
        """'依申请公开'!D6 or 依申请公开!$D$6 -> Cell; None when it is not a single-cell address."""
        m = _ADDRESS.match(address.strip().lstrip("="))
        if not m:
            return None
        sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
        row, col = xl_cell_to_rowcol(m.group(3).replace("$", ""))
        return cls(sheet, row, col)


_ADDRESS = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Z]{1,3}\$?[0-9]+)$")


@dataclass(frozen=True)
class Original:
    """What a cell looked like before the first annotation: its fill ("#RRGGBB", NO_FILL, or "" unknown),
    its style index (files only), and, for the status cell, its content."""

    fill: str = ""
    style: int | None = None
    content: Scalar = None


@dataclass(frozen=True)
class Link:
    row: int
    col: int
    target: str  # sheet-qualified address, e.g. '依申请公开'!D6
    text: str


@dataclass(frozen=True)
class PrintSetup:
    """How the annotated copy prints (consolidators print it for 退回 with a signed paper copy): the result
    sheet on A4 landscape, 1 page wide and as many tall, its header row repeated, only the columns a reader
    needs (序号 to 说明: the message names the cells; the link columns are for the screen), gridlines on;
    and the cover's print area widened to take in the status cell written beside the live status line."""

    last_row: int  # 0-based, the last finding row (the hidden record is not printed)
    last_col: int = NOTE
    title_row: int | None = HEADER_ROW  # None: no header row to repeat (a passing book's short sheet)
    status: Cell | None = None  # the cover cell the click's status line goes to
    status_last_col: int = 0  # the last column its text runs into (the cover fits its print area to the page)
    paper: int = 9  # Excel's xlPaperA4 / OOXML paperSize 9
    fit_wide: int = 1
    fit_tall: int = 0  # 0: as many pages tall as needed

    @property
    def area(self) -> str:
        return f"$A$1:{xl_rowcol_to_cell(self.last_row, self.last_col, True, True)}"

    @property
    def titles(self) -> str:
        """The rows repeated on every page ("" when there are none)."""
        return "" if self.title_row is None else f"${self.title_row + 1}:${self.title_row + 1}"

    def cover_area(self, area: str) -> str:
        """The cover's print area ('封面'!$A$1:$B$14, or $A$1:$B$14 as Excel's PageSetup gives it) grown to take
        in the status cell and the columns its text runs into; unchanged when it is not one range."""
        m = _RANGE.match(area.strip())
        if m is None or self.status is None:
            return area
        r0, c0 = xl_cell_to_rowcol(m.group(2) + m.group(3))
        r1, c1 = xl_cell_to_rowcol((m.group(4) or m.group(2)) + (m.group(5) or m.group(3)))
        row, col = self.status.row, max(self.status.col, self.status_last_col)
        first = xl_rowcol_to_cell(min(r0, row), min(c0, self.status.col), True, True)
        return f"{m.group(1) or ''}{first}:{xl_rowcol_to_cell(max(r1, row), max(c1, col), True, True)}"


_RANGE = re.compile(r"^((?:'(?:[^']|'')+'|[^'!,]+)!)?\$?([A-Z]{1,3})\$?([0-9]+)(?::\$?([A-Z]{1,3})\$?([0-9]+))?$")


@dataclass
class ResultSheet:
    """The 校验结果 sheet: values by row (0-based, ragged), what each row is, links, widths, hidden rows."""

    rows: list[list[Scalar]]
    kinds: list[str]  # per row: title, note, blank, header, error, warning, hint, orphan, record_title, record
    links: list[Link]
    widths: tuple[int | None, ...] = WIDTHS
    printing: PrintSetup | None = None

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def grid(self) -> list[list[Scalar]]:
        """The rows padded to one width (what one range write takes)."""
        w = self.width
        return [r + [None] * (w - len(r)) for r in self.rows]

    @property
    def listed(self) -> bool:
        """Whether the sheet lists anything (a table under a header row). A passing book's sheet is two lines of
        text (title and verdict) and the hidden record: no header, no column widths, no rows to wrap."""
        return "header" in self.kinds

    @property
    def column_widths(self) -> tuple[int | None, ...]:
        """`widths` for every column of the sheet (None: the default width), the linked cells' columns (涉及单元格
        and the ones after it) all as wide as the longest link label, so no label is cut off by the next one.
        Nothing for a sheet that lists nothing: its two lines run over the empty cells to their right."""
        if not self.listed:
            return ()
        labels = [_width(str(v)) for row in self.rows for v in row[CELLS:] if v is not None]
        link = min(MAX_WIDTH, max(self.widths[CELLS] or 0, math.ceil(max(labels, default=0)) + 1))
        return (*self.widths[:CELLS], *[link] * (max(self.width, len(self.widths)) - CELLS))

    @property
    def width_runs(self) -> list[tuple[int, int, int]]:
        """The set widths as runs of adjacent equal columns (first, last, width; 0-based): one write each."""
        runs: list[tuple[int, int, int]] = []
        for col, width in enumerate(self.column_widths):
            if width is None:
                continue
            if runs and runs[-1][2] == width and runs[-1][1] == col - 1:
                runs[-1] = (runs[-1][0], col, width)
            else:
                runs.append((col, col, width))
        return runs

    @property
    def hidden(self) -> list[int]:
        return [i for i, k in enumerate(self.kinds) if k in ("record_title", "record")]

    @property
    def wrapped(self) -> list[int]:
        """Rows listing a finding: their message and 说明 wrap within the column."""
        return [i for i, k in enumerate(self.kinds) if k in ("error", "warning", "hint", "orphan")]

    def height(self, row: int) -> float:
        """Points that show a wrapped row whole (for writers that cannot ask Excel to fit it)."""
        values = self.rows[row]
        lines = max((math.ceil(_width(str(values[c])) / max(1, (self.widths[c] or DEFAULT_COLUMN) - 2))
                     for c in WRAPPED_COLUMNS if c < len(values) and values[c]), default=1)
        return max(ROW_POINTS, lines * LINE_POINTS + 5)


@dataclass(frozen=True)
class Previous:
    """What an earlier run left in the book: typed 说明 by finding identity, and the record."""

    notes: dict[str, str] = field(default_factory=dict)
    marks: dict[Cell, Original] = field(default_factory=dict)  # highlighted cells -> their original look
    status: tuple[Cell, Original] | None = None  # the status cell written and its original content
    present: bool = False  # a 校验结果 sheet exists


@dataclass
class Plan:
    """Everything one 校验 writes. `originals` starts with what the previous record knew; the applier adds the
    current look of newly highlighted cells (only it can read them) before writing the record."""

    sheet: ResultSheet
    highlights: dict[Cell, str]  # cell -> fill colour
    restore: dict[Cell, Original]  # earlier highlights no longer wanted, back to their original look
    status: tuple[Cell, str] | None  # where the click's status line goes, and its text
    originals: dict[Cell, Original]
    status_original: Original | None  # None: read the status cell's content before writing it
    restore_status: tuple[Cell, Original] | None = None  # an earlier status cell no longer used, back as it was
    errors: int = 0
    warnings: int = 0
    sheet_name: str = RESULT_SHEET

    def record_rows(self, originals: dict[Cell, Original], status_original: Original | None) -> list[list[Scalar]]:
        rows: list[list[Scalar]] = [[RECORD_TITLE], list(RECORD_HEADERS)]
        for cell in sorted(originals, key=lambda c: (c.sheet, c.row, c.col)):
            o = originals[cell]
            rows.append([RECORD_MARK, cell.plain, o.fill, o.style, None])
        if self.status is not None and status_original is not None:
            rows.append([RECORD_STATUS, self.status[0].plain, None, None,
                         "" if status_original.content is None else status_original.content])
        return rows

    def final_sheet(self, originals: dict[Cell, Original], status_original: Original | None) -> ResultSheet:
        """The result sheet with the record appended (hidden rows after two blank ones)."""
        record = self.record_rows(originals, status_original)
        rows = [*self.sheet.rows, [], [], *record]
        kinds = [*self.sheet.kinds, "blank", "blank", "record_title", *["record"] * (len(record) - 1)]
        return ResultSheet(rows, kinds, self.sheet.links, self.sheet.widths, self.sheet.printing)


@dataclass(frozen=True)
class ClearPlan:
    restore: dict[Cell, Original]
    status: tuple[Cell, Original] | None
    remove_sheet: bool


# ---- identity and reading back ------------------------------------------------------------------------


def finding_key(f: Finding) -> str:
    """A finding's identity across runs: code, rule, cells."""
    return f"{f.code}|{f.rule or ''}|{','.join(f.cells)}"


def hint_key(hint: Any) -> str:
    return "hint||" + ",".join(c.cell for c in hint.changes)


def is_result_grid(grid: Sequence[Sequence[object]]) -> bool:
    """Whether a sheet's values are a result sheet written here (its header row, or the record title of a passing
    book's short sheet), not another 校验结果."""
    return (any([_text(v) for v in row[: len(HEADERS)]] == list(HEADERS) for row in grid[: HEADER_ROW + 2])
            or any(row and _text(row[0]) == RECORD_TITLE for row in grid))


def choose_result_sheet(values_of: Callable[[str], Sequence[Sequence[object]] | None]
                        ) -> tuple[str, Sequence[Sequence[object]] | None]:
    """The result sheet's name and, when an earlier run wrote it, its values. `values_of(name)` gives a sheet's
    values or None when there is no such sheet. A 校验结果 sheet of another kind is never touched."""
    for name in (RESULT_SHEET, ALT_RESULT_SHEET):
        grid = values_of(name)
        if grid is not None and is_result_grid(grid):
            return name, grid
    return (ALT_RESULT_SHEET if values_of(RESULT_SHEET) is not None else RESULT_SHEET), None


def read_previous(grid: Sequence[Sequence[object]] | None) -> Previous:
    """Read an existing 校验结果 sheet's values (anchored at A1) back into notes and record."""
    if grid is None:
        return Previous()
    notes: dict[str, str] = {}
    marks: dict[Cell, Original] = {}
    status = None
    header = next((i for i, row in enumerate(grid) if row and _text(row[0]) == HEADERS[SEQ]), None)
    record = next((i for i, row in enumerate(grid) if row and _text(row[0]) == RECORD_TITLE), len(grid))
    if header is not None:
        names = [_text(v) for v in grid[header]]
        code_col = names.index(HEADERS[CODE]) if HEADERS[CODE] in names else None
        note_col = names.index(HEADERS[NOTE]) if HEADERS[NOTE] in names else None
        for row in grid[header + 1: record]:
            key = _text(row[code_col]) if code_col is not None and code_col < len(row) else ""
            note = _text(row[note_col]) if note_col is not None and note_col < len(row) else ""
            if key and note:
                notes[key] = note
    for row in grid[record + 2:]:
        kind = _text(row[0]) if row else ""
        cell = Cell.parse(_text(row[1])) if len(row) > 1 else None
        if cell is None:
            continue
        cells = [*row, None, None, None, None][:5]
        fill, style, content = _text(cells[2]), cells[3], cells[4]
        style_index = int(style) if isinstance(style, (int, float)) and not isinstance(style, bool) else None
        if kind == RECORD_MARK:
            marks[cell] = Original(fill, style_index)
        elif kind == RECORD_STATUS:
            status = (cell, Original(content=None if content in (None, "") else content))  # type: ignore[arg-type]
    return Previous(notes, marks, status, present=True)


# ---- the plan -----------------------------------------------------------------------------------------


def status_cell(spec: FormSpec, names: dict[str, str], status_is_formula: bool) -> Cell | None:
    """Where the click's status line goes: the template's status line when it is plain text, else the cell
    just right of it (the live formula stays; its merged range is as wide as the cover's plan)."""
    cell = Cell.parse(names.get(STATUS_NAME, ""))
    if cell is None:
        return None
    if not status_is_formula:
        return cell
    return Cell(cell.sheet, cell.row, cell.col + plan_cover(spec).width)


def status_text(errors: int, warnings: int, when: dt.datetime, sheet: str = RESULT_SHEET) -> str:
    stamp = when.strftime("%Y-%m-%d %H:%M")
    if errors == 0 and warnings == 0:
        return f"校验通过（{stamp}）"
    return f"{errors} 个错误、{warnings} 个警告（{stamp}，见“{sheet}”表）"


def _number(value: object) -> Scalar:
    return value if isinstance(value, (int, float, str)) or value is None else str(value)


def _cells_of(addresses: Iterable[str], sheets: set[str]) -> list[Cell]:
    out = []
    for address in addresses:
        cell = Cell.parse(address)
        if cell is not None and cell.sheet in sheets:
            out.append(cell)
    return out


def plan_annotation(findings: Sequence[Finding], hints: Sequence[Any], spec: FormSpec, previous: Previous,
                    status: Cell | None, when: dt.datetime, agency: str = "", sheet_name: str = RESULT_SHEET) -> Plan:
    """The plan for one book: findings and hints as the library reported them, what the last run left."""
    sheets = {spec.cover.sheet, *(t.sheet for t in spec.tables)}
    errors = sum(f.severity == ERROR for f in findings)
    warnings = len(findings) - errors
    rows: list[list[Scalar]] = [
        [f"{sheet_name}{'：' + agency if agency else ''}"],
        [f"校验时间 {when:%Y-%m-%d %H:%M}；校验通过，没有发现问题。" if not findings else
         f"校验时间 {when:%Y-%m-%d %H:%M}；{errors} 个错误、{warnings} 个警告。“说明”列可填写解释，"
         "下次校验时按问题保留；点击单元格地址可跳到该单元格。"],
        [],
        list(HEADERS),
    ]
    kinds = ["title", "note", "blank", "header"]
    links: list[Link] = []
    highlights: dict[Cell, str] = {}
    seen: set[str] = set()

    def add(kind: str, rule: str, message: str, expected: object, actual: object, key: str,
            addresses: Sequence[str]) -> None:
        r = len(rows)
        note = previous.notes.get(key, "")
        seen.add(key)
        shown = list(addresses[:MAX_LINKS])
        cells = [Cell.parse(a) for a in shown]
        more = [f"等共 {len(addresses)} 个单元格"] if len(addresses) > MAX_LINKS else []
        rows.append([r - HEADER_ROW, kind, rule, message, _number(expected), _number(actual), note or None, key,
                     *(c.label if c is not None else a for c, a in zip(cells, shown, strict=True)), *more])
        kinds.append({KIND_ERROR: "error", KIND_WARNING: "warning", KIND_HINT: "hint"}.get(kind, "orphan"))
        links.extend(Link(r, CELLS + k, c.address, c.label) for k, c in enumerate(cells) if c is not None)

    titles = rule_titles(spec)  # checks named in Chinese; their codes stay in the 代码 column
    for hint in hints:
        addresses = [c.cell for c in hint.changes]
        before: object = "、".join(_text(c.before) or "（空）" for c in hint.changes) or None
        after: object = "、".join(_text(c.after) for c in hint.changes) or None
        if len(hint.changes) == 1:  # one cell: numbers, as a finding's 应为/实为 (not numbers stored as text)
            before, after = hint.changes[0].before, hint.changes[0].after
        fixes = "、".join(titles.get(k, k) for k in getattr(hint, "fixes", ()))
        add(KIND_HINT, fixes, hint.message, after, before, hint_key(hint), addresses)
    for f in findings:
        add(KIND_ERROR if f.severity == ERROR else KIND_WARNING, f.title or f.rule or f.code, f.message, f.expected,
            f.actual, finding_key(f), f.cells)
    for f in sorted(findings, key=lambda f: f.severity == ERROR):  # errors last: their colour wins
        for cell in _cells_of(f.cells, sheets):
            highlights[cell] = FILL_ERROR if f.severity == ERROR else FILL_WARNING
    for hint in hints:
        for cell in _cells_of((c.cell for c in hint.changes), sheets):
            highlights[cell] = FILL_HINT
    for key in previous.notes:
        if key not in seen:
            add(KIND_ORPHAN, "", "此前的问题本次已不存在，保留当时填写的说明。", None, None, key,
                [a for a in key.split("|", 2)[-1].split(",") if a])
    originals = {c: o for c, o in previous.marks.items() if c in highlights}
    restore = {c: o for c, o in previous.marks.items() if c not in highlights}
    status_original, restore_status = None, None
    if previous.status is not None and status is not None and previous.status[0] == status:
        status_original = previous.status[1]
    elif previous.status is not None:
        restore_status = previous.status  # the status cell moved: put the old one back
    if len(rows) == FIRST_ROW:  # nothing listed: the title and the verdict only, no table
        del rows[HEADER_ROW - 1:], kinds[HEADER_ROW - 1:]
    text = status_text(errors, warnings, when, sheet_name)
    printing = PrintSetup(len(rows) - 1, title_row=HEADER_ROW if len(rows) > HEADER_ROW else None, status=status,
                          status_last_col=(status.col + math.ceil(_width(text) / DEFAULT_COLUMN) - 1
                                           if status is not None else 0))
    return Plan(ResultSheet(rows, kinds, links, printing=printing), highlights, restore,
                (status, text) if status is not None else None,
                originals, status_original, restore_status, errors, warnings, sheet_name)


def plan_clear(previous: Previous) -> ClearPlan:
    return ClearPlan(dict(previous.marks), previous.status, previous.present)
