"""Front end for PDF files: pdfplumber's text, line by line with its page; no text layer → 需要 OCR."""

from __future__ import annotations

from pathlib import Path

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
        for p, page in enumerate(pdf.pages, 1):
            text = page.extract_text() or ""
            out += [Line((Piece(line, f"第 {p} 页第 {n} 行"),), False)
                    for n, line in enumerate(text.splitlines(), 1) if line.strip()]
            page.flush_cache()
    if not out:
        raise NoTextLayer(str(path))
    return Source(path, "pdf", tuple(out))
