"""A row whose printed label is misprinted (a character dropped or changed), recognised by its place.

Only when the record sits right between the records of the row's two neighbours in the form (no other
numbers between them), the row itself was not found, and the printed label differs from the form's by a
character or two. Such a match is never silent: the caller reports it with the source's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xxgk.importer.labels import RowLabel
from xxgk.importer.records import Record


@dataclass(frozen=True)
class ByPosition:
    index: int  # the record's position in `records`
    row: RowLabel
    before: RowLabel
    after: RowLabel


def match_by_position(records: Sequence[Record], rows: Sequence[RowLabel],
                      found: dict[int, RowLabel]) -> list[ByPosition]:
    """Unmatched records with numbers that stand in the place of a missing row and nearly spell its label."""
    taken = {id(r) for r in found.values()}
    numbered = [i for i, r in enumerate(records) if r.has_number]
    out = []
    for k, i in enumerate(numbered):
        if i in found or not records[i].key or k == 0 or k + 1 == len(numbered):
            continue
        before, after = found.get(numbered[k - 1]), found.get(numbered[k + 1])
        row = _between(rows, before, after)
        if row is None or id(row) in taken or before is None or after is None:
            continue
        if any(_near(records[i].key, key, row) for key in row.keys):
            out.append(ByPosition(i, row, before, after))
            taken.add(id(row))
    return out


def _between(rows: Sequence[RowLabel], before: RowLabel | None, after: RowLabel | None) -> RowLabel | None:
    """The form's row between two rows of the same block that are one row apart."""
    if before is None or after is None or before.block is not after.block:
        return None
    block = [r for r in rows if r.block is before.block]
    at = next((n for n, r in enumerate(block) if r is before), None)
    if at is None or at + 2 >= len(block) or block[at + 2] is not after:
        return None
    return block[at + 1]


MIN_KEY = 4  # shorter labels are too alike ("其他", "3其他") to be told apart by one character


def _near(printed: str, key: str, row: RowLabel) -> bool:
    """The printed key is the form's with one character dropped, added or changed (two for long labels);
    characters of the row's parent labels around it ("法提供2.没有…") are not counted."""
    if len(key) < MIN_KEY:
        return False
    allowed = 1 + len(key) // 16
    trimmed = printed
    while trimmed and trimmed[0] in row.context and not key.startswith(trimmed[0]):
        trimmed = trimmed[1:]
    while trimmed and trimmed[-1] in row.context and not key.endswith(trimmed[-1]):
        trimmed = trimmed[:-1]
    return any(0 < _distance(p, key) <= allowed for p in {printed, trimmed})


def _distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
