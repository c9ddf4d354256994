"""What the published report says, taken from a workbook: title, the six sections, the three tables.

The tables are laid out by xxgk.layout (the same merged label cells the template has, exact labels from
the form spec); the numbers are the workbook's, totals as the workbook shows them (typed or computed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xxgk.importer.keys import label_key
from xxgk.importer.narrative import SECTIONS
from xxgk.layout import SheetPlan, plan_table
from xxgk.reader import Fill
from xxgk.spec import FormSpec, Table
from xxgk.values import format_number

TEXT_SHEET = "报告正文"


@dataclass
class TableGrid:
    rows: list[list[str]]
    merges: list[tuple[int, int, int, int]]  # first_row, first_col, last_row, last_col
    label_cols: int
    numbers: set[tuple[int, int]] = field(default_factory=set)  # (row, col) of the number cells

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0


@dataclass
class Section:
    heading: str
    text: str
    tables: list[tuple[str, TableGrid]] = field(default_factory=list)  # caption ("" for a national table), table


@dataclass
class ReportContent:
    title: str
    agency: str
    year: str
    sections: list[Section]


def report_content(fill: Fill, narrative: dict[str, str]) -> ReportContent:
    from xxgk.engine import Frame

    spec = fill.spec
    frame = Frame.from_fills(spec, [fill])
    values = {cid: _shown(fill, cid, float(frame.column(cid)[0])) for cid in spec.cells}
    sections = [Section(h, narrative.get(h, "")) for h in SECTIONS]
    for index, caption, table in _placed_tables(spec):
        sections[index].tables.append((caption, _grid(plan_table(table), values)))
    agency, year = fill.agency, fill.meta.get("meta.year", "")
    return ReportContent(f"{agency}{year}年政府信息公开工作年度报告", agency, year, sections)


EXTENSION_SECTION = 1  # a provincial table goes first in 二、主动公开 (as the 浙江 form prints it), under its title


def _placed_tables(spec: FormSpec) -> list[tuple[int, str, Table]]:
    """(section index, caption, table): a national table under the heading its title is; others captioned."""
    headings = [label_key(h) for h in SECTIONS]
    placed = []
    for table in spec.tables:
        key = label_key(table.title)
        if key in headings:
            placed.append((headings.index(key), "", table))
        else:
            placed.append((EXTENSION_SECTION, table.title, table))
    return sorted(placed, key=lambda p: (p[0], p[1] == ""))


def _shown(fill: Fill, cid: str, value: float) -> str:
    """The number as the workbook shows it; "" for a blank input or a total whose formula was cleared."""
    from xxgk.rules.expand import computed_cells

    if cid in fill.removed_formulas:
        return ""
    if cid in computed_cells(fill.spec) and cid not in fill.typed_computed:
        return format_number(Decimal(repr(value)))
    if cid in fill.blank:
        return ""
    if cid in fill.exact:
        return format_number(fill.exact[cid])
    return format_number(Decimal(repr(value)))


def _grid(plan: SheetPlan, values: dict[str, str]) -> TableGrid:
    """The sheet's table without its title and spacer rows, as rows of text with merged rectangles."""
    used = sorted({r for s in plan.spans if s.kind != "title" for r in range(s.first_row, s.last_row + 1)}
                  | {p.row for p in plan.cells.values()})
    index = {r: i for i, r in enumerate(used)}
    rows = [[""] * plan.width for _ in used]
    merges = []
    for s in plan.spans:
        if s.kind == "title":
            continue
        rows[index[s.first_row]][s.first_col] = s.text
        if (s.first_row, s.first_col) != (s.last_row, s.last_col):
            merges.append((index[s.first_row], s.first_col, index[s.last_row], s.last_col))
    grid = TableGrid(rows, merges, plan.label_cols)
    for cid, pos in plan.cells.items():
        rows[index[pos.row]][pos.col] = values.get(cid, "")
        grid.numbers.add((index[pos.row], pos.col))
    _widen_short_rows(grid, plan)
    return grid


def _widen_short_rows(grid: TableGrid, plan: SheetPlan) -> None:
    """A block with fewer columns than the table (第二十条第（五）项) spans its last column to the right edge."""
    covered = {(r, c) for a, b, c2, d in grid.merges for r in range(a, c2 + 1) for c in range(b, d + 1)}
    spans = {(a, b) for a, b, c2, d in grid.merges if (a, b) != (c2, d)}
    for r, row in enumerate(grid.rows):
        used = [c for c in range(grid.width) if row[c] or (r, c) in covered or (r, c) in grid.numbers]
        if used and used[-1] < grid.width - 1 and (r, used[-1]) not in covered | spans:
            grid.merges.append((r, used[-1], r, grid.width - 1))


def read_narrative(path: Path) -> dict[str, str] | None:
    """The 报告正文 sheet an import wrote (standard heading → text); None when the workbook has none."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if TEXT_SHEET not in wb.sheetnames:
            return None
        out = {}
        for row in wb[TEXT_SHEET].iter_rows(min_row=2, values_only=True):
            if row and row[0] in SECTIONS:
                out[str(row[0])] = str(row[2] or "") if len(row) > 2 else ""
        return out
    finally:
        wb.close()
