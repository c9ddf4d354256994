"""The report as one self-contained web page (A4 print style), tables with rowspan/colspan."""

from __future__ import annotations

import html
import os
import uuid
from pathlib import Path

from xxgk.report.content import ReportContent, TableGrid

STYLE = """@page { size: A4; margin: 2.2cm; }
body { font-family: "FangSong", "仿宋", serif; font-size: 14pt; max-width: 17cm; margin: auto; }
h1 { font-family: "SimSun", "宋体", serif; font-size: 20pt; text-align: center; }
h3 { font-family: "SimHei", "黑体", sans-serif; font-size: 12pt; font-weight: normal; }
h2 { font-family: "SimHei", "黑体", sans-serif; font-size: 14pt; font-weight: normal; }
p { text-indent: 2em; margin: 0.3em 0; }
table { border-collapse: collapse; width: 100%; font-family: "SimSun", "宋体", serif; font-size: 9pt; margin: 0.5em 0 1em; }
td { border: 1px solid #000; padding: 2px 4px; text-align: center; vertical-align: middle; }
td.label { text-align: left; }"""


def render_html(content: ReportContent) -> str:
    out = ["<!DOCTYPE html>", "<html lang='zh-CN'><head><meta charset='utf-8'>",
           f"<title>{html.escape(content.title)}</title><style>{STYLE}</style></head><body>",
           f"<h1>{html.escape(content.title)}</h1>"]
    for sec in content.sections:
        out.append(f"<h2>{html.escape(sec.heading)}</h2>")
        out += [f"<p>{html.escape(line.strip())}</p>" for line in sec.text.splitlines() if line.strip()]
        for caption, grid in sec.tables:
            if caption:
                out.append(f"<h3>{html.escape(caption)}</h3>")
            out.append(_table(grid))
    out.append("</body></html>")
    return "\n".join(out)


def _table(grid: TableGrid) -> str:
    spans = {(a, b): (c - a + 1, d - b + 1) for a, b, c, d in grid.merges}
    covered = {(r, k) for a, b, c, d in grid.merges for r in range(a, c + 1) for k in range(b, d + 1)} - set(spans)
    out = ["<table>"]
    for r, row in enumerate(grid.rows):
        cells = []
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            attrs = (f" rowspan='{rs}'" if rs > 1 else "") + (f" colspan='{cs}'" if cs > 1 else "")
            klass = " class='label'" if c < grid.label_cols and (r, c) not in grid.numbers else ""
            cells.append(f"<td{attrs}{klass}>{html.escape(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def write_html(content: ReportContent, path: Path) -> Path:
    path = Path(path)
    tmp = path.with_name(f".xxgk-{uuid.uuid4().hex[:12]}.html")
    try:
        tmp.write_text(render_html(content), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
