"""The worksheet functions, called as xlwings calls them: with the calling cell of a remote-interpreter book."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

# xw.Book(json=…) is in xlwings/pro (PolyForm Noncommercial, which permits government institutions)
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
xw = pytest.importorskip("xlwings")

from test_consolidate_support import COUNTY_A, sample_values, write  # noqa: E402
from xxgk.addin import udfs  # noqa: E402
from xxgk.findings import count  # noqa: E402
from xxgk.validate import validate_files  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"


def _remote_engine() -> None:
    """The remote engine, also when another test module imported xlwings before the licence key was set."""
    if "remote" not in [e.name for e in xw.engines]:
        from xlwings.pro import _xlremote

        xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
        xw.__pro__ = True


def remote_caller(fullname: Path | str) -> object:
    """The calling cell of a book as xlwings' remote interpreter builds it (its fullname is its name)."""
    _remote_engine()
    payload = {"client": "VBA", "version": xw.__version__,
               "book": {"name": str(fullname), "active_sheet_index": 0, "selection": "A1"},
               "names": [], "sheets": [{"name": "封面", "values": [[""]], "pictures": [], "tables": []}]}
    return xw.Book(json=payload).sheets[0]["A1"]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("udfs")
    rows = sample_values(COUNTY_A[:2])
    return {"clean": write(folder, rows[0], "通过.xlsx"),
            "broken": write(folder, rows[1], "有错.xlsx", overrides={"requests.new.total": 99999})}


def test_status_of_a_clean_book(books: dict[str, Path]) -> None:
    assert udfs.XXGK_STATUS(remote_caller(books["clean"])) == "校验通过"
    rows = udfs.XXGK_FINDINGS(remote_caller(books["clean"]))
    assert rows == [list(udfs.FINDINGS_HEADER), ["校验通过", "", "", "", "", ""]]


def test_status_and_findings_of_a_broken_book(books: dict[str, Path]) -> None:
    (report,) = validate_files([books["broken"]])
    errors, warnings = count(report.findings, "error"), count(report.findings, "warning")
    assert errors >= 2
    assert udfs.XXGK_STATUS(remote_caller(books["broken"])) == f"{errors} 个错误、{warnings} 个警告"
    rows = udfs.XXGK_FINDINGS(remote_caller(books["broken"]))
    assert rows[0] == ["严重程度", "规则", "单元格", "应为", "实为", "问题说明"]
    assert len(rows) == 1 + len(report.findings)
    assert all(len(r) == 6 for r in rows)
    for row, f in zip(rows[1:], report.findings, strict=True):
        assert row[0] == {"error": "错误", "warning": "警告"}[f.severity]
        assert row[1] == (f.rule or f.code)
        assert row[2] == "、".join(f.cells)
        assert row[3] == ("" if f.expected is None else f.expected)
        assert row[4] == ("" if f.actual is None else f.actual)
        assert row[5] == f.message
    typed = next(r for r, f in zip(rows[1:], report.findings, strict=True) if f.code == "formula.overwritten")
    assert typed[4] == 99999 and typed[2].startswith("'依申请公开'!")


def test_unsaved_or_foreign_book_is_a_message_not_an_error(tmp_path: Path) -> None:
    status = udfs.XXGK_STATUS(remote_caller("工作簿1"))
    assert status.startswith("无法校验：") and "工作簿1" in status
    other = tmp_path / "别的表.xlsx"
    other.write_bytes(b"PK not really")
    assert udfs.XXGK_STATUS(remote_caller(other)).startswith("无法校验：")
    rows = udfs.XXGK_FINDINGS(remote_caller(other))
    assert rows[0] == list(udfs.FINDINGS_HEADER) and rows[1][0] == "错误"


def test_a_bug_becomes_a_chinese_text_in_the_cell() -> None:
    broken_caller = SimpleNamespace(sheet=SimpleNamespace(book=None))  # no .fullname
    assert udfs.XXGK_STATUS(broken_caller).startswith("xxgk 程序内部错误（AttributeError")
    assert udfs.XXGK_FINDINGS(broken_caller)[0][0].startswith("xxgk 程序内部错误")


# xlwings' Windows UDF machinery (xlwings.udfs) needs pywin32; with its modules stubbed it runs on Linux far
# enough to read our declarations and write the VBA wrappers the add-in needs (xlwings' "Import Functions").
WINDOWS_UDFS = """
import io, sys, types
for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
    sys.modules[name] = types.ModuleType(name)
sys.modules["pythoncom"].CoInitialize = lambda: None
sys.modules["win32com.client"].Dispatch = None
import xlwings as xw
from xlwings import udfs as windows
xw.func, xw.ret = windows.xlfunc, windows.xlret
import xxgk.addin.udfs as u
for name in ("XXGK_STATUS", "XXGK_FINDINGS"):
    info = getattr(u, name).__xlfunc__
    print(name, info["name"], info["volatile"], [(a["name"], a["options"]) for a in info["args"]], info["ret"]["options"])
out = io.StringIO()
windows.generate_vba_wrapper("xxgk.addin.udfs", u, out, types.SimpleNamespace(Name="xxgk.xlam"))
print(out.getvalue())
"""


def test_xlwings_on_windows_sees_two_volatile_functions_with_a_hidden_caller() -> None:
    out = subprocess.run([sys.executable, "-c", WINDOWS_UDFS], capture_output=True, text=True,
                         env={"PYTHONPATH": str(SRC)})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "XXGK_STATUS XXGK_STATUS True [('caller', {})] {}"
    assert lines[1] == "XXGK_FINDINGS XXGK_FINDINGS True [('caller', {})] {'expand': 'table'}"
    vba = "\n".join(lines[2:])
    for name in ("XXGK_STATUS", "XXGK_FINDINGS"):
        assert f"Function {name}()" in vba  # no visible argument: the caller is passed by xlwings
        assert (f'{name} = XLPy.CallUDF("xxgk.addin.udfs", "{name}", Array(Nothing), ActiveWorkbook, '
                "Application.Caller)") in vba
    assert vba.count("Application.Volatile") == 2


def test_module_imports_on_linux_without_a_license_or_excel() -> None:
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"} | {"PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", "import xxgk.addin.udfs as u; print(u.XXGK_STATUS.__name__)"],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "XXGK_STATUS"
