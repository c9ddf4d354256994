"""A table sheet of the template: labels sized to fit, white input cells with their prompts, grey formula
cells with cached results, and inputs that turn red (yellow for warnings) while a check they feed fails."""

from __future__ import annotations

import math

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from xxgk.checksheet import BAD, LINE_PT, ROW_PT, TITLE_PT, WARN, RuleLine, text_width
from xxgk.layout import Pos, SheetPlan, Span
from xxgk.rules.excel import compile_expr
from xxgk.template.model import TemplateModel
from xxgk.template.prompts import CELL_PROMPTS
from xxgk.template.sheet import failing, protect, write_span, write_value
from xxgk.template.styles import Styles

# Column widths in Excel character units (heights: checksheet's LINE_PT, ROW_PT, TITLE_PT): (least, most).
LABEL_WIDTH = (10, 40)
GROUP_LABEL_WIDTH = 14
DATA_WIDTH = (10, 16)


def write_table(t: TemplateModel, plan: SheetPlan) -> None:
    ws = t.new_sheet(plan.name)
    widths = column_widths(plan)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    for row, height in row_heights(plan, widths).items():
        ws.set_row(row, round(height, 1))
    for span in plan.spans:
        write_span(ws, span, span_format(span, t.styles))
    inputs = _write_cells(t, ws, plan)
    for ctype, cells in inputs.items():
        first = cells[0]
        ws.data_validation(first.row, first.col, first.row, first.col,
                           {**CELL_PROMPTS[ctype], "multi_range": _a1s(cells)})
    _highlight(t, ws, plan)
    for pos in inputs.get("amount", []):  # 12 rather than "12." under the 0.###### format
        ws.conditional_format(pos.row, pos.col, pos.row, pos.col,
                              {"type": "formula", "criteria": f"=MOD({pos.a1},1)=0", "format": t.styles.integer})
    ws.print_area(0, 0, plan.last_row, plan.width - 1)
    protect(ws)


def column_widths(plan: SheetPlan) -> list[float]:
    widths = [float(LABEL_WIDTH[0] if c < plan.label_cols else DATA_WIDTH[0]) for c in range(plan.width)]
    for span in plan.spans:
        if span.first_col != span.last_col or span.kind not in ("row_label", "corner", "header"):
            continue
        c = span.first_col
        text = text_width(span.text)
        # a label spanning several rows may wrap, but reads better on one line when that is cheap
        need = math.ceil(text if span.first_row == span.last_row else min(text, GROUP_LABEL_WIDTH)) + 2
        cap = LABEL_WIDTH[1] if c < plan.label_cols else DATA_WIDTH[1]
        widths[c] = max(widths[c], float(min(need, cap)))
    return widths


def row_heights(plan: SheetPlan, widths: list[float]) -> dict[int, float]:
    heights: dict[int, float] = {r: ROW_PT for r in range(plan.last_row + 1)}
    for span in plan.spans:
        if span.kind == "title":
            heights[span.first_row] = TITLE_PT
            continue
        if span.kind == "block_title":
            heights[span.first_row] = ROW_PT + 4
            continue
        avail = max(1.0, sum(widths[span.first_col: span.last_col + 1]) - 1.5)
        lines = max(1, math.ceil(text_width(span.text) / avail))
        rows = span.last_row - span.first_row + 1
        per_row = (lines * LINE_PT + 6) / rows
        for r in range(span.first_row, span.last_row + 1):
            heights[r] = max(heights[r], per_row)
    return heights


def span_format(span: Span, s: Styles) -> Format:
    if span.kind == "row_label":
        return s.label_group if span.last_row > span.first_row else s.label
    return {"title": s.title, "block_title": s.block_title, "corner": s.corner, "header": s.header,
            "unit": s.label_group}[span.kind]


def _write_cells(t: TemplateModel, ws: Worksheet, plan: SheetPlan) -> dict[str, list[Pos]]:
    """Write every cell of the sheet; return the input cells by cell type."""
    s = t.styles
    inputs: dict[str, list[Pos]] = {}
    for cid, pos in plan.cells.items():
        ctype = t.spec.cells[cid].type
        if cid in t.overrides:
            write_value(ws, pos, t.overrides[cid], s.computed[ctype])
        elif cid in t.exprs:
            formula = "=" + compile_expr(t.exprs[cid], t.addr)
            ws.write_formula(pos.row, pos.col, formula, s.computed[ctype], t.numbers[cid])
        else:
            write_value(ws, pos, t.values.get(cid), s.inputs[ctype])
            inputs.setdefault(ctype, []).append(pos)
    return inputs


def _highlight(t: TemplateModel, ws: Worksheet, plan: SheetPlan) -> None:
    """Input cells turn red (yellow for warnings) while a check they take part in fails."""
    owners: dict[str, list[RuleLine]] = {}
    for check in t.checks:
        for cid in check.inst.ids:
            if cid in plan.cells and cid not in t.exprs:
                owners.setdefault(cid, []).append(check)
    for symbol, fmt in ((BAD, t.styles.bad), (WARN, t.styles.warn)):
        groups: dict[tuple[str, ...], list[Pos]] = {}
        for cid, checks in owners.items():
            names = tuple(c.name for c in checks if c.bad == symbol)
            if names:
                groups.setdefault(names, []).append(plan.cells[cid])
        for names, cells in groups.items():
            first = cells[0]
            ws.conditional_format(first.row, first.col, first.row, first.col,
                                  {"type": "formula", "criteria": failing(names, symbol), "format": fmt,
                                   "multi_range": _a1s(cells)})


def _a1s(cells: list[Pos]) -> str:
    """A multi_range: the cells' A1 addresses separated by spaces."""
    return " ".join(p.a1 for p in cells)
