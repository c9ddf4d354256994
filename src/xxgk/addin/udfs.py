"""Worksheet functions for Excel on Windows (xlwings UDFs; config key `UDF Modules` = xxgk.addin.udfs).

    =XXGK_STATUS('封面'!A1:H20, '主动公开'!A1:K30, …)     校验通过, or N 个错误、M 个警告
    =XXGK_FINDINGS('封面'!A1:H20, '主动公开'!A1:K30, …)   the findings: a header row, then one row per finding

Their arguments are the blocks of the template's sheets the check reads, so Excel knows what they depend on:
they are not volatile and recalculate only when one of those cells changes (not on every keystroke anywhere).
Arguments that do not cover every block give, in the cell, the exact formula to type instead. They read the
book as Excel shows it now (the live reader, xxgk.addin.live) and check it as `xxgk validate` does, fix hints
included. XXGK_FINDINGS returns a plain array (no legacy `expand`): Excel 365 / 2021 spill it; older Excel
shows it when entered as an array formula (select the area, Ctrl+Shift+Enter). They never raise: a problem
becomes a Chinese text in the cell. xlwings passes the calling cell as `caller` (hidden from Excel) and the
ranges as Range objects (no values converted); the plain functions below take any object with `.sheet.book`,
so they run on Linux with xlwings' remote book.
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


def uncovered(book: Any, ranges: tuple[Any, ...], function: str) -> str | None:
    """None when the ranges cover every block the check reads; else the formula to type, in Chinese. A book
    not stamped with this xxgk's form version (its blocks unknown) is checked as it is."""
    from xxgk.addin.live import custom_properties, stamped

    layout = stamped(custom_properties(book))
    if layout is None:
        return None
    blocks = layout.blocks
    if not all(hasattr(rng, "sheet") for rng in ranges):  # values, not Range objects: only their number is known
        return None if len(ranges) >= len(blocks) else _wanted(blocks, function)
    covered = set()
    for rng in ranges:
        last = rng.last_cell
        for name, (rows, cols) in blocks.items():
            if rng.sheet.name == name and rng.row == 1 and rng.column == 1 and last.row >= rows and last.column >= cols:
                covered.add(name)
    return None if covered >= set(blocks) else _wanted(blocks, function)


def _wanted(blocks: dict[str, tuple[int, int]], function: str) -> str:
    from xlsxwriter.utility import xl_range

    wanted = ",".join(f"'{name}'!{xl_range(0, 0, rows - 1, cols - 1)}" for name, (rows, cols) in blocks.items())
    return f"请把模板各表的区域作为参数，这样 Excel 才知道何时重新计算：={function}({wanted})"


def book_status(caller: Any, ranges: tuple[Any, ...] = ()) -> str:
    def compute() -> str:
        book = caller.sheet.book
        return uncovered(book, ranges, "XXGK_STATUS") or status_text(book_report(book))

    return _safely(compute, str)


def book_findings(caller: Any, ranges: tuple[Any, ...] = ()) -> list[Row]:
    def compute() -> list[Row]:
        book = caller.sheet.book
        missing = uncovered(book, ranges, "XXGK_FINDINGS")
        return [[missing]] if missing else findings_rows(book_report(book))

    return _safely(compute, lambda text: [[text]])


def _safely(compute: Callable[[], Any], as_result: Callable[[str], Any]) -> Any:
    """A worksheet function must not raise: xlwings would show a traceback dialog."""
    try:
        return compute()
    except Exception as exc:  # a bug or an unexpected book: said in the cell, in Chinese
        return as_result(f"xxgk 程序内部错误（{type(exc).__name__}：{exc}），请联系技术人员。")


# The functions Excel sees. No annotations: xlwings would take them as converters.


@xw.func(category="信息公开年报")
@xw.arg("ranges", "range")
def XXGK_STATUS(caller, *ranges):
    """本工作簿的校验状态：校验通过，或 N 个错误、M 个警告。参数：模板各表的区域。"""
    return book_status(caller, ranges)


@xw.func(category="信息公开年报")
@xw.arg("ranges", "range")
def XXGK_FINDINGS(caller, *ranges):
    """本工作簿的全部问题（数组）：严重程度、规则、单元格、应为、实为、问题说明。参数：模板各表的区域。"""
    return book_findings(caller, ranges)
