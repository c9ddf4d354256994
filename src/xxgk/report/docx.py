"""The report as a Word document: A4, 仿宋 body, 黑体 headings, tables with merged header cells."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from xxgk.report.content import ReportContent, TableGrid

BODY_FONT, HEADING_FONT, TITLE_FONT, TABLE_FONT = "仿宋", "黑体", "宋体", "宋体"
BODY_PT, HEADING_PT, TITLE_PT, TABLE_PT, FOOTER_PT = 14, 14, 20, 9, 12
PAGE_CM = (21.0, 29.7)
MARGIN_CM = 2.2
NUMBER_CM = (1.1, 3.2)  # a number column's width, least and most; the label columns share the rest
LABEL_CM = 7.5  # the label columns together, at most (the leaf label, last, getting most)
LABEL_SHARE: tuple[tuple[float, ...], ...] = ((1.0,), (1.0, 2.6), (1.0, 1.3, 3.2))


def write_docx(content: ReportContent, path: Path) -> Path:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    document = docx.Document()
    _chinese_defaults(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    _page_numbers(section)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, content.title, TITLE_FONT, TITLE_PT, bold=True)
    for sec in content.sections:
        heading = document.add_paragraph()
        heading.paragraph_format.keep_with_next = True
        _run(heading, sec.heading, HEADING_FONT, HEADING_PT)
        for line in sec.text.splitlines():
            if line.strip():
                p = document.add_paragraph()
                p.paragraph_format.first_line_indent = Cm(0.99)
                _run(p, line.strip(), BODY_FONT, BODY_PT)
        for caption, grid in sec.tables:
            if caption:
                above = document.add_paragraph()
                above.paragraph_format.keep_with_next = True
                _run(above, caption, HEADING_FONT, BODY_PT)
            _table(document, grid, PAGE_CM[0] - 2 * MARGIN_CM)
    path = Path(path)
    tmp = path.with_name(f".xxgk-{uuid.uuid4().hex[:12]}.docx")
    try:
        document.save(str(tmp))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _page_numbers(section: Any) -> None:
    """"- 3 -" centred at the foot of every page, as official documents are numbered."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "- ", BODY_FONT, FOOTER_PT)
    _run(footer, "1", BODY_FONT, FOOTER_PT)  # the field's shown value until the program computes it
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number = footer.runs[-1]._r
    number.addprevious(field)
    field.append(number)
    _run(footer, " -", BODY_FONT, FOOTER_PT)


def _chinese_defaults(document: Any) -> None:
    """The text is Chinese (python-docx's default template says en-US): Word, WPS and LibreOffice choose the
    Chinese glyphs and, where 仿宋/宋体 are missing, a Chinese (not Japanese) substitute font."""
    from docx.oxml.ns import qn

    rpr = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _run(paragraph: Any, text: str, font: str, size: float, *, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def column_widths(grid: TableGrid, width_cm: float) -> list[float]:
    numbers = grid.width - grid.label_cols
    if not grid.label_cols:
        return [width_cm / grid.width] * grid.width
    number = min(NUMBER_CM[1], max(NUMBER_CM[0], (width_cm - LABEL_CM) / max(numbers, 1)))
    shares = (LABEL_SHARE[min(grid.label_cols, len(LABEL_SHARE)) - 1] + (1.0,) * grid.label_cols)[: grid.label_cols]
    rest = width_cm - numbers * number
    return [rest * s / sum(shares) for s in shares] + [number] * numbers


def _table(document: Any, grid: TableGrid, width_cm: float) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    table = document.add_table(rows=len(grid.rows), cols=grid.width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for c, width in enumerate(column_widths(grid, width_cm)):
        table.columns[c].width = Cm(width)
        for cell in table.columns[c].cells:
            cell.width = Cm(width)
    covered = set()
    for a, b, c, d in grid.merges:
        table.cell(a, b).merge(table.cell(c, d))
        covered |= {(r, k) for r in range(a, c + 1) for k in range(b, d + 1)} - {(a, b)}
    for r, row in enumerate(grid.rows):
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            cell = table.cell(r, c)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if (r, c) in grid.numbers or c >= grid.label_cols else WD_ALIGN_PARAGRAPH.LEFT
            if text:
                _run(p, text, TABLE_FONT, TABLE_PT)
    _keep_rows_whole(table, grid)
    document.add_paragraph()


def header_rows(grid: TableGrid) -> int:
    """The rows above the first number: a header of several rows with merged cells (tables 三, 四) is
    repeated on every page; a one-row caption (table 二's 第二十条第（一）项) is not a header."""
    first = min((r for r, _ in grid.numbers), default=0)
    return first if any(a < c < first for a, _, c, _ in grid.merges) else 0


def _keep_rows_whole(table: Any, grid: TableGrid) -> None:
    """No row broken across two pages; the header rows repeated where the table continues on the next page."""
    from docx.oxml.ns import qn

    for r, row in enumerate(table.rows):
        props = row._tr.get_or_add_trPr()
        props.append(props.makeelement(qn("w:cantSplit"), {}))
        if r < header_rows(grid):
            props.append(props.makeelement(qn("w:tblHeader"), {}))
