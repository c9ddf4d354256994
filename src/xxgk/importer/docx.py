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
    counts = [0, 0]  # paragraphs, tables
    _blocks(body, out, counts, qn)
    return out


def _blocks(parent: Any, out: list[Line], counts: list[int], qn: Any) -> None:
    for child in parent.iterchildren():
        if child.tag == qn("w:p"):
            counts[0] += 1
            for part in _text(child).splitlines():
                if part.strip():
                    out.append(Line((Piece(part.strip(), f"第 {counts[0]} 段"),), False))
        elif child.tag == qn("w:tbl"):
            counts[1] += 1
            out += _table(child, counts[1])
        elif child.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")):  # content controls of form templates
            _blocks(child, out, counts, qn)


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
        cells = [Piece("", f"表 {number} 第 {r} 行第 {k + 1} 列", k) for k in range(tr.grid_before)]
        for tc in tr.tc_lst:
            col = len(cells)
            text = "" if tc.vMerge == "continue" else " ".join(_text(tc).split())
            cells.append(Piece(text, f"表 {number} 第 {r} 行第 {col + 1} 列", col))
            cells += [Piece("", f"表 {number} 第 {r} 行第 {col + k + 1} 列", col + k) for k in range(1, tc.grid_span)]
        if cells:
            out.append(Line(tuple(cells), True))
    return out
