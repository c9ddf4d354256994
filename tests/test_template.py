"""The Excel template: structure read back with openpyxl, live checks recalculated by LibreOffice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries
from python_calamine import CalamineWorkbook

from xxgk.checksheet import MAX_LISTED_CELLS
from xxgk.engine import cover_findings
from xxgk.identifiers import uscc_check_char
from xxgk.labels import compact_cells
from xxgk.layout import Layout, Pos, plan_layout
from xxgk.libreoffice import find_soffice, recalc_many
from xxgk.rules.excel import NotCompilable, compile_check, compile_expr
from xxgk.rules.expand import RuleInstance, computed_cells, expand_rules
from xxgk.spec import FORMS, FormSpec, defined_name, load_spec
from xxgk.template import (
    CHECK_HEADERS,
    CHECK_SHEET,
    FAILED_NAME,
    HELP_SHEET,
    STATUS_NAME,
    Styles,
    build_all,
    build_template,
    check_name,
    cover_checks,
)

VALID_USCC = "11330206MB0000000" + uscc_check_char("11330206MB0000000")


def compiled(spec: FormSpec) -> list[RuleInstance]:
    """The rule instances the 校验 sheet holds: those that need no previous-year data."""
    layout = plan_layout(spec)
    out = []
    for inst in expand_rules(spec):
        if inst.uses_prev:
            continue
        try:
            compile_check(inst.check, lambda cid: layout.pos[cid].ref, inst.rule.tolerance)
        except NotCompilable:
            continue
        out.append(inst)
    return out


def rule_row(spec: FormSpec, index: int) -> int:
    """0-based 校验 row of the index-th compiled rule instance: after the title rows and the cover checks."""
    return 4 + len(cover_checks(spec)) + index


def inputs(spec: FormSpec) -> list[str]:
    computed = set(computed_cells(spec))
    return [cid for cid in spec.cells if cid not in computed]


def sqref_cells(sqref: Any) -> set[str]:
    """Every A1 cell of an openpyxl sqref / MultiCellRange."""
    cells = set()
    for rng in str(sqref).split():
        min_col, min_row, max_col, max_row = range_boundaries(rng)
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                cells.add(Pos("", r - 1, c - 1).a1)
    return cells


def name_target(wb: Any, name: str) -> str:
    return str(wb.defined_names[name].attr_text)


@pytest.fixture(scope="module", params=FORMS)
def form_book(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    spec = load_spec(request.param)
    path = build_template(spec, tmp_path_factory.mktemp(request.param) / "模板.xlsx")
    wb = openpyxl.load_workbook(path)
    yield spec, plan_layout(spec), wb, path
    wb.close()


# ---- pure API ---------------------------------------------------------------------------------------


def test_check_name() -> None:
    assert check_name("R3[natural]") == "xxgk_check_R3_natural"
    assert check_name("R1[withheld_secret]") == "xxgk_check_R1_withheld_secret"
    assert check_name("R9[a,b]") == "xxgk_check_R9_a_b"
    assert check_name("R5") == "xxgk_check_R5"


@pytest.mark.parametrize("form", FORMS)
def test_same_input_same_bytes(form: str, tmp_path: Path) -> None:
    spec = load_spec(form)
    values: dict[str, object] = {cid: i % 7 for i, cid in enumerate(inputs(spec))}
    values.update({"meta.agency": "某某局", "meta.filled_on": dt.date(spec.years[0] + 1, 1, 15)})
    for kw in ({}, {"values": values}):
        a = build_template(spec, tmp_path / "a.xlsx", **kw).read_bytes()  # type: ignore[arg-type]
        b = build_template(spec, tmp_path / "b.xlsx", **kw).read_bytes()  # type: ignore[arg-type]
        assert a == b


def test_build_all_names_files_by_first_year(tmp_path: Path) -> None:
    paths = build_all(tmp_path / "out")
    assert [p.name for p in paths[: len(FORMS)]] == [f"信息公开年报模板_{load_spec(f).years[0]}.xlsx" for f in FORMS]
    assert [p.name for p in paths] == ["信息公开年报模板_2021.xlsx", "信息公开年报模板_2019.xlsx",
                                       "信息公开年报模板_2019_浙江.xlsx"]  # then the provincial extensions
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)  # no temp files


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    spec = load_spec("gb2021")
    with pytest.raises(ValueError, match="computed"):
        build_template(spec, tmp_path / "x.xlsx", values={"requests.new.total": 3})
    with pytest.raises(ValueError, match="not a computed"):
        build_template(spec, tmp_path / "x.xlsx", overrides={"requests.new.natural": 3})
    with pytest.raises(KeyError):
        build_template(spec, tmp_path / "x.xlsx", values={"requests.nope.natural": 3})
    with pytest.raises(TypeError):
        build_template(spec, tmp_path / "x.xlsx", values={"requests.new.natural": True})
    assert list(tmp_path.iterdir()) == []


def test_write_is_atomic(tmp_path: Path) -> None:
    spec = load_spec("gb2021")
    target = build_template(spec, tmp_path / "模板.xlsx")
    before = target.read_bytes()

    def boom(_wb: Any, _styles: Styles) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        build_template(spec, target, values={"meta.agency": "别的局"}, extra=boom)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["模板.xlsx"]


def test_extra_adds_sheets_after_the_standard_ones(tmp_path: Path) -> None:
    spec = load_spec("gb2021")

    def add(wb: Any, styles: Styles) -> None:
        ws = wb.add_worksheet("汇总名单")
        ws.write_string(0, 0, "单位", styles.header)

    path = build_template(spec, tmp_path / "t.xlsx", extra=add)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-3:] == [CHECK_SHEET, HELP_SHEET, "汇总名单"]
    assert wb["汇总名单"]["A1"].value == "单位"
    assert wb["汇总名单"]["A1"].font.b


# ---- structure, read back with openpyxl --------------------------------------------------------------


def test_sheets_and_properties(form_book: tuple) -> None:
    spec, _layout, wb, _path = form_book
    assert wb.sheetnames == [spec.cover.sheet, *(t.sheet for t in spec.tables), CHECK_SHEET, HELP_SHEET]
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"xxgk_form": spec.form, "xxgk_spec_version": spec.spec_version}
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title  # anyone can lift it with an empty password
        assert ws.protection.formatColumns is False and ws.protection.formatRows is False  # i.e. allowed
        assert ws.print_area, ws.title


def test_defined_names_point_at_the_layout(form_book: tuple) -> None:
    spec, layout, wb, _path = form_book
    assert set(layout.pos) == set(spec.cells) | set(spec.field_ids)
    for cid, pos in layout.pos.items():
        assert name_target(wb, defined_name(cid)) == pos.ref, cid
    for i, check in enumerate(cover_checks(spec)):
        assert name_target(wb, check.name) == Pos(CHECK_SHEET, 4 + i, 6).ref
    for i, inst in enumerate(compiled(spec)):
        assert name_target(wb, check_name(inst.key)) == Pos(CHECK_SHEET, rule_row(spec, i), 6).ref
    assert name_target(wb, FAILED_NAME) == Pos(CHECK_SHEET, 1, 1).ref
    assert name_target(wb, STATUS_NAME) == Pos(spec.cover.sheet, layout.cover.last_row + 2, 0).ref


def test_every_span_is_drawn_with_its_spec_label(form_book: tuple) -> None:
    _spec, layout, wb, _path = form_book
    for plan in (layout.cover, *layout.tables):
        ws = wb[plan.name]
        merged = {str(r) for r in ws.merged_cells.ranges}
        for span in plan.spans:
            cell = ws.cell(span.first_row + 1, span.first_col + 1)
            assert (cell.value or "") == span.text, (plan.name, span)
            if (span.first_row, span.first_col) != (span.last_row, span.last_col):
                ref = f"{Pos('', span.first_row, span.first_col).a1}:{Pos('', span.last_row, span.last_col).a1}"
                assert ref in merged, (plan.name, span)
            if span.kind in ("header", "corner", "row_label"):
                assert cell.border.left.style and cell.alignment.wrap_text
            if span.kind in ("title", "block_title", "header"):
                assert cell.font.b


def test_applicant_header_is_where_the_layout_puts_it(form_book: tuple) -> None:
    spec, layout, wb, _path = form_book
    plan = next(p for p in layout.tables if p.name == spec.table("requests").sheet)
    (span,) = [s for s in plan.spans if s.text == "申请人情况"]
    ws = wb[plan.name]
    assert ws.cell(span.first_row + 1, span.first_col + 1).value == "申请人情况"
    first = Pos("", span.first_row, span.first_col).a1
    assert any(str(r).startswith(first + ":") for r in ws.merged_cells.ranges)
    # ... and it heads exactly the six applicant columns
    cols = {layout.pos[f"requests.new.{k}"].col for k in spec.groups["applicants"].keys}
    assert cols == set(range(span.first_col, span.last_col + 1))


def test_computed_cells_are_locked_formulas_inputs_unlocked_and_validated(form_book: tuple) -> None:
    spec, layout, wb, _path = form_book
    exprs = computed_cells(spec)
    assert exprs  # every form has totals
    validated: dict[str, set[str]] = {}
    for plan in layout.tables:
        ws = wb[plan.name]
        for dv in ws.data_validations.dataValidation:
            for a1 in sqref_cells(dv.sqref):
                validated.setdefault(f"{plan.name}!{a1}", set()).add(dv.type)
    expected_type = {"count": "whole", "signed": "whole", "amount": "decimal"}
    for cid, cell in spec.cells.items():
        pos = layout.pos[cid]
        c = wb[pos.sheet][pos.a1]
        key = f"{pos.sheet}!{pos.a1}"
        if cid in exprs:
            assert c.value == "=" + compile_expr(exprs[cid], lambda i: layout.pos[i].ref), cid
            assert c.protection.locked, cid
            assert c.fill.fgColor.rgb not in (None, "00000000", "FFFFFFFF"), cid  # grey
            assert key not in validated, cid
        else:
            assert c.value is None, cid
            assert c.protection.locked is False, cid
            assert validated.get(key) == {expected_type[cell.type]}, cid
            dv = next(d for d in wb[pos.sheet].data_validations.dataValidation if pos.a1 in sqref_cells(d.sqref))
            assert dv.errorTitle and dv.error and dv.promptTitle and dv.prompt
            assert dv.showErrorMessage and dv.showInputMessage
            if cell.type == "count":
                assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
                assert "不小于 0 的整数" in dv.error
            if cell.type == "amount":
                assert "万元" in dv.prompt and "6 位小数" in dv.prompt
                assert c.number_format == "0.######"


def test_cover_fields_validated_by_type(form_book: tuple) -> None:
    spec, layout, wb, _path = form_book
    ws = wb[spec.cover.sheet]
    by_cell = {}
    for dv in ws.data_validations.dataValidation:
        for a1 in sqref_cells(dv.sqref):
            by_cell[a1] = dv
    expected = {"choice": "list", "uscc": "textLength", "region": "custom", "year": "whole", "date": "date"}
    for f in spec.cover.fields:
        pos = layout.pos[f.id]
        assert ws.cell(pos.row + 1, 1).value == f.label
        cell = ws[pos.a1]
        assert cell.protection.locked is False, f.id
        if f.type in expected:
            assert by_cell[pos.a1].type == expected[f.type], f.id
        if f.type == "choice":
            assert by_cell[pos.a1].formula1 == '"' + ",".join(f.choices) + '"'
            assert cell.value == f.default
        if f.type == "uscc":
            assert by_cell[pos.a1].formula1 == "18" and "统一社会信用代码" in by_cell[pos.a1].prompt
        if f.type == "year":
            assert (by_cell[pos.a1].formula1, by_cell[pos.a1].formula2) == tuple(str(y) for y in spec.years)
    status = ws.cell(layout.cover.last_row + 3, 1).value
    assert status.startswith("=IF(") and FAILED_NAME in status and "全部校验通过" in status


def test_check_sheet_rows(form_book: tuple) -> None:
    spec, layout, wb, _path = form_book
    ws = wb[CHECK_SHEET]
    addr = lambda cid: layout.pos[cid].ref  # noqa: E731
    assert [c.value for c in ws[4]] == list(CHECK_HEADERS)
    instances = compiled(spec)
    assert len(instances) == sum(1 for i in expand_rules(spec) if not i.uses_prev)
    assert any(i.uses_prev for i in expand_rules(spec))  # skipped, not shown
    checks = cover_checks(spec)
    for row, check in enumerate(checks, start=5):  # the cover's checks come first
        pos = layout.pos[check.field.id]
        title, note, cells, left, right, diff, verdict, key = (c.value for c in ws[row][:8])
        assert title == f"{spec.cover.sheet}·{check.field.label}"  # named in Chinese; the code for tools last
        assert key == check.key and note == check.note(spec) and note.startswith(check.field.label)
        assert cells == pos.address
        assert (left, right, diff) == (None, None, None)
        assert verdict == f'=IF({check.condition(pos.ref, spec)},"✓","✗")'
    for row, inst in enumerate(instances, start=rule_row(spec, 0) + 1):
        title, note, cells, left, right, diff, verdict, rule = (c.value for c in ws[row][:8])
        l_f, r_f, cond = compile_check(inst.check, addr, inst.rule.tolerance)
        assert rule == inst.key and title.startswith(f"「{spec.table(inst.table).sheet}」") and "[" not in title
        assert note.startswith(inst.rule.title)
        addresses = [layout.pos[cid].address for cid in inst.ids]
        assert cells == compact_cells(addresses, MAX_LISTED_CELLS) and cells.startswith(addresses[0])
        sheets = [a.rpartition("!")[0] for a in addresses[:MAX_LISTED_CELLS]]
        assert cells.count("!") == sum(i == 0 or s != sheets[i - 1] for i, s in enumerate(sheets))  # once per run
        assert (left, right, diff) == ("=" + l_f, "=" + r_f, f"=D{row}-E{row}")
        assert verdict == f'=IF({cond},"✓","✗")'
    last = 4 + len(checks) + len(instances)
    assert ws["B2"].value == f'=COUNTIF($G$5:$G${last},"✗")'
    assert ws.max_row == last
    r3 = next(row for row, inst in enumerate(instances, start=rule_row(spec, 0) + 1) if inst.key == "R3[natural]")
    assert "自然人" in ws.cell(r3, 2).value
    r2 = next(row for row, inst in enumerate(instances, start=rule_row(spec, 0) + 1) if inst.key == "R2[natural]")
    assert "等共" in ws.cell(r2, 3).value  # 20+ cells: the list is cut short
    assert ws.cell(r2, 1).value == "「依申请公开」（七）总计·自然人"
    r1 = next(row for row, inst in enumerate(instances, start=rule_row(spec, 0) + 1)
              if inst.key == "R1[withheld_secret]")
    assert ws.cell(r1, 1).value == "「依申请公开」（三）不予公开1.属于国家秘密·总计"


def test_inputs_turn_red_when_their_checks_fail(form_book: tuple) -> None:
    spec, layout, wb, _path = form_book
    owners: dict[str, set[str]] = {}
    for inst in compiled(spec):
        for cid in inst.ids:
            owners.setdefault(cid, set()).add(check_name(inst.key))
    computed = set(computed_cells(spec))
    rules: dict[str, list[str]] = {}
    for plan in layout.tables:
        for cf in wb[plan.name].conditional_formatting:
            for rule in cf.rules:
                for a1 in sqref_cells(cf.sqref):
                    rules.setdefault(f"{plan.name}!{a1}", []).extend(rule.formula or [])
    for cid in inputs(spec):
        pos = layout.pos[cid]
        formulas = [f for f in rules.get(f"{pos.sheet}!{pos.a1}", []) if "xxgk_check_" in f]
        if cid not in owners:
            assert not formulas, cid
            continue
        assert len(formulas) == 1, cid
        assert {n for n in owners[cid] if f'{n}="✗"' in formulas[0]} == owners[cid], cid
    assert all(f"{layout.pos[c].sheet}!{layout.pos[c].a1}" not in rules for c in computed if c in owners)
    new_natural = layout.pos["requests.new.natural"]
    (formula,) = [f for f in rules[f"{new_natural.sheet}!{new_natural.a1}"] if "xxgk_check_" in f]
    assert formula == 'OR(xxgk_check_R1_new="✗",xxgk_check_R3_natural="✗")'


def test_cover_checks_follow_the_spec_fields(form_book: tuple) -> None:
    spec, _layout, _wb, _path = form_book
    expected = []
    for f in spec.cover.fields:
        if f.required:
            expected.append(f"cover.required[{f.id}]")
        if f.type in ("uscc", "region", "year", "choice"):
            expected.append(f"cover.{f.type}[{f.id}]")
    assert [c.key for c in cover_checks(spec)] == expected
    assert "cover.uscc[meta.uscc]" in expected and "cover.required[meta.agency]" in expected
    assert check_name("cover.uscc[meta.uscc]") == "xxgk_check_cover_uscc_meta_uscc"
    for c in cover_checks(spec):
        assert c.name == check_name(c.key) and c.code == c.key.split("[")[0]
        assert c.note(spec).startswith(c.field.label + "：")


def test_cover_checks_are_driven_by_the_spec(tmp_path: Path) -> None:
    """Relabel the USCC field and make it required: the lines follow, nothing is keyed on a label."""
    spec = load_spec("gb2021")
    fields = tuple(dataclasses.replace(f, label="机构代码", required=True) if f.type == "uscc" else f
                   for f in spec.cover.fields)
    spec = dataclasses.replace(spec, cover=dataclasses.replace(spec.cover, fields=fields))
    keys = [c.key for c in cover_checks(spec)]
    assert keys.index("cover.required[meta.uscc]") == keys.index("cover.uscc[meta.uscc]") - 1
    wb = openpyxl.load_workbook(build_template(spec, tmp_path / "t.xlsx"))
    rows = {row[7].value: row[1].value for row in wb[CHECK_SHEET].iter_rows(min_row=5) if row[7].value}
    titles = {row[7].value: row[0].value for row in wb[CHECK_SHEET].iter_rows(min_row=5) if row[7].value}
    assert titles["cover.required[meta.uscc]"] == f"{spec.cover.sheet}·机构代码"
    assert rows["cover.required[meta.uscc]"] == "机构代码：必须填写"
    assert rows["cover.uscc[meta.uscc]"].startswith("机构代码：18 位") and "未填写时不检查" not in rows["cover.uscc[meta.uscc]"]
    assert "未填写时不检查" in rows["cover.region[meta.region]"]


PORTABLE = {"IF", "OR", "AND", "TRIM", "SUBSTITUTE", "CHAR", "LEN", "MID", "FIND", "MOD", "SUMPRODUCT",
            "IFERROR", "ISNUMBER", "VALUE", "EXACT"}


def test_cover_formulas_use_only_portable_functions(form_book: tuple) -> None:
    spec, layout, wb, _path = form_book
    ws = wb[CHECK_SHEET]
    for i, check in enumerate(cover_checks(spec)):
        formula = ws.cell(5 + i, 7).value
        used = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", formula))
        assert used <= PORTABLE, (check.key, used - PORTABLE)
        assert len(formula) < 8192 and "@" not in formula
        assert layout.pos[check.field.id].ref in formula
    uscc = ws.cell(5 + [c.key for c in cover_checks(spec)].index("cover.uscc[meta.uscc]"), 7).value
    assert "SUMPRODUCT(" in uscc and "{1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28}" in uscc


def test_cover_fields_turn_red_when_their_checks_fail(form_book: tuple) -> None:
    spec, layout, wb, _path = form_book
    ws = wb[spec.cover.sheet]
    rules: dict[str, list[str]] = {}
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            for a1 in sqref_cells(cf.sqref):
                rules.setdefault(a1, []).extend(rule.formula or [])
    owners: dict[str, list[str]] = {}
    for c in cover_checks(spec):
        owners.setdefault(c.field.id, []).append(c.name)
    for f in spec.cover.fields:
        formulas = [x for x in rules.get(layout.pos[f.id].a1, []) if "xxgk_check_" in x]
        if f.id not in owners:
            assert not formulas, f.id
            continue
        tests = ",".join(f'{n}="✗"' for n in owners[f.id])
        assert formulas == [f"OR({tests})" if len(owners[f.id]) > 1 else tests], f.id
    year = layout.pos["meta.year"].a1
    assert [x for x in rules[year] if "xxgk_check_" in x] == [
        'OR(xxgk_check_cover_required_meta_year="✗",xxgk_check_cover_year_meta_year="✗")']


def test_untouched_template_reports_its_missing_required_fields(tmp_path: Path) -> None:
    """The downloaded template is not "all passed": its required fields are blank."""
    spec = load_spec("gb2021")
    layout = plan_layout(spec)
    book = read_book(build_template(spec, tmp_path / "t.xlsx"))
    missing = {f"cover.required[{f.id}]" for f in spec.cover.fields if f.required and f.default is None}
    assert {k for k, v in cover_verdicts(book, spec).items() if v == "✗"} == missing == {
        "cover.required[meta.agency]", "cover.required[meta.year]"}
    assert at_pos(book, Pos(CHECK_SHEET, 1, 1)) == 2
    assert status(book, spec, layout) == "✗ 有 2 项校验未通过，请查看“校验”表"


FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHJKLMNPQRTUWXYabcdefghjklmnpqrtuwxy"}
USCC_EDGES = [VALID_USCC, VALID_USCC.lower(), f"  {VALID_USCC} ", f"{VALID_USCC[:8]} {VALID_USCC[8:]}", f"\t{VALID_USCC}\n",
              "\u3000" + VALID_USCC, "".join(FULLWIDTH[c] for c in VALID_USCC), VALID_USCC[:17], VALID_USCC + "1",
              VALID_USCC[:17] + ("0" if VALID_USCC[17] != "0" else "1"), VALID_USCC[:10] + "I" + VALID_USCC[11:],
              VALID_USCC[:10] + "O" + VALID_USCC[11:], VALID_USCC[:10] + "o" + VALID_USCC[11:], "-" * 18, "\u3000", " ",
              "91350100M000100Y43", "91350100m000100y43", "９１３５０１００Ｍ０００１００Ｙ４３"]
REGION_EDGES = ["330206", " 330206 ", 330206, 330206.0, "33020", "3302061", "990000", "000000", "330 206", "33020a",
                "３３０２０６", 110000, 820000, 830000, "1e5", "-33020", "\u3000"]
YEAR_EDGES = [2021, "2021", " 2021 ", "２０２１", "2０21", "02021", 2019, "2019", 2100, 2101, "2024年", "2021.0",
              2021.5, -2021, "二〇二一", "20 21", "", None, dt.date(2021, 1, 1), "0x7e5"]
KIND_EDGES = ["单位", "汇总", " 汇总\t", "部门", "单位 ", "单 位", "", None, 1]


@pytest.mark.parametrize("form", FORMS)
def test_cached_cover_verdicts_follow_the_engine(form: str) -> None:
    """The cached verdict (CoverCheck.passes, the formulas' twin) against engine.cover_findings on the text the
    reader makes of the same cell, for the edges a user produces: case, spaces, full-width forms, numbers."""
    spec = load_spec(form)
    positions = plan_layout(spec).pos
    edges = {"meta.agency": ["某局", " 某局 ", "", " ", "\u3000", "\t", None, 0],
             "meta.uscc": USCC_EDGES, "meta.region": REGION_EDGES, "meta.year": YEAR_EDGES, "meta.kind": KIND_EDGES}
    checks = cover_checks(spec)
    for fid, values in edges.items():
        for value in values:
            meta = {fid: reader_text(value)}
            fill = types.SimpleNamespace(spec=spec, meta=meta, positions=positions, findings=[])
            engine = {f"{f.code}[{f.ids[0]}]" for f in cover_findings(fill) if f.ids == (fid,)}  # type: ignore[arg-type]
            cached = {c.key for c in checks if c.field.id == fid and not c.passes(value, spec)}
            assert cached == engine, (form, fid, value)


def reader_text(value: object) -> str:
    """What xxgk.reader makes of a cover cell holding `value` as build_template writes it."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(float(value))
    return value.strip() if isinstance(value, str) else str(value)


def test_help_sheet_explains_filling_checks_protection_and_cli(form_book: tuple) -> None:
    spec, _layout, wb, _path = form_book
    text = "\n".join(str(c.value) for c in wb[HELP_SHEET]["A"] if c.value)
    for needle in ("白色单元格", "填 0", "万元", "6 位小数", "7次", CHECK_SHEET, "撤销工作表保护", "密码留空",
                   "xxgk validate 文件.xlsx", spec.basis, spec.cover.sheet):
        assert needle in text, needle


def test_values_and_overrides_are_written_as_given(tmp_path: Path) -> None:
    spec = load_spec("gb2021")
    layout = plan_layout(spec)
    path = build_template(spec, tmp_path / "t.xlsx",
                          values={"requests.new.natural": "7次", "requests.new.business": 4,
                                  "active.fees.amount": 12.345678, "meta.agency": "某某局",
                                  "meta.filled_on": dt.date(2022, 1, 15), "meta.region": "110105"},
                          overrides={"requests.new.total": 99})
    wb = openpyxl.load_workbook(path)

    def at(cid: str) -> Any:
        return wb[layout.pos[cid].sheet][layout.pos[cid].a1]

    assert at("requests.new.natural").value == "7次" and at("requests.new.natural").data_type == "s"
    assert at("requests.new.business").value == 4
    assert at("active.fees.amount").value == 12.345678
    assert at("requests.new.total").value == 99 and at("requests.new.total").protection.locked
    assert at("requests.carried.total").value.startswith("=SUM(")
    assert at("meta.agency").value == "某某局"
    assert at("meta.filled_on").value == dt.datetime(2022, 1, 15)
    assert at("meta.region").value == "110105"


def test_cached_results_match_the_formulas(tmp_path: Path) -> None:
    """Readers that do not recalculate still see the right totals and verdicts."""
    spec = load_spec("gb2021")
    fill = consistent_fill(spec)
    fill["requests.forward.natural"] = int(fill["requests.forward.natural"]) - 3  # type: ignore[call-overload]
    path = build_template(spec, tmp_path / "t.xlsx", values=fill)
    got = read_book(path)
    layout = plan_layout(spec)
    assert cell(got, layout, "requests.total.total") == EXPECTED["requests.total.total"]
    assert failing(got, spec) == {"R3[natural]", "R3[total]"}
    assert status(got, spec, layout) == "✗ 有 2 项校验未通过，请查看“校验”表"


# ---- live checks, recalculated by LibreOffice ---------------------------------------------------------


def consistent_fill(spec: FormSpec) -> dict[str, object]:
    """Every R1–R4 check holds: per applicant j, new 20+j, carried 2, outcomes 3+j, 1, then 0/1 alternating."""
    values: dict[str, object] = {"meta.agency": "测试县人民政府办公室", "meta.year": spec.years[0],
                                 "meta.uscc": VALID_USCC, "meta.region": "330206"}
    outcomes = spec.groups["outcomes"].keys
    for j, a in enumerate(spec.groups["applicants"].keys):
        values[f"requests.new.{a}"] = 20 + j
        values[f"requests.carried.{a}"] = 2
        handled = 0
        for k, o in enumerate(outcomes):
            v = 3 + j if k == 0 else 1 if k == 1 else k % 2
            values[f"requests.{o}.{a}"] = v
            handled += v
        values[f"requests.forward.{a}"] = 22 + j - handled
    for i, b in enumerate(spec.groups["appeal_blocks"].keys):
        for k, r in enumerate(spec.groups["results"].keys):
            values[f"{b}.{r}"] = i + k
    for i, cid in enumerate(c for c in inputs(spec) if c.startswith("active.")):
        values[cid] = 12.345678 if spec.cells[cid].type == "amount" else i + 1
    return values


EXPECTED = {  # consistent_fill for gb2021
    "requests.new.total": 135.0,  # 20..25
    "requests.carried.total": 12.0,
    "requests.total.natural": 13.0,  # 3 + 1 + the nine odd k in 2..20
    "requests.total.total": 93.0,  # 13..18
    "requests.forward.natural": 9.0,  # 20 + 2 - 13
    "requests.forward.total": 54.0,
    "review.total": 6.0,  # 0+1+2+3
    "suit_direct.total": 10.0,
    "suit_after_review.total": 14.0,
}


def read_book(path: Path) -> dict[str, list[list[Any]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


def at_pos(book: dict[str, list[list[Any]]], pos: Pos) -> Any:
    rows = book[pos.sheet]
    return rows[pos.row][pos.col] if pos.row < len(rows) and pos.col < len(rows[pos.row]) else ""


def cell(book: dict[str, list[list[Any]]], layout: Layout, cid: str) -> Any:
    return at_pos(book, layout.pos[cid])


def verdicts(book: dict[str, list[list[Any]]], spec: FormSpec) -> dict[str, str]:
    return {inst.key: at_pos(book, Pos(CHECK_SHEET, rule_row(spec, i), 6)) for i, inst in enumerate(compiled(spec))}


def cover_verdicts(book: dict[str, list[list[Any]]], spec: FormSpec) -> dict[str, str]:
    return {c.key: at_pos(book, Pos(CHECK_SHEET, 4 + i, 6)) for i, c in enumerate(cover_checks(spec))}


def failing(book: dict[str, list[list[Any]]], spec: FormSpec) -> set[str]:
    v = verdicts(book, spec)
    assert set(v.values()) <= {"✓", "✗"}
    return {k for k, x in v.items() if x == "✗"}


def status(book: dict[str, list[list[Any]]], spec: FormSpec, layout: Layout) -> str:
    return str(at_pos(book, Pos(spec.cover.sheet, layout.cover.last_row + 2, 0)))


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, dict, Path]]:
    """Four fills of gb2021, recalculated in one LibreOffice start: (recalculated values, cached values, output path)."""
    if find_soffice() is None:
        pytest.fail("LibreOffice (soffice) is required by this test suite: apt-get install libreoffice-calc-nogui")
    spec = load_spec("gb2021")
    base = tmp_path_factory.mktemp("lo")
    good = consistent_fill(spec)
    broken = dict(good)
    broken["requests.forward.natural"] = int(good["requests.forward.natural"]) - 3  # type: ignore[call-overload]
    broken["review.pending"] = "7次"  # staff typed a unit (the value was 3): formulas read it as 0
    cases = {
        "good": build_template(spec, base / "good.xlsx", values=good),
        "broken": build_template(spec, base / "broken.xlsx", values=broken),
        "override": build_template(spec, base / "override.xlsx", values=good, overrides={"requests.new.total": 999}),
        # QA: a wrong cover under consistent tables (no 填报单位, a 5-digit region, a year before this form)
        "cover": build_template(spec, base / "cover.xlsx", values={
            **{k: v for k, v in good.items() if k != "meta.agency"}, "meta.region": "33020", "meta.year": 2019}),
    }
    done = recalc_many(list(cases.values()), base / "out")
    return {name: (read_book(out), read_book(src), out) for (name, src), out in zip(cases.items(), done, strict=True)}


@pytest.mark.libreoffice
def test_consistent_fill_passes_every_check(recalculated: dict) -> None:
    spec, layout = load_spec("gb2021"), plan_layout(load_spec("gb2021"))
    book, cached, _ = recalculated["good"]
    for cid, value in EXPECTED.items():
        assert cell(book, layout, cid) == value, cid
    assert cell(book, layout, "active.fees.amount") == 12.345678
    assert set(verdicts(book, spec).values()) == {"✓"}
    assert set(cover_verdicts(book, spec).values()) == {"✓"}
    assert at_pos(book, Pos(CHECK_SHEET, 1, 1)) == 0
    assert status(book, spec, layout) == "✓ 全部校验通过"
    assert cached[CHECK_SHEET] == book[CHECK_SHEET]  # the cached results were right already


@pytest.mark.libreoffice
def test_r3_broken_for_natural_persons(recalculated: dict) -> None:
    spec, layout = load_spec("gb2021"), plan_layout(load_spec("gb2021"))
    book, cached, _ = recalculated["broken"]
    # forward.natural is 3 short: R3 fails for the 自然人 column and, through the computed
    # forward.total, for the 总计 column; R1[forward] still holds because forward.total is its formula.
    assert failing(book, spec) == {"R3[natural]", "R3[total]"}
    assert cell(book, layout, "requests.forward.total") == EXPECTED["requests.forward.total"] - 3
    assert at_pos(book, Pos(CHECK_SHEET, 1, 1)) == 2
    assert status(book, spec, layout) == "✗ 有 2 项校验未通过，请查看“校验”表"
    r3 = next(i for i, inst in enumerate(compiled(spec)) if inst.key == "R3[natural]")
    assert [at_pos(book, Pos(CHECK_SHEET, rule_row(spec, r3), c)) for c in (3, 4, 5)] == [22.0, 19.0, 3.0]
    # text in an input cell is 0 to the formulas (so R4 holds); the validator, not the sheet, flags it
    assert cell(book, layout, "review.pending") == "7次"
    assert cell(book, layout, "review.total") == EXPECTED["review.total"] - 3
    assert cached[CHECK_SHEET] == book[CHECK_SHEET]


@pytest.mark.libreoffice
def test_overwritten_total_fails_r1(recalculated: dict) -> None:
    spec, layout = load_spec("gb2021"), plan_layout(load_spec("gb2021"))
    book, cached, _ = recalculated["override"]
    assert cell(book, layout, "requests.new.total") == 999
    # the typed total no longer equals its row (R1[new]) and feeds the 总计 column of R3
    assert failing(book, spec) == {"R1[new]", "R3[total]"}
    assert status(book, spec, layout) == "✗ 有 2 项校验未通过，请查看“校验”表"
    assert cached[CHECK_SHEET] == book[CHECK_SHEET]


@pytest.mark.libreoffice
def test_wrong_cover_fails_its_lines_and_the_status(recalculated: dict) -> None:
    spec, layout = load_spec("gb2021"), plan_layout(load_spec("gb2021"))
    book, cached, _ = recalculated["cover"]
    assert failing(book, spec) == set()  # the tables are consistent
    bad = {k for k, v in cover_verdicts(book, spec).items() if v == "✗"}
    assert bad == {"cover.required[meta.agency]", "cover.region[meta.region]", "cover.year[meta.year]"}
    assert set(cover_verdicts(book, spec).values()) == {"✓", "✗"}
    assert at_pos(book, Pos(CHECK_SHEET, 1, 1)) == 3
    assert status(book, spec, layout) == "✗ 有 3 项校验未通过，请查看“校验”表"
    assert cached[CHECK_SHEET] == book[CHECK_SHEET]
    assert cached[spec.cover.sheet] == book[spec.cover.sheet]


@pytest.mark.libreoffice
def test_libreoffice_keeps_names_and_conditional_formats(recalculated: dict) -> None:
    spec, layout = load_spec("gb2021"), plan_layout(load_spec("gb2021"))
    _book, _cached, path = recalculated["broken"]
    wb = openpyxl.load_workbook(path)
    row = rule_row(spec, [i.key for i in compiled(spec)].index("R3[natural]"))
    assert name_target(wb, check_name("R3[natural]")).replace("'", "") == Pos(CHECK_SHEET, row, 6).ref.replace("'", "")
    pos = layout.pos["requests.forward.natural"]
    formulas = [f for cf in wb[pos.sheet].conditional_formatting if pos.a1 in sqref_cells(cf.sqref)
                for rule in cf.rules for f in (rule.formula or [])]
    assert any("xxgk_check_R3_natural" in f for f in formulas), formulas


def test_committed_workbooks_are_up_to_date(tmp_path: Path) -> None:
    """workbook/ holds what staff download: it must be exactly what the specs build today (`make templates`)."""
    repo_books = Path(__file__).resolve().parents[1] / "workbook"
    for built in build_all(tmp_path):
        committed = repo_books / built.name
        assert committed.exists(), f"missing {committed}; run `make templates`"
        assert committed.read_bytes() == built.read_bytes(), f"{committed.name} is stale; run `make templates`"


def test_compact_cells_names_each_sheet_once_per_run() -> None:
    cells = ["'依申请公开'!D6", "'依申请公开'!D7", "'封面'!B3", "'依申请公开'!D29"]
    assert compact_cells(cells) == "'依申请公开'!D6、D7、'封面'!B3、'依申请公开'!D29"
    assert compact_cells(cells, most=2) == "'依申请公开'!D6、D7 等共 4 个单元格"
    assert compact_cells([]) == ""
