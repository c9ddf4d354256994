"""One published report read for checking: the importer's reading, its narrative lines, headings and sections."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from xxgk.findings import Finding
from xxgk.importer.core import read_source
from xxgk.importer.keys import label_key
from xxgk.importer.labels import row_labels
from xxgk.importer.model import Line, Reading, Source
from xxgk.importer.records import is_page_mark
from xxgk.importer.run import read_report
from xxgk.reportcheck.config import CheckConfig
from xxgk.reportcheck.headings import Heading, parse_heading, top_headings


@dataclass
class Document:
    path: Path
    source: Source
    reading: Reading | None = None
    lines: list[Line] = field(default_factory=list)  # running text, tables left out
    headings: list[Heading] = field(default_factory=list)  # every numbered heading
    tops: list[Heading] = field(default_factory=list)  # those that open a part of the report

    @property
    def unreadable(self) -> Finding | None:
        return self.source.unreadable

    @property
    def agency(self) -> str:
        return str(self.reading.cover.get("meta.agency", "")) if self.reading else ""

    @property
    def year(self) -> int | None:
        year = self.reading.cover.get("meta.year") if self.reading else None
        return year if isinstance(year, int) else None

    @property
    def signed_on(self) -> dt.date | None:
        date = self.reading.cover.get("meta.filled_on") if self.reading else None
        return date if isinstance(date, dt.date) else None

    def body(self, heading: Heading) -> str:
        """The text under a top heading, up to the next one (its sub-headings included)."""
        later = [h.index for h in self.tops if h.index > heading.index]
        end = later[0] if later else len(self.lines)
        return "\n".join(line.text.strip() for line in self.lines[heading.index + 1: end] if line.text.strip())

    def section_text(self, section_id: str) -> str:
        return "\n".join(self.body(h) for h in self.tops if h.section == section_id)

    @property
    def whole_text(self) -> str:
        return "\n".join(line.text.strip() for line in self.lines if line.text.strip())


def read_document(path: Path, config: CheckConfig) -> Document:
    source = read_report(path)
    doc = Document(path, source)
    if source.unreadable is not None:
        return doc
    doc.reading = read_source(source)
    leaves = _leaves(doc.reading.form) if doc.reading.form else ()
    doc.lines = [line for line in source.lines if not line.table and not is_page_mark(line)
                 and not _row_label(label_key(line.text), leaves)]
    doc.headings = [h for i, line in enumerate(doc.lines) if (h := parse_heading(i, line.text, line.where, config))]
    doc.tops = top_headings(doc.headings)
    return doc


@cache
def _leaves(form: str) -> tuple[str, ...]:
    return tuple(k for r in row_labels(form) for k in r.keys)


def _row_label(key: str, leaves: tuple[str, ...]) -> bool:
    """A table row printed as running text ("一、本年新收政府信息公开申请数量 3001 53 …"), not a heading."""
    return bool(key) and any(leaf.startswith(key) or (key.startswith(leaf) and key[len(leaf):].isdigit())
                             for leaf in leaves)
