"""Helpers every sheet of the template shares: page setup, protection, writing a typed value or a label
span, and the condition of a format that shows while checks fail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from xxgk.layout import Pos, Span


def new_sheet(wb: Workbook, name: str) -> Worksheet:
    """A sheet without gridlines that prints on A4 landscape, one page wide."""
    ws = wb.add_worksheet(name)
    ws.hide_gridlines(2)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    return ws


def protect(ws: Worksheet) -> None:
    """Protection without a password: 审阅 → 撤销工作表保护 with an empty password lifts it."""
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True,
                    "format_columns": True, "format_rows": True})


def excel_number(value: object) -> float:
    """What Excel's N() makes of a cell value: numbers stay, anything else is 0."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return float(value)
    return 0.0


def write_value(ws: Worksheet, pos: Pos, value: object, fmt: Format) -> None:
    """Write `value` with its own type: blank, text, date or number."""
    if value is None:
        ws.write_blank(pos.row, pos.col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(pos.row, pos.col, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(pos.row, pos.col, value, fmt)
    else:
        ws.write_number(pos.row, pos.col, excel_number(value), fmt)


def write_span(ws: Worksheet, span: Span, fmt: Format) -> None:
    """A label: one cell, or a merged range when it spans several."""
    if (span.first_row, span.first_col) == (span.last_row, span.last_col):
        ws.write_string(span.first_row, span.first_col, span.text, fmt)
    else:
        ws.merge_range(span.first_row, span.first_col, span.last_row, span.last_col, span.text, fmt)


def failing(names: Sequence[str], symbol: str) -> str:
    """The criteria of a conditional format that shows while any of the verdict cells `names` shows `symbol`."""
    tests = ",".join(f'{n}="{symbol}"' for n in names)
    return f"=OR({tests})" if len(names) > 1 else f"={tests}"
