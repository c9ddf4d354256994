"""Write the summary: a filled template of the same form (build_template: same sheets, defined names and
live formulas; cover 报表类型 汇总) plus the consolidation's sheets, written through its `extra` hook."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from xxgk.consolidate import sheets as sh
from xxgk.consolidate import status as st
from xxgk.consolidate.charts import chart_data, write_charts
from xxgk.consolidate.model import AGENCY, FILLED_ON, KIND, REGION, SUMMARY_KIND, USCC, YEAR
from xxgk.consolidate.result import MISSING, Consolidation
from xxgk.consolidate.sheets import FIRST_ROW, HEADER_ROW, INFO_ROW, KEY_ROW, TITLE_ROW, Column
from xxgk.layout import plan_cover, plan_layout
from xxgk.rules.expand import computed_cells
from xxgk.template import FONT, Styles, build_template

SOURCE_ROWS = 10_000  # the 来源 sheet lists at most about this many contributions (the rest: 单位明细)
NUMBER_FORMATS = {"count": "0", "signed": "0", "amount": "0.00####", "share": "0.0%"}


LINE_PT = 14.0


class OutputExists(FileExistsError):
    pass


def _width(text: str) -> float:
    """Display width in Excel character units: CJK characters count two."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def summary_values(result: Consolidation) -> dict[str, object]:
    """What build_template writes: every input cell's total (amounts exact) and the cover."""
    computed = computed_cells(result.spec)
    values: dict[str, object] = {cid: result.value(cid) for cid in result.spec.cells if cid not in computed}
    cover = {AGENCY: result.agency, USCC: result.uscc, REGION: result.region, YEAR: result.year,
             KIND: SUMMARY_KIND, FILLED_ON: result.filled_on}
    values.update({k: v for k, v in cover.items() if v not in (None, "") and k in result.spec.field_ids})
    return values


def write_summary(result: Consolidation, path: Path, *, force: bool = False, source_rows: int = SOURCE_ROWS) -> Path:
    """Write the summary workbook atomically; refuses to replace an existing file unless force."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputExists(f"输出文件已存在：{path}。如需覆盖，请加 --force。")
    clash = {result.spec.cover.sheet, *(t.sheet for t in result.spec.tables)} & set(sh.SHEETS)
    if clash:
        raise ValueError(f"the form uses the consolidation's sheet names: {sorted(clash)}")

    def extra(wb: Workbook, styles: Styles) -> None:
        _Writer(result, wb, styles, source_rows).write()

    return build_template(result.spec, path, values=summary_values(result), extra=extra)


class _Writer:
    def __init__(self, result: Consolidation, wb: Workbook, styles: Styles, source_rows: int) -> None:
        self.r = result
        self.wb = wb
        self.s = styles
        self.source_rows = source_rows
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        self.text = wb.add_format({**base, "border": 1, "border_color": "#BFBFBF"})
        self.wrap = wb.add_format({**base, "border": 1, "border_color": "#BFBFBF", "text_wrap": True})
        self.nums = {k: wb.add_format({**base, "border": 1, "border_color": "#BFBFBF", "num_format": f})
                     for k, f in NUMBER_FORMATS.items()}
        self.header = wb.add_format({**base, "bold": True, "border": 1, "text_wrap": True, "align": "center",
                                     "bg_color": "#DDEBF7"})
        self.keys = wb.add_format({**base, "font_size": 8, "font_color": "#808080"})
        self.sub = wb.add_format({**base, "bold": True, "border": 1, "bg_color": "#F2F2F2", "num_format": "0.######"})
        self.note = wb.add_format({**base, "border": 1, "text_wrap": True, "bg_color": "#FFF2CC", "locked": False})
        self.alert = wb.add_format({**base, "font_size": 11, "bold": True, "font_color": "#9C0006",
                                    "text_wrap": True, "valign": "top"})
        self.info = wb.add_format({**base, "font_size": 11, "text_wrap": True, "valign": "top"})
        self.title = wb.add_format({**base, "font_size": 14, "bold": True})
        tones = {"ok": "#C6EFCE", "warn": "#FFEB9C", "bad": "#FFC7CE", "muted": "#EDEDED"}
        self.tone = {k: wb.add_format({**base, "border": 1, "border_color": "#BFBFBF", "bg_color": c})
                     for k, c in tones.items()}

    # ------------------------------------------------------------------ common frame

    def frame(self, name: str, title: str, columns: Sequence[Column], info: str | None) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        for j, col in enumerate(columns):
            fmt = self.nums.get(col.kind)
            ws.set_column(j, j, col.width, fmt, {"hidden": True} if col.hidden else None)
        span = max(1, min(len(columns), 10) - 1)
        ws.merge_range(TITLE_ROW, 0, TITLE_ROW, span, title, self.title)
        ws.set_row(TITLE_ROW, 30)
        ws.set_paper(9)  # A4, landscape; a narrow sheet prints one page wide
        ws.set_landscape()
        ws.repeat_rows(HEADER_ROW)
        if sum(not c.hidden for c in columns) <= 12:
            ws.fit_to_pages(1, 0)
        if info is not None:
            ws.merge_range(INFO_ROW, 0, INFO_ROW, span, info, self.info)
            ws.set_row(INFO_ROW, 15 * max(2, len(info) // 70 + 1))
        for j, col in enumerate(columns):
            ws.write_string(KEY_ROW, j, col.key, self.keys)
            ws.write_string(HEADER_ROW, j, col.label, self.header)
        ws.set_row(KEY_ROW, None, None, {"hidden": True})
        ws.freeze_panes(FIRST_ROW, 0)
        return ws

    @staticmethod
    def finish(ws: Worksheet, columns: Sequence[Column], n: int) -> None:
        ws.autofilter(HEADER_ROW, 0, HEADER_ROW + max(n, 1), len(columns) - 1)

    @staticmethod
    def fit(ws: Worksheet, i: int, texts: Iterable[tuple[str, float]]) -> None:
        """Row height for wrapped texts (text, column width): viewers do not grow rows of an xlsx by themselves."""
        lines = max((math.ceil(_width(t) / max(1.0, w - 2)) for t, w in texts if t), default=1)
        if lines > 1:
            ws.set_row(i, LINE_PT * lines + 4)

    def row(self, ws: Worksheet, i: int, values: Iterable[Any], fmts: Sequence[Format | None] | None = None) -> None:
        for j, v in enumerate(values):
            fmt = fmts[j] if fmts else None
            if v is None or v == "":
                if fmt is not None:
                    ws.write_blank(i, j, None, fmt)
            elif isinstance(v, str):
                ws.write_string(i, j, v, fmt or self.text)
            else:
                ws.write_number(i, j, float(v), fmt)

    # ------------------------------------------------------------------ sheets

    def write(self) -> None:
        self.cover_note()
        self.submissions()
        if self.r.roster is not None:
            self.roster()
        self.units()
        self.issues()
        self.sources()
        self.indicators()
        write_charts(self.wb, self.s, chart_data(self.r.spec, self.r.total, self.r.matrix,
                                                 [u.name for u in self.r.units]))

    def indicators(self) -> None:
        """指标: the spec's indicators of every summed unit and region (xxgk.indicators)."""
        from xxgk.indicators.collect import consolidation_table
        from xxgk.indicators.workbook import add_indicator_sheets

        table = consolidation_table(self.r)
        if not table.empty:
            add_indicator_sheets(self.wb, table, charts=False)

    def counts_text(self) -> str:
        r = self.r
        counts = "，".join(f"{s} {r.count(s)}" for s in st.ALL if r.count(s))
        text = f"共 {len(r.submissions)} 个文件：{counts}。汇总 {len(r.units)} 个单位。"
        if r.roster is not None:
            rc = r.roster
            text += (f"名册应报 {rc.expected} 个，实报 {rc.received} 个（已汇总 {rc.summed} 个），"
                     f"未报 {rc.expected - rc.received} 个。")
        return text

    def cover_note(self) -> None:
        ws = self.wb.get_worksheet_by_name(self.r.spec.cover.sheet)
        assert ws is not None
        row = plan_cover(self.r.spec).last_row + 5
        text = f"汇总说明：本表由 xxgk consolidate 汇总生成。{self.counts_text()}明细见“{sh.SUBMISSIONS}”“{sh.UNITS}”“{sh.ISSUES}”表。"
        ws.merge_range(row, 0, row, 1, text, self.info)
        ws.set_row(row, 15 * (len(text) // 36 + 2))
        invalid = self.r.count(st.ERRORS_INCLUDED)
        if self.r.include_invalid:
            row += 1
            alert = (f"注意：按 --include-invalid，{invalid} 份有错误的报表也计入了汇总，"
                     f"汇总数可能不准确；这些报表在“{sh.SUBMISSIONS}”表中标为“{st.ERRORS_INCLUDED}”。")
            ws.merge_range(row, 0, row, 1, alert, self.alert)
            ws.set_row(row, 15 * (len(alert) // 36 + 2))
        ws.print_area(0, 0, row, 1)

    def submissions(self) -> None:
        cols = sh.SUBMISSION_COLUMNS
        ws = self.frame(sh.SUBMISSIONS, "报送情况（每个收到的文件一行）", cols, self.counts_text())
        for i, s in enumerate(self.r.submissions):
            units = len(s.units) if s.status in st.SUMMED else 0
            values = (i + 1, s.name, s.agency or s.guessed, s.uscc, s.kind, s.status, s.errors, s.warnings, units,
                      s.reason)
            fmts = [None] * len(cols)
            fmts[5] = self.tone[st.tone(s.status)]
            fmts[9] = self.wrap
            self.row(ws, FIRST_ROW + i, values, fmts)
            self.fit(ws, FIRST_ROW + i, [(s.reason, cols[9].width)])
        self.finish(ws, cols, len(self.r.submissions))

    def roster(self) -> None:
        rc = self.r.roster
        assert rc is not None
        cols = sh.ROSTER_COLUMNS
        info = (f"名册“{rc.roster.path.name}”：应报 {rc.expected} 个，实报 {rc.received} 个（已汇总 {rc.summed} 个），"
                f"未报 {rc.expected - rc.received} 个；非名册单位报送 {len(rc.unlisted)} 个。"
                + "".join(rc.roster.problems[:3]))
        ws = self.frame(sh.ROSTER, "名册核对（应报单位与实际报送）", cols, info)
        rows = [(e.entry.name, e.entry.uscc, e.entry.region, e.entry.parent, e.state, e.status, e.file)
                for e in rc.lines]
        rows += [(s.agency, s.uscc, s.meta.get(REGION, ""), "", st.UNLISTED, s.status, s.name) for s in rc.unlisted]
        for i, values in enumerate(rows):
            fmts: list[Format | None] = [None] * len(cols)
            fmts[4] = self.tone["bad" if values[4] in (MISSING, st.UNLISTED) else
                                "ok" if values[5] in st.SUMMED else "warn"]
            self.row(ws, FIRST_ROW + i, values, fmts)
        self.finish(ws, cols, len(rows))

    def units(self) -> None:
        r, spec = self.r, self.r.spec
        cols = sh.unit_columns(spec)
        ws = self.frame(sh.UNITS, "单位明细（每个已汇总单位一行，可筛选、排序、做数据透视；空白为 0）", cols, None)
        first_cell = len(cols) - len(spec.cells)
        ws.set_row(HEADER_ROW, 78)
        ws.freeze_panes(FIRST_ROW, 1)
        last = FIRST_ROW + max(len(r.units), 1) - 1
        ws.write_string(INFO_ROW, 0, "合计（随筛选变化）", self.sub)
        sums = r.matrix.sum(axis=0) if len(r.units) else np.zeros(len(spec.cells))
        for j in range(len(spec.cells)):
            c = xl_col_to_name(first_cell + j)
            ws.write_formula(INFO_ROW, first_cell + j, f"=SUBTOTAL(109,{c}{FIRST_ROW + 1}:{c}{last + 1})", self.sub,
                             float(sums[j]))
        meta_keys = [c.key for c in cols[:first_cell]]
        extra = {sh.UNIT_STATUS: "status", sh.UNIT_FILE: "file", sh.UNIT_VIA: "via"}
        write_string, write_number = ws.write_string, ws.write_number
        for i, u in enumerate(r.units):
            row = FIRST_ROW + i
            for j, key in enumerate(meta_keys):
                text = getattr(u, extra[key]) if key in extra else u.meta.get(key, "")
                if text:
                    write_string(row, j, text)
            for j, v in enumerate(u.values.tolist(), start=first_cell):
                if v:  # zero stays blank: millions of cells fewer for a province (read back as 0)
                    write_number(row, j, v)
        self.finish(ws, cols, len(r.units))

    def issues(self) -> None:
        cols = sh.ISSUE_COLUMNS
        errors = sum(i.finding.severity == "error" for i in self.r.issues)
        info = (f"共 {len(self.r.issues)} 条：错误 {errors}，警告 {len(self.r.issues) - errors}。"
                "“说明”列可填写原因（如清理、修订等），再次汇总到上一级时随本表一并带上。")
        ws = self.frame(sh.ISSUES, "校验结果（全部文件的问题）", cols, info)
        at = {c.key: j for j, c in enumerate(cols)}
        fmts: list[Format | None] = [None] * len(cols)
        fmts[at["issue.message"]] = fmts[at["issue.hint"]] = self.wrap
        fmts[at["issue.note"]] = self.note
        for i, issue in enumerate(self.r.issues):
            f = issue.finding
            values = (issue.agency, issue.uscc, issue.file, sh.SEVERITY_TEXT.get(f.severity, f.severity),
                      f.title or "", f.rule or f.code, "、".join(f.cells), f.actual, f.expected, f.message, issue.hint, issue.note,
                      f.code, ",".join(f.ids))
            self.row(ws, FIRST_ROW + i, values, fmts)
            self.fit(ws, FIRST_ROW + i, [(f.message, cols[at["issue.message"]].width),
                                         (issue.hint, cols[at["issue.hint"]].width),
                                         (issue.note, cols[at["issue.note"]].width)])
        self.finish(ws, cols, len(self.r.issues))

    def sources(self) -> None:
        r, spec = self.r, self.r.spec
        cols = sh.SOURCE_COLUMNS
        labels, pos = sh.cell_labels(spec), plan_layout(spec).pos
        nonzero = (r.matrix != 0).sum(axis=0) if len(r.units) else np.zeros(len(spec.cells), dtype=int)
        busy = int((nonzero > 0).sum())
        cap = None if int(nonzero.sum()) <= self.source_rows else max(1, self.source_rows // max(busy, 1))
        info = ("每个汇总单元格由哪些单位的数字构成：只列非零值，按数值从大到小。请用“单元格代码”或“项目”列筛选。"
                + (f"单位较多，每个单元格只列前 {cap} 名，其余合并为一行；全部数字见“{sh.UNITS}”表。" if cap else ""))
        ws = self.frame(sh.SOURCES, "来源（汇总数由哪些单位构成）", cols, info)
        names = [u.name for u in r.units]
        codes = [u.uscc for u in r.units]
        share = self.nums["share"]
        string, number = ws.write_string, ws.write_number
        row = FIRST_ROW
        for j, cid in enumerate(spec.cells):
            col = r.matrix[:, j]
            nz = np.flatnonzero(col)
            if not len(nz):
                continue
            order = nz[np.argsort(-col[nz], kind="stable")]
            shown = order if cap is None else order[:cap]
            total = float(r.total[j])
            fmt = self.nums.get(spec.cells[cid].type, self.nums["count"])
            head = (cid, labels[cid], pos[cid].address)
            lines = [(k + 1, names[i], codes[i], float(col[i])) for k, i in enumerate(shown.tolist())]
            if len(order) > len(shown):
                lines.append((0, f"其余 {len(order) - len(shown)} 个单位", "", float(col[order[len(shown):]].sum())))
            for rank, name, code, value in lines:
                for c, text in enumerate(head):
                    string(row, c, text, self.text)
                number(row, 3, total, fmt)
                if rank:
                    number(row, 4, rank, self.text)
                string(row, 5, name, self.text)
                if code:
                    string(row, 6, code, self.text)
                number(row, 7, value, fmt)
                if total:
                    number(row, 8, value / total, share)
                row += 1
        self.finish(ws, cols, row - FIRST_ROW)
