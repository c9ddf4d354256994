"""Front end for Word documents (.docx): python-docx, paragraphs and tables in document order.

A merged cell gives its text once, at its first grid column and first row (gridSpan, vMerge); the grid
positions it covers are empty, as in the template. The container is checked first (zip bombs, DTDs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xxgk.importer.model import Line, Piece, Source


def read_docx(path: Path) -> Source:
    import docx

    document = docx.Document(str(path))
    return Source(path, "docx", tuple(parse_body(document.element.body)))


def parse_body(body: Any) -> list[Line]:
    from docx.oxml.ns import qn

    out: list[Line] = []
    paragraphs = tables = 0
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            paragraphs += 1
            text = _text(child)
            for part in text.splitlines():
                if part.strip():
                    out.append(Line((Piece(part.strip(), f"第 {paragraphs} 段"),), False))
        elif child.tag == qn("w:tbl"):
            tables += 1
            out += _table(child, tables)
    return out


def _text(el: Any) -> str:
    from docx.oxml.ns import qn

    parts = []
    for node in el.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:p")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:tab"):
            parts.append(" ")
        elif node.tag == qn("w:br") or (node.tag == qn("w:p") and parts):
            parts.append("\n")
    return "".join(parts).strip("\n")


def _table(tbl: Any, number: int) -> list[Line]:
    out = []
    for r, tr in enumerate(tbl.tr_lst, 1):
        cells: list[Piece] = []
        for tc in tr.tc_lst:
            col = len(cells)
            text = "" if tc.vMerge == "continue" else " ".join(_text(tc).split())
            cells.append(Piece(text, f"表 {number} 第 {r} 行第 {col + 1} 列", col))
            cells += [Piece("", f"表 {number} 第 {r} 行第 {col + k + 1} 列", col + k) for k in range(1, tc.grid_span)]
        if cells:
            out.append(Line(tuple(cells), True))
    return out
