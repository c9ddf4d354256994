"""体检结果 as a workbook (.xlsx, autofilter) or a web page (.html, sortable): who fails what, with quotes."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xxgk.atomic import replacing
from xxgk.findings import ERROR
from xxgk.reportcheck.check import Checked
from xxgk.reportcheck.messages import ASPECT_ORDER, aspect, name_of

STATUS = {"ok": "通过", "warnings": "有警告", "errors": "有错误", "unreadable": "无法读取"}
SEVERITY = {"error": "错误", "warning": "警告"}
SUMMARY_HEAD = ("文件", "单位", "年度", "表式", "类别", "发布日期", "日期来源", "发布期限", "上年报告", "结论", "错误",
                "警告", *ASPECT_ORDER)
SUMMARY_CELLS = ("", "", "n", "n", "n", "n", "", "n", "", "n", *("n",) * (2 + len(ASPECT_ORDER)))
DETAIL_HEAD = ("文件", "单位", "年度", "方面", "问题", "严重程度", "原文", "位置", "说明", "代码")
SUMMARY_WIDTHS = (28, 26, 6, 10, 6, 11, 13, 11, 24, 8, 6, 6, *(9,) * len(ASPECT_ORDER))
DETAIL_WIDTHS = (28, 26, 6, 11, 18, 8, 40, 14, 80, 10)


def summary_rows(results: Sequence[Checked]) -> list[list[Any]]:
    rows = []
    for r in results:
        d = r.doc
        per = {a: sum(aspect(f.code) == a for f in r.findings) for a in ASPECT_ORDER}
        rows.append([d.path.name, d.agency, d.year or "", (d.reading.form or "") if d.reading else "", r.kind,
                     r.published.isoformat() if r.published else "", r.published_source if r.published else "",
                     r.deadline.isoformat() if r.deadline else "", r.previous.path.name if r.previous else "",
                     STATUS[r.status], sum(f.severity == ERROR for f in r.findings),
                     sum(f.severity != ERROR for f in r.findings), *(per[a] or "" for a in ASPECT_ORDER)])
    return rows


def detail_rows(results: Sequence[Checked]) -> list[list[Any]]:
    return [[r.doc.path.name, r.doc.agency, r.doc.year or "", aspect(f.finding.code), name_of(f.finding),
             SEVERITY.get(f.finding.severity, f.finding.severity), f.quote, f.to_dict()["where"], f.finding.message,
             f.finding.code] for r in results for f in r.faults]


def write_results(results: Sequence[Checked], path: Path) -> Path:
    with replacing(path, path.suffix) as tmp:
        if path.suffix.lower() == ".html":
            tmp.write_text(page(results), encoding="utf-8")
        else:
            _workbook(results, tmp)
    return path


def _workbook(results: Sequence[Checked], path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for name, columns, widths, rows in (("体检汇总", SUMMARY_HEAD, SUMMARY_WIDTHS, summary_rows(results)),
                                        ("问题清单", DETAIL_HEAD, DETAIL_WIDTHS, detail_rows(results))):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, columns, head)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width, wrap)
        for n, row in enumerate(rows, 1):
            sheet.write_row(n, 0, row)
        sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
        sheet.freeze_panes(1, 0)
    book.close()


_STYLE = """body{font-family:"Microsoft YaHei","PingFang SC",sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin-bottom:2em;font-size:14px}th,td{border:1px solid #bbb;padding:4px 6px;
vertical-align:top}th{background:#ddebf7;position:sticky;top:0}th button{all:unset;cursor:pointer;font-weight:bold}
td.q{max-width:28em}td.n{white-space:nowrap}td.m{max-width:40em}td.c{font-size:11px;color:#777}tr.error td:nth-child(6){color:#9c0006}
tr.warning td:nth-child(6){color:#9c5700}"""
_SORT = """document.querySelectorAll("th button").forEach(function(b){b.addEventListener("click",function(){
var th=b.parentNode,t=th.closest("table"),i=Array.prototype.indexOf.call(th.parentNode.children,th),
d=th.dataset.d==="1"?-1:1,rows=Array.prototype.slice.call(t.tBodies[0].rows);th.dataset.d=d===1?"1":"0";
rows.sort(function(x,y){var a=x.cells[i].textContent,c=y.cells[i].textContent,na=parseFloat(a),nc=parseFloat(c);
return (!isNaN(na)&&!isNaN(nc)?na-nc:a.localeCompare(c,"zh"))*d});rows.forEach(function(r){t.tBodies[0].appendChild(r)})})})"""


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], classes: Sequence[str] = (),
           cells: Sequence[str] = ()) -> str:
    head = "".join(f"<th><button type=button>{html.escape(c)}</button></th>" for c in columns)
    opens = [f'<td class="{c}">' if c else "<td>" for c in cells] if cells else ["<td>"] * len(columns)
    body = [(f'<tr class="{classes[n]}">' if classes else "<tr>")
            + "".join(f"{o}{html.escape(str(v))}</td>" for o, v in zip(opens, row, strict=True)) + "</tr>"
            for n, row in enumerate(rows)]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def page(results: Sequence[Checked]) -> str:
    severities = [f.finding.severity for r in results for f in r.faults]
    detail_cells = ("", "", "n", "n", "", "n", "q", "", "m", "c")
    return ("<!doctype html><html lang=zh-CN><head><meta charset=utf-8><title>年报体检结果</title>"
            f"<style>{_STYLE}</style></head><body><h1>年报体检结果</h1>"
            f"<p>共 {len(results)} 份报告。点击表头可排序。</p><h2>体检汇总</h2>"
            + _table(SUMMARY_HEAD, summary_rows(results), (), SUMMARY_CELLS)
            + "<h2>问题清单</h2>" + _table(DETAIL_HEAD, detail_rows(results), severities, detail_cells)
            + f"<script>{_SORT}</script></body></html>")
