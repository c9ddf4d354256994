"""Annotated copies of workbooks from every producer staff files come from are well-formed and open.

The corpus (tests/fixtures/producers/README.md): our XlsxWriter template, the same re-saved by openpyxl with lxml
(it binds r: on each <sheet>, not on the root) and without, pandas ``to_excel``, a stored (uncompressed) zip,
a LibreOffice-saved file, and real Excel-, WPS- and Tencent-Docs-saved workbooks from public repositories,
one with a nonstandard relationships prefix. For each: every XML part of the annotated copy (annotated, then the
copy annotated again) parses strictly, and LibreOffice opens the copy and sees 校验结果 (one soffice run for the
whole corpus). The files the validator reads as a form also go through ``xxgk validate --annotate`` and the
portal's 退回 copy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from lxml import etree
from python_calamine import CalamineWorkbook

from xxgk.annotate.apply import apply_plan
from xxgk.annotate.file_book import FileBook
from xxgk.annotate.plan import (
    ALT_RESULT_SHEET,
    FILL_ERROR,
    FILL_WARNING,
    RESULT_SHEET,
    Cell,
    plan_annotation,
    read_previous,
)
from xxgk.annotate.run import annotate_file
from xxgk.findings import ERROR, WARNING, Finding
from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template
from xxgk.validate import FileReport, validate_files

SPEC = load_spec("gb2021")
WHEN = dt.datetime(2025, 2, 3, 10, 0)
CORPUS = Path(__file__).parent / "fixtures" / "producers"
STORED = sorted(p.stem for p in CORPUS.glob("*.xlsx"))
MADE = ["xlsxwriter", "openpyxl_lxml", "openpyxl_no_lxml", "pandas", "stored_zip"]
FORMS = ["xlsxwriter", "openpyxl_lxml", "openpyxl_no_lxml", "stored_zip"]  # read by the validator as the form
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)


def _filled(path: Path, index: int = 0) -> Path:
    """A filled template of agency `index` (each form producer's file is another agency's, so they sum)."""
    values = dict(list(sample_fills(SPEC, agencies("标记县", "330206", 4, seed=12), 2024, seed=6))[index][1])
    values["requests.forward.legal"] = int(values.get("requests.forward.legal", 0)) + 2  # type: ignore[call-overload]
    values["active.penalty.decisions"] = "7次"
    return build_template(SPEC, path, values=values)


def _openpyxl_resave(src: Path, out: Path, lxml: bool) -> Path:
    """Load and save with openpyxl in a fresh interpreter (it decides on lxml at import, from OPENPYXL_LXML)."""
    code = ("import sys, openpyxl, openpyxl.xml; assert openpyxl.xml.LXML is (sys.argv[3] == 'True'); "
            "openpyxl.load_workbook(sys.argv[1]).save(sys.argv[2])")
    env = {**os.environ, "OPENPYXL_LXML": str(lxml)}
    subprocess.run([sys.executable, "-c", code, str(src), str(out), str(lxml)], check=True, env=env)
    return out


def _stored(src: Path, out: Path) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(zipfile.ZipInfo(info.filename, info.date_time), zin.read(info.filename),
                          compress_type=zipfile.ZIP_STORED)
    return out


def _pandas(out: Path) -> Path:
    frame = pd.DataFrame({"单位": ["民政局", "公安局"], "申请数": [3, 5], "费用（万元）": [0.123456, 1.5]})
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="数据", index=False)
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("producers")
    templates = [_filled(base / "templates" / f"{i}.xlsx", i) for i in range(4)]
    made = {
        "xlsxwriter": templates[0],
        "openpyxl_lxml": _openpyxl_resave(templates[1], base / "openpyxl_lxml.xlsx", lxml=True),
        "openpyxl_no_lxml": _openpyxl_resave(templates[2], base / "openpyxl_no_lxml.xlsx", lxml=False),
        "pandas": _pandas(base / "pandas.xlsx"),
        "stored_zip": _stored(templates[3], base / "stored_zip.xlsx"),
    }
    return {**made, **{stem: CORPUS / f"{stem}.xlsx" for stem in STORED}}


@pytest.fixture(scope="module")
def summary(corpus: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The summary of the forms saved by every form producer (written by XlsxWriter, never by editing them)."""
    from xxgk.consolidate import Options, consolidate
    from xxgk.consolidate.status import ERRORS_INCLUDED

    out = tmp_path_factory.mktemp("summary") / "汇总.xlsx"
    inputs = [corpus[n] for n in FORMS] + [corpus["libreoffice"]]
    result = consolidate(inputs, Options(output=out, today=dt.date(2025, 2, 1), include_invalid=True))
    summed = [s.name for s in result.submissions if s.status == ERRORS_INCLUDED]  # two wrong cells in each
    assert len(summed) == len(FORMS), [(s.name, s.status) for s in result.submissions]
    return out


def annotate_any(src: Path, out: Path, when: dt.datetime = WHEN) -> Path:
    """The file applier on any workbook: three cells of its first sheet marked (one that exists, one in a row
    that exists, one far below the data), a status line right of the data, the result sheet with its print setup."""
    book = FileBook(src)
    first = next(iter(book.sheets))
    cells = [Cell(first, 0, 0), Cell(first, 1, 2), Cell(first, 98, 25)]
    findings = [Finding("cell.negative", ERROR, "测试：数值不应为负数。", cells=tuple(c.address for c in cells[:2])),
                Finding("table.blank", WARNING, "测试：此格不应为空。", cells=(cells[2].address,))]
    previous = read_previous(book.result_grid())
    plan = plan_annotation(findings, [], SPEC, previous, Cell(first, 0, 30), when, sheet_name=book.result_name)
    highlights = {cells[0]: FILL_ERROR, cells[1]: FILL_ERROR, cells[2]: FILL_WARNING}
    plan = dataclasses.replace(plan, highlights=highlights,
                               originals={c: o for c, o in previous.marks.items() if c in highlights},
                               restore={c: o for c, o in previous.marks.items() if c not in highlights})
    apply_plan(book, plan)
    return book.save(out)


def xml_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.endswith((".xml", ".rels", ".vml"))}


def assert_well_formed(path: Path) -> None:
    for name, data in xml_parts(path).items():
        try:
            etree.fromstring(data, STRICT)
        except etree.XMLSyntaxError as exc:
            pytest.fail(f"{path.name}: {name} is not well-formed XML: {exc}")


def _only(path: Path) -> FileReport:
    (report,) = validate_files([path])
    return report


class Copies:
    """name -> the copy, made when first asked for (so one producer's failure fails its own tests only): any
    workbook annotated twice by the file applier (the second run replaces the result sheet and its print
    names); cli_/portal_ + a form's name: `xxgk validate --annotate` and the portal's 退回 copy of it."""

    def __init__(self, corpus: dict[str, Path], summary: Path, base: Path) -> None:
        self.corpus, self.summary, self.base = corpus, summary, base
        self.made: dict[str, Path | BaseException] = {}

    def __getitem__(self, name: str) -> Path:
        if name not in self.made:
            try:
                self.made[name] = self._make(name)
            except Exception as exc:
                self.made[name] = exc
        made = self.made[name]
        if isinstance(made, BaseException):
            raise made
        return made

    def _make(self, name: str) -> Path:
        if name == "summary":
            return annotate_any(self.summary, self.base / "summary.xlsx")
        kind, _, form = name.partition("_")
        if kind in ("cli", "portal") and form in FORMS:
            report = _only(self.corpus[form])
            assert report.fill is not None and report.findings, form
            if kind == "cli":
                return annotate_file(self.corpus[form], self.base / "cli" / f"{form}.xlsx", report.fill,
                                     report.findings, report.hints, WHEN)
            from xxgk.web.annotated import annotated_copy

            portal = annotated_copy(report, self.base / "portal" / f"{form}-校验标记.xlsx")
            assert portal is not None, f"the portal made no annotated copy of {form}"
            return portal
        first = annotate_any(self.corpus[name], self.base / "once" / f"{name}.xlsx")
        return annotate_any(first, self.base / "twice" / f"{name}.xlsx", WHEN + dt.timedelta(days=1))


@pytest.fixture(scope="module")
def copies(corpus: dict[str, Path], summary: Path, tmp_path_factory: pytest.TempPathFactory) -> Copies:
    return Copies(corpus, summary, tmp_path_factory.mktemp("copies"))


ALL = [*MADE, *STORED, *(f"cli_{n}" for n in FORMS), *(f"portal_{n}" for n in FORMS), "summary"]


def test_the_corpus_holds_every_producer() -> None:
    apps = {}
    for stem in STORED:
        with zipfile.ZipFile(CORPUS / f"{stem}.xlsx") as zf:
            app = etree.fromstring(zf.read("docProps/app.xml"))
        apps[stem] = "".join(app.xpath("//*[local-name()='Application']/text()"))
    assert "Microsoft Excel" in apps["excel_windows"] and "Microsoft Excel" in apps["excel_2007"]
    assert "WPS 表格" in apps["wps_et"] and "WPS Office" in apps["wps_office"]
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert all(f"{stem}.xlsx" in readme for stem in STORED)


def test_openpyxl_with_lxml_binds_r_on_each_sheet_not_the_root(corpus: dict[str, Path]) -> None:
    """The producer the bug came from: the copy must not assume the root binds r:."""
    with zipfile.ZipFile(corpus["openpyxl_lxml"]) as zf:
        root = etree.fromstring(zf.read("xl/workbook.xml"))
    assert "http://schemas.openxmlformats.org/officeDocument/2006/relationships" not in root.nsmap.values()


def _result_sheet(name: str) -> str:
    """A summary has a 校验结果 sheet of its own: its copy's result sheet is 本表校验结果."""
    return ALT_RESULT_SHEET if name == "summary" else RESULT_SHEET


@pytest.mark.parametrize("name", ALL)
def test_every_part_of_the_annotated_copy_parses_strictly(copies: Copies, name: str) -> None:
    copy = copies[name]
    assert_well_formed(copy)
    wb = CalamineWorkbook.from_path(str(copy))
    assert _result_sheet(name) in wb.sheet_names
    marked = openpyxl.load_workbook(copy)  # the marks are where the plan put them, in the colour it chose
    if not name.startswith(("cli_", "portal_")):
        first = marked.worksheets[0]
        assert first["A1"].fill.fgColor.rgb == "FF" + FILL_ERROR[1:]
        assert first["Z99"].fill.fgColor.rgb == "FF" + FILL_WARNING[1:]
        assert f"见“{_result_sheet(name)}”表" in str(first["AE1"].value)


def test_the_summary_of_every_form_producer_parses_strictly(summary: Path) -> None:
    assert_well_formed(summary)


@pytest.mark.parametrize("name", FORMS)
def test_the_copy_of_a_form_validates_like_the_original(corpus: dict[str, Path], copies: Copies,
                                                        name: str) -> None:
    before = [f.to_dict() for f in _only(corpus[name]).findings]
    assert [f.to_dict() for f in _only(copies[f"cli_{name}"]).findings] == before


@pytest.fixture(scope="module")
def reopened(copies: Copies, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str] | None]:
    """Every copy opened by LibreOffice in one run (converted to .xlsx): its sheet names, None if it failed."""
    from xxgk.libreoffice import convert_many

    made = {}
    for name in ALL:
        with contextlib.suppress(Exception):  # a copy that could not be made fails its own tests
            made[name] = copies[name]
    outputs = convert_many(list(made.values()), tmp_path_factory.mktemp("lo"), timeout=300)
    return {n: CalamineWorkbook.from_path(str(o)).sheet_names if o is not None else None
            for n, o in zip(made, outputs, strict=True)}


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ALL)
def test_libreoffice_opens_the_copy_and_sees_the_result_sheet(copies: Copies, reopened: dict[str, list[str] | None],
                                                              name: str) -> None:
    copies[name]  # raises why a copy could not be made
    sheets = reopened[name]
    assert sheets is not None, f"LibreOffice could not open the annotated copy of {name}"
    assert _result_sheet(name) in sheets


def test_a_part_with_a_dtd_is_refused_in_chinese_and_nothing_written(corpus: dict[str, Path], tmp_path: Path) -> None:
    """Entities are never expanded (no billion laughs, no external files); a part declaring a DTD, which OOXML
    forbids, is refused rather than copied with dangling entity references."""
    from xxgk.annotate.file_book import AnnotateError

    hostile = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(corpus["xlsxwriter"]) as zin, zipfile.ZipFile(hostile, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/styles.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE s [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
            zout.writestr(info, data)
    with pytest.raises(AnnotateError, match="不是完好的 XML"):
        annotate_any(hostile, tmp_path / "out.xlsx")
    assert list(tmp_path.iterdir()) == [hostile]
