"""Worksheet functions for Excel on Windows (xlwings UDFs; config key `UDF Modules` = xxgk.addin.udfs).

    =XXGK_STATUS()     校验通过, or N 个错误、M 个警告 — of the workbook the formula is in
    =XXGK_FINDINGS()   the findings as a dynamic array: a header row, then one row per finding

Both read the book as Excel shows it now, unsaved edits included (the live reader, xxgk.addin.live), and
check it as `xxgk validate` does, fix hints included. They are volatile (recalculated with the sheet) and
never raise: a problem becomes a Chinese text in the cell, not #VALUE! with a traceback. xlwings passes the
calling cell as `caller` (hidden from Excel); the plain functions below the decorated ones take any object
with `.sheet.book`, so they run on Linux with xlwings' remote book.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlwings as xw

from xxgk.findings import ERROR, count, finding
from xxgk.frames import SEVERITY_ZH, cells_text
from xxgk.hints import Hint
from xxgk.validate import UNREADABLE, FileReport, status_of

FINDINGS_HEADER = ("严重程度", "规则", "单元格", "应为", "实为", "问题说明")
PASSED = "校验通过"
HINT = "修改建议"
JOIN = "、"

Row = list[Any]


def book_report(book: Any) -> FileReport:
    """The calling book's findings and fix hints, read from the open book as it is now."""
    from xxgk.addin.live import LiveReadError, read_live
    from xxgk.engine import check_all
    from xxgk.reader import Unreadable

    try:
        fill, _ = read_live(book)
    except Unreadable as exc:
        return FileReport(Path(str(book.fullname)), UNREADABLE, [exc.finding])
    except LiveReadError as exc:
        return FileReport(Path(str(book.fullname)), UNREADABLE, [finding("file.unreadable", ERROR, reason=str(exc))])
    checked = check_all([fill])
    found = checked.findings[0]
    return FileReport(fill.path, status_of(found), found, fill, checked.hints[0])


def status_text(report: FileReport) -> str:
    if report.status == UNREADABLE:
        return "无法校验：" + "；".join(f.message for f in report.findings)
    if not report.findings:
        return PASSED
    return f"{count(report.findings, 'error')} 个错误、{count(report.findings, 'warning')} 个警告"


def hint_row(hint: Hint) -> Row:
    """A fix hint as a row: the cells to change, what they should be (应为) and what they hold (实为)."""
    def joined(values: list[Any]) -> Any:
        return values[0] if len(values) == 1 else JOIN.join(map(str, values))

    changes = hint.changes
    return [HINT, JOIN.join(hint.fixes), JOIN.join(c.cell for c in changes),
            joined([c.after for c in changes]) if changes else "",
            joined(["" if c.before is None else c.before for c in changes]) if changes else "", hint.message]


def findings_rows(report: FileReport) -> list[Row]:
    """Header, the fix hints first, then one row per finding; blanks as "" (an empty element of a spilled
    array would show 0)."""
    rows: list[Row] = [list(FINDINGS_HEADER)]
    rows += [hint_row(h) for h in report.hints]
    for f in report.findings:
        rows.append([SEVERITY_ZH.get(f.severity, f.severity), f.rule or f.code, cells_text(f),
                     "" if f.expected is None else f.expected, "" if f.actual is None else f.actual, f.message])
    if not report.findings:
        rows.append([PASSED, "", "", "", "", ""])
    return rows


def book_status(caller: Any) -> str:
    return _safely(lambda: status_text(book_report(caller.sheet.book)), str)


def book_findings(caller: Any) -> list[Row]:
    return _safely(lambda: findings_rows(book_report(caller.sheet.book)), lambda text: [[text]])


def _safely(compute: Callable[[], Any], as_result: Callable[[str], Any]) -> Any:
    """A worksheet function must not raise: xlwings would show a traceback dialog."""
    try:
        return compute()
    except Exception as exc:  # a bug or an unexpected book: said in the cell, in Chinese
        return as_result(f"xxgk 程序内部错误（{type(exc).__name__}：{exc}），请联系技术人员。")


# The functions Excel sees. No annotations: xlwings would take them as converters.


@xw.func(volatile=True, category="信息公开年报")
def XXGK_STATUS(caller):
    """本工作簿的校验状态：校验通过，或 N 个错误、M 个警告。"""
    return book_status(caller)


@xw.func(volatile=True, category="信息公开年报")
@xw.ret(expand="table")
def XXGK_FINDINGS(caller):
    """本工作簿的全部问题（动态数组）：严重程度、规则、单元格、应为、实为、问题说明。"""
    return book_findings(caller)
