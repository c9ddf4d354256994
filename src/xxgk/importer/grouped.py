"""A group of rows printed as one row: "（六）其他处理 0 0 0 0 0 0 0" where the form has its three sub-items.

The group is the sub-items' common parent label in the form spec (never a hard-coded label). The caller
fills the sub-items with 0 when the printed row is all zeros (a warning says so), else leaves them blank
with a finding quoting the row: a non-zero total cannot be shared out among the sub-items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xxgk.importer.keys import label_key
from xxgk.importer.labels import RowLabel
from xxgk.importer.records import Record
from xxgk.spec import MERGE_UP


@dataclass(frozen=True)
class Group:
    label: str  # the parent label as the form prints it: "（六）其他处理"
    rows: tuple[RowLabel, ...]
    key: str
    context: frozenset[str]  # characters of the labels above the group ("三、本年度办理结果")


def row_groups(rows: Sequence[RowLabel]) -> list[Group]:
    """Rows of one block sharing their parent label: the groups a report may print as one row."""
    by_parent: dict[tuple[int, tuple[str, ...]], list[RowLabel]] = {}
    for r in rows:
        path = tuple(p for p in r.row.label if p != MERGE_UP)
        if len(path) >= 2:
            by_parent.setdefault((id(r.block), path[:-1]), []).append(r)
    return [Group(parents[-1], tuple(members), label_key(parents[-1]),
                  frozenset("".join(label_key(p) for p in parents[:-1])))
            for (_, parents), members in by_parent.items() if len(members) >= 2 and label_key(parents[-1])]


def match_groups(records: Sequence[Record], rows: Sequence[RowLabel],
                 found: dict[int, RowLabel]) -> dict[int, Group]:
    """Unmatched records with numbers whose label is a group's label, none of whose rows were found."""
    taken = {id(r) for r in found.values()}
    groups = [g for g in row_groups(rows) if not any(id(r) in taken for r in g.rows)]
    out: dict[int, Group] = {}
    for i, rec in enumerate(records):
        if i in found or not rec.has_number:
            continue
        hits = [g for g in groups if g.key in rec.key and set(rec.key.replace(g.key, "", 1)) <= g.context]
        if len(hits) == 1 and all(g is not hits[0] for g in out.values()):
            out[i] = hits[0]
    return out
