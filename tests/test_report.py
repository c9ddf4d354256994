"""xxgk report: the publishable report from a workbook, and the round trip report → import → same numbers."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_import_support import REAL, fixture, published
from xxgk.cli import main
from xxgk.importer.core import read_source
from xxgk.importer.narrative import SECTIONS
from xxgk.importer.run import import_file, read_report
from xxgk.rules.expand import computed_cells
from xxgk.spec import load_spec
from xxgk.template import build_template

FORMS = {"gb2021": "009_huaian_city_2024", "gb2019": "001_70c16c846537526a"}


def typed_workbook(stem: str, folder: Path) -> Path:
    """The workbook a staff member would have typed from the report (as tests/test_real_reports.py builds it)."""
    fx = fixture(stem)
    spec = load_spec(fx["form"])
    computed = computed_cells(spec)
    values = {cid: v for cid, v in fx["values"].items() if cid not in computed}
    values.update({"meta.agency": fx["agency"], "meta.year": fx["year"], "meta.kind": "单位"})
    overrides = {cid: v for cid, v in fx["values"].items() if cid in computed}
    return build_template(spec, folder / f"{stem}.xlsx", values=values, overrides=overrides)


def reimported(path: Path):
    source = read_report(path)
    assert source.unreadable is None, source.unreadable
    return read_source(source)


def numbers(reading) -> dict[str, Decimal]:
    return {cid: imp.value for cid, imp in reading.cells.items() if imp.value is not None}


def report(workbook: Path, out: Path, *extra: str) -> None:
    res = CliRunner().invoke(main, ["report", str(workbook), "-o", str(out), *extra])
    assert res.exit_code == 0, res.output
    assert f"已生成：{out}" in res.output


@pytest.mark.parametrize("form", FORMS)
def test_round_trip_docx_and_html_both_forms(form: str, tmp_path: Path) -> None:
    stem = FORMS[form]
    workbook = typed_workbook(stem, tmp_path)
    for name in ("报告.docx", "报告.html"):
        report(workbook, tmp_path / name)
        reading = reimported(tmp_path / name)
        assert reading.form == form
        assert numbers(reading) == published(stem), name
        assert reading.cover["meta.agency"] == fixture(stem)["agency"]
        assert reading.cover["meta.year"] == fixture(stem)["year"]
        assert not [f for f in reading.findings if f.severity == "error"]


@pytest.mark.libreoffice
@pytest.mark.parametrize("form", FORMS)
def test_round_trip_pdf_both_forms(form: str, tmp_path: Path) -> None:
    stem = FORMS[form]
    report(typed_workbook(stem, tmp_path), tmp_path / "报告.docx", "--pdf")
    pdf = tmp_path / "报告.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    reading = reimported(pdf)
    assert reading.form == form
    assert numbers(reading) == published(stem)
    _chinese_serif_body(pdf)


def _chinese_serif_body(pdf: Path) -> None:
    """仿宋/宋体 missing (Linux): the PDF gets a Chinese serif stand-in, not a Japanese or Latin sans."""
    import shutil
    import subprocess

    import pdfplumber

    fc_list = shutil.which("fc-list")
    if not fc_list or "Noto Serif CJK SC" not in subprocess.run([fc_list], capture_output=True, text=True).stdout:
        pytest.skip("no Chinese serif font installed (fonts-noto-cjk)")
    with pdfplumber.open(pdf) as doc:
        chars = doc.pages[0].chars
    title = {c["fontname"] for c in chars if c["size"] > 18}  # 宋体 20 pt
    assert title and all("SerifCJK" in f for f in title), title
    assert any("SansCJK" in c["fontname"] for c in chars)  # the 黑体 headings
    assert not any("DejaVu" in c["fontname"] for c in chars)  # digits in the Chinese font too


def test_imported_report_round_trip_keeps_narrative(tmp_path: Path) -> None:
    first = import_file(REAL / "009_huaian_city_2024.txt", tmp_path)
    assert first.output is not None
    report(first.output, tmp_path / "淮安.docx")
    second = reimported(tmp_path / "淮安.docx")
    assert numbers(second) == numbers(first.reading)
    texts = {s: t for s, _, t in second.sections}
    assert "全市共受理政府信息公开申请 3119 件" in texts["一、总体情况"]
    assert texts["六、其他需要报告的事项"] == dict((s, t) for s, _, t in first.reading.sections)["六、其他需要报告的事项"]
    assert not [f for f in second.findings if f.code == "import.text_mismatch"]


def test_docx_layout_title_headings_tables_merged_a4(tmp_path: Path) -> None:
    import docx
    from docx.oxml.ns import qn

    workbook = typed_workbook("009_huaian_city_2024", tmp_path)
    out = tmp_path / "报告.docx"
    report(workbook, out)
    document = docx.Document(str(out))
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[0] == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert [t for t in texts if t in SECTIONS] == list(SECTIONS)
    assert len(document.tables) == 3
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    footer = section.footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer and section.footer.paragraphs[0].text == "-  -"  # "- 3 -" round the page field
    styles = zipfile.ZipFile(out).read("word/styles.xml").decode("utf-8")
    assert 'w:eastAsia="zh-CN"' in styles  # Chinese glyphs and a Chinese substitute font
    for table in document.tables:  # no row broken across pages; tables 三/四 repeat their 3 header rows
        assert all(row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert [sum(row._tr.trPr.find(qn("w:tblHeader")) is not None for row in t.rows) for t in document.tables] == [0, 3, 3]
    xml = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    assert "w:gridSpan" in xml and 'w:vMerge w:val="restart"' in xml
    spec = load_spec("gb2021")
    labels = {p for t in spec.tables for b in t.blocks for r in b.rows for p in r.label}
    cell_texts = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert labels <= cell_texts | {"^"}
    assert "96171.6" in cell_texts and "3985758" in cell_texts


def test_html_is_escaped_and_uses_spans(tmp_path: Path) -> None:
    first = import_file(REAL / "009_huaian_city_2024.txt", tmp_path)
    assert first.output is not None
    report(first.output, tmp_path / "报告.html")
    page = (tmp_path / "报告.html").read_text(encoding="utf-8")
    assert "rowspan=" in page and "colspan=" in page and "@page { size: A4" in page
    assert "“三安全一稳定”" in page and "<script" not in page


def test_refuses_a_workbook_with_errors_unless_forced(tmp_path: Path) -> None:
    workbook = typed_workbook("000_fb3348bfed7ae378", tmp_path)  # "7次", "230300元" typed as text: errors
    out = tmp_path / "报告.docx"
    res = CliRunner().invoke(main, ["report", str(workbook), "-o", str(out)])
    assert res.exit_code == 1 and not out.exists()
    assert "个错误，未生成报告" in res.output and "7次" in res.output
    res = CliRunner().invoke(main, ["report", str(workbook), "-o", str(out), "--force"])
    assert res.exit_code == 0 and out.exists() and "--force" in res.output
    assert "没有“报告正文”表" in res.output


def test_an_existing_report_is_kept_unless_forced(tmp_path: Path) -> None:
    workbook = typed_workbook("009_huaian_city_2024", tmp_path)
    out = tmp_path / "报告.docx"
    out.write_bytes(b"edited by hand")
    res = CliRunner().invoke(main, ["report", str(workbook), "-o", str(out)])
    assert res.exit_code == 2 and "“报告.docx”已存在" in res.output and "--force" in res.output
    assert out.read_bytes() == b"edited by hand"
    report(workbook, out, "--force")
    assert out.read_bytes().startswith(b"PK")


def test_usage_errors(tmp_path: Path) -> None:
    workbook = typed_workbook("009_huaian_city_2024", tmp_path)
    for args in (["-o", str(tmp_path / "x.txt")], ["-o", str(tmp_path / "x.html"), "--pdf"]):
        res = CliRunner().invoke(main, ["report", str(workbook), *args])
        assert res.exit_code == 2 and "错误：" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["report", str(tmp_path / "没有.xlsx"), "-o", str(tmp_path / "x.docx")])
    assert res.exit_code == 2 and "无法读取" in res.output


def test_extended_form_round_trip(tmp_path: Path) -> None:
    """Seed 002 imports as gb2019+zj; its report carries the provincial table (under 二) and imports back alike."""
    first = import_file(REAL / "002_b7fbc38f06d49b94.txt", tmp_path)
    assert first.output is not None and first.form == "gb2019+zj"
    assert first.reading.cells["zj.wechat"].value == 233
    for name in ("北仑.docx", "北仑.html"):
        report(first.output, tmp_path / name)
        second = reimported(tmp_path / name)
        assert second.form == "gb2019+zj"
        assert numbers(second) == numbers(first.reading), name
