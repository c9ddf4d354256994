"""A table printed more than once (a two-year comparison, a table pasted twice): never one picked silently.

A table's rows are followed through the document; a row met again starts another printing of the table.
Each printing starts at the table's header above its first row (a header may sit on the page before its
numbers), and its caption ("2023年", "2024年度") is read from the lines just above the header. When exactly one
printing is captioned with the report's year and every other with another year, that one is read (a warning
names them all); otherwise the table is not read at all (an error names them all). The table's header lines
are its column labels from the form spec, never hard-coded text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from xxgk.importer.keys import label_key
from xxgk.importer.labels import RowLabel
from xxgk.importer.records import Record
from xxgk.spec import MERGE_UP, Table

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
CAPTION_LINES = 3  # lines above a printing's header searched for its year
HEADER_GAP = 3  # header lines this close (no numbers between) belong to one header
HEADER_LOOKBACK = 20  # lines above a printing's first row searched for its header
MIN_SIGNATURE = 3
MAX_QUOTE = 30


@dataclass
class Printing:
    events: list[tuple[int, RowLabel]] = field(default_factory=list)  # (record position, row)
    start: int = 0  # line index where the printing starts (its header, else its first row)
    end: int = 0  # line index of its last row (of its header, when none of its numbers could be read)
    year: int | None = None
    caption: str = ""

    @property
    def rows(self) -> set[int]:
        return {id(r) for _, r in self.events}


@dataclass(frozen=True)
class Repeat:
    table: Table
    printings: tuple[Printing, ...]
    chosen: Printing | None  # the report year's, when unambiguous


def printing_starts(records: Sequence[Record], rows: Sequence[RowLabel], found: dict[int, RowLabel],
                    texts: Sequence[str]) -> list[int]:
    """The lines where a table starts to be printed again: rows are best matched within each part apart
    (a row matched by a piece of its label is taken only where one record claims it)."""
    return sorted({p.start for _, printings in _all_printings(records, rows, found, texts) for p in printings[1:]})


def _all_printings(records: Sequence[Record], rows: Sequence[RowLabel], found: dict[int, RowLabel],
                   texts: Sequence[str]) -> list[tuple[Table, list[Printing]]]:
    out = []
    for table in dict.fromkeys(r.table for r in rows):
        printings = _printings(records, [r for r in rows if r.table is table], found, texts)
        if len(printings) >= 2:
            out.append((table, printings))
    return out


def find_repeats(records: Sequence[Record], rows: Sequence[RowLabel], found: dict[int, RowLabel],
                 texts: Sequence[str], year: object) -> list[Repeat]:
    """The tables printed more than once; `found` is changed to hold only the chosen printing's rows (or none)."""
    out = []
    for table, printings in _all_printings(records, rows, found, texts):
        chosen = _choose(printings, year)
        for p in printings:
            for i, row in p.events:
                if p is chosen:
                    found[i] = row
                else:
                    found.pop(i, None)
        out.append(Repeat(table, tuple(printings), chosen))
    return out


def withheld_rows(repeats: Sequence[Repeat]) -> set[int]:
    """Rows found in the report but left unread because their table is printed more than once."""
    return {id(r) for rep in repeats if rep.chosen is None for p in rep.printings for _, r in p.events}


def _printings(records: Sequence[Record], own: Sequence[RowLabel], found: dict[int, RowLabel],
               texts: Sequence[str]) -> list[Printing]:
    ids = {id(r) for r in own}
    events = [(i, row) for i, row in found.items() if id(row) in ids]
    unlabelled = [r for r in own if r.unlabelled]
    if unlabelled:  # the numbers of a label-less row (复议诉讼) printed again
        n = len(unlabelled[0].block.columns)
        events += [(i, unlabelled[0]) for i, rec in enumerate(records)
                   if i not in found and not rec.label and rec.has_number and _count(rec) == n]
    events.sort(key=lambda e: records[e[0]].index)
    headers = _header_lines(texts, own)
    out: list[Printing] = []
    for i, row in events:
        at = records[i].index
        if not out or id(row) in out[-1].rows:
            after = out[-1].end if out else at - HEADER_LOOKBACK
            out.append(Printing(start=_start(headers, after, at)))
        out[-1].events.append((i, row))
        out[-1].end = at
    if out:
        out += _headers_alone(headers, out)
        out.sort(key=lambda p: p.start)
    for k, p in enumerate(out):
        floor = out[k - 1].end + 1 if k else 0
        first = records[p.events[0][0]].index if p.events else p.end + 1
        p.year, p.caption = _caption(texts, max(floor, p.start - CAPTION_LINES), p.start, first)
    return out


def _headers_alone(headers: dict[int, frozenset[str]], printings: Sequence[Printing]) -> list[Printing]:
    """The table's header printed again without numbers that could be read (a row wrapped over two lines): a
    printing all the same, when it holds two of the table's column labels or more. A header inside a printing
    (repeated at the top of a page) is not one."""
    groups: list[tuple[Printing, set[str]]] = []
    for h, hits in headers.items():
        if any(p.start <= h <= p.end for p in printings):
            continue
        if groups and h - groups[-1][0].end <= HEADER_GAP:
            groups[-1][0].end = h
            groups[-1][1].update(hits)
        else:
            groups.append((Printing(start=h, end=h), set(hits)))
    return [p for p, hits in groups if len(hits) >= 2]


def _count(rec: Record) -> int:
    values = [v.text.strip() for v in rec.values]
    while values and not values[-1]:
        values.pop()
    while values and not values[0]:
        values.pop(0)
    return len(values)


def _start(headers: dict[int, frozenset[str]], after: int, first: int) -> int:
    """The first line of the header right above a printing's first row (the first row itself without one)."""
    above = [h for h in headers if after < h < first]
    if not above:
        return first
    start = above[-1]
    for h in reversed(above[:-1]):
        if start - h > HEADER_GAP:
            break
        start = h
    return start


def _header_lines(texts: Sequence[str], own: Sequence[RowLabel]) -> dict[int, frozenset[str]]:
    """Lines made mostly of the table's column labels, with no numbers but a year: line → the labels it holds."""
    signature = _signature(own)
    out = {}
    for n, text in enumerate(texts):
        key = _YEAR.sub("", label_key(text))
        if any(ch.isdigit() for ch in key) or not signature:
            continue
        hits = frozenset(s for s in signature if s in key)
        if hits and _mostly(key, signature):
            out[n] = hits
    return out


def _mostly(key: str, signature: tuple[str, ...]) -> bool:
    rest = key
    for s in sorted(signature, key=len, reverse=True):
        rest = rest.replace(s, "")
    return len(rest) * 2 <= len(key)


def _signature(own: Sequence[RowLabel]) -> tuple[str, ...]:
    """The table's column labels that are not also row labels."""
    table = own[0].table
    labels = {label_key(p) for b in table.blocks for c in b.columns for p in c.label if p != MERGE_UP}
    row_keys = {k for r in own for k in r.keys}
    return tuple(k for k in labels if len(k) >= MIN_SIGNATURE and not any(k in r or r in k for r in row_keys))


def _caption(texts: Sequence[str], top: int, start: int, first: int) -> tuple[int | None, str]:
    """The year a printing is captioned with (the nearest line above its header naming one year, or its header),
    and the caption: that line, else the line right above the header, else the header's first line."""
    for n in [*range(start - 1, top - 1, -1), *range(start, first)]:
        years = {int(y) for y in _YEAR.findall(texts[n])}
        if years:
            return (years.pop() if len(years) == 1 else None), texts[n].strip()
    return None, texts[start - 1 if start > top else start].strip()


def _choose(printings: Sequence[Printing], year: object) -> Printing | None:
    ours = [p for p in printings if p.year is not None and p.year == year]
    others = [p for p in printings if all(p is not o for o in ours)]
    if len(ours) == 1 and ours[0].events and all(p.year is not None for p in others):
        return ours[0]
    return None


def quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE] + "…"
