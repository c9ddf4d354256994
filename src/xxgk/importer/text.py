"""Front end for text extracted from a published report (.txt).

Handles the shapes real extractions take: one table cell per line (each starting with a tab, rows
separated by blank lines, a cell's wrapped text on the following untabbed line), one row per line with
tab- or "|"-separated cells, and PDF-style lines with the numbers trailing the label. Word bookmarks
("[bookmark: Field_1_2_1_1_1]0") are markup, not cell text.
"""

from __future__ import annotations

import re
from pathlib import Path

from xxgk.importer.model import Line, Piece, Source

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_PIPE_RULE = re.compile(r"^[\s|:+-]+$")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|\d+\s*[、.．]\s)")
ENCODINGS = ("utf-8-sig", "gb18030", "utf-16")


def decode(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def read_text(path: Path) -> Source:
    return Source(path, "text", tuple(parse_text(decode(path.read_bytes()))))


def parse_text(text: str) -> list[Line]:
    out: list[Line] = []
    group: list[Piece] = []

    def close() -> None:
        if group:
            out.append(Line(tuple(group), True))
            group.clear()

    for n, raw in enumerate(text.splitlines(), 1):
        line = _BOOKMARK.sub("", raw.rstrip("\r"))
        where = f"第 {n} 行"
        if line.startswith("\t") and line.count("\t") == 1:  # one cell per line
            group.append(Piece(line[1:], where, len(group)))
            continue
        if group and line.strip() and "\t" not in line and not _HEADING.match(line):  # the cell's text wraps
            last = group[-1]
            group[-1] = Piece(last.text + "\n" + line, last.where, last.col)
            continue
        close()
        if "\t" in line:
            out.append(Line(tuple(Piece(c, f"{where}第 {k} 格", k - 1) for k, c in enumerate(line.split("\t"), 1)), True))
        elif line.count("|") >= 2:
            if not _PIPE_RULE.match(line):
                cells = line.strip().strip("|").split("|")
                out.append(Line(tuple(Piece(c.strip(), f"{where}第 {k} 格", k - 1) for k, c in enumerate(cells, 1)), True))
        elif line.strip():
            out.append(Line((Piece(line, where),), False))
    close()
    return out
