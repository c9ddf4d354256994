"""Lines → records: a label (its pieces) and the values that follow it, as published.

A table row's label is its leading cells up to the last cell that is not a value; its values are the
cells after that. A line of running text (PDF) carries its values as trailing numbers: "规章 1 0 11".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xxgk.importer.cellvalue import clean, looks_like_value
from xxgk.importer.keys import label_key
from xxgk.importer.model import Line, Piece

_NUMBERED = re.compile(r"^\s*(?:\d+\s*[.、．]|[(（]\s*\d+\s*[)）])\D")
_NUMBERISH = re.compile(r"^\D{0,2}\d")  # "约30", "30余": a value that cannot be read, not a label
_TOKEN = re.compile(r"^(?:[-+]?\d[\d,]*(?:\.\d+)?|[—／/－–-]{1,2}|无)$")  # a number, or a printed blank
_PAGE_MARK = re.compile(r"^\s*(?:[-—–－]+\s*\d+\s*[-—–－]+|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)\s*$")


@dataclass(frozen=True)
class Record:
    index: int  # position in the document's line list
    label: tuple[Piece, ...]
    values: tuple[Piece, ...]
    table: bool

    @property
    def label_text(self) -> str:
        return "".join(p.text for p in self.label)

    @property
    def key(self) -> str:
        return label_key(self.label_text)

    @property
    def where(self) -> str:
        pieces = self.label or self.values
        return pieces[0].where if pieces else ""

    @property
    def has_number(self) -> bool:
        return any(clean(v.text) and looks_like_value(v.text) and clean(v.text)[:1].isdigit() for v in self.values)


def is_page_mark(line: Line) -> bool:
    """Page headers and footers between table rows: "— 3 —", "- 3 -", "第 3 页 共 6 页", "3/6"."""
    return not line.table and bool(_PAGE_MARK.match(line.text))


def to_record(index: int, line: Line) -> Record | None:
    if line.table:
        return _table_record(index, line)
    return _text_record(index, line)


def _table_record(index: int, line: Line) -> Record | None:
    cells = line.cells
    labels = [i for i, c in enumerate(cells) if clean(c.text) and not _value_cell(c.text)]
    if not labels and not any(clean(c.text) for c in cells):
        return None
    last = labels[-1] if labels else -1
    label = tuple(c for c in cells[: last + 1] if clean(c.text))
    return Record(index, label, tuple(cells[last + 1:]), True)


def _value_cell(text: str) -> bool:
    text = clean(text)
    return looks_like_value(text) or (bool(_NUMBERISH.match(text)) and not _NUMBERED.match(text))


def _text_record(index: int, line: Line) -> Record | None:
    piece = line.cells[0]
    text = piece.text.strip()
    if not text:
        return None
    tokens = text.split()
    k = len(tokens)
    while k > 0 and _TOKEN.match(tokens[k - 1].replace("，", ",")):
        k -= 1
    label = " ".join(tokens[:k])
    values = tuple(Piece(t, f"{piece.where}第 {n} 个数") for n, t in enumerate(tokens[k:], 1))
    return Record(index, (Piece(label, piece.where),) if label else (), values, False)
