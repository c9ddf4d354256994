"""The indicator workbook (指标.xlsx): per unit and per region, long and traceable, with native Excel charts.

Also writes the 指标 sheet into another workbook (the consolidated summary) through `add_indicator_sheets`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xxgk.atomic import replacing
from xxgk.indicators.compute import REGION, UNIT
from xxgk.indicators.definitions import FLAG_NAMES, RED, SMALL, YELLOW, indicators

if TYPE_CHECKING:
    import pandas as pd
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

HEADERS = ("层级", "单位/地区", "统一社会信用代码", "行政区划", "年度", "指标", "数值", "分子", "分母", "上年",
           "变化", "区内排名", "标记", "来源（文件和单元格）")
WIDTHS = (6, 22, 20, 8, 6, 15, 9, 9, 9, 9, 13, 8, 9, 50)
BAR, BAR_FLAGS = "#5B9BD5", {RED: "#C00000", YELLOW: "#D9A400"}  # a marked unit's bar in its mark's colour
RATE_IDS_CHARTED = 12  # at most this many bars per chart: the units with the largest denominators


def _rate_ids(table: pd.DataFrame) -> set[str]:
    return {d.id for d in indicators_of(table) if d.is_rate}


def _formats(book: Workbook) -> dict[str, Any]:
    return {
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "pct": book.add_format({"num_format": "0.0%"}),
        "pp": book.add_format({"num_format": '+0.0%;-0.0%;0.0%'}),
        "num": book.add_format({"num_format": "#,##0"}),
        RED: book.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006", "num_format": "0.0%"}),
        YELLOW: book.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700", "num_format": "0.0%"}),
        SMALL: book.add_format({"font_color": "#808080", "italic": True, "num_format": "0.0%"}),
    }


def _cell(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def _write_rows(sheet: Worksheet, rows: pd.DataFrame, rates: set[str], fmt: dict[str, Any]) -> None:
    sheet.write_row(0, 0, HEADERS, fmt["head"])
    for k, w in enumerate(WIDTHS):
        sheet.set_column(k, k, w)
    for r, row in enumerate(rows.itertuples(index=False), 1):
        rate = row.id in rates
        main = fmt.get(row.flag) if row.flag else (fmt["pct"] if rate else fmt["num"])
        if not rate and row.flag == SMALL:
            main = fmt["num"]
        values = (row.level, row.agency, row.uscc, row.region, row.year or None, row.name)
        sheet.write_row(r, 0, values)
        sheet.write(r, 6, _cell(row.value), main)
        for col, value, style in ((7, row.numerator, fmt["num"]), (8, row.denominator, fmt["num"]),
                                  (9, row.previous, fmt["pct"] if rate else fmt["num"]),
                                  (10, row.change, fmt["pp"] if rate else fmt["num"]), (11, row.rank, None)):
            if _cell(value) is not None:  # no formatted blank cells: half the cells of a table without last year
                sheet.write_number(r, col, value, style)
        if row.flag:
            sheet.write_string(r, 12, FLAG_NAMES.get(row.flag, ""))
        sheet.write_string(r, 13, row.source)
    sheet.freeze_panes(1, 2)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(HEADERS) - 1)


def _chart_sheet(book: Workbook, table: pd.DataFrame, fmt: dict[str, Any]) -> None:
    """图表: for each rate, the latest year's graded units (largest denominators first) as a bar chart, red and
    yellow bars where the unit is marked so."""
    units = table[table["level"] == UNIT]
    if units.empty:
        return
    year = units["year"].max()
    latest = units[units["year"] == year]
    sheet = book.add_worksheet("图表")
    sheet.merge_range(0, 0, 0, 11, f"{year} 年度各单位指标（每图至多 {RATE_IDS_CHARTED} 个申请或案件最多的单位；"
                      "样本偏少的不列）", fmt["head"])
    col = 0
    graded = [d for d in indicators_of(table) if d.is_rate]
    sheet.set_column(0, 2 * len(graded), 12)  # six columns hold one chart (480 px): the charts never overlap
    for n, ind in enumerate(graded):
        rows = latest[(latest["id"] == ind.id) & (latest["flag"] != SMALL)].nlargest(RATE_IDS_CHARTED, "denominator")
        if rows.empty:
            continue
        sheet.write_row(2, col, (ind.name, "数值"), fmt["head"])
        for r, row in enumerate(rows.itertuples(index=False), 3):
            sheet.write(r, col, row.agency)
            sheet.write(r, col + 1, _cell(row.value), fmt["pct"])
        chart = book.add_chart({"type": "bar"})
        chart.add_series({"name": ind.name, "categories": ["图表", 3, col, 2 + len(rows), col],
                          "values": ["图表", 3, col + 1, 2 + len(rows), col + 1], "fill": {"color": BAR},
                          "points": [{"fill": {"color": BAR_FLAGS.get(f, BAR)}} for f in rows["flag"]]})
        chart.set_title({"name": f"{ind.name}（{year}）"})
        # XlsxWriter's bar chart: x is the horizontal (value) axis, y the units, listed top-down as in the table
        chart.set_x_axis({"num_format": "0%", "min": 0, **({"max": 1} if rows["value"].max() > 0.8 else {})})
        chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"size": 8}})
        chart.set_legend({"none": True})
        sheet.insert_chart(3 + RATE_IDS_CHARTED + 2 + 16 * (n // 3), 2 * (n % 3) * 3, chart,
                           {"x_scale": 1.0, "y_scale": 1.0})
        col += 2
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # printed: the charts side by side as on screen, not cut across pages


def indicators_of(table: pd.DataFrame) -> list[Any]:
    ids = list(dict.fromkeys(table["id"]))
    known = {d.id: d for form in ("gb2021", "gb2019") for d in indicators(form)}
    return [known[i] for i in ids if i in known]


def _by_unit(rows: pd.DataFrame) -> pd.DataFrame:
    """One unit's indicators together, in the dictionary's order: year, region, unit."""
    order = {i: k for k, i in enumerate(dict.fromkeys(rows["id"]))}
    keyed = rows.assign(_order=rows["id"].map(order))
    return keyed.sort_values(["year", "region", "agency", "file", "_order"], kind="stable").drop(columns="_order")


def add_indicator_sheets(book: Workbook, table: pd.DataFrame, *, charts: bool = True, name: str = "指标") -> None:
    """The 指标 sheet (units), 指标（地区） (regions) and, with charts, 图表."""
    fmt = _formats(book)
    table = _by_unit(table)
    rates = _rate_ids(table)
    _write_rows(book.add_worksheet(name), table[table["level"] == UNIT], rates, fmt)
    regions = table[table["level"] == REGION]
    if not regions.empty:
        _write_rows(book.add_worksheet(f"{name}（地区）"), regions, rates, fmt)
    if charts:
        _chart_sheet(book, table, fmt)


def write_indicators(table: pd.DataFrame, path: Path) -> Path:
    """Write 指标.xlsx atomically."""
    import xlsxwriter

    with replacing(path, ".xlsx") as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"nan_inf_to_errors": True})
        add_indicator_sheets(book, table)
        book.close()
    return path
