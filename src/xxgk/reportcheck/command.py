"""`xxgk check-report`: read the reports (and last year's), check each, print, write the table, exit code."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import click

from xxgk.findings import ERROR
from xxgk.importer.keys import label_key
from xxgk.importer.run import expand_inputs
from xxgk.reportcheck.check import Checked, Fault, check_report, same_unit_last_year
from xxgk.reportcheck.config import load_config
from xxgk.reportcheck.document import Document, read_document
from xxgk.reportcheck.messages import TABLES, aspect, name_of, report_finding
from xxgk.reportcheck.write import STATUS, write_results

OUTPUTS = (".xlsx", ".html")
MAX_TABLE_SHOWN = 5  # table findings listed per report on screen; the output file and --json have all
MARKS = {"ok": "✓", "warnings": "!", "errors": "✗", "unreadable": "✗"}


def usage_problem(paths: Sequence[Path], previous: Sequence[Path], output: Path | None) -> str | None:
    if output is not None and output.suffix.lower() not in OUTPUTS:
        return f"输出文件“{output.name}”应以 .xlsx（Excel 表格）或 .html（网页）结尾。"
    missing = [p for p in (*paths, *previous) if not Path(p).exists()]
    if missing:
        return f"找不到“{missing[0]}”。请检查路径。"
    if output is not None and not output.parent.is_dir():
        return f"输出文件夹“{output.parent}”不存在。请先建立该文件夹，或换一个输出位置。"
    return None


def run(paths: Sequence[Path], previous: Sequence[Path], output: Path | None, published: dt.date | None,
        kind: str | None, as_json: bool) -> int:
    problem = usage_problem(paths, previous, output)
    files = expand_inputs(list(paths)) if problem is None else []
    if problem is None and not files:
        problem = "没有找到要体检的报告（.txt .html .docx .pdf）。请检查路径。"
    if problem:
        click.echo(f"错误：{problem}", err=True)
        return 2
    config = load_config()
    docs = [read_document(f, config) for f in files]
    last = [read_document(f, config) for f in expand_inputs(list(previous))]
    results = []
    for doc in docs:
        before = match_previous(doc, docs, last, single=len(docs) == 1)
        result = check_report(doc, config, before, published, kind)
        if last and before is None and doc.reading is not None:
            result.faults.append(_unmatched(doc, last))
        elif before is not None and not same_unit_last_year(doc, before):
            result.faults.append(_other(doc, before))
        results.append(result)
        if not as_json:
            _print(result)
    if output is not None:
        write_results(results, output)
    if as_json:
        click.echo(json.dumps({"reports": [r.to_dict() for r in results]}, ensure_ascii=False, indent=2))
    else:
        _summary(results, output)
    if any(r.status == "unreadable" for r in results):
        return 2
    return 1 if any(f.severity == ERROR for r in results for f in r.findings) else 0


def match_previous(doc: Document, docs: Sequence[Document], last: Sequence[Document], *, single: bool
                   ) -> Document | None:
    """Last year's report of the same unit (by name and year) among --previous and the reports checked;
    one report with one --previous file: that file, whatever it calls the unit."""
    if doc.reading is None or doc.year is None:
        return None
    key = label_key(doc.agency)
    for other in (*last, *docs):
        if other is not doc and other.reading is not None and other.year == doc.year - 1 and key \
                and label_key(other.agency) == key:
            return other
    readable = [d for d in last if d.reading is not None]
    return readable[0] if single and len(readable) == 1 and len(last) == 1 else None


def _other(doc: Document, before: Document) -> Fault:
    return Fault(report_finding("report.previous_other", file=before.path.name, other=before.agency or "（单位不明）",
                                other_year=before.year or "（年度不明）", agency=doc.agency or doc.path.name,
                                last=(doc.year - 1) if doc.year else "上一"))


def _unmatched(doc: Document, last: Sequence[Document]) -> Fault:
    files = "、".join(d.path.name for d in last[:3]) + ("等" if len(last) > 3 else "")
    year = (doc.year - 1) if doc.year else "上一"
    return Fault(report_finding("report.previous_unmatched", files=files, agency=doc.agency or doc.path.name, last=year))


def _print(r: Checked) -> None:
    d = r.doc
    who = "，".join(str(x) for x in (d.agency, f"{d.year} 年度" if d.year else "", r.kind) if x)
    errors = sum(f.severity == ERROR for f in r.findings)
    click.echo(f"{MARKS[r.status]} {d.path.name}" + (f"（{who}）" if who else "") + f"：{STATUS[r.status]}，{errors} 个错误，"
               f"{len(r.findings) - errors} 个警告" + (f"；与上年报告 {r.previous.path.name} 比较" if r.previous else ""))
    tables = [f for f in r.faults if aspect(f.finding.code) == TABLES]
    shown = [f for f in r.faults if aspect(f.finding.code) != TABLES or f in tables[:MAX_TABLE_SHOWN]]
    for n, f in enumerate(shown, 1):
        click.echo(f"  {n}. {'错误' if f.finding.severity == ERROR else '警告'} {name_of(f.finding)}：{f.finding.message}")
    if len(shown) < len(r.faults):
        click.echo(f"  ……另有 {len(r.faults) - len(shown)} 条表格数据问题（全部见 -o 输出的体检结果或 --json）")


def _summary(results: Sequence[Checked], output: Path | None) -> None:
    n = {s: sum(r.status == s for r in results) for s in STATUS}
    click.echo(f"共 {len(results)} 份报告：通过 {n['ok']}，有警告 {n['warnings']}，有错误 {n['errors']}，"
               f"无法读取 {n['unreadable']}。" + (f"体检结果已写入：{output}" if output else ""))
