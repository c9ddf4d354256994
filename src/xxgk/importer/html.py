"""Front end for web pages (.html): lxml, tables expanded over rowspan/colspan, scripts never run.

Text only: script, style and similar elements are removed before anything is read. A cell spanning
several rows or columns gives its text once, at its top-left grid position; the positions it covers
below and to the right are empty, as in the template.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from xxgk.importer.model import Line, Piece, Source
from xxgk.importer.text import decode

_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "head")
_INLINE = {"span", "a", "b", "strong", "em", "i", "u", "font", "sub", "sup", "small", "big", "label", "abbr", "code",
           "s", "strike", "ins", "del", "mark", "time", "nobr", "wbr", "o:p"}
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
MAX_SPAN = 100  # a rowspan/colspan above this is broken markup, not a table


def read_html(path: Path) -> Source:
    return Source(path, "html", tuple(parse_html(_text(path.read_bytes()))))


def _text(data: bytes) -> str:
    m = _CHARSET.search(data[:4096])
    if m:
        charset = m.group(1).decode("ascii").lower()
        try:  # pages labelled gb2312/gbk use the whole of gb18030, as browsers read them
            return data.decode("gb18030" if charset in ("gb2312", "gbk", "x-gbk") else charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data)


def parse_html(markup: str) -> list[Line]:
    import lxml.html

    doc = lxml.html.document_fromstring(_XML_DECL.sub("", markup) or "<html></html>")
    for bad in doc.xpath("|".join(f"//{t}" for t in _DROP)):
        bad.drop_tree()
    walker = _Walker()
    walker.walk(doc)
    walker.flush()
    return walker.out


class _Walker:
    """Running text is gathered across inline elements ("收到申请<b>3</b>件") and cut at block boundaries."""

    def __init__(self) -> None:
        self.out: list[Line] = []
        self.buffer: list[str] = []
        self.paragraphs = self.tables = 0

    def walk(self, el: Any) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag == "table" and el.find(".//table") is None:  # a table holding tables is page layout: walk into it
            self.flush()
            self.tables += 1
            self.out += _table(el, self.tables)
        elif tag == "br":
            self.flush()
        elif tag:
            block = tag not in _INLINE
            if block:
                self.flush()
            self.buffer.append(el.text or "")
            for child in el:
                self.walk(child)
                self.buffer.append(child.tail or "")
            if block:
                self.flush()

    def flush(self) -> None:
        for part in "".join(self.buffer).splitlines():
            text = " ".join(part.split())
            if text:
                self.paragraphs += 1
                self.out.append(Line((Piece(text, f"网页第 {self.paragraphs} 段"),), False))
        self.buffer.clear()


def _table(table: Any, number: int) -> list[Line]:
    taken: dict[tuple[int, int], bool] = {}
    rows: list[dict[int, str]] = []
    trs = [tr for tr in table.iter("tr") if _owner(tr) is table]
    for r, tr in enumerate(trs):
        row = {}
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            while taken.get((r, c)):
                c += 1
            span_r, span_c = _span(cell, "rowspan"), _span(cell, "colspan")
            for dr in range(span_r):
                for dc in range(span_c):
                    taken[(r + dr, c + dc)] = True
            row[c] = " ".join(cell.text_content().split())
            c += span_c
        rows.append(row)
    out = []
    for r, row in enumerate(rows):
        width = max([k + 1 for k in row] + [k[1] + 1 for k in taken if k[0] == r], default=0)
        cells = tuple(Piece(row.get(c, ""), f"表 {number} 第 {r + 1} 行第 {c + 1} 列", c) for c in range(width))
        if cells:
            out.append(Line(cells, True))
    return out


def _owner(tr: Any) -> Any:
    el = tr.getparent()
    while el is not None and el.tag != "table":
        el = el.getparent()
    return el


def _span(cell: Any, attr: str) -> int:
    try:
        return max(1, min(MAX_SPAN, int(str(cell.get(attr, "1")).strip() or 1)))
    except ValueError:
        return 1
