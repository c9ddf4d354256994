"""The plan alone (pure data): hints first, colours, the record and reading it back, the status cell."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from xlwings_payload import payload_from_file, remote_book, replay
from xxgk.addin import buttons
from xxgk.annotate.plan import (
    CODE,
    FILL_ERROR,
    FILL_HINT,
    HEADER_ROW,
    KIND_HINT,
    RESULT_SHEET,
    Cell,
    Original,
    Previous,
    plan_annotation,
    read_previous,
    status_cell,
)
from xxgk.findings import finding
from xxgk.layout import plan_cover
from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import STATUS_NAME, build_template

SPEC = load_spec("gb2021")
WHEN = dt.datetime(2025, 3, 1, 8, 0)


@dataclass(frozen=True)
class _Change:
    id: str
    cell: str
    before: float | None
    after: float


@dataclass(frozen=True)
class _Hint:
    changes: tuple[_Change, ...]
    fixes: tuple[str, ...]
    message: str


def _rule_finding(cells: tuple[str, ...]) -> object:
    return finding("formula.removed", "error", ids=("x",), cells=cells, expected=1, sheet="依申请公开", cell="D29",
                   label="（七）总计")


def test_hints_come_first_and_their_cells_are_orange() -> None:
    cells = ("'依申请公开'!D29", "'依申请公开'!D6")
    f = _rule_finding(cells)
    hint = _Hint((_Change("requests.total.natural", "'依申请公开'!D29", 99, 69),), ("R2[natural]", "R3[natural]"),
                 "「依申请公开」D29 填 99，按各项之和应为 69；改为 69 后 2 条校验全部通过。")
    plan = plan_annotation([f], [hint], SPEC, Previous(), None, WHEN)  # type: ignore[list-item]
    first = plan.sheet.rows[HEADER_ROW + 1]
    assert first[1] == KIND_HINT and first[3] == hint.message and first[2] == "「依申请公开」（七）总计·自然人、「依申请公开」自然人"
    assert first[4:6] == [69, 99]
    assert plan.highlights == {Cell("依申请公开", 28, 3): FILL_HINT, Cell("依申请公开", 5, 3): FILL_ERROR}
    assert plan.sheet.rows[HEADER_ROW + 2][CODE].startswith("formula.removed|")


def test_record_reads_back_as_written() -> None:
    f = _rule_finding(("'依申请公开'!D29",))
    status = Cell("封面", 12, 2)
    plan = plan_annotation([f], [], SPEC, Previous(), status, WHEN)  # type: ignore[list-item]
    originals = {Cell("依申请公开", 28, 3): Original("#E7E6E6", 14)}
    sheet = plan.final_sheet(originals, Original(content="原来的文字"))
    grid = [list(r) for r in sheet.grid()]
    grid[HEADER_ROW + 1][6] = "已核实"
    previous = read_previous(grid)
    assert previous.present and previous.marks == originals
    assert previous.status == (status, Original(content="原来的文字"))
    assert previous.notes == {plan.sheet.rows[HEADER_ROW + 1][CODE]: "已核实"}
    # the next run keeps the recorded original, not the highlight the cell shows now
    again = plan_annotation([f], [], SPEC, previous, status, WHEN)  # type: ignore[list-item]
    assert again.originals == originals and again.restore == {} and again.status_original == Original(content="原来的文字")


def test_status_goes_beside_a_formula_and_onto_plain_text() -> None:
    names = {STATUS_NAME: f"'{SPEC.cover.sheet}'!$A$13"}
    assert status_cell(SPEC, names, True) == Cell(SPEC.cover.sheet, 12, plan_cover(SPEC).width)
    assert status_cell(SPEC, names, False) == Cell(SPEC.cover.sheet, 12, 0)
    assert status_cell(SPEC, {}, True) is None


def test_typed_over_status_line_is_written_in_place_and_cleared_back(tmp_path: Path) -> None:
    values = dict(next(iter(sample_fills(SPEC, agencies("状态县", "330206", 1), 2024)))[1])
    path = build_template(SPEC, tmp_path / "a.xlsx", values=values)
    payload = payload_from_file(path)
    cover = next(s for s in payload["sheets"] if s["name"] == SPEC.cover.sheet)
    status = Cell.parse(next(n["refers_to"] for n in payload["names"] if n["name"] == STATUS_NAME))
    assert status is not None
    cover["xxgk_formulas"][status.row][status.col] = ""  # someone typed over the live status line
    cover["values"][status.row][status.col] = "已自查"
    book = remote_book(payload)
    buttons.validate(book=book, now=WHEN)
    first = book.json()["actions"]
    (write,) = [a for a in first if a["func"] == "setValues" and a["sheet_position"] == 0]
    assert (write["start_row"], write["start_column"]) == (status.row, status.col)
    marked = replay(payload, first)
    book = remote_book(marked)
    buttons.clear(book=book)
    (back,) = [a for a in book.json()["actions"] if a["func"] == "setValues" and a["sheet_position"] == 0]
    assert back["values"] == [["已自查"]]
    assert RESULT_SHEET not in [s["name"] for s in replay(marked, book.json()["actions"])["sheets"]]


def test_a_long_list_of_cells_is_linked_up_to_a_limit() -> None:
    from xxgk.annotate.plan import CELLS, MAX_LINKS

    cells = tuple(f"'依申请公开'!D{r}" for r in range(6, 6 + MAX_LINKS + 5))
    plan = plan_annotation([_rule_finding(cells)], [], SPEC, Previous(), None, WHEN)  # type: ignore[list-item]
    row = plan.sheet.rows[HEADER_ROW + 1]
    assert len(row) == CELLS + MAX_LINKS + 1 and row[-1] == f"等共 {len(cells)} 个单元格"
    assert len(plan.sheet.links) == MAX_LINKS
    assert len(plan.highlights) == len(cells)  # every cell is still marked


def test_every_linked_cell_column_is_wide_enough_for_its_label() -> None:
    """A finding involving many cells links them in the columns after 涉及单元格: each is as wide as its label
    (default-width columns cut 「依申请公开」D6 to 「依申请公, hiding which cell the link goes to)."""
    from xxgk.annotate.plan import CELLS, WIDTHS, _width

    cells = tuple(f"'依申请公开'!D{r}" for r in range(6, 30))
    sheet = plan_annotation([_rule_finding(cells)], [], SPEC, Previous(), None, WHEN).sheet  # type: ignore[list-item]
    widths = sheet.column_widths
    assert len(widths) == sheet.width and widths[:CELLS] == WIDTHS[:CELLS]
    for link in sheet.links:
        assert widths[link.col] >= _width(link.text), link
    assert len(set(widths[CELLS:])) == 1  # one width: the add-in sets them in one call


def test_a_hint_shows_numbers_for_one_cell_and_a_list_for_two() -> None:
    one = _Hint((_Change("a", "'依申请公开'!D29", 99, 69),), ("R2[natural]",), "…")
    two = _Hint((_Change("a", "'依申请公开'!D29", 99, 69), _Change("b", "'依申请公开'!E29", None, 5.0)), ("R2[total]",), "…")
    plan = plan_annotation([], [one, two], SPEC, Previous(), None, WHEN)  # type: ignore[list-item]
    rows = plan.sheet.rows[HEADER_ROW + 1: HEADER_ROW + 3]
    assert [r[4:6] for r in rows] == [[69, 99], ["69、5", "99、（空）"]]


def test_a_clean_book_is_told_it_passed() -> None:
    plan = plan_annotation([], [], SPEC, Previous(), None, WHEN)
    assert plan.sheet.rows[1] == ["校验时间 2025-03-01 08:00；校验通过，没有发现问题。"] and plan.highlights == {}


def test_a_clean_book_gets_a_short_sheet_read_back_as_ours() -> None:
    """Nothing listed: title and verdict only (no header row, no column widths, nothing to wrap or repeat on print),
    then the hidden record, which still holds the status cell's old content for 清除标记."""
    from xxgk.annotate.plan import is_result_grid

    status = Cell(SPEC.cover.sheet, 12, 5)
    plan = plan_annotation([], [], SPEC, Previous(), status, WHEN, "计数县")
    assert plan.sheet.kinds == ["title", "note"] and not plan.sheet.listed
    assert plan.sheet.width_runs == [] and plan.sheet.printing is not None and plan.sheet.printing.titles == ""
    sheet = plan.final_sheet({}, Original(content="旧内容"))
    assert sheet.kinds == ["title", "note", "blank", "blank", "record_title", "record", "record"]
    assert sheet.width_runs == [] and sheet.wrapped == [] and sheet.hidden == [4, 5, 6]
    grid = [[*row] for row in sheet.rows]
    assert is_result_grid(grid)
    previous = read_previous(grid)
    assert previous.present and previous.status == (status, Original(content="旧内容")) and previous.notes == {}


def test_a_clean_book_with_an_orphaned_note_keeps_its_table() -> None:
    """A 说明 typed next to a finding that is gone is never lost: the table stays, with the note."""
    plan = plan_annotation([], [], SPEC, Previous(notes={"x|R1|a": "已核实"}), None, WHEN)
    assert plan.sheet.listed and plan.sheet.rows[HEADER_ROW + 1][6] == "已核实"


def test_columns_take_at_most_four_widths() -> None:
    """A live book sets one width per run of equal adjacent columns (two xlwings operations each)."""
    cells = tuple(f"'依申请公开'!D{r}" for r in range(6, 30))
    sheet = plan_annotation([_rule_finding(cells)], [], SPEC, Previous(), None, WHEN).sheet  # type: ignore[list-item]
    runs = sheet.width_runs
    assert len(runs) <= 4 and runs[-1][1] == sheet.width - 1


def test_the_cover_print_area_grows_to_take_in_the_status_line() -> None:
    from xxgk.annotate.plan import Cell, PrintSetup

    p = PrintSetup(10, status=Cell("封面", 12, 2), status_last_col=7)
    assert p.cover_area("封面!$A$1:$B$14") == "封面!$A$1:$H$14"
    assert p.cover_area("$A$1:$B$14") == "$A$1:$H$14"  # as Excel's PageSetup.PrintArea gives it
    assert p.cover_area("'封 面'!$A$1:$B$10") == "'封 面'!$A$1:$H$13"
    assert p.cover_area("$A$1:$B$3,$D$1:$E$3") == "$A$1:$B$3,$D$1:$E$3"  # several ranges: left alone
    assert (p.area, p.titles) == ("$A$1:$G$11", "$4:$4")


def test_the_excel_applier_sets_up_the_page_from_the_plan() -> None:
    """On Excel (a book with a live api) the plan's print setup goes through PageSetup; the user's cover
    print area is left alone (清除标记 removes only what 校验 added)."""
    from types import SimpleNamespace

    from xxgk.annotate.plan import Cell, PrintSetup
    from xxgk.annotate.xlwings_book import XL_LANDSCAPE, XlwingsBook

    result, cover = SimpleNamespace(PrintArea=""), SimpleNamespace(PrintArea="$A$1:$B$14")
    sheets = [SimpleNamespace(name="封面", api=SimpleNamespace(PageSetup=cover))]
    book = XlwingsBook(SimpleNamespace(api=object(), sheets=sheets))
    book._page_setup(SimpleNamespace(api=SimpleNamespace(PageSetup=result)),
                     PrintSetup(10, status=Cell("封面", 12, 2), status_last_col=7))
    assert (result.PrintArea, result.PrintTitleRows, result.Orientation, result.PaperSize) == (
        "$A$1:$G$11", "$4:$4", XL_LANDSCAPE, 9)
    assert (result.Zoom, result.FitToPagesWide, result.FitToPagesTall, result.PrintGridlines) == (False, 1, False, True)
    assert cover.PrintArea == "$A$1:$B$14"
