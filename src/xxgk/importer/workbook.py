"""Write what was imported into the template of its form: values, typed totals, provenance, narrative."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from xxgk.importer.model import Reading, Source
from xxgk.layout import plan_layout
from xxgk.rules.expand import computed_cells
from xxgk.spec import FormSpec, load_spec
from xxgk.template import build_template

SOURCE_SHEET = "来源"
TEXT_SHEET = "报告正文"
SOURCE_HEADERS = ("单元格", "表", "项目", "导入值", "原文", "位置", "说明")
TEXT_HEADERS = ("章节", "原文标题", "正文")
NOTES_SHEET = "导入提示"
NOTES_HEADERS = ("级别", "问题", "说明", "代码")
SEVERITY_TEXT = {"error": "错误", "warning": "警告"}


def write_workbook(reading: Reading, source: Source, path: Path) -> Path:
    spec = load_spec(reading.form or "")
    computed = set(computed_cells(spec))
    values: dict[str, Any] = {"meta.kind": "单位"}
    values.update({k: v for k, v in reading.cover.items() if k in spec.field_ids})
    values.update({cid: imp.value for cid, imp in reading.cells.items() if cid not in computed and imp.value is not None})
    overrides = published_totals(spec, reading)
    return build_template(spec, path, values=values, overrides=overrides,
                          extra=partial(_provenance, spec, reading, source))


def published_totals(spec: FormSpec, reading: Reading) -> dict[str, Any]:
    """The totals to type over their formulas: those the report states differently from what the formula gives
    (so validation reports them), and those it leaves blank (cleared, so validation reports them too). A stated
    total that agrees with its formula keeps the formula; its source is in 来源 all the same."""
    import numpy as np

    from xxgk.engine import Frame

    computed = set(computed_cells(spec))
    stated = {cid: imp.value for cid, imp in reading.cells.items() if cid in computed}
    row = np.array([[float(v) if (v := _value(reading, cid)) is not None else 0.0 for cid in spec.cells]])
    typed = np.array([[cid in stated and stated[cid] is not None for cid in spec.cells]])
    frame = Frame.from_rows(spec, row, typed)
    return {cid: value for cid, value in stated.items()
            if value is None or abs(float(frame.formula_values[cid][0]) - float(value)) > TOLERANCE}


TOLERANCE = 1e-9  # amounts have at most 6 decimals


def _value(reading: Reading, cid: str) -> Any:
    imp = reading.cells.get(cid)
    return None if imp is None else imp.value


def _provenance(spec: FormSpec, reading: Reading, source: Source, workbook: Any, styles: Any) -> None:
    layout = plan_layout(spec)
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "font_name": "宋体", "font_size": 10})
    bold = workbook.add_format({"bold": True, "font_name": "宋体", "font_size": 10, "bg_color": "#DDEBF7", "border": 1})
    ws = workbook.add_worksheet(SOURCE_SHEET)
    ws.write(0, 0, f"导入自：{source.path.name}（{source.kind}）。每个导入的数字均注明原文和位置；单元格批注中也有。", wrap)
    ws.write_row(2, 0, SOURCE_HEADERS, bold)
    for col, width in enumerate((26, 10, 30, 12, 24, 26, 40)):
        ws.set_column(col, col, width)
    for r, (cid, imp) in enumerate(sorted(reading.cells.items(), key=lambda kv: layout.pos[kv[0]].sheet), 3):
        cell = spec.cells[cid]
        pos = layout.pos[cid]
        label = f"{cell.row.short} / {cell.column.short}".strip(" /")
        shown = "（空白）" if imp.value is None else imp.value
        ws.write_row(r, 0, (pos.address, spec.table(cell.table).sheet, label, shown, imp.raw or "（空）",
                            imp.where, imp.note), wrap)
        comment = f"原文：{imp.raw or '（空）'}\n位置：{imp.where}" + (f"\n{imp.note}" if imp.note else "")
        workbook.get_worksheet_by_name(pos.sheet).write_comment(pos.row, pos.col, comment,
                                                                {"author": "xxgk import", "x_scale": 2})
    _notes(reading, workbook, wrap, bold)
    text = workbook.add_worksheet(TEXT_SHEET)
    text.set_column(0, 1, 30)
    text.set_column(2, 2, 100)
    text.write_row(0, 0, TEXT_HEADERS, bold)
    for r, (standard, published, body) in enumerate(reading.sections, 1):
        text.write_row(r, 0, (standard, published, body), wrap)


def _notes(reading: Reading, workbook: Any, wrap: Any, bold: Any) -> None:
    """What the import found (units, notes, rows it could not read): kept with the workbook, since
    `xxgk validate` sees only the numbers."""
    ws = workbook.add_worksheet(NOTES_SHEET)
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 20)
    ws.set_column(2, 2, 110)
    ws.set_column(3, 3, 12)
    ws.write_row(0, 0, NOTES_HEADERS, bold)
    if not reading.findings:
        ws.write(1, 2, "导入时没有发现问题。", wrap)
    for r, f in enumerate(reading.findings, 1):
        ws.write_row(r, 0, (SEVERITY_TEXT.get(f.severity, f.severity), f.title or f.code, f.message, f.code), wrap)

