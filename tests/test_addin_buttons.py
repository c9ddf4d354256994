"""The ribbon buttons end to end through the xlwings adapter, on xlwings' remote-interpreter book: the payload is
built from a real filled template, the button runs, and the actions it would apply in Excel are checked —
values of 校验结果, colours on exactly the failing cells, nothing anywhere else, 说明 kept across runs, 清除标记
undoing exactly what 校验 did; 新建模板 and 汇总 with their folder and opener injected."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl.utils import get_column_letter

from xlwings_payload import payload_from_file, remote_book, replay, set_value
from xxgk.addin import buttons
from xxgk.annotate.plan import (
    CODE,
    FILL_ERROR,
    FILL_WARNING,
    HEADER_ROW,
    HEADERS,
    NOTE,
    RECORD_TITLE,
    RESULT_SHEET,
    finding_key,
)
from xxgk.layout import plan_layout
from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import STATUS_NAME, build_template
from xxgk.validate import validate_files

SPEC = load_spec("gb2021")
LAYOUT = plan_layout(SPEC)
GROUP = agencies("按钮县", "330206", 3, seed=8)
WHEN = dt.datetime(2025, 1, 20, 9, 30)
SHEETS = [SPEC.cover.sheet, *(t.sheet for t in SPEC.tables), "校验", "说明"]


def _values(index: int = 0) -> dict[str, object]:
    return dict(list(sample_fills(SPEC, GROUP, 2024, seed=4))[index][1])


def _broken() -> dict[str, object]:
    values = _values()
    values["requests.forward.natural"] = int(values.get("requests.forward.natural", 0)) + 3  # type: ignore[call-overload]
    values["active.penalty.decisions"] = "7次"
    return values


def _book_file(tmp_path: Path, values: dict[str, object], name: str = "单位.xlsx", **kw: Any) -> Path:
    return build_template(SPEC, tmp_path / name, values=values, **kw)


def _a1(action: dict[str, Any]) -> str:
    return f"{get_column_letter(action['start_column'] + 1)}{action['start_row'] + 1}"


def _cells(actions: list[dict[str, Any]], func: str) -> dict[tuple[str, str], Any]:
    """(sheet, A1) -> first arg of each action `func` on the payload's sheets, for every cell of its range
    (colours are written in rectangles)."""
    out = {}
    for a in actions:
        if a["func"] != func or a["sheet_position"] >= len(SHEETS):
            continue
        for dr in range(a.get("row_count", 1)):
            for dc in range(a.get("column_count", 1)):
                a1 = f"{get_column_letter(a['start_column'] + dc + 1)}{a['start_row'] + dr + 1}"
                out[(SHEETS[a["sheet_position"]], a1)] = (a["values"][dr][dc] if func == "setValues"
                                                          else a["args"][0])
    return out


def _status_cell() -> tuple[str, str]:
    """The cell right of the cover's merged live status line (the template's status is a formula)."""
    from xxgk.layout import plan_cover

    cover = plan_cover(SPEC)
    return SPEC.cover.sheet, f"{get_column_letter(cover.width + 1)}{cover.last_row + 3}"


def _run_validate(payload: dict[str, Any], when: dt.datetime = WHEN) -> list[dict[str, Any]]:
    book = remote_book(payload)
    buttons.validate(book=book, now=when)
    return book.json()["actions"]


def _result_values(actions: list[dict[str, Any]]) -> list[list[Any]]:
    (write,) = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == len(SHEETS)]
    return write["values"]


def _rows_by_key(values: list[list[Any]]) -> dict[str, list[Any]]:
    return {row[CODE]: row for row in values[HEADER_ROW + 1:] if len(row) > CODE and row[CODE]}


def test_validate_marks_exactly_the_failing_cells_and_lists_every_finding(tmp_path: Path) -> None:
    path = _book_file(tmp_path, _broken())
    (report,) = validate_files([path])
    actions = _run_validate(payload_from_file(path))
    # colours: exactly the cells of the findings, red for errors
    failing = {(c.split("!")[0].strip("'"), c.split("!")[1]) for f in report.findings for c in f.cells}
    colours = _cells(actions, "setRangeColor")
    assert set(colours) == failing
    assert set(colours.values()) == {FILL_ERROR}
    # the result sheet: added after the others, every finding once with its message and both sides
    assert [a["args"] for a in actions if a["func"] == "addSheet"] == [[len(SHEETS), RESULT_SHEET]]
    values = _result_values(actions)
    assert values[HEADER_ROW][: len(HEADERS)] == list(HEADERS)
    rows = _rows_by_key(values)
    assert [rows[finding_key(f)][3] for f in report.findings] == [f.message for f in report.findings]
    for f in report.findings:
        assert rows[finding_key(f)][4:6] == [f.expected, f.actual]
    # a hyperlink to each cell involved: HYPERLINK formulas in the result sheet's one values write
    links = {m.group(1) for row in values for v in row if isinstance(v, str)
             and (m := re.match(r'=HYPERLINK\("(#[^"]+)"', v))}
    assert links == {"#" + c for f in report.findings for c in f.cells}
    assert not [a for a in actions if a["func"] == "addHyperlink"]
    # the status line next to the live one (its formula stays), with the time
    assert _cells(actions, "setValues") == {_status_cell(): "3 个错误、0 个警告（2025-01-20 09:30，见“校验结果”表）"}
    assert report.errors == 3 and report.warnings == 0
    # nothing else anywhere in the workbook's own sheets
    own = [a for a in actions if a["sheet_position"] is not None and a["sheet_position"] < len(SHEETS)]
    assert {a["func"] for a in own} == {"setRangeColor", "setValues"}
    assert len([a for a in own if a["func"] == "setValues"]) == 1
    alert = actions[-1]
    assert alert["func"] == "alert" and alert["args"][0].startswith("发现 3 个错误、0 个警告")


def test_status_text_counts_errors_and_warnings(tmp_path: Path) -> None:
    path = _book_file(tmp_path, _values(), overrides={"review.total": 99999})  # a wrong typed total: error + warning
    (report,) = validate_files([path])
    assert report.errors == 1 and report.warnings == 1
    actions = _run_validate(payload_from_file(path))
    (text,) = _cells(actions, "setValues").values()
    assert text == "1 个错误、1 个警告（2025-01-20 09:30，见“校验结果”表）"
    # the typed-over total is in both findings: the error's colour wins; a warning alone is yellow
    colours = _cells(actions, "setRangeColor")
    total = LAYOUT.pos["review.total"]
    assert colours[(total.sheet, total.a1)] == FILL_ERROR
    warned = build_template(SPEC, tmp_path / "warned.xlsx", values={**_values(), "meta.filled_on": "去年"})
    (cover_colour,) = _cells(_run_validate(payload_from_file(warned)), "setRangeColor").values()
    assert cover_colour == FILL_WARNING


def test_a_clean_book_passes_and_marks_nothing(tmp_path: Path) -> None:
    actions = _run_validate(payload_from_file(_book_file(tmp_path, _values())))
    assert _cells(actions, "setRangeColor") == {}
    assert _cells(actions, "setValues") == {_status_cell(): "校验通过（2025-01-20 09:30）"}
    assert actions[-1]["args"][0] == "校验通过：没有发现问题。"
    # a short result sheet: its title and verdict (and the hidden record), no table to lay out
    values = next(a["values"] for a in actions if a["func"] == "setValues" and a["sheet_position"] == len(SHEETS))
    assert values[1][0] == "校验时间 2025-01-20 09:30；校验通过，没有发现问题。" and not any(values[2] + values[3])
    funcs = [a["func"] for a in actions if a["sheet_position"] == len(SHEETS)]
    assert "setColumnWidth" not in funcs and "setRangeColor" not in funcs and "wrapText" not in str(funcs)


def test_note_survives_the_next_run_matched_by_finding_not_row(tmp_path: Path) -> None:
    path = _book_file(tmp_path, _broken())
    payload = payload_from_file(path)
    first = _run_validate(payload)
    after_first = replay(payload, first)
    rows = _rows_by_key(_result_values(first))
    key = next(k for k in rows if k.startswith("rule|R3[natural]"))
    grid = next(s for s in after_first["sheets"] if s["name"] == RESULT_SHEET)["values"]
    row = next(i for i, r in enumerate(grid) if len(r) > CODE and r[CODE] == key)
    grid[row][NOTE] = "上年结转数按系统导出数填写，已与办公室核实。"
    # a new problem that sorts before it, so the explained finding moves to another row
    cover = LAYOUT.pos["meta.uscc"]
    set_value(after_first, cover.sheet, cover.a1, "12345")
    second = _run_validate(after_first, WHEN + dt.timedelta(hours=1))
    rows2 = _rows_by_key(_result_values(second))
    assert rows2[key][NOTE] == "上年结转数按系统导出数填写，已与办公室核实。"
    order = list(rows2)
    assert order.index(key) != list(rows).index(key)
    assert all(r[NOTE] in (None, "") for k, r in rows2.items() if k != key)
    # the old sheet is replaced, not duplicated; the first run's highlights are not recorded as originals
    assert [a["func"] for a in second if a["sheet_position"] == len(SHEETS)][:1] == ["sheetDelete"]
    values2 = _result_values(second)
    record = values2.index(next(r for r in values2 if r and r[0] == RECORD_TITLE))
    assert all(r[2] != FILL_ERROR for r in values2[record + 2:] if r and r[0] == "标记")


def test_note_of_a_finding_that_is_gone_is_kept(tmp_path: Path) -> None:
    values = _broken()
    payload = payload_from_file(_book_file(tmp_path, values))
    first = _run_validate(payload)
    after = replay(payload, first)
    grid = next(s for s in after["sheets"] if s["name"] == RESULT_SHEET)["values"]
    row = next(i for i, r in enumerate(grid) if len(r) > CODE and str(r[CODE]).startswith("cell.text"))
    grid[row][NOTE] = "原表如此"
    pos = LAYOUT.pos["active.penalty.decisions"]
    set_value(after, pos.sheet, pos.a1, 7)
    second = _run_validate(after)
    rows = _rows_by_key(_result_values(second))
    kept = [r for r in rows.values() if r[NOTE] == "原表如此"]
    assert len(kept) == 1 and kept[0][1] == "已消除"
    # the cell fixed since is no longer marked: its colour goes back to the original white
    assert _cells(second, "setRangeColor")[(pos.sheet, pos.a1)] == "#FFFFFF"


def test_clear_undoes_exactly_what_validate_did(tmp_path: Path) -> None:
    payload = payload_from_file(_book_file(tmp_path, _broken()))
    first = _run_validate(payload)
    marked = replay(payload, first)
    book = remote_book(marked)
    buttons.clear(book=book)
    actions = book.json()["actions"]
    restored = _cells(actions, "setRangeColor")
    assert set(restored) == set(_cells(first, "setRangeColor"))
    original = {(s["name"], a1): fill for s in payload["sheets"] for a1, fill in s["xxgk_fills"].items()}
    assert all(restored[c] == (original[c] or None) for c in restored)
    assert {(SHEETS[a["sheet_position"]], _a1(a)) for a in actions if a["func"] == "rangeClearContents"} == {_status_cell()}
    assert [a["func"] for a in actions if a["sheet_position"] == len(SHEETS)] == ["sheetDelete"]
    assert {a["func"] for a in actions} == {"setRangeColor", "rangeClearContents", "sheetDelete", "alert"}
    cleared = replay(marked, actions)
    for before, after in zip(payload["sheets"], cleared["sheets"], strict=True):
        assert before["name"] == after["name"]
        assert before["xxgk_fills"] == after["xxgk_fills"]
        width = len(before["values"][0])
        assert [r[:width] for r in after["values"][: len(before["values"])]] == before["values"]
        assert all(v == "" for r in after["values"] for v in r[width:])


def test_clear_on_an_unmarked_book_says_so(tmp_path: Path) -> None:
    book = remote_book(payload_from_file(_book_file(tmp_path, _values())))
    buttons.clear(book=book)
    assert [(a["func"], a["args"][0]) for a in book.json()["actions"]] == [("alert", "这个工作簿没有校验标记，无需清除。")]


def test_a_workbook_that_is_not_a_template_gets_a_chinese_message(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "去年的统计"
    wb.save(tmp_path / "other.xlsx")
    book = remote_book(payload_from_file(tmp_path / "other.xlsx"))
    buttons.validate(book=book, now=WHEN)
    (action,) = book.json()["actions"]
    assert action["func"] == "alert" and action["args"][3] == "critical"
    assert action["args"][0].startswith("无法校验这个工作簿：不是 xxgk 年报模板")


def test_any_failure_ends_in_a_chinese_message_box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xxgk.annotate.run as run

    def broken(_fill: object) -> None:
        raise RuntimeError("模拟的故障")

    monkeypatch.setattr(run, "check_one", broken)
    book = remote_book(payload_from_file(_book_file(tmp_path, _values())))
    assert buttons.validate(book=book, now=WHEN) is None
    (action,) = book.json()["actions"]
    assert action["func"] == "alert" and action["args"][0].startswith("操作没有完成：模拟的故障")
    assert "Traceback" not in action["args"][0]


def test_new_template_builds_into_the_folder_and_opens_it(tmp_path: Path) -> None:
    app = remote_book(payload_from_file(_book_file(tmp_path, _values()))).app
    opened: list[Path] = []
    first = buttons.new_template("gb2019", app=app, folder=tmp_path / "docs", opener=opened.append)
    second = buttons.new_template("gb2019", app=app, folder=tmp_path / "docs", opener=opened.append)
    assert opened == [first, second] and first != second and second.name.endswith(" (2).xlsx")
    (report,) = validate_files([first])
    assert report.form == "gb2019" and report.status != "unreadable"
    buttons.new_template("gb2030", app=app, folder=tmp_path / "docs", opener=opened.append)
    assert app.books.active.json()["actions"][-1]["args"][0].startswith("不认识的表式")


def test_consolidate_writes_the_summary_beside_the_folder_and_opens_it(tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for i, (_agency, values) in enumerate(sample_fills(SPEC, GROUP, 2024, seed=4)):
        build_template(SPEC, inbox / f"单位{i}.xlsx", values=values)
    book = remote_book(payload_from_file(inbox / "单位0.xlsx"))
    opened: list[Path] = []
    out = buttons.consolidate(app=book.app, folder=inbox, opener=opened.append, now=WHEN)
    assert out == tmp_path / "收件_汇总_20250120-0930.xlsx" and opened == [out] and out.is_file()
    message = book.json()["actions"][-1]["args"][0]
    assert message.startswith(f"已汇总 {len(GROUP)} 个单位")
    empty = tmp_path / "空"
    empty.mkdir()
    assert buttons.consolidate(app=book.app, folder=empty, opener=opened.append, now=WHEN) is None
    assert book.json()["actions"][-1]["args"][0].startswith("未生成汇总表")


def test_consolidate_compares_with_the_configured_last_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """XXGK_PREVIOUS names last year's inbox: the summary's 指标 sheet has last year's values."""
    import openpyxl

    from xxgk.addin.previous import PREVIOUS_KEY

    for folder in (tmp_path / "去年", tmp_path / "收件"):
        folder.mkdir()
    for i, (_agency, values) in enumerate(sample_fills(SPEC, GROUP, 2024, seed=4)):
        build_template(SPEC, tmp_path / "收件" / f"单位{i}.xlsx", values=values)
        last = {**values, "meta.year": 2023}  # agreeing with this year: 结转 carried over, 现行有效 before this year's
        for a in SPEC.groups["applicants"].keys:
            last[f"requests.forward.{a}"] = values.get(f"requests.carried.{a}", 0)
        for d in ("rules", "normative"):
            last[f"active.{d}.valid"] = (int(values.get(f"active.{d}.valid", 0)) - int(values.get(f"active.{d}.issued", 0))  # type: ignore[call-overload]
                                         + int(values.get(f"active.{d}.repealed", 0)))  # type: ignore[call-overload]
        build_template(SPEC, tmp_path / "去年" / f"单位{i}.xlsx", values=last)
    monkeypatch.setenv(PREVIOUS_KEY, str(tmp_path / "去年"))
    book = remote_book(payload_from_file(tmp_path / "收件" / "单位0.xlsx"))
    out = buttons.consolidate(app=book.app, folder=tmp_path / "收件", opener=lambda p: None, now=WHEN,
                              output=tmp_path / "汇总.xlsx")
    assert out is not None
    rows = list(openpyxl.load_workbook(out, read_only=True)["指标"].iter_rows(min_row=2, values_only=True))
    assert rows and all(r[9] is not None for r in rows if r[5] == "申请总量")  # 上年 of every unit


def test_help_shows_chinese_help(tmp_path: Path) -> None:
    book = remote_book(payload_from_file(_book_file(tmp_path, _values())))
    buttons.help(app=book.app)
    (action,) = book.json()["actions"]
    assert action["func"] == "alert" and "校验" in action["args"][0] and "清除标记" in action["args"][0]


def test_the_click_path_imports_neither_pandas_nor_openpyxl() -> None:
    code = ("import sys; from xxgk.addin import buttons; buttons.import_xlwings();"
            "import xxgk.addin.live, xxgk.annotate.run, xxgk.annotate.xlwings_book, xxgk.engine;"
            "print(sorted(m for m in ('pandas', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(Path(buttons.__file__).parents[2]), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"
    assert STATUS_NAME == "xxgk_status"  # the plan's copy of the name agrees with the template's


def test_clear_in_excel_undoes_a_file_annotation(tmp_path: Path) -> None:
    """A copy annotated by `xxgk validate --annotate` (退回 to an agency) is cleared by the button."""
    from xxgk.annotate.run import annotate_file

    src = _book_file(tmp_path, _broken())
    (report,) = validate_files([src])
    assert report.fill is not None
    copy = annotate_file(src, tmp_path / "退回.xlsx", report.fill, report.findings, [], WHEN)
    original = {(s["name"], a1): fill for s in payload_from_file(src)["sheets"] for a1, fill in s["xxgk_fills"].items()}
    book = remote_book(payload_from_file(copy))
    buttons.clear(book=book)
    actions = book.json()["actions"]
    restored = _cells(actions, "setRangeColor")
    assert set(restored) == {(c.split("!")[0].strip("'"), c.split("!")[1]) for f in report.findings for c in f.cells}
    assert all(restored[c] == original[c] for c in restored)
    assert [a["func"] for a in actions if a["sheet_position"] == len(SHEETS)] == ["sheetDelete"]


class _Protection:
    AllowFormattingCells = False
    AllowFormattingColumns = True
    AllowFormattingRows = True
    AllowInsertingColumns = AllowInsertingRows = AllowInsertingHyperlinks = False
    AllowDeletingColumns = AllowDeletingRows = AllowSorting = AllowFiltering = AllowUsingPivotTables = False


class _ComSheet:
    """The few members of Excel's Worksheet object the protection handling uses."""

    def __init__(self, password: str = "") -> None:
        self.ProtectContents = True
        self.ProtectDrawingObjects = False
        self.ProtectScenarios = True
        self.EnableSelection = 0  # xlNoRestrictions
        self.Protection = _Protection()
        self.password = password
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def Unprotect(self, password: str) -> None:
        self.calls.append(("Unprotect", (password,), {}))
        if password != self.password:
            raise RuntimeError("com_error: password")
        self.ProtectContents = False

    def Protect(self, password: str, **kw: Any) -> None:
        self.calls.append(("Protect", (password,), kw))
        self.ProtectContents = True


class _Sheet:
    def __init__(self, name: str, api: _ComSheet) -> None:
        self.name, self.api = name, api


class _Sheets(list):  # type: ignore[type-arg]
    """xlwings' Sheets: by position or by name."""

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return super().__getitem__(key)


class _Book:
    api = object()  # a COM book: not the remote book's dict

    def __init__(self, sheets: list[_Sheet]) -> None:
        self.sheets = _Sheets(sheets)


def test_protection_is_lifted_and_put_back_with_the_same_allowances() -> None:
    from xxgk.annotate.xlwings_book import ProtectedSheet, writing

    com = _ComSheet()
    sheet = _Sheet("封面", com)
    with writing(_Book([sheet])) as target:
        target._unprotect(sheet)
        target._unprotect(sheet)  # once per sheet
        assert com.ProtectContents is False
    assert [c[0] for c in com.calls] == ["Unprotect", "Protect"]
    _, args, kw = com.calls[1]
    assert args == ("",) and kw["Contents"] is True and kw["Scenarios"] is True and kw["DrawingObjects"] is False
    assert kw["AllowFormattingColumns"] is True and kw["AllowFormattingCells"] is False
    assert com.EnableSelection == 0
    locked = _Sheet("依申请公开", _ComSheet(password="secret"))
    with pytest.raises(ProtectedSheet, match="设置了保护密码"), writing(_Book([locked])) as target:
        target._unprotect(locked)


def test_a_folder_that_cannot_be_written_is_named_in_chinese(tmp_path: Path) -> None:
    app = remote_book(payload_from_file(_book_file(tmp_path, _values()))).app
    blocker = tmp_path / "不是文件夹"
    blocker.write_text("")
    assert buttons.new_template("gb2021", app=app, folder=blocker / "sub", opener=lambda p: None) is None
    text = app.books.active.json()["actions"][-1]["args"][0]
    assert text.startswith("操作没有完成：") and "不是文件夹" in text and "程序的问题" not in text


def test_a_summary_keeps_its_own_result_sheet(tmp_path: Path) -> None:
    """A consolidated summary has a 校验结果 sheet of its own (with its 说明): the button never touches it and
    writes 本表校验结果 instead; so does the annotated copy."""
    from xxgk.annotate.plan import ALT_RESULT_SHEET
    from xxgk.annotate.run import annotate_file
    from xxgk.consolidate import Options, consolidate

    inbox = tmp_path / "收件"
    inbox.mkdir()
    for i, (_agency, values) in enumerate(sample_fills(SPEC, GROUP, 2024, seed=4)):
        build_template(SPEC, inbox / f"单位{i}.xlsx", values=values)
    summary = tmp_path / "汇总.xlsx"
    consolidate([inbox], Options(output=summary, jobs=1))
    payload = payload_from_file(summary)
    names = [s["name"] for s in payload["sheets"]]
    assert RESULT_SHEET in names
    book = remote_book(payload)
    buttons.validate(book=book, now=WHEN)
    actions = book.json()["actions"]
    assert [a["args"] for a in actions if a["func"] == "addSheet"] == [[len(names), ALT_RESULT_SHEET]]
    assert not [a for a in actions if a["func"] == "sheetDelete"]
    marked = replay(payload, actions)
    again = remote_book(marked)
    buttons.validate(book=again, now=WHEN)
    deleted = [a["sheet_position"] for a in again.json()["actions"] if a["func"] == "sheetDelete"]
    assert deleted == [len(names)]  # its own earlier sheet, not the summary's
    cleared = remote_book(marked)
    buttons.clear(book=cleared)
    assert [a["sheet_position"] for a in cleared.json()["actions"] if a["func"] == "sheetDelete"] == [len(names)]
    (report,) = validate_files([summary])
    assert report.fill is not None
    copy = annotate_file(summary, tmp_path / "汇总_标记.xlsx", report.fill, report.findings, [], WHEN)
    import openpyxl

    assert openpyxl.load_workbook(copy).sheetnames == [*names, ALT_RESULT_SHEET]
    assert [f.to_dict() for f in validate_files([copy])[0].findings] == [f.to_dict() for f in report.findings]


def test_a_fix_hint_comes_first_and_its_cell_is_orange(tmp_path: Path) -> None:
    """A typed-over （七）总计 breaks several rules; the hint names that one cell, first, in orange."""
    from xxgk.annotate.plan import FILL_HINT, KIND_HINT

    total = LAYOUT.pos["requests.total.natural"]
    typed = _book_file(tmp_path, _values(), name="typed.xlsx", overrides={"requests.total.natural": 99999})
    (report,) = validate_files([typed])
    (hint,) = report.hints
    assert [c.cell for c in hint.changes] == [total.address]
    actions = _run_validate(payload_from_file(typed))
    first = _result_values(actions)[HEADER_ROW + 1]
    assert first[1] == KIND_HINT and first[3] == hint.message
    assert _cells(actions, "setRangeColor")[(total.sheet, total.a1)] == FILL_HINT
    assert actions[-1]["args"][0].endswith("其中 1 条修改建议列在最前面。")


def test_a_note_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    payload = payload_from_file(_book_file(tmp_path, _broken()))
    first = _run_validate(payload)
    after = replay(payload, first)
    grid = next(s for s in after["sheets"] if s["name"] == RESULT_SHEET)["values"]
    row = next(i for i, r in enumerate(grid) if len(r) > CODE and str(r[CODE]).startswith("cell.text"))
    grid[row][NOTE] = "=见附件"
    second = _run_validate(after)
    (kept,) = [r for r in _result_values(second) if len(r) > CODE and str(r[CODE]).startswith("cell.text")]
    assert kept[NOTE] == "'=见附件"  # Excel keeps the apostrophe as the text prefix, and shows =见附件


class _RangeSheet(_Sheet):
    """A COM sheet whose cell writes are recorded."""

    def __init__(self, name: str, api: _ComSheet, writes: list[str]) -> None:
        super().__init__(name, api)
        self.writes = writes

    def range(self, *cell: Any) -> Any:
        writes, name = self.writes, self.name

        class _Cell:
            color = None

            def __setattr__(self, attr: str, value: Any) -> None:
                writes.append(f"{name}{cell}.{attr}")

        return _Cell()


def test_a_password_protected_sheet_stops_the_click_before_any_change() -> None:
    """Marks on a data sheet and then a refusal on the cover (status line) would leave highlights no record lists
    (清除标记 could not undo them): every sheet the plan writes on is unlocked first."""
    from xxgk.annotate.apply import apply_plan
    from xxgk.annotate.plan import FILL_ERROR, Cell, Original, Plan, ResultSheet
    from xxgk.annotate.xlwings_book import ProtectedSheet, writing

    writes: list[str] = []
    open_sheet = _RangeSheet("主动公开", _ComSheet(), writes)
    locked = _RangeSheet("封面", _ComSheet(password="secret"), writes)  # only the status line is written there
    plan = Plan(ResultSheet([], [], []), {Cell("主动公开", 5, 3): FILL_ERROR}, {}, (Cell("封面", 12, 2), "校验通过"),
                {}, Original())
    with pytest.raises(ProtectedSheet, match="设置了保护密码"), writing(_Book([open_sheet, locked])) as target:
        apply_plan(target, plan)
    assert writes == []
    assert open_sheet.api.ProtectContents is True  # what was lifted is put back


# ---- last year's report (xxgk.addin.previous) -----------------------------------------------------------


def test_validate_compares_with_the_configured_last_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Local mode: XXGK_PREVIOUS names last year's report; 校验 warns on a ×10 cell (yellow, in 校验结果 with both
    years' numbers) and says what it compared with. A folder without this unit says so instead."""
    from xxgk.addin import previous as last_year
    from xxgk.yoy import TITLES

    now = _values()
    now["active.rules.issued"] = 300
    last = {**now, "meta.year": 2023, "active.rules.issued": 30}
    old = _book_file(tmp_path / "去年", last, name="去年报告.xlsx")
    path = _book_file(tmp_path, now)
    monkeypatch.setenv(last_year.PREVIOUS_KEY, str(old))
    book = remote_book(payload_from_file(path))
    buttons.validate(book=book, now=WHEN, previous=last_year.local_previous)
    actions = book.json()["actions"]
    rows = [r for r in _result_values(actions)[HEADER_ROW + 1:] if len(r) > CODE and str(r[CODE]).startswith("yoy.jump")]
    (row,) = [r for r in rows if "本年 300，上年 30" in r[3]]
    assert row[1] == "警告" and row[2] == TITLES["yoy.jump"] and (row[4], row[5]) == (30, 300)
    pos = LAYOUT.pos["active.rules.issued"]
    assert _cells(actions, "setRangeColor")[(pos.sheet, pos.a1)] == FILL_WARNING
    assert "已与上年报告（去年报告.xlsx）比较" in actions[-1]["args"][0]
    # a folder of other units' reports: no comparison, a warning naming the folder's files
    other = _book_file(tmp_path / "别的单位", {**_values(1), "meta.year": 2023}, name="别人.xlsx")
    monkeypatch.setenv(last_year.PREVIOUS_KEY, str(other.parent))
    book = remote_book(payload_from_file(path))
    buttons.validate(book=book, now=WHEN, previous=last_year.local_previous)
    codes = {str(r[CODE]).split("|")[0] for r in _result_values(book.json()["actions"])[HEADER_ROW + 1:] if len(r) > CODE}
    assert "previous.no_match" in codes and "yoy.jump" not in codes
    # a setting naming nothing: a warning, never a failure
    monkeypatch.setenv(last_year.PREVIOUS_KEY, str(tmp_path / "不存在"))
    book = remote_book(payload_from_file(path))
    buttons.validate(book=book, now=WHEN, previous=last_year.local_previous)
    assert "previous.missing" in json.dumps(book.json()["actions"], ensure_ascii=False)


def test_last_year_setting_comes_from_the_environment_or_the_config_file(tmp_path: Path) -> None:
    from xxgk.addin.previous import PREVIOUS_KEY, configured_path

    conf = tmp_path / "xxgk.conf"
    assert configured_path({}, conf) is None
    conf.write_text(f'"INTERPRETER_WIN","C:\\py\\python.exe"\r\n"{PREVIOUS_KEY}","D:\\年报\\2023"\r\n')  # as VBA writes
    assert configured_path({}, conf) == Path("D:\\年报\\2023")
    assert configured_path({PREVIOUS_KEY: "/tmp/去年"}, conf) == Path("/tmp/去年")


def test_who_finds_last_year(tmp_path: Path) -> None:
    """A local (COM) book uses this PC's setting; the remote book only what the portal passes."""
    from xxgk.addin.previous import local_previous

    class ComBook:
        api = object()

    assert buttons._last_year_of(ComBook(), None) is local_previous
    remote = remote_book(payload_from_file(_book_file(tmp_path, _values())))
    assert buttons._last_year_of(remote, None) is None
    mine = lambda fill: None  # noqa: E731
    assert buttons._last_year_of(remote, mine) is mine
