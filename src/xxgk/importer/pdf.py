"""Front end for PDF files (pdfplumber): ruled tables as table rows, the rest as lines of text, in page order.

A table pdfplumber finds by its ruling lines gives its cells (a merged cell's text once, the positions it
covers empty), so a blank cell stays in its column. Text outside the tables comes line by line, as in a
text extraction. A one-column "table" is a framed paragraph, read as text. No text at all → 需要 OCR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xxgk.importer.model import Line, Piece, Source

MAX_PAGES = 300


class NoTextLayer(Exception):
    """Every page is an image: the report needs OCR, which this program does not do."""


def read_pdf(path: Path) -> Source:
    import pdfplumber

    out: list[Line] = []
    with pdfplumber.open(str(path)) as pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise ValueError(f"共 {len(pdf.pages)} 页，超过 {MAX_PAGES} 页的上限")
        for number, page in enumerate(pdf.pages, 1):
            out += _page_lines(page, number)
            page.flush_cache()
    if not any(c.text.strip() for line in out for c in line.cells):
        raise NoTextLayer(str(path))
    return Source(path, "pdf", tuple(out))


def _page_lines(page: Any, number: int) -> list[Line]:
    items: list[tuple[float, int, Line]] = []
    tables = [t for t in page.find_tables() if _columns(t) > 1]
    boxes = [t.bbox for t in tables]
    outside = page.filter(lambda obj: not any(_inside(obj, box) for box in boxes)) if boxes else page
    for n, line in enumerate(outside.extract_text_lines(), 1):
        if line["text"].strip():
            items.append((line["top"], len(items), Line((Piece(line["text"], f"第 {number} 页第 {n} 行"),), False)))
    for k, table in enumerate(tables, 1):
        for r, (row, cells) in enumerate(zip(table.rows, table.extract(), strict=True), 1):
            where = f"第 {number} 页表 {k} 第 {r} 行"
            pieces = tuple(Piece(text or "", f"{where}第 {c} 列", c - 1) for c, text in enumerate(cells, 1))
            items.append((row.bbox[1], len(items), Line(pieces, True)))
    return [line for _, _, line in sorted(items, key=lambda item: (item[0], item[1]))]


def _columns(table: Any) -> int:
    return max((len(row.cells) for row in table.rows), default=0)


def _inside(obj: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    if "x0" not in obj or "top" not in obj:
        return False
    x = (obj["x0"] + obj.get("x1", obj["x0"])) / 2
    y = (obj["top"] + obj.get("bottom", obj["top"])) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]
