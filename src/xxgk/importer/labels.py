"""The labels of a form, as the importer matches them: keys derived from the form spec, never hard-coded."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from xxgk.importer.keys import label_key
from xxgk.spec import EXT_SEPARATOR, EXTENSIONS, FORMS, MERGE_UP, Axis, Block, FormSpec, SpecError, Table, load_spec

MIN_EXTENSION_KEY = 6  # a row label of an extension table long enough to identify it


@dataclass(frozen=True)
class RowLabel:
    table: Table
    block: Block
    row: Axis
    keys: tuple[str, ...]  # the leaf label and its variants
    context: frozenset[str]  # characters of its parent labels: what may surround the leaf in a merged label

    @property
    def label(self) -> str:
        return self.row.short or self.block.title or self.table.title

    @property
    def unlabelled(self) -> bool:
        return not self.keys


@cache
def row_labels(form: str) -> tuple[RowLabel, ...]:
    spec = load_spec(form)
    out = []
    for table in spec.tables:
        for block in table.blocks:
            for row in block.rows:
                path = [p for p in row.label if p != MERGE_UP]
                leaves = [path[-1], *row.variants] if path else []
                keys = tuple(k for k in dict.fromkeys(label_key(x) for x in leaves) if k)
                # what may surround the leaf: its parents' labels, and its unit column ("条", "次")
                context = frozenset("".join(label_key(p) for p in path[:-1]) + label_key(row.unit or ""))
                out.append(RowLabel(table, block, row, keys, context))
    return tuple(out)


def _form_keys(spec: FormSpec) -> set[str]:
    keys = set()
    for table in spec.tables:
        for block in table.blocks:
            keys |= {label_key(p) for c in block.columns for p in c.label if p != MERGE_UP}
            keys |= {label_key(p) for r in block.rows for p in (*r.label, *r.variants) if p != MERGE_UP}
            keys.add(label_key(block.title or ""))
    return {k for k in keys if len(k) >= 2}


@cache
def distinguishing_keys() -> dict[str, frozenset[str]]:
    """Per form, the label keys no other form has (nor contains): 本年制发件数 → gb2021, 本年新制作数量 → gb2019."""
    keys = {form: _form_keys(load_spec(form)) for form in FORMS}
    out = {}
    for form, own in keys.items():
        others = set().union(*(k for f, k in keys.items() if f != form))
        out[form] = frozenset(k for k in own - others if not any(k in o for o in others))
    return out


def detect_form(text_key: str) -> tuple[str | None, dict[str, int]]:
    """The form whose distinguishing labels the report uses most; None when no label decides."""
    scores = {form: sum(k in text_key for k in keys) for form, keys in distinguishing_keys().items()}
    best = max(scores.values())
    winners = [f for f, s in scores.items() if s == best]
    return (winners[0] if best and len(winners) == 1 else None), scores


def detect_extension(form: str, text_key: str) -> str:
    """The form with the provincial extension whose own table labels the report uses (most of them), else the form."""
    national = {t.id for t in load_spec(form).tables}
    best, best_hits = form, 0
    for name in EXTENSIONS:
        try:
            extended = load_spec(form, name)
        except SpecError:  # the extension does not extend this form
            continue
        keys = [r.keys[0] for r in row_labels(extended.form)
                if r.table.id not in national and r.keys and len(r.keys[0]) >= MIN_EXTENSION_KEY]
        hits = sum(k in text_key for k in keys)
        if keys and hits * 2 >= len(keys) and hits > best_hits:
            best, best_hits = f"{form}{EXT_SEPARATOR}{name}", hits
    return best
