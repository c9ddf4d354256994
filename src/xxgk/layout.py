"""Where every label and cell of a form goes on the sheets, computed from the spec alone.

The template builder draws this plan; the reader uses it to check that a workbook's row labels are
where the plan puts them. Rows and columns are 0-based, as XlsxWriter counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xlsxwriter.utility import xl_rowcol_to_cell

from xxgk.spec import MERGE_UP, Axis, Block, FormSpec, Table


@dataclass(frozen=True)
class Pos:
    sheet: str
    row: int
    col: int

    @property
    def a1(self) -> str:
        return xl_rowcol_to_cell(self.row, self.col)

    @property
    def ref(self) -> str:
        """Sheet-qualified absolute address, e.g. '依申请公开'!$C$6."""
        return f"'{self.sheet}'!{xl_rowcol_to_cell(self.row, self.col, row_abs=True, col_abs=True)}"

    @property
    def address(self) -> str:
        """Sheet-qualified address as shown to users, e.g. '依申请公开'!C6."""
        return f"'{self.sheet}'!{self.a1}"


@dataclass(frozen=True)
class Span:
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    text: str
    kind: str  # "title", "block_title", "corner", "header", "row_label", "unit"


@dataclass
class SheetPlan:
    name: str
    title: str
    width: int
    label_cols: int
    spans: list[Span] = field(default_factory=list)
    cells: dict[str, Pos] = field(default_factory=dict)
    row_labels: dict[int, str] = field(default_factory=dict)  # data row -> its leaf label
    last_row: int = 0


@dataclass
class Layout:
    cover: SheetPlan
    tables: list[SheetPlan]
    pos: dict[str, Pos]

    def address(self, cell_id: str) -> str:
        return self.pos[cell_id].address


def _owners(paths: Sequence[tuple[str, ...]], depth: int) -> list[list[tuple[str, ...]]]:
    """For each axis, the merged header cell that owns each level (an owner is a label prefix)."""
    grid = []
    for path in paths:
        levels: list[tuple[str, ...]] = []
        for k in range(depth):
            if k < len(path) and path[k] != MERGE_UP:
                levels.append(tuple(path[: k + 1]))
            elif levels:
                levels.append(levels[-1])
            else:
                levels.append(())
        grid.append(levels)
    return grid


def header_spans(paths: Sequence[tuple[str, ...]], depth: int) -> list[tuple[int, int, int, int, str]]:
    """Merged rectangles (axis_first, level_first, axis_last, level_last, text) for label paths."""
    boxes: dict[tuple[str, ...], list[int]] = {}
    for i, levels in enumerate(_owners(paths, depth)):
        for k, owner in enumerate(levels):
            if not owner:
                continue
            box = boxes.setdefault(owner, [i, k, i, k])
            box[0], box[1] = min(box[0], i), min(box[1], k)
            box[2], box[3] = max(box[2], i), max(box[3], k)
    return [(b[0], b[1], b[2], b[3], owner[-1]) for owner, b in boxes.items()]


UNIT_HEADER = "单位"


def _plan_block(plan: SheetPlan, table: Table, block: Block, top: int) -> int:
    depth, units = table.label_depth, table.unit_cols
    first_data = depth + units  # a table with units has a 单位 column between the labels and the numbers
    row = top
    if block.title:
        plan.spans.append(Span(row, 0, row, plan.width - 1, block.title, "block_title"))
        row += 1
    hdepth = max((len(c.label) for c in block.columns), default=0)
    if hdepth:
        if depth:
            plan.spans.append(Span(row, 0, row + hdepth - 1, depth - 1, block.corner or "", "corner"))
        if units:
            plan.spans.append(Span(row, depth, row + hdepth - 1, depth, UNIT_HEADER, "header"))
        for a0, l0, a1, l1, text in header_spans([c.label for c in block.columns], hdepth):
            plan.spans.append(Span(row + l0, first_data + a0, row + l1, first_data + a1, text, "header"))
        row += hdepth
    if depth:
        for a0, l0, a1, l1, text in header_spans([r.label for r in block.rows], depth):
            plan.spans.append(Span(row + a0, l0, row + a1, l1, text, "row_label"))
    for i, r in enumerate(block.rows):
        plan.row_labels[row + i] = _leaf(r)
        if units:
            plan.spans.append(Span(row + i, depth, row + i, depth, r.unit or "", "unit"))
        for j, c in enumerate(block.columns):
            plan.cells[block.cell_id(r, c)] = Pos(table.sheet, row + i, first_data + j)
    return row + len(block.rows)


def _leaf(axis: Axis) -> str:
    return axis.label[-1] if axis.label else ""


def plan_table(table: Table) -> SheetPlan:
    plan = SheetPlan(table.sheet, table.title, table.width, table.label_depth)
    plan.spans.append(Span(0, 0, 0, plan.width - 1, table.title, "title"))
    row = 2
    for block in table.blocks:
        row = _plan_block(plan, table, block, row) + 1
    plan.last_row = row - 2
    return plan


COVER_FIRST_ROW = 2


def plan_cover(spec: FormSpec) -> SheetPlan:
    plan = SheetPlan(spec.cover.sheet, spec.cover.title, 2, 1)
    plan.spans.append(Span(0, 0, 0, 1, spec.cover.title, "title"))
    for i, f in enumerate(spec.cover.fields):
        row = COVER_FIRST_ROW + i
        plan.spans.append(Span(row, 0, row, 0, f.label, "row_label"))
        plan.row_labels[row] = f.label
        plan.cells[f.id] = Pos(spec.cover.sheet, row, 1)
    plan.last_row = COVER_FIRST_ROW + len(spec.cover.fields) - 1
    return plan


def plan_layout(spec: FormSpec) -> Layout:
    cover = plan_cover(spec)
    tables = [plan_table(t) for t in spec.tables]
    pos = dict(cover.cells)
    for t in tables:
        pos.update(t.cells)
    return Layout(cover, tables, pos)
