"""The worksheet functions, called as xlwings calls them: with the calling cell of a remote-interpreter book."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

xw = pytest.importorskip("xlwings")  # the licence key for the remote book is set in conftest.py

from test_consolidate_support import COUNTY_A, sample_values, write  # noqa: E402
from xlwings_payload import payload_from_file, remote_book, set_value  # noqa: E402
from xxgk.addin import udfs  # noqa: E402
from xxgk.hints import CellChange, Hint  # noqa: E402
from xxgk.layout import plan_layout  # noqa: E402
from xxgk.spec import load_spec  # noqa: E402
from xxgk.validate import validate_files  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"


def caller(payload: dict[str, Any]) -> Any:
    """The calling cell of the book open in Excel (xlwings' remote-interpreter book)."""
    return remote_book(payload).sheets[0]["A1"]


def with_blocks(payload: dict[str, Any]) -> tuple[Any, tuple[Any, ...]]:
    """The calling cell and, as its arguments, the blocks of the template's sheets (what the user types)."""
    from xxgk.addin.live import custom_properties, stamped

    book = remote_book(payload)
    layout = stamped(custom_properties(book))
    blocks = layout.blocks if layout else {}
    return book.sheets[0]["A1"], tuple(book.sheets[n].range((1, 1), (r, c)) for n, (r, c) in blocks.items())


def status(payload: dict[str, Any]) -> str:
    cell, ranges = with_blocks(payload)
    return udfs.XXGK_STATUS(cell, *ranges)  # type: ignore[no-any-return]


def findings(payload: dict[str, Any]) -> list[list[Any]]:
    cell, ranges = with_blocks(payload)
    return udfs.XXGK_FINDINGS(cell, *ranges)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("udfs")
    rows = sample_values(COUNTY_A[:2])
    return {"clean": write(folder, rows[0], "通过.xlsx"),
            "broken": write(folder, rows[1], "有错.xlsx", overrides={"requests.new.total": 99999})}


def expected_rows(path: Path) -> list[list[Any]]:
    """What XXGK_FINDINGS shows, from `xxgk validate`'s report of the same workbook saved."""
    (report,) = validate_files([path])
    rows = [udfs.hint_row(h) for h in report.hints]
    for f in report.findings:
        rows.append([{"error": "错误", "warning": "警告"}[f.severity], f.rule or f.code, "、".join(f.cells),
                     "" if f.expected is None else f.expected, "" if f.actual is None else f.actual, f.message])
    return [["严重程度", "规则", "单元格", "应为", "实为", "问题说明"], *rows]


def test_status_of_a_clean_book(books: dict[str, Path]) -> None:
    payload = payload_from_file(books["clean"])
    assert status(payload) == "校验通过"
    assert findings(payload) == [list(udfs.FINDINGS_HEADER), ["校验通过", "", "", "", "", ""]]


def test_status_and_findings_of_a_broken_book(books: dict[str, Path]) -> None:
    (report,) = validate_files([books["broken"]])
    assert report.errors >= 2
    payload = payload_from_file(books["broken"])
    assert status(payload) == f"{report.errors} 个错误、{report.warnings} 个警告"
    rows = findings(payload)
    assert rows == expected_rows(books["broken"])
    assert len(rows) == 1 + len(report.hints) + len(report.findings) and all(len(r) == 6 for r in rows)
    hint = rows[1]  # the typed-over total explains the broken rules: said first
    assert hint[0] == "修改建议" and hint[4] == 99999 and hint[2].startswith("'依申请公开'!")
    typed = next(r for r in rows[2:] if r[4] == 99999)  # the overwritten formula, then the rules it breaks
    assert typed[0] == "警告" and typed[2] == hint[2] and typed[3] == hint[3]


def test_unsaved_edits_count(books: dict[str, Path]) -> None:
    spec = load_spec("gb2021")
    payload = payload_from_file(books["clean"])  # the saved file passes
    pos = plan_layout(spec).pos["requests.forward.natural"]
    set_value(payload, pos.sheet, pos.address.split("!")[-1].replace("$", ""), 12345)  # typed, not saved
    shown = status(payload)
    assert shown != "校验通过" and shown.endswith("个警告") and not shown.startswith("0 个错误")
    rows = findings(payload)
    assert any(r[0] == "错误" and "D" in r[2] for r in rows[1:])


def test_a_hint_row_names_the_cell_its_value_and_what_it_should_be() -> None:
    one = Hint((CellChange("requests.outcome.total.natural", "'依申请公开'!D29", 99, 69),), ("R2[natural]", "R3[natural]"),
               "「依申请公开」D29 填 99，按各项之和应为 69；改为 69 后 2 条校验全部通过")
    assert udfs.hint_row(one) == ["修改建议", "R2[natural]、R3[natural]", "'依申请公开'!D29", 69, 99, one.message]
    two = Hint((CellChange("a", "'表'!D6", None, 3), CellChange("b", "'表'!E6", 4, 5)), ("R1[x]",), "两处")
    assert udfs.hint_row(two) == ["修改建议", "R1[x]", "'表'!D6、'表'!E6", "3、5", "、4", "两处"]
    several = Hint((), ("R3[natural]",), "可能是 D6、D7 或 D9 之一")
    assert udfs.hint_row(several) == ["修改建议", "R3[natural]", "", "", "", several.message]


def test_a_book_that_is_no_template_is_a_message_not_an_error(tmp_path: Path) -> None:
    payload = {"client": "VBA", "version": xw.__version__,
               "book": {"name": "工作簿1", "active_sheet_index": 0, "selection": "A1"},
               "names": [], "sheets": [{"name": "Sheet1", "values": [["随便写的"]], "pictures": [], "tables": []}]}
    shown = status(payload)
    assert shown.startswith("无法校验：") and "不是 xxgk 年报模板" in shown
    rows = findings(payload)
    assert rows[0] == list(udfs.FINDINGS_HEADER) and rows[1][0] == "错误" and len(rows) == 2


def test_a_book_without_formulas_is_a_message_not_an_error(books: dict[str, Path]) -> None:
    payload = payload_from_file(books["clean"])
    for sheet in payload["sheets"]:
        del sheet["xxgk_formulas"]  # a connection that cannot give formulas: the live reader stops
    assert status(payload).startswith("无法校验：")


def test_a_bug_becomes_a_chinese_text_in_the_cell() -> None:
    broken_caller = SimpleNamespace(sheet=SimpleNamespace(book=None))
    assert udfs.XXGK_STATUS(broken_caller).startswith("xxgk 程序内部错误（")
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
xw.func, xw.ret, xw.arg = windows.xlfunc, windows.xlret, windows.xlarg
import xxgk.addin.udfs as u
for name in ("XXGK_STATUS", "XXGK_FINDINGS"):
    info = getattr(u, name).__xlfunc__
    print(name, info["name"], info["volatile"], [(a["name"], a["options"]) for a in info["args"]], info["ret"]["options"])
out = io.StringIO()
windows.generate_vba_wrapper("xxgk.addin.udfs", u, out, types.SimpleNamespace(Name="xxgk.xlam"))
print(out.getvalue())
"""


def test_without_the_blocks_as_arguments_the_cell_says_which_formula_to_type(books: dict[str, Path]) -> None:
    payload = payload_from_file(books["clean"])
    text = udfs.XXGK_STATUS(caller(payload))
    assert text.startswith("请把模板各表的区域作为参数") and "=XXGK_STATUS('封面'!A1:" in text
    cell, ranges = with_blocks(payload)
    assert udfs.XXGK_STATUS(cell, *ranges[:-1]).startswith("请把模板各表的区域作为参数")  # one sheet left out
    assert udfs.XXGK_FINDINGS(caller(payload))[0][0].startswith("请把模板各表的区域作为参数，")


def test_xlwings_on_windows_sees_two_non_volatile_functions_taking_ranges() -> None:
    """Not volatile, the sheets' blocks as Range arguments (Excel tracks the dependency), no legacy expand."""
    out = subprocess.run([sys.executable, "-c", WINDOWS_UDFS], capture_output=True, text=True,
                         env={"PYTHONPATH": str(SRC)})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "XXGK_STATUS XXGK_STATUS False [('caller', {}), ('ranges', {'convert': 'range'})] {}"
    assert lines[1] == "XXGK_FINDINGS XXGK_FINDINGS False [('caller', {}), ('ranges', {'convert': 'range'})] {}"
    vba = "\n".join(lines[2:])
    for name in ("XXGK_STATUS", "XXGK_FINDINGS"):
        assert f"Function {name}(ParamArray ranges())" in vba  # the caller is passed by xlwings, hidden
        assert (f'{name} = XLPy.CallUDF("xxgk.addin.udfs", "{name}", argsArray, ActiveWorkbook, '
                "Application.Caller)") in vba
    assert "Application.Volatile" not in vba and "expand" not in out.stdout


def test_module_imports_on_linux_without_a_license_or_excel() -> None:
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"} | {"PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", "import xxgk.addin.udfs as u; print(u.XXGK_STATUS.__name__)"],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "XXGK_STATUS"
