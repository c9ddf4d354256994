"""Tests for xxgk.libreoffice: LibreOffice is a hard requirement of the suite."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from xxgk.libreoffice import find_soffice, recalc

pytestmark = pytest.mark.libreoffice


@pytest.fixture(autouse=True)
def _require_soffice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XXGK_SOFFICE", raising=False)
    if find_soffice() is None:
        pytest.fail(
            "LibreOffice (soffice) is required by this test suite but was not found: "
            "apt-get install libreoffice-calc-nogui (or set XXGK_SOFFICE)."
        )


def make_formula_book(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("表1")
    ws.write("A1", 2)
    ws.write("A2", 3)
    ws.write_formula("A3", "=A1+A2")  # XlsxWriter caches 0 as the result
    wb.close()
    return path


def values(path: Path) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_recalc_computes_formulas_and_leaves_input_alone(tmp_path: Path) -> None:
    src_dir = tmp_path / "收件箱"
    src_dir.mkdir()
    src = make_formula_book(src_dir / "某某局 年报.xlsx")
    assert values(src)[2][0] == 0  # proves the cached value is stale
    before = (hashlib.sha256(src.read_bytes()).hexdigest(), src.stat().st_mtime_ns)

    t0 = time.monotonic()
    out = recalc(src, tmp_path / "out")
    elapsed = time.monotonic() - t0

    assert out == tmp_path / "out" / "某某局 年报.xlsx"
    assert out.is_file()
    assert values(out)[2][0] == 5
    assert (hashlib.sha256(src.read_bytes()).hexdigest(), src.stat().st_mtime_ns) == before
    assert sorted(p.name for p in src_dir.iterdir()) == ["某某局 年报.xlsx"]  # no .~lock file left behind
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["某某局 年报.xlsx"]
    assert elapsed < 120


def test_recalc_twice_overwrites_previous_output(tmp_path: Path) -> None:
    src = make_formula_book(tmp_path / "a.xlsx")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "a.xlsx").write_bytes(b"stale")
    out = recalc(src, out_dir)
    assert values(out)[2][0] == 5


def test_recalc_refuses_to_overwrite_input(tmp_path: Path) -> None:
    src = make_formula_book(tmp_path / "a.xlsx")
    with pytest.raises(ValueError, match="覆盖"):
        recalc(src, tmp_path)


def test_recalc_missing_input(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        recalc(tmp_path / "nope.xlsx", tmp_path / "out")


def test_recalc_reports_failure_with_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "fake-soffice"
    fake.write_text("#!/bin/sh\necho 'simulated crash' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("XXGK_SOFFICE", str(fake))
    src = make_formula_book(tmp_path / "a.xlsx")
    with pytest.raises(RuntimeError, match=r"退出码 3.*simulated crash"):
        recalc(src, tmp_path / "out")


def test_recalc_timeout_kills_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "slow-soffice"
    fake.write_text("#!/bin/sh\nsleep 30 &\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setenv("XXGK_SOFFICE", str(fake))
    src = make_formula_book(tmp_path / "a.xlsx")
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="超时"):
        recalc(src, tmp_path / "out", timeout=1)
    assert time.monotonic() - t0 < 10


def test_missing_soffice_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XXGK_SOFFICE", str(tmp_path / "does-not-exist"))
    assert find_soffice() is None
    src = make_formula_book(tmp_path / "a.xlsx")
    with pytest.raises(RuntimeError, match="LibreOffice"):
        recalc(src, tmp_path / "out")


def test_export_pdf_from_a_chinese_path_atomic_and_input_untouched(tmp_path: Path) -> None:
    import docx

    from xxgk.libreoffice import export_pdf

    src = tmp_path / "年度报告.docx"
    document = docx.Document()
    document.add_paragraph("政府信息公开工作年度报告")
    document.save(str(src))
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    target = export_pdf(src, tmp_path / "年度报告.pdf")
    assert target.read_bytes().startswith(b"%PDF")
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["年度报告.docx", "年度报告.pdf"]  # no lock or .part file


def test_export_pdf_without_soffice_or_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xxgk.libreoffice import export_pdf

    with pytest.raises(FileNotFoundError, match="找不到要转换的文件"):
        export_pdf(tmp_path / "无.docx", tmp_path / "无.pdf")
    (tmp_path / "a.docx").write_bytes(b"x")
    monkeypatch.setenv("XXGK_SOFFICE", str(tmp_path / "does-not-exist"))
    with pytest.raises(RuntimeError, match="未找到 LibreOffice"):
        export_pdf(tmp_path / "a.docx", tmp_path / "a.pdf")
