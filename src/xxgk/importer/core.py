"""The importer core: one report's lines (from any front end) → form, cover, narrative and cell values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from itertools import pairwise
from typing import Any

from xxgk.findings import Finding
from xxgk.importer import narrative
from xxgk.importer.cellvalue import read_value, shown
from xxgk.importer.crosscheck import check_text
from xxgk.importer.fit import fit_values, header_columns
from xxgk.importer.grouped import Group, match_groups
from xxgk.importer.keys import label_key
from xxgk.importer.labels import RowLabel, detect_extension, detect_form, row_labels
from xxgk.importer.match import match_rows
from xxgk.importer.messages import import_finding
from xxgk.importer.model import Imported, Line, Reading, Source
from xxgk.importer.position import ByPosition, match_by_position
from xxgk.importer.records import Record, is_page_mark, to_record
from xxgk.importer.repeats import Printing, Repeat, find_repeats, printing_starts, quote, withheld_rows
from xxgk.spec import MERGE_UP, SpecError, form_for_year, load_spec

_YUAN_HEADER = re.compile(r"[(（]\s*(?:单位\s*[:：]\s*)?元\s*[)）]")
UNIT_LOOKBACK = 12  # lines above a row searched for its column headers' units


def read_source(source: Source) -> Reading:
    """Everything one report says that the form holds; findings for what cannot be read with certainty."""
    lines = [line for line in source.lines if not is_page_mark(line)]
    texts = [line.text for line in lines]
    cover = narrative.title_cover(texts)
    form, finding = _form(label_key("".join(texts)), cover, source.path.name)
    reading = Reading(form, cover=cover, findings=[finding] if finding else [])
    if form is None:
        return reading
    date = narrative.publication_date(texts)
    if date:
        reading.cover["meta.filled_on"] = date
    records = [r for i, line in enumerate(lines) if (r := to_record(i, line)) is not None]
    rows = row_labels(form)
    found = _match(records, rows, texts)
    repeats = find_repeats(records, rows, found, texts, cover.get("meta.year"))
    withheld = withheld_rows(repeats)
    by_position = match_by_position(records, rows, found)
    found.update((m.index, m.row) for m in by_position)
    groups = {i: g for i, g in match_groups(records, rows, found).items() if id(g.rows[0]) not in withheld}
    reading.findings += [_repeat_finding(rep, records, texts, cover.get("meta.year")) for rep in repeats]
    _read_cells(reading, records, found, texts)
    _note_positions(reading, records, by_position)
    _note_repeats(reading, repeats)
    for i, group in groups.items():
        _read_group(reading, records, i, group)
    seen = set(map(id, found.values())) | {id(r) for g in groups.values() for r in g.rows} | withheld
    reading.findings += _missing_rows(rows, seen)
    reading.findings += _blank_totals(reading)
    printed = {i for rep in repeats for p in rep.printings for i, _ in p.events}
    table_lines = ({records[i].index for i in (*found, *groups, *printed)}
                   | {i for i, line in enumerate(lines) if line.table})
    _read_narrative(reading, lines, table_lines, rows)
    return reading


def _read_narrative(reading: Reading, lines: Sequence[Line], table_lines: set[int], rows: Sequence[RowLabel]) -> None:
    """The sections' text, and its numbers against the tables' (all running text when there are no headings)."""
    spec = load_spec(reading.form or "")
    leaves = tuple(k for r in rows for k in r.keys)
    reading.sections = _sections(lines, table_lines, _header_keys(spec.form), leaves)
    words = ([text for _, _, text in reading.sections] if reading.sections
             else [line.text for i, line in enumerate(lines) if i not in table_lines and not line.table])
    numbers = {cid: imp.value for cid, imp in reading.cells.items()}
    labels = {cid: f"{c.row.short}·{c.column.short}".strip("·") for cid, c in spec.cells.items()}
    reading.findings += check_text("\n".join(words), numbers, spec.form, labels)


def _form(text_key: str, cover: dict[str, object], name: str) -> tuple[str | None, Finding | None]:
    form, _ = detect_form(text_key)
    if form:
        return detect_extension(form, text_key), None
    year = cover.get("meta.year")
    if isinstance(year, int):
        try:
            form = form_for_year(year)
        except SpecError:
            form = None
        if form:
            return form, import_finding("import.form_by_year", year=year, form=form)
    return None, import_finding("import.unknown_form", name=name)


def _read_cells(reading: Reading, records: Sequence[Record], found: dict[int, RowLabel], texts: Sequence[str]) -> None:
    spec = load_spec(reading.form or "")
    first_seen: dict[int, Record] = {}
    for i in sorted(found):
        rec, row = records[i], found[i]
        ids = [row.block.cell_id(row.row, c) for c in row.block.columns]
        if id(row) in first_seen:
            _duplicate(reading, rec, first_seen[id(row)], row, ids)
            continue
        first_seen[id(row)] = rec
        values = fit_values(rec, len(ids), header_columns(records, i, row))
        if values is None:
            raw = " ".join(v.text.strip() or "（空）" for v in rec.values)
            reading.findings.append(import_finding("import.count_mismatch", ids=tuple(ids), where=rec.where,
                                                   label=row.label, expected=len(ids), actual=len(rec.values), raw=raw))
            continue
        for cid, column, piece in zip(ids, row.block.columns, values, strict=True):
            yuan = spec.cells[cid].type == "amount" and _yuan_header(column.label, texts, rec.index)
            _read_cell(reading, cid, spec.cells[cid].type, piece.text, piece.where, row.label, yuan)


def _match(records: Sequence[Record], rows: Sequence[RowLabel], texts: Sequence[str]) -> dict[int, RowLabel]:
    """Records → rows; where a table is printed again, each part of the document is matched apart."""
    found = match_rows(records, rows, texts)
    cuts = printing_starts(records, rows, found, texts)
    if not cuts:
        return found
    bounds = [0, *(next((n for n, r in enumerate(records) if r.index >= c), len(records)) for c in cuts), len(records)]
    out: dict[int, RowLabel] = {}
    for lo, hi in pairwise(bounds):
        out.update((lo + i, row) for i, row in match_rows(records[lo:hi], rows, texts).items())
    return out


def _repeat_finding(rep: Repeat, records: Sequence[Record], texts: Sequence[str], year: object) -> Finding:
    """One finding naming every printing of a table printed more than once: where it starts and ends, its caption."""
    def place(p: Printing) -> str:
        head, tail = _line_where(records, p.start), _line_where(records, p.end)
        span = head if tail == head else f"{head}至{tail}"
        unread = "" if p.events else "，其数字无法读出"
        return f"{span}（“{quote(p.caption or texts[p.start])}”{unread}）"

    ids = tuple(b.cell_id(row, c) for b in rep.table.blocks for row in b.rows for c in b.columns)
    places = "；".join(f"第 {k} 处：{place(p)}" for k, p in enumerate(rep.printings, 1))
    params = {"sheet": rep.table.sheet, "count": len(rep.printings), "places": places, "year": year or "？"}
    if rep.chosen is None:
        return import_finding("import.table_repeated", ids=ids, **params)
    k = next(n for n, p in enumerate(rep.printings, 1) if p is rep.chosen)
    return import_finding("import.table_repeated_year", ids=ids, chosen=k, **params)


def _line_where(records: Sequence[Record], index: int) -> str:
    """Where a line of the document is: its record's place (a header line is a record too)."""
    return next((r.where for r in records if r.index == index), "")


def _note_repeats(reading: Reading, repeats: Sequence[Repeat]) -> None:
    """Cells read from one printing of a table printed several times say so (来源 and the cell comments)."""
    for rep in repeats:
        if rep.chosen is None:
            continue
        k = next(n for n, p in enumerate(rep.printings, 1) if p is rep.chosen)
        note = f"本表在报告中出现 {len(rep.printings)} 次，按标注的年度取用第 {k} 处（“{quote(rep.chosen.caption)}”）"
        cells = load_spec(reading.form or "").cells
        for cid, imp in list(reading.cells.items()):
            if cells[cid].table == rep.table.id:
                reading.cells[cid] = replace(imp, note="；".join(x for x in (note, imp.note) if x))


def _note_positions(reading: Reading, records: Sequence[Record], matches: Sequence[ByPosition]) -> None:
    """A row recognised by its place despite a misprinted label: a warning quoting the label, noted on each cell."""
    for m in matches:
        rec = records[m.index]
        ids = tuple(m.row.block.cell_id(m.row.row, c) for c in m.row.block.columns)
        printed = rec.label_text.strip()
        params = {"where": rec.where, "raw": printed, "label": m.row.label, "before": m.before.label,
                  "after": m.after.label}
        reading.findings.append(import_finding("import.label_by_position", ids=ids, **params))
        note = f"原文行名“{printed}”与表式不同，按位置（“{m.before.label}”与“{m.after.label}”之间）认作本行"
        for cid in ids:
            if cid in reading.cells:
                imp = reading.cells[cid]
                reading.cells[cid] = replace(imp, note="；".join(x for x in (note, imp.note) if x))


def _read_group(reading: Reading, records: Sequence[Record], i: int, group: Group) -> None:
    """A group printed as one row: its sub-items 0 when the row is all zeros (a warning), else left blank."""
    rec = records[i]
    first = group.rows[0]
    columns = first.block.columns
    ids = tuple(r.block.cell_id(r.row, c) for r in group.rows for c in columns)
    values = fit_values(rec, len(columns), header_columns(records, i, first))
    raw = " ".join(v.text.strip() or "（空）" for v in rec.values)
    params = {"where": rec.where, "group": group.label, "count": len(group.rows), "raw": raw,
              "printed": rec.label_text.strip(), "items": "、".join(f"“{r.row.label[-1]}”" for r in group.rows)}
    spec = load_spec(reading.form or "")
    got = [read_value(v.text, spec.cells[first.block.cell_id(first.row, c)].type) for v, c in
           zip(values or (), columns, strict=False)]
    if values is None or not all(g.readable and g.value == 0 for g in got):
        reading.findings.append(import_finding("import.group_row", ids=ids, **params))
        return
    reading.findings.append(import_finding("import.group_row_zero", ids=ids, **params))
    note = f"原文把“{group.label}”印成一行（“{params['printed']} {raw}”），全为 0，各子项按 0 填入"
    for r in group.rows:
        for column, piece in zip(columns, values, strict=True):
            cid = r.block.cell_id(r.row, column)
            reading.cells[cid] = Imported(cid, Decimal(0), piece.text.strip(), piece.where, note)


def _duplicate(reading: Reading, rec: Record, first: Record, row: RowLabel, ids: list[str]) -> None:
    if [v.text.strip() for v in rec.values] == [v.text.strip() for v in first.values]:
        return
    for cid in ids:
        reading.cells.pop(cid, None)
    reading.findings.append(import_finding("import.duplicate_row", ids=tuple(ids), where=rec.where, label=row.label,
                                           other=first.where))


def _yuan_header(label: tuple[str, ...], texts: Sequence[str], at: int) -> bool:
    """The column's header says 元 (the form wants 万元): "采购总金额（元）"."""
    stem = label_key(re.split(r"[(（]", [p for p in label if p != MERGE_UP][-1])[0])
    return any(stem in label_key(t) and _YUAN_HEADER.search(t) for t in texts[max(0, at - UNIT_LOOKBACK): at])


def _read_cell(reading: Reading, cid: str, ctype: str, raw: str, where: str, label: str, yuan_header: bool) -> None:
    got = read_value(raw, ctype, header_yuan=yuan_header)
    text = raw.strip()
    if not got.readable:
        reading.findings.append(import_finding("import.unreadable_value", ids=(cid,), where=where, label=label, raw=text))
        return
    note = ""
    params: dict[str, Any] = {"ids": (cid,), "where": where, "label": label, "raw": text, "number": shown(got.value)}
    if got.yuan:
        note = f"原文“{text}”以元为单位，已换算为万元"
        reading.findings.append(import_finding("import.yuan", **params))
    elif got.unit and got.unit != "万元":
        note = f"原文“{text}”，去掉单位“{got.unit}”"
        reading.findings.append(import_finding("import.unit_dropped", unit=got.unit, **params))
    if got.note:
        note = "；".join(x for x in (note, f"原文说明：{got.note}") if x)
        reading.findings.append(import_finding("import.note", note=got.note, **params))
    reading.cells[cid] = Imported(cid, got.value, text, where, note)


MAX_LISTED_ROWS = 6


def _missing_rows(rows: Sequence[RowLabel], found: set[int]) -> list[Finding]:
    """One finding per table listing the rows the report does not have (or that could not be recognised)."""
    by_table: dict[str, list[RowLabel]] = {}
    for r in rows:
        if id(r) not in found:
            by_table.setdefault(r.table.sheet, []).append(r)
    out = []
    for sheet, missing in by_table.items():
        names = "、".join(f"“{r.label}”" for r in missing[:MAX_LISTED_ROWS])
        names += "等" if len(missing) > MAX_LISTED_ROWS else ""
        ids = tuple(r.block.cell_id(r.row, c) for r in missing for c in r.block.columns)
        out.append(import_finding("import.row_missing", ids=ids, sheet=sheet, labels=names, count=len(missing)))
    return out


def _blank_totals(reading: Reading) -> list[Finding]:
    """Totals the report prints blank: left blank in the workbook (not computed), one finding per table saying so,
    since validation can only call them "公式被删除"."""
    from xxgk.rules.expand import computed_cells

    spec = load_spec(reading.form or "")
    computed = set(computed_cells(spec))
    blank = [cid for cid, imp in reading.cells.items() if imp.value is None and cid in computed]
    out = []
    for table in dict.fromkeys(spec.cells[cid].table for cid in blank):
        ids = tuple(cid for cid in blank if spec.cells[cid].table == table)
        sheet = spec.table(table).sheet
        names = "、".join(f"“{_cell_label(spec.cells[cid])}”" for cid in ids[:MAX_LISTED_ROWS])
        names += "等" if len(ids) > MAX_LISTED_ROWS else ""
        out.append(import_finding("import.blank_total", ids=ids, sheet=sheet, labels=names, count=len(ids)))
    return out


def _cell_label(cell: Any) -> str:
    return f"{cell.row.short}·{cell.column.short}".strip("·")


def _header_keys(form: str) -> tuple[str, ...]:
    """Keys of the texts that only table headers hold: block titles, corners, column labels."""
    keys = set()
    for table in load_spec(form).tables:
        for block in table.blocks:
            keys |= {label_key(block.title or ""), label_key(block.corner or "")[:8]}
            keys |= {label_key(p) for c in block.columns for p in c.label if p != MERGE_UP}
    return tuple(k for k in keys if len(k) >= 3)


def _sections(lines: Sequence[Line], table_lines: set[int], header_keys: tuple[str, ...],
              leaves: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """The narrative of each standard section: its text lines outside the tables, in order."""
    heads = [(i, n) for i, line in enumerate(lines)
             if i not in table_lines and not line.table and (n := narrative.section_of(line.text)) is not None
             and not _row_label(label_key(line.text), leaves)]
    out: dict[int, tuple[list[str], list[str]]] = {}
    for k, (start, n) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        body = [i for i in range(start + 1, end)]
        tables = [i for i in body if i in table_lines or lines[i].table]
        tableish = tables + [i for i in body if _header_line(label_key(lines[i].text), header_keys)] if tables else []
        keep = [i for i in body if not tableish or i < min(tableish) or i > max(tableish)]
        titles, texts = out.setdefault(n, ([], []))
        titles.append(lines[start].text.strip())
        texts += [lines[i].text.strip() for i in keep if lines[i].text.strip()]
    return [(narrative.SECTIONS[n], "；".join(titles), "\n".join(narrative.paragraphs(texts)))
            for n, (titles, texts) in sorted(out.items())]


def _header_line(key: str, header_keys: tuple[str, ...]) -> bool:
    """A line made mostly of table header labels ("行政复议 行政诉讼", "申请人情况")."""
    rest = key
    for h in header_keys:
        rest = rest.replace(h, "")
    return len(rest) * 2 <= len(key)


def _row_label(key: str, leaves: tuple[str, ...]) -> bool:
    """A line that starts a table row's label ("1、申请人无正当理由逾期不补"), not a heading."""
    return any(leaf.startswith(key) or key.startswith(leaf) for leaf in leaves)
