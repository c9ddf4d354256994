"""Builders for importer tests: reports in html and docx with merged cells, from the form's official layout.

The tables are drawn from xxgk.layout (the same label spans the template merges), with real numbers from
the hand transcriptions in tests/fixtures/real/*.yaml; the narrative is the report's own text.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from xxgk.importer.cellvalue import read_value
from xxgk.layout import SheetPlan, plan_layout
from xxgk.spec import FormSpec, load_spec

REAL = Path(__file__).parent / "fixtures" / "real"


def fixture(stem: str) -> dict[str, Any]:
    return yaml.safe_load((REAL / f"{stem}.yaml").read_text(encoding="utf-8"))


def published(stem: str) -> dict[str, Decimal]:
    """The numbers the report states, by cell id (units as published: see UNIT_CONVERSIONS)."""
    fx = fixture(stem)
    spec = load_spec(fx["form"])
    out = {}
    for cid, raw in fx["values"].items():
        value = read_value(str(raw), spec.cells[cid].type).value
        assert value is not None
        out[cid] = value
    return out


def grid(plan: SheetPlan, values: Mapping[str, object]) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """The table of one sheet as rows of text (title row left out) and its merged rectangles."""
    rows = [[""] * plan.width for _ in range(plan.last_row + 1)]
    merges = []
    for span in plan.spans:
        if span.kind == "title":
            continue
        rows[span.first_row][span.first_col] = span.text
        if (span.first_row, span.first_col) != (span.last_row, span.last_col):
            merges.append((span.first_row, span.first_col, span.last_row, span.last_col))
    for cid, pos in plan.cells.items():
        value = values.get(cid)
        rows[pos.row][pos.col] = "" if value is None else str(value)
    top = 2  # the plan's first table row (row 0 is the title, row 1 a spacer)
    return rows[top:], [(a - top, b, c - top, d) for a, b, c, d in merges]


def html_table(rows: list[list[str]], merges: list[tuple[int, int, int, int]]) -> str:
    covered = {(r, c) for a, b, c2, d in merges for r in range(a, c2 + 1) for c in range(b, d + 1)} - {
        (a, b) for a, b, _, _ in merges}
    spans = {(a, b): (c - a + 1, d - b + 1) for a, b, c, d in merges}
    out = ["<table border='1'>"]
    for r, row in enumerate(rows):
        if not any(row) and not any((r, c) in spans for c in range(len(row))):
            continue
        cells = []
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            attrs = (f" rowspan='{rs}'" if rs > 1 else "") + (f" colspan='{cs}'" if cs > 1 else "")
            cells.append(f"<td{attrs}>{html.escape(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def report_parts(stem: str) -> tuple[FormSpec, str, dict[str, object], list[str]]:
    fx = fixture(stem)
    spec = load_spec(fx["form"])
    title = f"{fx['agency']}{fx['year']}年政府信息公开工作年度报告"
    narrative = ["一、总体情况", "本年度工作情况如下。", "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"]
    return spec, title, dict(fx["values"]), narrative


def html_report(stem: str, *, script: str = "") -> str:
    spec, title, values, narrative = report_parts(stem)
    layout = plan_layout(spec)
    body = [f"<h1>{title}</h1>", script, f"<p>{narrative[0]}</p><p>{narrative[1]}</p>"]
    for table, plan in zip(spec.tables, layout.tables, strict=True):
        body.append(f"<h2>{table.title}</h2>")
        body.append(html_table(*grid(plan, values)))
    body += [f"<p>{line}</p>" for line in narrative[2:]]
    return "<html><head><meta charset='utf-8'><title>年报</title></head><body>" + "\n".join(body) + "</body></html>"


def docx_report(stem: str, path: Path) -> Path:
    import docx

    spec, title, values, narrative = report_parts(stem)
    document = docx.Document()
    document.add_heading(title, 0)
    document.add_paragraph(narrative[0])
    document.add_paragraph(narrative[1])
    for table, plan in zip(spec.tables, plan_layout(spec).tables, strict=True):
        document.add_paragraph(table.title)
        rows, merges = grid(plan, values)
        t = document.add_table(rows=len(rows), cols=plan.width)
        for a, b, c, d in merges:
            t.cell(a, b).merge(t.cell(c, d))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if text and not any(a <= r <= c2 and b <= c <= d and (r, c) != (a, b) for a, b, c2, d in merges):
                    t.cell(r, c).text = text
    for line in narrative[2:]:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def minimal_pdf(path: Path, pages: int = 1) -> Path:
    """A PDF whose pages hold no text at all (as a scan without OCR has no text layer)."""
    objects = ["<</Type/Catalog/Pages 2 0 R>>",
               "<</Type/Pages/Kids[" + " ".join(f"{3 + i} 0 R" for i in range(pages)) + f"]/Count {pages}>>"]
    objects += ["<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path
