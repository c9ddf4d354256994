"""Worksheet functions for Excel on Windows (xlwings UDFs; config key `UDF Modules` = xxgk.addin.udfs).

    =XXGK_STATUS()     校验通过, or N 个错误、M 个警告 — of the workbook the formula is in
    =XXGK_FINDINGS()   the findings as a dynamic array: a header row, then one row per finding

Both are volatile (recalculated with the sheet) and never raise: a problem becomes a Chinese text in the
cell, not #VALUE! with a traceback. xlwings passes the calling cell as `caller` (hidden from Excel); the
plain functions below the decorated ones take any object with `.sheet.book.fullname`, so they run on
Linux with xlwings' remote book or a stand-in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlwings as xw

from xxgk.findings import count
from xxgk.frames import SEVERITY_ZH, cells_text
from xxgk.validate import UNREADABLE, FileReport, validate_files

FINDINGS_HEADER = ("严重程度", "规则", "单元格", "应为", "实为", "问题说明")
PASSED = "校验通过"

Row = list[Any]


def book_report(book: Any) -> FileReport:
    """The calling book's findings. Reads the file as last saved (unsaved edits are not seen)."""
    return validate_files([Path(book.fullname)])[0]


def status_text(report: FileReport) -> str:
    if report.status == UNREADABLE:
        return "无法校验：" + "；".join(f.message for f in report.findings)
    if not report.findings:
        return PASSED
    return f"{count(report.findings, 'error')} 个错误、{count(report.findings, 'warning')} 个警告"


def findings_rows(report: FileReport) -> list[Row]:
    """Header + one row per finding; blanks as "" (an empty element of a spilled array would show 0)."""
    rows: list[Row] = [list(FINDINGS_HEADER)]
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
