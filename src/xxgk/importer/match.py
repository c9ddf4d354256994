"""Records → form rows, by label keys from the spec (never by position alone).

Pass 1: the record's label contains a row's leaf label (or a variant), and whatever else it contains
comes from that row's parent labels (a merged "三、本年度办理结果", or split pieces "办 （三）不" of a vertical
label). Pass 2: the label is a piece of exactly one row's leaf (the middle of a wrapped label). Pass 3: the
text around a record with no usable label holds exactly one unmatched row's whole leaf (a label wrapped
above and below its numbers), or the line right above numbers without a label is a whole row label. Pass 4: a record with no label and as many values as the one unlabelled
row of the form (复议诉讼).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache, partial

from xxgk.importer.keys import label_key
from xxgk.importer.labels import RowLabel
from xxgk.importer.records import Record

MIN_PIECE = 4  # a label piece shorter than this is too common to identify a row
NEAR = 4  # lines around the rows matched by label within which passes 2 and 3 look


def match_rows(records: Sequence[Record], rows: Sequence[RowLabel], lines_text: Sequence[str]) -> dict[int, RowLabel]:
    """Map record positions (in `records`) to form rows."""
    found: dict[int, RowLabel] = {}
    for i, rec in enumerate(records):
        row = _by_leaf(rec.key, rows) if rec.values else None  # a label alone is a fragment, its numbers elsewhere
        if row is not None:
            found[i] = row
    if not found:
        return found
    lo = min(records[i].index for i in found) - NEAR
    hi = max(records[i].index for i in found) + NEAR
    inside = [i for i, r in enumerate(records) if lo <= r.index <= hi and i not in found and r.has_number]
    taken = {id(r) for r in found.values()}
    by_piece = partial(_claims, inside, rows, taken, lambda i, free: _by_piece(records[i].key, free))
    found.update(by_piece())
    by_context = partial(_claims, [i for i in inside if i not in found], rows, taken,
                         lambda i, free: _label_above(records, i, free) or _by_context(_context(records, i, lines_text), free))
    found.update(by_context())
    unlabelled = [r for r in rows if r.unlabelled and id(r) not in taken]
    for i, rec in enumerate(records):
        if i in found or rec.label or not rec.has_number or not unlabelled:
            continue
        if len(_non_padding(rec)) == len(unlabelled[0].block.columns) and rec.index > lo:
            found[i] = unlabelled.pop(0)
    return found


def _claims(candidates: Sequence[int], rows: Sequence[RowLabel], taken: set[int],
            find: Callable[[int, Sequence[RowLabel]], RowLabel | None]) -> dict[int, RowLabel]:
    """Each candidate record's row, kept only where no other record claims the same row (else neither: no guess)."""
    free = [r for r in rows if id(r) not in taken]
    claims: dict[int, list[int]] = {}
    rows_by_id = {}
    for i in candidates:
        row = find(i, free)
        if row is not None:
            claims.setdefault(id(row), []).append(i)
            rows_by_id[id(row)] = row
    out = {idx[0]: rows_by_id[rid] for rid, idx in claims.items() if len(idx) == 1}
    taken.update(id(r) for r in out.values())
    return out


def _label_above(records: Sequence[Record], i: int, rows: Sequence[RowLabel]) -> RowLabel | None:
    """Numbers without a label right under a line that is a row's whole label ("规章" / "1 0 11")."""
    rec = records[i]
    above = records[i - 1] if i > 0 else None
    if rec.label or above is None or above.values or above.index != rec.index - 1:
        return None
    return _by_leaf(above.key, rows)


def _non_padding(rec: Record) -> list[str]:
    values = [v.text.strip() for v in rec.values]
    while values and not values[-1]:
        values.pop()
    while values and not values[0]:
        values.pop(0)
    return values


def _by_leaf(key: str, rows: Sequence[RowLabel]) -> RowLabel | None:
    if not key:
        return None
    best: list[tuple[int, RowLabel]] = []
    for row in rows:
        for k in row.keys:
            at = key.find(k)
            if at < 0:
                continue
            rest = key[:at] + key[at + len(k):]
            if set(rest) <= row.context:
                best.append((len(k), row))
    if not best:
        return None
    longest = max(n for n, _ in best)
    winners = {id(r): r for n, r in best if n == longest}
    return next(iter(winners.values())) if len(winners) == 1 else None


def _by_piece(key: str, rows: Sequence[RowLabel]) -> RowLabel | None:
    if len(key) < MIN_PIECE:
        return None
    hits = {id(r): r for r in rows for k in r.keys if key in k}
    return next(iter(hits.values())) if len(hits) == 1 else None


def _by_context(context: str, rows: Sequence[RowLabel]) -> RowLabel | None:
    hits = {id(r): r for r in rows for k in r.keys if len(k) >= MIN_PIECE and _spread(k, r.context).search(context)}
    return next(iter(hits.values())) if len(hits) == 1 else None


@cache
def _spread(key: str, parents: frozenset[str]) -> re.Pattern[str]:
    """The leaf, allowing its parents' characters between its own: a vertical "三、本年度办理结果" split over
    the lines of a wrapped leaf interleaves with it in the extracted text ("（二）部分公开（区" / "果 分处理的")."""
    if not parents:
        return re.compile(re.escape(key))
    gap = "[" + "".join(re.escape(ch) for ch in sorted(parents)) + "]*"
    return re.compile(gap.join(re.escape(ch) for ch in key))


def _context(records: Sequence[Record], i: int, lines_text: Sequence[str]) -> str:
    """The record's own label with the label-only lines right above and below it (up to the next numbers)."""
    at = records[i].index
    before = [r.index for r in records[:i] if r.has_number]
    after = [r.index for r in records[i + 1:] if r.has_number]
    first = before[-1] + 1 if before else max(0, at - NEAR)
    last = after[0] if after else at + NEAR + 1
    return label_key("".join(lines_text[first:at])) + records[i].key + label_key("".join(lines_text[at + 1: last]))
