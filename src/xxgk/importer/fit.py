"""A row's published values → exactly one value per column of its block, or None when that is not certain.

Table extractions pad rows with empty cells (merged label columns, a spare column at the end). Empty cells
are dropped from the ends until the count is right; when dropping from the left and from the right give
different rows, the column positions of the table's header decide, and without them the row is not read.
"""

from __future__ import annotations

from collections.abc import Sequence

from xxgk.importer.keys import label_key
from xxgk.importer.labels import RowLabel
from xxgk.importer.model import Piece
from xxgk.importer.records import Record
from xxgk.spec import MERGE_UP

HEADER_LOOKBACK = 40  # records above a row searched for its header


def fit_values(rec: Record, n: int, header: dict[int, int] | None) -> tuple[Piece, ...] | None:
    """The row's value for each column, in the form's column order; None when that is not certain."""
    fitted = _fit(rec, n, header)
    header = header or {}
    cols = [header[j] for j in sorted(header)]
    if fitted is None or cols == sorted(cols):  # the header has the form's column order (extractions shift it)
        return fitted
    by_col = {v.col: v for v in rec.values if v.col is not None}
    if len(header) == n and all(col in by_col for col in header.values()):  # columns in another order: the header says
        return tuple(by_col[header[j]] for j in range(n))
    return None


def _fit(rec: Record, n: int, header: dict[int, int] | None) -> tuple[Piece, ...] | None:
    values = tuple(rec.values)
    if len(values) == n:
        return values
    if len(values) < n or not rec.table:
        return None
    options = {_texts(v): v for v in (_strip(values, n, trailing_first=True), _strip(values, n, trailing_first=False))
               if v is not None}
    if len(options) == 1:
        return next(iter(options.values()))
    if header:
        aligned = [v for v in options.values() if all(v[j].col == col for j, col in header.items() if j < len(v))]
        if len(aligned) == 1:
            return aligned[0]
    return None


def _texts(values: Sequence[Piece]) -> tuple[str, ...]:
    return tuple(v.text.strip() for v in values)


def _strip(values: tuple[Piece, ...], n: int, *, trailing_first: bool) -> tuple[Piece, ...] | None:
    v = list(values)
    for end in ((-1, 0) if trailing_first else (0, -1)):
        while len(v) > n and not v[end].text.strip():
            v.pop(end)
    return tuple(v) if len(v) == n else None


def header_columns(records: Sequence[Record], at: int, row: RowLabel) -> dict[int, int]:
    """Column number (0-based, in the block) → cell position in the row, from the header row above."""
    leaves = [label_key([p for p in c.label if p != MERGE_UP][-1]) for c in row.block.columns]
    best: dict[int, int] = {}
    for rec in reversed(records[max(0, at - HEADER_LOOKBACK): at]):  # the nearest header wins a tie
        if not rec.table or rec.has_number:
            continue
        got = {}
        for piece in rec.label:
            key = label_key(piece.text)
            hits = [j for j, leaf in enumerate(leaves) if leaf == key]
            if len(hits) == 1 and piece.col is not None:
                got[hits[0]] = piece.col
        if len(got) > len(best):
            best = got
    return best if len(best) >= 2 else {}
