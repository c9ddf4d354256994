"""Files the way staff save them: .xls / .ods / .et written by LibreOffice, macro-enabled copies, formulas in
input and cover cells, implausible numbers, odd names; validate and consolidate account for every file."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from test_consolidate_support import records, run, sample_values, write
from test_container import build_cfb
from xxgk import convert
from xxgk.consolidate import status as st
from xxgk.consolidate.sheets import SUBMISSIONS
from xxgk.findings import MESSAGES
from xxgk.layout import plan_layout
from xxgk.libreoffice import find_soffice
from xxgk.reader import Unreadable, read_fill
from xxgk.samples import agencies
from xxgk.spec import load_spec
from xxgk.validate import validate_files

SPEC = load_spec("gb2021")
LAYOUT = plan_layout(SPEC)
AGENCIES = agencies("丙县", "330206", 4, seed=21)
VBA_SOURCE = Path(__import__("xlwings").__file__).parent / "quickstart.xlsm"  # a real Excel-made VBA project


def soffice_convert(src: Path, fmt: str, out_dir: Path) -> Path:
    """What an office does: open the filled template in LibreOffice and save it in another format."""
    soffice = find_soffice()
    assert soffice, "LibreOffice (soffice) is required: apt-get install libreoffice-calc-nogui"
    out = out_dir / fmt.split(":")[0]
    subprocess.run([soffice, f"-env:UserInstallation={(out_dir / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", fmt, "--outdir", str(out), str(src)], capture_output=True, timeout=180, check=False)
    produced = out / f"{src.stem}.{fmt.split(':')[0]}"
    assert produced.is_file(), f"soffice --convert-to {fmt} failed"
    return produced


def rewrite(src: Path, dst: Path, edit: Callable[[str, bytes], bytes], add: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, edit(item.filename, zin.read(item.filename)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def with_vba(src: Path, dst: Path) -> Path:
    """The template with Excel's VBA project part added, as Excel saves a workbook with macros (.xlsm)."""
    with zipfile.ZipFile(VBA_SOURCE) as z:
        vba = z.read("xl/vbaProject.bin")

    def edit(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            return data.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/'
                                b'vnd.ms-office.vbaProject"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/'
                                b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
        return data

    return rewrite(src, dst, edit, {"xl/vbaProject.bin": vba})


def set_formula(src: Path, dst: Path, cid: str, formula: str, shown: str | float) -> Path:
    """Put a formula (with the result Excel shows) into a cell, as a user typing or pasting it does."""
    pos = LAYOUT.pos[cid]
    index = [LAYOUT.cover.name, *(t.name for t in LAYOUT.tables)].index(pos.sheet) + 1  # sheetN.xml, in build order
    escaped = formula.replace("&", "&amp;").replace('"', "&quot;")
    value = f"<f>{escaped}</f><v>{shown}</v>"
    kind = ' t="str"' if isinstance(shown, str) else ""

    def edit(name: str, data: bytes) -> bytes:
        if name != f"xl/worksheets/sheet{index}.xml":
            return data
        pattern = re.compile(rb'<c r="' + pos.a1.encode() + rb'"( s="\d+")?(?: t="\w+")?(?:/>|>.*?</c>)')
        assert pattern.search(data), pos.a1
        return pattern.sub(lambda m: b'<c r="' + pos.a1.encode() + b'"' + (m.group(1) or b"") + kind.encode() + b">"
                           + value.encode() + b"</c>", data, count=1)

    return rewrite(src, dst, edit)


def codes(path: Path) -> list[str]:
    (report,) = validate_files([path])
    return [f.code for f in report.findings]


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(autouse=True)
def private_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Temporary files of this test only: other processes converting at the same time must not count as
    leftovers."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("tmp")))


def leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).iterdir() if p.name.startswith(("xxgk-converted-", "xxgk-lo-",
                                                                                         "xxgk-convert-"))}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The filled template and LibreOffice's .xls, .ods and .xlsm of it (made once: each soffice start ~1 s)."""
    base = tmp_path_factory.mktemp("books")
    rows = sample_values(AGENCIES)
    xlsx = write(base / "src", rows[0], "填好的.xlsx")
    return {"xlsx": xlsx, "xls": soffice_convert(xlsx, "xls", base), "ods": soffice_convert(xlsx, "ods", base),
            "xlsm": soffice_convert(xlsx, "xlsm:Calc MS Excel 2007 VBA XML", base), "base": base}


# --------------------------------------------------------------------------- conversion


@pytest.mark.libreoffice
@pytest.mark.parametrize(("source", "name", "what"), [
    ("xls", "旧版.xls", "Excel 97-2003"),
    ("ods", "开放格式.ods", "OpenDocument"),
    ("xls", "金山.et", "内部为 Excel 97-2003 格式"),  # what WPS writes for most .et files: a BIFF8 workbook
    ("ods", "改名.et", "扩展名是 .et，但本文件实为开放文档格式"),  # an .ods renamed: converted by content
])
def test_other_formats_are_converted_and_read_like_the_xlsx(books: dict[str, Path], tmp_path: Path, source: str,
                                                            name: str, what: str) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    path = inbox / name
    shutil.copyfile(books[source], path)
    before, temps = fingerprint(inbox), leftovers()
    fill, reference = read_fill(path), read_fill(books["xlsx"])
    assert fill.path == path and fill.meta == reference.meta and fill.numbers == reference.numbers
    assert fill.exact == reference.exact
    (report,) = validate_files([path])
    assert report.status == "warnings" and [f.code for f in report.findings] == ["file.converted"]
    assert what in report.findings[0].message and "LibreOffice" in report.findings[0].message
    assert fingerprint(inbox) == before  # the original untouched, no lock file beside it
    assert leftovers() == temps  # the converted copy and the throw-away profile are gone


def test_an_xlsx_under_the_et_extension_is_read_directly_and_named(books: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "金山.et"
    shutil.copyfile(books["xlsx"], path)
    (report,) = validate_files([path])
    assert [f.code for f in report.findings] == ["file.misnamed"]
    assert "扩展名是 .et" in report.findings[0].message and ".xlsx" in report.findings[0].message


@pytest.mark.libreoffice
def test_wps_native_et_says_libreoffice_cannot_open_it(tmp_path: Path) -> None:
    path = tmp_path / "专有格式.et"  # a compound file with WPS's own streams and no BIFF "Workbook" stream
    path.write_bytes(build_cfb({"WpsCustomData": b"\x01wps" * 64, "ETExtData": b"\0" * 256}))
    with pytest.raises(Unreadable) as caught:
        read_fill(path)
    assert caught.value.finding.message == MESSAGES["convert.native_et"]


def test_without_libreoffice_the_message_says_so(books: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XXGK_SOFFICE", "/nonexistent/soffice")
    with pytest.raises(Unreadable) as caught:
        read_fill(books["xls"])
    message = caught.value.finding.message
    assert "没有安装 LibreOffice" in message and "Excel 97-2003" in message and ".xlsx" in message


def test_a_hanging_conversion_is_killed(books: dict[str, Path], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("XXGK_SOFFICE", str(fake))
    monkeypatch.setattr(convert, "CONVERT_TIMEOUT", 1.0)
    with pytest.raises(Unreadable) as caught:
        read_fill(books["ods"])
    assert "超过 1 秒" in caught.value.finding.message and "OpenDocument" in caught.value.finding.message


# --------------------------------------------------------------------------- macros


def test_macro_enabled_copies_name_the_real_format(books: dict[str, Path], tmp_path: Path) -> None:
    xlsm = with_vba(books["xlsx"], tmp_path / "带宏.xlsm")
    (report,) = validate_files([xlsm])
    assert [f.code for f in report.findings] == ["file.macros"] and report.status == "warnings"
    assert "启用宏的工作簿 (.xlsm)，含 VBA 宏" in report.findings[0].message and "宏没有运行" in report.findings[0].message
    renamed = tmp_path / "其实带宏.xlsx"
    shutil.copyfile(xlsm, renamed)
    (report,) = validate_files([renamed])
    assert report.findings[0].message.startswith("扩展名是 .xlsx，但本文件实为启用宏的工作簿 (.xlsm)，含 VBA 宏")
    assert "ZIP" not in report.findings[0].message


@pytest.mark.libreoffice
def test_template_saved_as_xlsm_by_libreoffice_is_read_with_a_warning(books: dict[str, Path]) -> None:
    (report,) = validate_files([books["xlsm"]])
    assert [f.code for f in report.findings] == ["file.xlsm"] and "没有宏" in report.findings[0].message


def test_a_vba_part_without_a_workbook_is_called_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "只有宏.xlsm"
    with zipfile.ZipFile(VBA_SOURCE) as z, zipfile.ZipFile(path, "w") as out:
        out.writestr("xl/vbaProject.bin", z.read("xl/vbaProject.bin"))
    (report,) = validate_files([path])
    message = report.findings[0].message
    assert report.status == "unreadable" and "扩展名是 .xlsm" in message and "VBA" in message and ".xlsx 但" not in message


# --------------------------------------------------------------------------- formulas and implausible numbers


def test_formula_in_a_cover_field_is_its_own_error(books: dict[str, Path], tmp_path: Path) -> None:
    path = set_formula(books["xlsx"], tmp_path / "超链接.xlsx", "meta.agency",
                       'HYPERLINK("http://www.example.gov.cn","丙县人民政府办公室")', "丙县人民政府办公室")
    (report,) = validate_files([path])
    assert [f.code for f in report.findings] == ["cover.formula"] and report.status == "errors"
    message = report.findings[0].message
    assert "填报单位" in message and "=HYPERLINK(" in message and "未填写" not in message
    assert report.agency == "丙县人民政府办公室"  # what it shows is still used to recognise the agency


def test_formula_with_no_shown_text_is_not_called_blank(books: dict[str, Path], tmp_path: Path) -> None:
    path = set_formula(books["xlsx"], tmp_path / "空公式.xlsx", "meta.agency", "[1]Sheet1!A1", "")
    (report,) = validate_files([path])
    assert [f.code for f in report.findings] == ["cover.formula"] and "显示为空白" in report.findings[0].message


def test_formula_in_an_input_cell_is_reported_and_its_result_read(books: dict[str, Path], tmp_path: Path) -> None:
    cid = "requests.granted.natural"
    shown = read_fill(books["xlsx"]).numbers[cid]
    path = set_formula(books["xlsx"], tmp_path / "公式.xlsx", cid, f"{shown - 2:.0f}+2", shown)
    fill = read_fill(path)
    assert fill.numbers[cid] == shown
    (report,) = validate_files([path])
    (found,) = report.findings
    pos = LAYOUT.pos[cid]
    assert found.code == "cell.formula" and found.severity == "warning" and found.cells == (pos.address,)
    assert f"={shown - 2:.0f}+2" in found.message and pos.a1 in found.message and "自然人" in found.message


@pytest.mark.parametrize(("kind", "value", "warned"), [
    ("单位", 1_000_000_000_000_000, True), ("单位", 5_000_000, False), ("单位", 20_000_000, True),
    ("汇总", 50_000_000, False), ("汇总", 1_000_000_000_000_000, True),
])
def test_implausible_numbers_are_warnings_naming_cell_and_number(tmp_path: Path, kind: str, value: int,
                                                                 warned: bool) -> None:
    values = {**sample_values(AGENCIES)[1], "meta.kind": kind, "active.penalty.decisions": value}
    (report,) = validate_files([write(tmp_path, values, "大数.xlsx")])
    odd = [f for f in report.findings if f.code == "cell.implausible"]
    assert bool(odd) == warned
    if warned:
        pos = LAYOUT.pos["active.penalty.decisions"]
        assert odd[0].severity == "warning" and odd[0].cells == (pos.address,)
        assert f"{value}" in odd[0].message and pos.a1 in odd[0].message and "行政处罚" in odd[0].message


def test_implausible_amount(tmp_path: Path) -> None:
    values = {**sample_values(AGENCIES)[1], "active.fees.amount": 123456789.5}  # 元 typed where 万元 is asked
    (report,) = validate_files([write(tmp_path, values, "金额.xlsx")])
    (odd,) = [f for f in report.findings if f.code == "cell.implausible"]
    assert "123456789.5" in odd.message and "金额（万元）" in odd.message and report.status == "warnings"


# --------------------------------------------------------------------------- a folder of everything


@pytest.mark.libreoffice
def test_a_mixed_inbox_is_fully_accounted_for_by_validate_and_consolidate(books: dict[str, Path],
                                                                          tmp_path: Path) -> None:
    rows = sample_values(AGENCIES)
    inbox = tmp_path / "收件箱"
    write(inbox, rows[0], "甲.xlsx")
    mine = write(tmp_path / "src", rows[1], "乙.xlsx")
    shutil.copyfile(soffice_convert(mine, "xls", tmp_path), inbox / "乙.xls")
    mine = write(tmp_path / "src", rows[2], "丙.xlsx")
    shutil.copyfile(soffice_convert(mine, "ods", tmp_path), inbox / "丙.ods")
    mine = write(tmp_path / "src", rows[3], "丁.xlsx")
    with_vba(mine, inbox / "丁.xlsm")
    rows4 = {**sample_values(agencies("戊县", "330281", 2, seed=5))[0]}
    write(inbox, rows4, ".戊.xlsx")  # a real report whose name starts with "." (not hidden on Windows)
    shutil.copyfile(books["xlsx"], inbox / "~$甲.xlsx")  # Excel's lock file
    (inbox / ".~乙.xls").write_bytes(b"\0" * 64)  # WPS's lock file
    (inbox / "._丙.ods").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X" + b"\0" * 64)  # macOS companion
    (inbox / "说明.txt").write_text("各单位年报", encoding="utf-8")
    (inbox / "专有.et").write_bytes(build_cfb({"WpsCustomData": b"\x01wps" * 64}))
    more = sample_values(agencies("己县", "330282", 5, seed=8))
    mine = write(tmp_path / "src", more[0], "庚.xlsx")
    shutil.copyfile(soffice_convert(mine, "xls", tmp_path / "et"), inbox / "庚.et")  # what WPS writes as .et
    set_formula(write(tmp_path / "src", more[1], "辛.xlsx"), inbox / "辛-超链接.xlsx", "meta.agency",
                'HYPERLINK("http://www.example.gov.cn","辛单位")', "辛单位")
    cid = "requests.granted.natural"
    shown = float(more[2].get(cid, 0) or 0)  # type: ignore[arg-type]
    set_formula(write(tmp_path / "src", more[2], "壬.xlsx"), inbox / "壬-公式.xlsx", cid, f"{shown - 2:.0f}+2", shown)
    write(inbox, {**more[3], "active.penalty.decisions": 1_000_000_000_000_000}, "癸-大数.xlsx")
    (inbox / "空.xlsx").write_bytes(b"")
    with zipfile.ZipFile(inbox / "炸弹.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (64 * 2**20) + b"</a>")
    before = fingerprint(inbox)

    reports = {r.path.name: r for r in validate_files([inbox])}
    assert set(reports) == {p.name for p in inbox.iterdir()}  # every file, none silently left out
    assert {n: r.status for n, r in reports.items()} == {
        "甲.xlsx": "ok", "乙.xls": "warnings", "丙.ods": "warnings", "丁.xlsm": "warnings", ".戊.xlsx": "ok",
        "~$甲.xlsx": "skipped", ".~乙.xls": "skipped", "._丙.ods": "skipped", "说明.txt": "skipped",
        "专有.et": "unreadable", "庚.et": "warnings", "辛-超链接.xlsx": "errors", "壬-公式.xlsx": "warnings",
        "癸-大数.xlsx": "warnings", "空.xlsx": "unreadable", "炸弹.xlsx": "unreadable"}
    assert all(reports[n].reason for n in reports if reports[n].status == "skipped")
    assert {n: [f.code for f in reports[n].findings] for n in ("庚.et", "辛-超链接.xlsx", "壬-公式.xlsx", "癸-大数.xlsx")} == {
        "庚.et": ["file.converted"], "辛-超链接.xlsx": ["cover.formula"], "壬-公式.xlsx": ["cell.formula"],
        "癸-大数.xlsx": ["cell.implausible"]}
    assert "压缩炸弹" in reports["炸弹.xlsx"].findings[0].message and "0 字节" in reports["空.xlsx"].findings[0].message

    out = tmp_path / "汇总.xlsx"
    result = run([inbox], out)
    statuses = {s.name: s.status for s in result.submissions}
    assert set(statuses) == set(reports)  # the same files, the same verdicts
    assert {n for n, s in statuses.items() if s == st.SKIPPED} == {n for n, r in reports.items() if r.status == "skipped"}
    assert statuses["专有.et"] == st.UNREADABLE
    assert {n for n, s in statuses.items() if s in st.SUMMED} == {"甲.xlsx", "乙.xls", "丙.ods", "丁.xlsm", ".戊.xlsx",
                                                                  "庚.et", "壬-公式.xlsx", "癸-大数.xlsx"}
    assert {n for n, s in statuses.items() if s == st.UNREADABLE} == {"专有.et", "空.xlsx", "炸弹.xlsx"}
    for sub in result.submissions:  # the same findings as validate, in the same words
        assert [f.message for f in sub.findings] == [f.message for f in reports[sub.name].findings], sub.name
    assert sorted(r["file.name"] for r in records(out, SUBMISSIONS)) == sorted(reports)
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if "vba" in n.lower()]  # macros never carried into the output
    assert fingerprint(inbox) == before


@pytest.mark.libreoffice
def test_conversions_run_in_worker_processes(books: dict[str, Path], tmp_path: Path) -> None:
    """The consolidator reads in spawned workers: each conversion has its own throw-away profile, none clash."""
    from xxgk.consolidate.reading import read_all

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for i, source in enumerate(("xls", "ods", "xls", "ods")):
        shutil.copyfile(books[source], inbox / f"件{i}.{'et' if i == 2 else source}")
    items = [(p, p.name) for p in sorted(inbox.iterdir())]
    subs = read_all(items, jobs=2, chunk=1)
    assert [s.name for s in subs] == [n for _, n in items]
    assert all(s.readable and [f.code for f in s.findings] == ["file.converted"] for s in subs)


@pytest.mark.libreoffice
def test_a_file_without_extension_is_converted_by_content(books: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "附件"
    shutil.copyfile(books["xls"], path)
    (report,) = validate_files([path])
    assert [f.code for f in report.findings] == ["file.converted"]
    assert report.findings[0].message.startswith("文件名没有扩展名，但本文件实为旧版 Excel 97-2003 工作簿 (.xls)")


def test_macros_in_an_old_format_are_noticed() -> None:
    from xxgk.container import inspect_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "宏.xls"
        path.write_bytes(build_cfb({"Workbook": b"\x09\x08\x10\x00" + b"\0" * 16, "_VBA_PROJECT_CUR": b"\0" * 64}))
        check = inspect_file(path)
    assert check.kind == "xls" and check.macros and check.convertible


def test_an_oversized_old_workbook_is_not_handed_to_libreoffice(books: dict[str, Path], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert, "MAX_BYTES", 1000)
    monkeypatch.setenv("XXGK_SOFFICE", "/nonexistent/soffice")  # never reached
    with pytest.raises(Unreadable) as caught:
        read_fill(books["xls"])
    assert "超过自动转换的上限" in caught.value.finding.message


def test_the_live_reader_finds_the_same_formulas(books: dict[str, Path], tmp_path: Path) -> None:
    """A book open in Excel (xlwings' remote book built from the file) gives the same formula findings."""
    from xlwings_payload import payload_from_file, remote_book
    from xxgk.addin.live import read_live

    path = set_formula(books["xlsx"], tmp_path / "超链接.xlsx", "meta.agency", 'HYPERLINK("http://x.gov.cn","丙县")', "丙县")
    path = set_formula(path, tmp_path / "两处公式.xlsx", "requests.granted.natural", "1+2", 3.0)
    from_file = read_fill(path)
    live, _ = read_live(remote_book(payload_from_file(path)))
    assert [f.to_dict() for f in live.findings] == [f.to_dict() for f in from_file.findings]
    assert {f.code for f in from_file.findings} >= {"cover.formula", "cell.formula"}


@pytest.mark.parametrize("xml", [
    b'<worksheet><sheetData><row r="3"><c r="B3" s="4" t="str"><f>HYPERLINK(&quot;x&quot;)</f><v>x</v></c>'
    b'<c r="C3"><f t="shared" si="0"/><v>1</v></c><c r="D3"><v>1</v></c></row></sheetData></worksheet>',
    b'<x:worksheet><x:sheetData><x:row r="3">\n<x:c\n  r="B3"\n  t="str">\n  <x:f>HYPERLINK(&quot;x&quot;)</x:f>'
    b'<x:v>x</x:v></x:c>\n<x:c\tr="C3"><x:f t="shared" si="0"/></x:c><x:c r="D3"><x:v>1</x:v></x:c></x:row>'
    b'</x:sheetData></x:worksheet>',
])
def test_formula_cells_are_found_however_the_xml_is_written(tmp_path: Path, xml: bytes) -> None:
    from xxgk.layout import Pos
    from xxgk.reader import _sheet_formulas

    with zipfile.ZipFile(tmp_path / "t.zip", "w") as z:
        z.writestr("s.xml", xml)
    with zipfile.ZipFile(tmp_path / "t.zip") as z:
        found = _sheet_formulas(z, "封面", "s.xml", ("B3", "C3", "D3"))
    assert found == {Pos("封面", 2, 1): 'HYPERLINK("x")', Pos("封面", 2, 2): ""}


@pytest.mark.libreoffice
def test_a_damaged_old_workbook_says_libreoffice_cannot_open_it(tmp_path: Path) -> None:
    path = tmp_path / "损坏.xls"  # a sound compound file whose BIFF stream is noise
    path.write_bytes(build_cfb({"Workbook": bytes(range(256)) * 12}))
    with pytest.raises(Unreadable) as caught:
        read_fill(path)
    assert caught.value.finding.message == MESSAGES["convert.failed"].format(what="本文件是旧版 Excel 97-2003 工作簿 (.xls)")


def test_cli_lists_skipped_files_and_says_when_nothing_is_a_report(books: dict[str, Path], tmp_path: Path) -> None:
    import json
    import sys

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / "说明.txt").write_text("各单位年报", encoding="utf-8")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "xxgk", "validate", *args], capture_output=True, text=True,
                              timeout=120)

    res = cli(str(inbox))
    assert res.returncode == 2 and "没有找到要校验的工作簿" in res.stderr and "说明.txt" in res.stderr
    shutil.copyfile(books["xlsx"], inbox / ".甲.xlsx")
    res = cli(str(inbox))
    assert res.returncode == 0 and "已跳过" in res.stdout and ".甲.xlsx" in res.stdout
    files = {Path(f["path"]).name: f for f in json.loads(cli("--json", str(inbox)).stdout)["files"]}
    assert files["说明.txt"]["status"] == "skipped" and "文本文件" in files["说明.txt"]["reason"]
    assert files[".甲.xlsx"]["status"] == "ok"


# --------------------------------------------------------------------------- many old-format files at once


def _old_formats_inbox(books: dict[str, Path], folder: Path) -> Path:
    folder.mkdir()
    for i, source in enumerate(("xls", "ods", "xls", "ods", "xls")):
        shutil.copyfile(books[source], folder / f"件{i}.{'et' if i == 2 else source}")
    (folder / "损坏.xls").write_bytes(build_cfb({"Workbook": bytes(range(256)) * 12}))  # LibreOffice cannot open it
    (folder / "专有.et").write_bytes(build_cfb({"WpsCustomData": b"\x01wps" * 64}))  # nor WPS's native .et
    shutil.copyfile(books["xlsx"], folder / "甲.xlsx")
    return folder


@pytest.mark.libreoffice
def test_a_batch_converts_in_one_start_and_finds_what_one_by_one_finds(books: dict[str, Path], tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import functools

    from test_consolidate_support import unit_set
    from xxgk import libreoffice, readmany, validate
    from xxgk.consolidate import reading

    inbox = _old_formats_inbox(books, tmp_path / "收件箱")
    before, temps = fingerprint(inbox), leftovers()
    starts: list[int] = []  # files handed to each LibreOffice start
    real_run = libreoffice._run

    def counted(cmd: list[str], *args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
        starts.append(sum(Path(c).name.startswith("input") for c in cmd))
        return real_run(cmd, *args, **kwargs)  # type: ignore[arg-type]

    def outcome(out: Path) -> tuple[object, ...]:
        reports = {r.path.name: (r.status, [f.message for f in r.findings]) for r in validate_files([inbox])}
        result = run([inbox], out)
        subs = [(s.name, s.status, s.reason, [f.message for f in s.findings]) for s in result.submissions]
        return reports, subs, unit_set(out)

    monkeypatch.setattr(libreoffice, "_run", counted)
    together = outcome(tmp_path / "合并转换.xlsx")
    assert starts == [7, 1, 1] * 2  # all seven in one start; the two it could not open again, one by one
    starts.clear()
    for module in (validate, reading):
        monkeypatch.setattr(module, "read_many", functools.partial(readmany.read_many, together=False))
    one_by_one = outcome(tmp_path / "逐个转换.xlsx")
    assert starts == [1] * 14
    assert together == one_by_one
    reports = together[0]
    assert isinstance(reports, dict)
    assert reports["损坏.xls"] == ("unreadable", [MESSAGES["convert.failed"].format(
        what="本文件是旧版 Excel 97-2003 工作簿 (.xls)")])
    assert reports["专有.et"] == ("unreadable", [MESSAGES["convert.native_et"]])
    assert {n: s for n, (s, _) in reports.items()} == {**{f"件{i}.{e}": "warnings" for i, e in enumerate(
        ("xls", "ods", "et", "ods", "xls"))}, "损坏.xls": "unreadable", "专有.et": "unreadable", "甲.xlsx": "ok"}
    assert fingerprint(inbox) == before and leftovers() == temps


@pytest.mark.libreoffice
def test_a_batch_out_of_time_keeps_nothing_half_written(books: dict[str, Path], tmp_path: Path) -> None:
    from xxgk.libreoffice import convert_many

    temps = leftovers()
    assert convert_many([books["xls"], books["ods"]], tmp_path / "out", timeout=0.01) == [None, None]
    assert not list((tmp_path / "out").iterdir()) and leftovers() == temps


@pytest.mark.libreoffice
@pytest.mark.parametrize(("fmt", "name"), [("xls", "县汇总.et"), ("ods", "县汇总.et")])
def test_a_converted_summary_is_read_with_its_units(tmp_path: Path, fmt: str, name: str) -> None:
    rows = sample_values(AGENCIES)
    for values in rows:
        write(tmp_path / "县收件箱", values)
    county = tmp_path / "县汇总.xlsx"
    run([tmp_path / "县收件箱"], county, agency="丙县人民政府办公室")
    inbox = tmp_path / "市收件箱"
    inbox.mkdir()
    shutil.copyfile(soffice_convert(county, fmt, tmp_path), inbox / name)
    result = run([inbox], tmp_path / "市汇总.xlsx", agency="市政府办公室")
    (sub,) = result.submissions
    assert sub.has_unit_rows and "consolidate.no_units" not in [f.code for f in sub.findings]
    assert sorted(u.meta["meta.agency"] for u in result.units) == sorted(str(v["meta.agency"]) for v in rows)


@pytest.mark.libreoffice
def test_batches_are_bounded(books: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xxgk import libreoffice
    from xxgk.container import inspect_file
    from xxgk.readmany import read_many

    paths = [Path(shutil.copyfile(books["xls"], tmp_path / f"{i}.xls")) for i in range(3)]
    starts: list[int] = []
    real_run = libreoffice._run

    def counted(cmd: list[str], *args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
        starts.append(sum(Path(c).name.startswith("input") for c in cmd))
        return real_run(cmd, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(libreoffice, "_run", counted)
    monkeypatch.setattr(convert, "BATCH_SIZE", 2)
    assert inspect_file(paths[0]).convertible
    with read_many(paths) as reads:
        assert [r.fill is not None and r.fill.numbers == read_fill(books["xlsx"]).numbers for r in reads] == [True] * 3
    assert starts == [2, 1]


@pytest.mark.parametrize(("source", "name", "code", "said"), [
    ("vba", "宏.xls", "file.macros", "扩展名是 .xls，但本文件实为启用宏的工作簿 (.xlsm)"),
    ("xlsx", "改名.xlsb", "file.misnamed", "扩展名是 .xlsb，但本文件实为 Excel 工作簿"),
])
def test_an_xlsx_package_under_an_old_extension_is_read_by_content(books: dict[str, Path], tmp_path: Path,
                                                                   source: str, name: str, code: str, said: str) -> None:
    path = tmp_path / name
    if source == "vba":
        with_vba(books["xlsx"], path)
    else:
        shutil.copyfile(books["xlsx"], path)
    (report,) = validate_files([path])
    assert [f.code for f in report.findings] == [code] and said in report.findings[0].message
    assert report.fill is not None and report.fill.numbers == read_fill(books["xlsx"]).numbers


def test_validate_names_files_by_their_path_in_the_folder(books: dict[str, Path], tmp_path: Path) -> None:
    for sub in ("甲县", "乙县"):
        (tmp_path / "收件箱" / sub).mkdir(parents=True)
        shutil.copyfile(books["xlsx"], tmp_path / "收件箱" / sub / "年报.xlsx")
    assert [r.shown_name for r in validate_files([tmp_path / "收件箱"])] == ["乙县/年报.xlsx", "甲县/年报.xlsx"]
