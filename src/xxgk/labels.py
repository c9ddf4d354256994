"""Chinese names for cells and checks, from the spec's row and column labels: what staff read in the 校验
sheet, the CLI and the consolidated workbook, instead of cell ids and rule codes (which stay in --json and
in a narrow column for tools)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from xxgk.spec import MERGE_UP, Field, FormSpec

if TYPE_CHECKING:
    from xxgk.rules.expand import RuleInstance


def _tail(path: tuple[str, ...], k: int) -> list[str]:
    parts = [p for p in path if p and p != MERGE_UP]
    return parts[-k:] if k else []


@cache
def cell_labels(spec: FormSpec) -> dict[str, str]:
    """A short, unique header label per cell id: row and column labels, lengthened only where needed."""
    depth = {cid: 1 for cid in spec.cells}

    def label(cid: str) -> str:
        cell = spec.cells[cid]
        k = depth[cid]
        row = [cell.row.short] if k == 1 else _tail(cell.row.label, k)
        parts = [p for p in (*row, *_tail(cell.column.label, k)) if p]
        if k > 3:
            parts.insert(0, spec.table(cell.table).sheet)
        return "·".join(dict.fromkeys(parts)) or cid

    for _ in range(5):
        seen: dict[str, list[str]] = {}
        for cid in spec.cells:
            seen.setdefault(label(cid), []).append(cid)
        clashes = [c for group in seen.values() if len(group) > 1 for c in group]
        if not clashes:
            break
        for cid in clashes:
            depth[cid] += 1
    labels = {cid: label(cid) for cid in spec.cells}
    counts: dict[str, int] = {}
    for text in labels.values():
        counts[text] = counts.get(text, 0) + 1
    return {cid: text if counts[text] == 1 else f"{text}（{cid}）" for cid, text in labels.items()}


def rule_title(inst: RuleInstance, spec: FormSpec) -> str:
    """The check's name: 「依申请公开」（七）总计·自然人 for the cell a computing rule defines (or any rule whose
    left side is one cell); else the table and the labels the rule is taken over, e.g. 「依申请公开」自然人."""
    from xxgk.rules.ast import Ref
    from xxgk.rules.expand import binding_labels

    sheet = spec.table(inst.table).sheet
    if isinstance(inst.check.left, Ref):
        return f"「{sheet}」{cell_labels(spec)[inst.check.left.id]}"
    labels = list(dict.fromkeys(binding_labels(inst, spec).values()))
    return f"「{sheet}」{'·'.join(labels) or inst.rule.title}"


@cache
def rule_titles(spec: FormSpec) -> dict[str, str]:
    """Every rule instance's key -> its Chinese name."""
    from xxgk.rules.expand import expand_rules

    return {inst.key: rule_title(inst, spec) for inst in expand_rules(spec)}


def form_title(form: str) -> str:
    """A form as people name it: 国办公开办函〔2021〕30号 表式, with a provincial extension's title after it;
    the code (gb2021, gb2019+zj) stays in JSON and the CLI's options."""
    from xxgk.extensions import EXT_SEPARATOR, extension_info
    from xxgk.spec import load_spec

    national, _, ext = form.partition(EXT_SEPARATOR)
    try:
        text = f"{load_spec(national).basis} 表式"
        return text + (f"（含{extension_info(ext).title}）" if ext else "")
    except Exception:  # an unknown form (a stale database row): say so in Chinese, never show the code alone
        return "未知表式"


def field_title(f: Field, spec: FormSpec) -> str:
    """A cover field's name: 封面·填报单位."""
    return f"{spec.cover.sheet}·{f.label}"


def compact_cells(cells: Sequence[str], most: int = 6) -> str:
    """'表'!D6、D7、D29 — the sheet named once per run of cells on the same sheet; after `most` addresses,
    "等共 N 个单元格". One text for the CLI, the web pages and the template's 校验 sheet."""
    parts, last_sheet = [], None
    for ref in cells[:most]:
        sheet, _, a1 = ref.rpartition("!")
        parts.append(a1 if sheet == last_sheet else ref)
        last_sheet = sheet
    return "、".join(parts) + (f" 等共 {len(cells)} 个单元格" if len(cells) > most else "")
