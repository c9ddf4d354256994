"""The template's cover sheet: the cover fields with their prompts (red while a check of theirs fails), the
live status line that counts failed checks, and a hint pointing to the 校验 and 说明 sheets."""

from __future__ import annotations

import math

from xlsxwriter.worksheet import Worksheet

from xxgk.checksheet import BAD, CHECK_SHEET, FAILED_NAME, LINE_PT, OK, ROW_PT, TITLE_PT, text_width
from xxgk.layout import Pos, SheetPlan
from xxgk.template.helpsheet import HELP_SHEET
from xxgk.template.model import TemplateModel
from xxgk.template.prompts import field_prompt
from xxgk.template.sheet import failing, protect, write_span, write_value

STATUS_NAME = "xxgk_status"  # the cover's status line
COVER_VALUE_WIDTH = 42  # Excel character units
COVER_HINT = "白色单元格请填写，灰色单元格自动计算；各表校验结果见“{check}”表，填写说明见“{help}”表。"
STATUS_OK = f"{OK} 全部校验通过"
STATUS_BAD = (f"{BAD} 有 ", f" 项校验未通过，请查看“{CHECK_SHEET}”表")  # around the number of failures


def write_cover(t: TemplateModel, plan: SheetPlan) -> None:
    ws = t.new_sheet(plan.name)
    _labels(t, ws, plan)
    _fields(t, ws, plan)
    status_row = status_pos(plan).row
    _status_line(t, ws, plan, status_row)
    hint_row = status_row + 1
    last_col = plan.width - 1
    ws.merge_range(hint_row, 0, hint_row, last_col, COVER_HINT.format(check=CHECK_SHEET, help=HELP_SHEET),
                   t.styles.note)
    ws.set_row(hint_row, LINE_PT * 2 + 4)
    ws.print_area(0, 0, hint_row, last_col)
    ws.set_portrait()
    protect(ws)


def status_pos(plan: SheetPlan) -> Pos:
    """Where the cover's status line (named STATUS_NAME) goes: a blank row below the fields, column A."""
    return Pos(plan.name, plan.last_row + 2, 0)


def _labels(t: TemplateModel, ws: Worksheet, plan: SheetPlan) -> None:
    """Column widths, the title, the field labels and the 依据 line."""
    s = t.styles
    widths = [float(max(16, *(math.ceil(text_width(f.label)) + 4 for f in t.spec.cover.fields))),
              float(COVER_VALUE_WIDTH)]
    for col, width in enumerate(widths[: plan.width]):
        ws.set_column(col, col, width)
    for span in plan.spans:
        write_span(ws, span, s.title if span.kind == "title" else s.label)
        if span.kind != "title":
            ws.set_row(span.first_row, ROW_PT + 4)
    ws.set_row(0, TITLE_PT + 6)
    ws.merge_range(1, 0, 1, plan.width - 1, f"依据：{t.spec.basis}", s.subtitle)


def _fields(t: TemplateModel, ws: Worksheet, plan: SheetPlan) -> None:
    """The value cells with their prompts; a field turns red while one of its checks fails."""
    for f in t.spec.cover.fields:
        pos = plan.cells[f.id]
        write_value(ws, pos, t.field_value(f), t.styles.fields[f.type])
        options = field_prompt(f, pos.a1, t.spec.years)
        if options:
            ws.data_validation(pos.row, pos.col, pos.row, pos.col, options)
    owners: dict[str, list[str]] = {}
    for line in t.cover_lines:
        owners.setdefault(line.check.field.id, []).append(line.check.name)
    for fid, names in owners.items():
        pos = plan.cells[fid]
        ws.conditional_format(pos.row, pos.col, pos.row, pos.col,
                              {"type": "formula", "criteria": failing(names, BAD), "format": t.styles.bad})


def _status_line(t: TemplateModel, ws: Worksheet, plan: SheetPlan, row: int) -> None:
    """All passed, or how many checks fail: green or red, named STATUS_NAME."""
    s, last_col = t.styles, plan.width - 1
    head, tail = STATUS_BAD
    formula = f'=IF({FAILED_NAME}=0,"{STATUS_OK}","{head}"&{FAILED_NAME}&"{tail}")'
    cached = STATUS_OK if t.failed == 0 else f"{head}{t.failed}{tail}"
    ws.merge_range(row, 0, row, last_col, "", s.status)
    ws.write_formula(row, 0, formula, s.status, cached)
    ws.set_row(row, TITLE_PT)
    ws.conditional_format(row, 0, row, last_col,
                          {"type": "formula", "criteria": f"={FAILED_NAME}=0", "format": s.ok})
    ws.conditional_format(row, 0, row, last_col,
                          {"type": "formula", "criteria": f"={FAILED_NAME}>0", "format": s.bad})
    t.wb.define_name(STATUS_NAME, f"={status_pos(plan).ref}")
