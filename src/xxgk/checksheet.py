"""The template's 校验 sheet: one live verdict per cover check and per rule instance, each named in Chinese
by the spec's labels (「依申请公开」（七）总计·自然人, 封面·填报单位), with its code in a narrow last column for tools.

The verdict cells carry defined names (check_name(key)): the contract with the add-in, the tests and the
cover's status line. Also the text-sizing helpers the template's sheets share.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from xlsxwriter.utility import xl_rowcol_to_cell

from xxgk.labels import field_title, rule_title
from xxgk.layout import Layout, Pos
from xxgk.rules.excel import verdict_formula
from xxgk.rules.expand import RuleInstance, binding_labels
from xxgk.spec import FormSpec

if TYPE_CHECKING:
    from xlsxwriter import Workbook
    from xlsxwriter.worksheet import Worksheet

    from xxgk.template.covercheck import CoverCheck
    from xxgk.template.styles import Styles

CHECK_SHEET = "校验"
CHECK_HEADERS = ("校验项", "说明", "涉及单元格", "左边", "右边", "差额", "结果", "代码")
VERDICT_COL = 6  # 结果
CODE_COL = 7  # 代码: the check's key (R1[new], cover.required[meta.agency]) for tools; narrow, not printed
CHECK_WIDTHS = (30, 40, 40, 11, 11, 11, 7, 9)
OK, BAD, WARN = "✓", "✗", "⚠"
FAILED_NAME = "xxgk_failed_checks"  # the 校验 sheet's count of ✗ verdicts
CHECK_FIRST_ROW = 4  # title, count/status, spacer, header, then one row per cover check and per rule instance
MAX_LISTED_CELLS = 8  # 涉及单元格 lists at most this many addresses, then "等共 N 个单元格"
CHECK_TITLE = "校验结果（本表自动计算，请勿修改）"
CHECK_HINT = "{ok} 表示通过，{bad} 表示未通过；未通过的校验所涉及的白色单元格在各表中以红色标出。差额 = 左边 − 右边。"
FAILED_LABEL = "未通过项数"

# Sizes: heights in points, widths in Excel character units.
LINE_PT = 15.0
ROW_PT = 20.0
TITLE_PT = 30.0


def text_width(text: str) -> float:
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def lines_height(text: str, width: float) -> float:
    """Row height (points) that shows `text` wrapped in a column `width` characters wide."""
    lines = max(1, math.ceil(text_width(text) / max(1.0, width - 2)))
    return max(ROW_PT, lines * LINE_PT + 5)


def check_name(key: str) -> str:
    """The defined name of a verdict cell: R3[natural] -> xxgk_check_R3_natural,
    cover.uscc[meta.uscc] -> xxgk_check_cover_uscc_meta_uscc."""
    return "xxgk_check_" + re.sub(r"[^0-9A-Za-z]+", "_", key).strip("_")


@dataclass(frozen=True)
class CoverLine:
    check: CoverCheck
    row: int
    passed: bool


@dataclass(frozen=True)
class RuleLine:
    inst: RuleInstance
    row: int
    left: str
    right: str
    cond: str
    bad: str  # the symbol a failure shows: ✗ (error) or ⚠ (warning)
    cached: tuple[float, float, bool]

    @property
    def name(self) -> str:
        return check_name(self.inst.key)


class Sheets(Protocol):
    """What the writer needs from the template builder."""

    spec: FormSpec
    wb: Workbook
    layout: Layout
    styles: Styles
    cover_lines: list[CoverLine]
    checks: list[RuleLine]
    failed: int

    def new_sheet(self, name: str) -> Worksheet: ...

    def protect(self, ws: Worksheet) -> None: ...


def instance_note(inst: RuleInstance, spec: FormSpec) -> str:
    labels = list(dict.fromkeys(binding_labels(inst, spec).values()))
    return f"{inst.rule.title}（{'、'.join(labels)}）" if labels else inst.rule.title


def cells_text(addresses: list[str]) -> str:
    if len(addresses) <= MAX_LISTED_CELLS:
        return "、".join(addresses)
    return "、".join(addresses[:MAX_LISTED_CELLS]) + f" 等共 {len(addresses)} 个单元格"


def write_check_sheet(b: Sheets) -> None:
    s = b.styles
    ws = b.new_sheet(CHECK_SHEET)
    first = CHECK_FIRST_ROW
    last = CHECK_FIRST_ROW + max(len(b.cover_lines) + len(b.checks), 1) - 1
    _head(b, ws, last)
    for line in b.cover_lines:
        _cover_row(b, ws, line)
    for check in b.checks:
        _rule_row(b, ws, check)
    if b.cover_lines or b.checks:
        for symbol, fmt in ((OK, s.ok), (BAD, s.bad), (WARN, s.warn)):
            ws.conditional_format(first, VERDICT_COL, last, VERDICT_COL,
                                  {"type": "cell", "criteria": "==", "value": f'"{symbol}"', "format": fmt})
    ws.freeze_panes(CHECK_FIRST_ROW, 0)
    ws.repeat_rows(CHECK_FIRST_ROW - 1)
    ws.print_area(0, 0, last, VERDICT_COL)
    b.protect(ws)


def _head(b: Sheets, ws: Worksheet, last: int) -> None:
    """Column widths, the title, the live count of failed checks (named FAILED_NAME) and the column headers."""
    s = b.styles
    for col, width in enumerate(CHECK_WIDTHS):
        ws.set_column(col, col, width)
    ws.merge_range(0, 0, 0, VERDICT_COL, CHECK_TITLE, s.title)
    ws.set_row(0, TITLE_PT)
    ws.write_string(1, 0, FAILED_LABEL, s.header)
    verdicts = (f"{xl_rowcol_to_cell(CHECK_FIRST_ROW, VERDICT_COL, True, True)}:"
                f"{xl_rowcol_to_cell(last, VERDICT_COL, True, True)}")
    ws.write_formula(1, 1, f'=COUNTIF({verdicts},"{BAD}")', s.verdict, b.failed)
    b.wb.define_name(FAILED_NAME, f"={Pos(CHECK_SHEET, 1, 1).ref}")
    ws.conditional_format(1, 1, 1, 1, {"type": "cell", "criteria": "==", "value": 0, "format": s.ok})
    ws.conditional_format(1, 1, 1, 1, {"type": "cell", "criteria": ">", "value": 0, "format": s.bad})
    ws.merge_range(1, 2, 1, VERDICT_COL, CHECK_HINT.format(ok=OK, bad=BAD), s.note)
    ws.set_row(1, ROW_PT + 4)
    for col, text in enumerate(CHECK_HEADERS):
        ws.write_string(CHECK_FIRST_ROW - 1, col, text, s.header)
    ws.set_row(CHECK_FIRST_ROW - 2, 6)


def _texts(b: Sheets, ws: Worksheet, row: int, title: str, note: str, cells: str, key: str) -> None:
    s = b.styles
    ws.write_string(row, 0, title, s.cell)
    ws.write_string(row, 1, note, s.cell)
    ws.write_string(row, 2, cells, s.cell)
    ws.write_string(row, CODE_COL, key, s.code)
    ws.set_row(row, max(lines_height(text, CHECK_WIDTHS[col]) for col, text in enumerate((title, note, cells))))


def _cover_row(b: Sheets, ws: Worksheet, line: CoverLine) -> None:
    s, row, check = b.styles, line.row, line.check
    pos = b.layout.pos[check.field.id]
    _texts(b, ws, row, field_title(check.field, b.spec), check.note(b.spec), pos.address, check.key)
    for col in (3, 4, 5):
        ws.write_blank(row, col, None, s.number)
    ws.write_formula(row, VERDICT_COL, verdict_formula(check.condition(pos.ref, b.spec), OK, BAD), s.verdict,
                     OK if line.passed else BAD)
    b.wb.define_name(check.name, f"={Pos(CHECK_SHEET, row, VERDICT_COL).ref}")


def _rule_row(b: Sheets, ws: Worksheet, check: RuleLine) -> None:
    s, row, inst = b.styles, check.row, check.inst
    cells = cells_text([b.layout.pos[cid].address for cid in inst.ids])
    _texts(b, ws, row, rule_title(inst, b.spec), instance_note(inst, b.spec), cells, inst.key)
    lv, rv, passed = check.cached
    ws.write_formula(row, 3, "=" + check.left, s.number, lv)
    ws.write_formula(row, 4, "=" + check.right, s.number, rv)
    ws.write_formula(row, 5, f"={xl_rowcol_to_cell(row, 3)}-{xl_rowcol_to_cell(row, 4)}", s.number, lv - rv)
    ws.write_formula(row, VERDICT_COL, verdict_formula(check.cond, OK, check.bad), s.verdict,
                     OK if passed else check.bad)
    b.wb.define_name(check.name, f"={Pos(CHECK_SHEET, row, VERDICT_COL).ref}")
