"""The 图表 sheet: native Excel charts of the summary (XlsxWriter), fed by live formulas on the defined names.

The charts are defined in the form spec (``charts:``): a cell-id pattern over one of the spec's groups
(``requests.@outcomes.total``), or the agencies with the largest value of one cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from xxgk.consolidate.sheets import CHARTS
from xxgk.spec import FormSpec, defined_name
from xxgk.template import FONT, Styles

CHART_COL = 3
ROW_PX, BAR_PX, LABEL_MAX = 20, 24, 26  # a default row's height; per bar; longest category label shown


def expand(spec: FormSpec, pattern: str) -> list[tuple[str, str]]:
    """(cell id, category label) for each key of the pattern's group; [] when it does not resolve."""
    segs = pattern.split(".")
    at = next((i for i, s in enumerate(segs) if s.startswith("@")), None)
    if at is None or segs[at][1:] not in spec.groups:
        return []
    group = spec.groups[segs[at][1:]]
    ids = [".".join(p for p in (*segs[:at], key, *segs[at + 1:]) if p) for key in group.keys]
    if not all(cid in spec.cells for cid in ids):
        return []
    table = spec.cells[ids[0]].table
    return [(cid, group.labels.get(key) or spec.label_of(key, table)) for cid, key in zip(ids, group.keys, strict=True)]


@dataclass(frozen=True)
class ChartData:
    title: str
    kind: str
    labels: list[str]
    values: list[float]
    formulas: list[str | None]  # a live formula per value (None: a fixed value)


def chart_data(spec: FormSpec, total: np.ndarray, matrix: np.ndarray, names: list[str]) -> list[ChartData]:
    index = {cid: j for j, cid in enumerate(spec.cells)}
    out = []
    for d in spec.charts:
        if d.cells:
            cells = expand(spec, d.cells)
            out.append(ChartData(d.title, d.kind, [label for _, label in cells],
                                 [float(total[index[c]]) for c, _ in cells],
                                 [f"={defined_name(c)}" for c, _ in cells]))
        elif d.top_agencies and len(names):
            col = matrix[:, index[d.top_agencies]]
            top = [i for i in np.argsort(-col, kind="stable")[:d.count] if col[i] > 0]
            if top:
                out.append(ChartData(d.title, d.kind, [names[i] for i in top], [float(col[i]) for i in top],
                                     [None] * len(top)))
    return out


def write_charts(wb: Workbook, styles: Styles, data: list[ChartData]) -> Worksheet:
    ws = wb.add_worksheet(CHARTS)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 10)
    ws.write_string(0, 0, "汇总图表（数据随汇总表各单元格自动更新；“单位”图为汇总时的数据）", styles.heading)
    top = 1
    for d in data:
        ws.write_string(top, 0, d.title, styles.header)
        ws.write_string(top, 1, "件数", styles.header)
        for i, (label, value, formula) in enumerate(zip(d.labels, d.values, d.formulas, strict=True)):
            short = label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"
            ws.write_string(top + 1 + i, 0, short, styles.label)
            if formula:
                ws.write_formula(top + 1 + i, 1, formula, styles.number, value)
            else:
                ws.write_number(top + 1 + i, 1, value, styles.number)
        last = top + len(d.labels)
        chart = wb.add_chart({"type": d.kind})
        assert chart is not None
        series = {"name": d.title, "categories": [CHARTS, top + 1, 0, last, 0],
                  "values": [CHARTS, top + 1, 1, last, 1], "data_labels": {"value": True}}
        if d.kind == "pie":
            series["data_labels"] = {"percentage": True, "category": True, "leader_lines": True}
        chart.add_series(series)
        font = {"name": FONT}
        chart.set_title({"name": d.title, "name_font": {**font, "size": 12}})
        chart.set_legend({"none": True} if d.kind != "pie" else {"position": "right", "font": font})
        if d.kind == "bar":
            chart.set_y_axis({"reverse": True, "num_font": font})
            chart.set_x_axis({"num_font": font, "major_gridlines": {"visible": True}})
        height = 420 if d.kind == "pie" else max(300, BAR_PX * len(d.labels) + 100)
        chart.set_size({"width": 760, "height": height})
        ws.insert_chart(top, CHART_COL, chart)
        top += max(len(d.labels) + 3, height // ROW_PX + 2)
    return ws
