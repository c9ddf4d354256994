"""`xxgk validate FILE --annotate OUT.xlsx`: the annotated copy keeps the workbook whole.

Proved on real files (templates written by XlsxWriter, and the same saved by LibreOffice): the copy validates
exactly like the original; its live checks still agree with the engine when LibreOffice recalculates it;
every zip part but the few edited ones is byte for byte the original's; defined names, data validations,
conditional formats, sheet protection and custom properties are all still there; only the marked cells'
formats and the status cell change; the input is never written; 说明 survives the next annotation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xlsx_support import strip_cached_results
from xxgk.annotate.plan import CODE, FILL_ERROR, FILL_WARNING, HEADER_ROW, NOTE, RESULT_SHEET, Cell, status_cell
from xxgk.annotate.run import annotate_file
from xxgk.libreoffice import recalc_many
from xxgk.rules.expand import expand_rules
from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import FAILED_NAME, build_template, check_name, cover_checks
from xxgk.validate import FileReport, validate_files

SPEC = load_spec("gb2021")
GROUP = agencies("标记县", "330206", 4, seed=12)
WHEN = dt.datetime(2025, 2, 3, 10, 0)
EDITED = {"xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}


def _values(index: int = 0) -> dict[str, object]:
    return dict(list(sample_fills(SPEC, GROUP, 2024, seed=6))[index][1])


def _cases() -> dict[str, tuple[dict[str, object], dict[str, object]]]:
    broken = _values(1)
    broken["requests.forward.legal"] = int(broken.get("requests.forward.legal", 0)) + 2  # type: ignore[call-overload]
    text = _values(2)
    text["active.penalty.decisions"] = "7次"
    text["meta.filled_on"] = "去年"
    return {"valid": (_values(0), {}), "broken": (broken, {}), "typed_over": (_values(3), {"review.total": 99999}),
            "text_and_cover": (text, {})}


def _only(path: Path) -> FileReport:
    (report,) = validate_files([path])
    return report


def _annotate(src: Path, out: Path, when: dt.datetime = WHEN) -> Path:
    report = _only(src)
    assert report.fill is not None
    return annotate_file(src, out, report.fill, report.findings, report.hints, when)


def _finding_dicts(path: Path) -> list[dict[str, object]]:
    return [f.to_dict() for f in _only(path).findings]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _cell_styles(xml: bytes) -> dict[str, str]:
    return {m.group(1).decode(): (re.search(rb'\ss="(\d+)"', m.group(0)) or re.match(rb"()", b"")).group(1).decode()
            for m in re.finditer(rb'<c\b[^>]*?\sr="([A-Z]+\d+)"[^>]*?(?:/>|>)', xml)}


def _status_cell(path: Path) -> Cell:
    """Right of the live status line (a formula in the template), found from its defined name."""
    names = {n: d.attr_text for n, d in openpyxl.load_workbook(path).defined_names.items()}
    cell = status_cell(SPEC, names, status_is_formula=True)
    assert cell is not None and cell.col == Cell.parse(names["xxgk_status"]).col + 2  # type: ignore[union-attr]
    return cell


def _marked(report: FileReport) -> set[Cell]:
    return {c for f in report.findings for a in f.cells if (c := Cell.parse(a)) is not None}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """name -> (original, annotated copy)."""
    base = tmp_path_factory.mktemp("annotate")
    out = {}
    for name, (values, overrides) in _cases().items():
        src = build_template(SPEC, base / "in" / f"{name}.xlsx", values=values, overrides=overrides)
        before = _sha(src)
        copy = _annotate(src, base / "out" / f"{name}.xlsx")
        assert _sha(src) == before  # the input is only read
        out[name] = (src, copy)
    return out


def test_copy_validates_exactly_like_the_original(built: dict[str, tuple[Path, Path]]) -> None:
    for name, (src, copy) in built.items():
        assert _finding_dicts(copy) == _finding_dicts(src), name
    assert _finding_dicts(built["broken"][0]) and _finding_dicts(built["typed_over"][0])


def test_every_other_part_is_byte_for_byte_the_original(built: dict[str, tuple[Path, Path]]) -> None:
    for name, (src, copy) in built.items():
        before, after = _members(src), _members(copy)
        report = _only(src)
        sheets = {c.sheet for c in _marked(report)} | {SPEC.cover.sheet}  # the status cell is on the cover
        wb = openpyxl.load_workbook(src)
        parts = {ws.title: f"xl/worksheets/sheet{i + 1}.xml" for i, ws in enumerate(wb.worksheets)}
        may_change = EDITED | {parts[s] for s in sheets}
        assert set(before) <= set(after), name
        assert [n for n in before if before[n] != after[n] and n not in may_change] == [], name
        (added,) = set(after) - set(before)
        assert added.startswith("xl/worksheets/sheet")
        # in workbook.xml, one <sheet> and its two print names (one for a passing book: its short sheet has no
        # header row to repeat) were added and the cover's print area grown (so the status line prints): the other
        # defined names and everything else unchanged
        wb_before, wb_after = before["xl/workbook.xml"].decode(), after["xl/workbook.xml"].decode()
        added_sheet = re.search(r'<sheet name="校验结果"[^>]*/>', wb_after)
        assert added_sheet, name
        index = len(wb.sheetnames)
        prints = re.findall(rf'<definedName name="_xlnm\.Print_(?:Area|Titles)" localSheetId="{index}">[^<]*'
                            r"</definedName>", wb_after)
        assert len(prints) == (2 if report.findings else 1), name
        cover = r'(<definedName name="_xlnm\.Print_Area" localSheetId="0">)[^<]*(</definedName>)'
        (was,) = re.findall(r'<definedName name="_xlnm\.Print_Area" localSheetId="0">([^<]*)<', wb_before)
        rest = re.sub(cover, rf"\g<1>{was}\g<2>", wb_after.replace(added_sheet.group(0), ""))
        assert "".join(rest.split("".join(prints))) == wb_before, name


def test_names_validations_formats_protection_and_properties_are_kept(built: dict[str, tuple[Path, Path]]) -> None:
    for name, (src, copy) in built.items():
        a, b = openpyxl.load_workbook(src), openpyxl.load_workbook(copy)
        assert b.sheetnames == [*a.sheetnames, RESULT_SHEET], name
        assert {n: d.attr_text for n, d in a.defined_names.items()} == {n: d.attr_text for n, d in b.defined_names.items()}
        assert [(p.name, p.value) for p in a.custom_doc_props.props] == [(p.name, p.value) for p in b.custom_doc_props.props]
        for ws in a.worksheets:
            wb_ = b[ws.title]
            assert [(str(v.sqref), v.type, v.formula1, v.prompt) for v in ws.data_validations.dataValidation] == \
                [(str(v.sqref), v.type, v.formula1, v.prompt) for v in wb_.data_validations.dataValidation], ws.title
            assert [(str(r.sqref), [c.formula for c in r.rules]) for r in ws.conditional_formatting] == \
                [(str(r.sqref), [c.formula for c in r.rules]) for r in wb_.conditional_formatting], ws.title
            assert ws.protection.sheet == wb_.protection.sheet and ws.protection.password == wb_.protection.password
            assert list(ws.merged_cells.ranges) == list(wb_.merged_cells.ranges)


def test_only_the_marked_cells_and_the_status_cell_change(built: dict[str, tuple[Path, Path]]) -> None:
    for name, (src, copy) in built.items():
        report = _only(src)
        marked = _marked(report)
        wb = openpyxl.load_workbook(src)
        before, after = _members(src), _members(copy)
        for i, ws in enumerate(wb.worksheets):
            part = f"xl/worksheets/sheet{i + 1}.xml"
            s0, s1 = _cell_styles(before[part]), _cell_styles(after[part])
            changed = {a1 for a1 in s0 if s0[a1] != s1.get(a1)}
            assert changed == {c.a1 for c in marked if c.sheet == ws.title}, (name, ws.title)
            assert set(s1) - set(s0) <= ({_status_cell(src).a1} if ws.title == SPEC.cover.sheet else set()), (name, ws.title)
        book_a, book_b = CalamineWorkbook.from_path(str(src)), CalamineWorkbook.from_path(str(copy))
        for sheet in wb.sheetnames:
            ga = book_a.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            gb = book_b.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            if sheet == SPEC.cover.sheet:
                status = _status_cell(src)
                assert "（2025-02-03 10:00" in gb[status.row][status.col]
                assert gb[status.row][status.col].startswith(f"{report.errors} 个错误" if report.findings else "校验通过")
                gb = [row[: len(ga[0])] for row in gb[: len(ga)]]
            assert ga == gb, (name, sheet)
        colours = {c: openpyxl.load_workbook(copy)[c.sheet][c.a1].fill.fgColor.rgb for c in marked}
        assert set(colours.values()) <= {"FF" + FILL_ERROR[1:], "FF" + FILL_WARNING[1:]}, name


def test_result_sheet_lists_every_finding_with_links(built: dict[str, tuple[Path, Path]]) -> None:
    src, copy = built["broken"]
    report = _only(src)
    ws = openpyxl.load_workbook(copy)[RESULT_SHEET]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    listed = [r[3] for r in rows[HEADER_ROW + 1:] if r[0] is not None and isinstance(r[0], int)]
    assert listed == [f.message for f in report.findings]
    links = {c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink is not None}
    assert links == {a for f in report.findings for a in f.cells}


def _named(path: Path, names: list[str]) -> dict[str, object]:
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for name in names:
        sheet, cell = wb.defined_names[name].attr_text.rsplit("!", 1)
        out[name] = wb[sheet.strip("'")][cell.replace("$", "")].value
    return out


@pytest.mark.libreoffice
def test_live_checks_of_the_copy_still_agree_with_the_engine(built: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    names = [*(check_name(i.key) for i in expand_rules(SPEC) if not i.uses_prev), *(c.name for c in cover_checks(SPEC)),
             FAILED_NAME]
    sources = []
    for name, (src, copy) in built.items():
        for kind, path in (("orig", src), ("copy", copy)):
            target = tmp_path / "in" / f"{name}-{kind}.xlsx"
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(path, target)
            strip_cached_results(target)
            sources.append(target)
    outputs = recalc_many(sources, tmp_path / "out")
    for name, orig, copy in zip(built, outputs[::2], outputs[1::2], strict=True):
        live_orig, live_copy = _named(orig, names), _named(copy, names)
        assert live_copy == live_orig, name
        engine_failed = {f.rule for f in _only(built[name][0]).findings if f.code == "rule"}
        assert {k for k in engine_failed} == {i.key for i in expand_rules(SPEC) if not i.uses_prev
                                              and live_copy[check_name(i.key)] == "✗"}, name


@pytest.mark.libreoffice
def test_a_file_saved_by_libreoffice_is_annotated_and_reopens(tmp_path: Path) -> None:
    values, _ = _cases()["broken"]
    filled = build_template(SPEC, tmp_path / "src" / "填好的.xlsx", values=values)
    (saved,) = recalc_many([filled], tmp_path / "lo")  # soffice --convert-to xlsx: LibreOffice's own writing
    copy = _annotate(saved, tmp_path / "标记" / "填好的.xlsx")
    assert _finding_dicts(copy) == _finding_dicts(saved) == _finding_dicts(filled)
    report = _only(saved)
    wb = openpyxl.load_workbook(copy)
    for cell in _marked(report):
        assert wb[cell.sheet][cell.a1].fill.fgColor.rgb == "FF" + FILL_ERROR[1:]
    assert [p.name for p in wb.custom_doc_props.props] == [p.name for p in openpyxl.load_workbook(saved).custom_doc_props.props]
    (reopened,) = recalc_many([copy], tmp_path / "again")  # LibreOffice opens the copy and saves it again
    grid = CalamineWorkbook.from_path(str(reopened)).get_sheet_by_name(RESULT_SHEET).to_python()
    assert [r[3] for r in grid[HEADER_ROW + 1: HEADER_ROW + 1 + len(report.findings)]] == [f.message for f in report.findings]
    assert _finding_dicts(reopened) == _finding_dicts(saved)


def test_annotating_again_keeps_notes_and_restores_earlier_marks(built: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    src, first = built["broken"]
    report = _only(src)
    # staff type an explanation in the copy (with openpyxl, as any program could), and fix one cell
    explained = tmp_path / "explained.xlsx"
    wb = openpyxl.load_workbook(first)
    ws = wb[RESULT_SHEET]
    key = next(r[CODE].value for r in ws.iter_rows(min_row=HEADER_ROW + 2) if r[CODE].value and "R3[legal]" in r[CODE].value)
    row = next(r for r in ws.iter_rows(min_row=HEADER_ROW + 2) if r[CODE].value == key)
    row[NOTE].value = "法律服务机构的申请有一件转为信访处理。"
    wb.save(explained)
    second = _annotate(explained, tmp_path / "second.xlsx", WHEN + dt.timedelta(days=1))
    rows = {r[CODE]: r for r in openpyxl.load_workbook(second)[RESULT_SHEET].iter_rows(values_only=True)
            if len(r) > CODE and r[CODE]}
    assert rows[key][NOTE] == "法律服务机构的申请有一件转为信访处理。"
    assert len([k for k in rows if k != "代码"]) == len(report.findings)


def test_reannotating_keeps_the_first_originals_and_a_fixed_file_gets_them_back(tmp_path: Path) -> None:
    from xxgk.annotate.file_book import FileBook

    values, _ = _cases()["text_and_cover"]
    src = build_template(SPEC, tmp_path / "a.xlsx", values=values)
    first = _annotate(src, tmp_path / "first.xlsx")
    # the marked copy annotated again as it is: the same formats, the record still the unmarked ones
    again = _annotate(first, tmp_path / "again.xlsx")
    assert _record(again) == _record(first) and all(style is not None for style in _record(first).values())
    for part in (p for p in _members(src) if p.startswith("xl/worksheets/sheet")):
        assert _cell_styles(_members(again)[part]) == _cell_styles(_members(first)[part])
    # staff fix the two cells in the marked copy (no formula depends on them); the next annotation passes and
    # every cell's format is again exactly the original's
    fixed = FileBook(first)
    for cid, value in (("active.penalty.decisions", 7), ("meta.filled_on", "2025-01-15")):
        report = _only(src)
        assert report.fill is not None
        pos = report.fill.positions[cid]
        fixed.set_content(Cell(pos.sheet, pos.row, pos.col), value)
    fixed.save(tmp_path / "fixed.xlsx")
    assert _only(tmp_path / "fixed.xlsx").findings == []
    restored = _annotate(tmp_path / "fixed.xlsx", tmp_path / "restored.xlsx")
    for part in (p for p in _members(src) if p.startswith("xl/worksheets/sheet")):
        before, after = _cell_styles(_members(src)[part]), _cell_styles(_members(restored)[part])
        assert {k: v for k, v in after.items() if k in before} == before, part
    assert _record(restored) == {}


def _record(path: Path) -> dict[Cell | None, object]:
    rows = openpyxl.load_workbook(path)[RESULT_SHEET].iter_rows(values_only=True)
    return {Cell.parse(r[1]): r[3] for r in rows if r and r[0] == "标记"}


def test_cli_annotate_several_files_into_a_folder(built: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    srcs = [built["broken"][0], built["valid"][0]]
    env = {"PYTHONPATH": str(Path(__file__).parents[1] / "src"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "xxgk", "validate", *map(str, srcs), "--annotate", str(tmp_path / "退回") + "/"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 1, run.stderr
    assert sorted(p.name for p in (tmp_path / "退回").iterdir()) == sorted(p.name for p in srcs)
    assert "已写出标记副本" in run.stderr and "Traceback" not in run.stderr
    same = subprocess.run([sys.executable, "-m", "xxgk", "validate", str(srcs[0]), "--annotate", str(srcs[0])],
                          capture_output=True, text=True, env=env)
    assert "标记副本不能覆盖原文件" in same.stderr and "Traceback" not in same.stderr
    assert [p.name for p in (tmp_path / "退回").iterdir() if p.name.startswith(".")] == []


def test_prefixed_xml_is_annotated_and_malformed_xml_refused_in_chinese(built: dict[str, tuple[Path, Path]],
                                                                        tmp_path: Path) -> None:
    """Some SDKs write the main namespace under a prefix (<x:sheetData>): edited as XML, the copy keeps the
    prefix and parses strictly. A part that is no well-formed XML (a prefix never bound) gets a clear message
    and no file, rather than a damaged copy."""
    from lxml import etree

    from xxgk.annotate.file_book import AnnotateError

    src = built["broken"][0]
    report = _only(src)
    assert report.fill is not None
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'

    def rewrite(out: Path, bind: bool) -> Path:
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename.startswith("xl/worksheets/sheet"):
                    data = data.replace(b"<sheetData", b"<x:sheetData").replace(b"</sheetData", b"</x:sheetData")
                    data = data.replace(b"<row", b"<x:row").replace(b"</row", b"</x:row")
                    data = data.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>")
                    if bind:
                        data = data.replace(main, main + main.replace(b"xmlns=", b" xmlns:x="), 1)
                zout.writestr(item, data)
        return out

    copy = annotate_file(rewrite(tmp_path / "prefixed.xlsx", bind=True), tmp_path / "prefixed-copy.xlsx",
                         report.fill, report.findings, [])
    members = _members(copy)
    for name, data in members.items():
        if name.endswith((".xml", ".rels")):
            etree.fromstring(data, etree.XMLParser(recover=False))
    assert _finding_dicts(copy) == _finding_dicts(src)
    marked = {c.sheet for c in _marked(report)}
    wb = openpyxl.load_workbook(copy)
    for cell in _marked(report):
        assert wb[cell.sheet][cell.a1].fill.fgColor.rgb == "FF" + FILL_ERROR[1:], cell
    assert marked and all(b"<x:c " in members[p] for p in members if p.startswith("xl/worksheets/sheet1"))
    with pytest.raises(AnnotateError, match="另存为"):
        annotate_file(rewrite(tmp_path / "odd.xlsx", bind=False), tmp_path / "out.xlsx", report.fill, report.findings, [])
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("stem", ["000_fb3348bfed7ae378", "004_1dfd185abb919a16", "009_huaian_city_2024"])
def test_real_reports_annotate_and_read_live_like_the_file(tmp_path: Path, stem: str) -> None:
    """Real published reports as staff typed them (text in cells, typed totals, blanks): the annotated copy and
    the live book give the file's findings; the button marks exactly their cells."""
    from test_real_reports import validate
    from xlwings_payload import payload_from_file, remote_book
    from xxgk.addin import buttons
    from xxgk.addin.live import read_live
    from xxgk.engine import check_fills

    report = validate(tmp_path, stem)
    assert report.fill is not None and report.findings
    copy = annotate_file(report.path, tmp_path / "标记.xlsx", report.fill, report.findings, [], WHEN)
    assert _finding_dicts(copy) == [f.to_dict() for f in report.findings]
    live, _ = read_live(remote_book(payload_from_file(report.path)))
    (found,), _ = check_fills([live])
    assert [f.to_dict() for f in found] == [f.to_dict() for f in report.findings]
    book = remote_book(payload_from_file(report.path))
    buttons.validate(book=book, now=WHEN)
    sheets = [s.name for s in book.sheets]
    marked = {(sheets[a["sheet_position"]], a["start_row"] + dr, a["start_column"] + dc)  # colours go in rectangles
              for a in book.json()["actions"] if a["func"] == "setRangeColor" and sheets[a["sheet_position"]] != RESULT_SHEET
              for dr in range(a.get("row_count", 1)) for dc in range(a.get("column_count", 1))}
    assert marked == {(c.sheet, c.row, c.col) for c in _marked(report)}


def test_why_not_openpyxl_it_drops_the_formulas_cached_results(built: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    """openpyxl keeps this template's names, validations and formats, but writes every formula without its
    result: a viewer that does not recalculate shows blank totals, and a stale total (formula.altered) would
    vanish from the copy's findings. The zip-edited copy keeps every <v>."""
    src, copy = built["broken"]
    wb = openpyxl.load_workbook(src)
    wb.save(tmp_path / "openpyxl.xlsx")

    def cached(path: Path) -> int:
        with zipfile.ZipFile(path) as zf:
            return sum(len(re.findall(rb"</f><v>[^<]+</v>", zf.read(n))) for n in zf.namelist()
                       if n.startswith("xl/worksheets/sheet"))

    assert cached(copy) == cached(src) > 0
    assert cached(tmp_path / "openpyxl.xlsx") == 0


def test_the_copy_shows_the_fix_hint_first(tmp_path: Path) -> None:
    from xxgk.annotate.plan import FILL_HINT, KIND_HINT

    src = build_template(SPEC, tmp_path / "a.xlsx", values=_values(), overrides={"requests.total.natural": 99999})
    report = _only(src)
    (hint,) = report.hints
    copy = _annotate(src, tmp_path / "copy.xlsx")
    ws = openpyxl.load_workbook(copy)[RESULT_SHEET]
    first = [c.value for c in ws[HEADER_ROW + 2]]
    assert first[1] == KIND_HINT and first[3] == hint.message
    (cell,) = [Cell.parse(c.cell) for c in hint.changes]
    assert cell is not None
    assert openpyxl.load_workbook(copy)[cell.sheet][cell.a1].fill.fgColor.rgb == "FF" + FILL_HINT[1:]


@pytest.mark.libreoffice
def test_xls_and_ods_are_annotated_through_their_conversion(tmp_path: Path) -> None:
    """`xxgk validate 乙.xls 丙.ods --annotate 退回/`: each copy is the .xlsx LibreOffice makes of it, annotated; it
    validates like the original (less the note that the original was converted) and marks the failing cells."""
    from test_formats import soffice_convert

    values, _ = _cases()["broken"]
    filled = build_template(SPEC, tmp_path / "src" / "填好的.xlsx", values=values)
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    olds = [shutil.copyfile(soffice_convert(filled, "xls", tmp_path), inbox / "乙.xls"),
            shutil.copyfile(soffice_convert(filled, "ods", tmp_path), inbox / "丙.ods")]
    before = {p: _sha(p) for p in olds}
    env = {"PYTHONPATH": str(Path(__file__).parents[1] / "src"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "xxgk", "validate", *map(str, olds), "--annotate", str(tmp_path / "退回") + "/"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert sorted(p.name for p in (tmp_path / "退回").iterdir()) == ["丙.xlsx", "乙.xlsx"]
    assert run.stderr.count("已用 LibreOffice 转换，标记副本为 .xlsx 工作簿；原文件未改动") == 2
    assert {p: _sha(p) for p in olds} == before
    reports = validate_files(olds)  # one LibreOffice start for both (each start costs seconds)
    for old, report in zip(olds, reports, strict=True):
        copy = tmp_path / "退回" / f"{old.stem}.xlsx"
        assert report.path == old and report.findings[0].code == "file.converted"
        assert _finding_dicts(copy) == [f.to_dict() for f in report.findings if f.code != "file.converted"] == \
            _finding_dicts(filled) != []
        wb = openpyxl.load_workbook(copy)
        rows = [list(r) for r in wb[RESULT_SHEET].iter_rows(values_only=True)]
        assert [r[3] for r in rows[HEADER_ROW + 1:] if isinstance(r[0], int)] == [f.message for f in report.findings]
        assert _marked(report) and all(wb[c.sheet][c.a1].fill.fgColor.rgb == "FF" + FILL_ERROR[1:] for c in _marked(report))


def test_a_converted_copy_must_be_named_xlsx_and_macros_stay_refused(tmp_path: Path) -> None:
    from test_formats import build_cfb
    from xxgk.annotate.run import annotated_paths, annotation_problem

    old = tmp_path / "宏.xls"
    old.write_bytes(build_cfb({"Workbook": b"\x09\x08\x10\x00" + b"\0" * 16}))
    assert annotated_paths([old, tmp_path / "甲.xlsx"], tmp_path / "退回") == [tmp_path / "退回" / "宏.xlsx",
                                                                              tmp_path / "退回" / "甲.xlsx"]
    assert "应为 .xlsx 格式（宏.xls 经 LibreOffice 转换为 .xlsx 后标记）" in str(annotation_problem(old, tmp_path / "宏2.xls"))
    assert annotation_problem(old, tmp_path / "宏.xlsx") is None
    old.write_bytes(build_cfb({"Workbook": b"\x09\x08\x10\x00" + b"\0" * 16, "_VBA_PROJECT_CUR": b"\0" * 64}))
    assert "含 VBA 宏，不生成标记副本" in str(annotation_problem(old, tmp_path / "宏.xlsx"))


def test_the_copy_prints_the_result_sheet_one_page_wide_and_the_cover_with_its_status(
        built: dict[str, tuple[Path, Path]]) -> None:
    """Consolidators print the copy for 退回: the result sheet A4 landscape, 1 page wide, its header row repeated,
    gridlines, only 序号 to 说明 (the link columns are for the screen); the cover's print area takes in the
    status line written beside the live one."""
    src, copy = built["broken"]
    members = _members(copy)
    wb = openpyxl.load_workbook(copy)
    ws = wb[RESULT_SHEET]
    part = next(n for n, data in members.items() if n.startswith("xl/worksheets/") and b"FFC00000" in data)
    xml = members[part].decode()
    setup = re.search(r"<pageSetup\b[^>]*/>", xml)
    assert setup is not None
    for attr in ('orientation="landscape"', 'paperSize="9"', 'fitToWidth="1"', 'fitToHeight="0"'):
        assert attr in setup.group(0)
    assert '<pageSetUpPr fitToPage="1"/>' in xml and '<printOptions gridLines="1"/>' in xml
    assert ws.print_title_rows == f"${HEADER_ROW + 1}:${HEADER_ROW + 1}"
    last = max(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row[0] is not None
               and not ws.row_dimensions[i].hidden)
    assert str(ws.print_area) == f"'{RESULT_SHEET}'!$A$1:$G${last}" and NOTE == 6
    cover = wb[SPEC.cover.sheet]
    status = _status_cell(src)
    (area,) = str(cover.print_area).split("!")[1:]
    first, end = (openpyxl.utils.cell.coordinate_from_string(a.replace("$", "")) for a in area.split(":"))
    col = openpyxl.utils.column_index_from_string
    assert col(first[0]) <= status.col + 1 <= col(end[0]) and first[1] <= status.row + 1 <= end[1]
    assert col(end[0]) > status.col + 1  # and the columns its text runs into
    before = openpyxl.load_workbook(src)[SPEC.cover.sheet].print_area
    assert str(before).split(":")[0] == str(cover.print_area).split(":")[0]  # grown, not moved


def test_annotating_the_copy_again_keeps_one_print_area(built: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    _, copy = built["broken"]
    again = _annotate(copy, tmp_path / "again.xlsx")
    wb = _members(again)["xl/workbook.xml"].decode()
    assert wb.count("_xlnm.Print_Titles") == _members(copy)["xl/workbook.xml"].decode().count("_xlnm.Print_Titles")
    assert wb.count("_xlnm.Print_Area") == _members(copy)["xl/workbook.xml"].decode().count("_xlnm.Print_Area")
