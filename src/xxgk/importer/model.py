"""What every front end hands the importer core, and what the core hands back.

A front end reads one format into a list of Lines: a table row (its cells, in order) or a line of running
text. Each piece of text keeps where it came from (page/line or table cell), so every imported value can
show its source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xxgk.findings import Finding


@dataclass(frozen=True)
class Piece:
    """A piece of source text and where it was found, e.g. "第 3 页第 12 行" or "表 2 第 4 行第 3 列"."""

    text: str
    where: str
    col: int | None = None  # the cell's column in its table row, when known


@dataclass(frozen=True)
class Line:
    """A table row (cells known) or a line of running text (one piece; numbers may trail it, as in PDFs)."""

    cells: tuple[Piece, ...]
    table: bool

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)

    @property
    def where(self) -> str:
        return self.cells[0].where if self.cells else ""


@dataclass(frozen=True)
class Source:
    """A report read by a front end: its lines, or a finding when it cannot be read at all."""

    path: Path
    kind: str  # "text", "html", "docx", "pdf"
    lines: tuple[Line, ...] = ()
    unreadable: Finding | None = None


@dataclass(frozen=True)
class Imported:
    """One imported cell: its value (None = published blank), the source text, where, and any note."""

    cell: str
    value: Decimal | None
    raw: str
    where: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        value = None if self.value is None else (int(self.value) if self.value == self.value.to_integral_value()
                                                 else float(self.value))
        return {"cell": self.cell, "value": value, "source": self.raw, "where": self.where, "note": self.note}


@dataclass
class Reading:
    """What the core read from one report: the form, the cover, the narrative, the cells and the findings."""

    form: str | None
    cover: dict[str, Any] = field(default_factory=dict)
    sections: list[tuple[str, str, str]] = field(default_factory=list)  # standard heading, heading as published, text
    cells: dict[str, Imported] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
