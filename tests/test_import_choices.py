"""The importer never chooses silently (issue 12 §7): a table printed twice, a group of rows printed as one
row, a misprinted row label matched by its place. Each case is a real report (淮安市 2024, tests/fixtures/real)
altered the way published reports are: every value it does fill is shown with its source, every choice is a
Chinese finding (location → problem → remedy) with a Chinese name."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_import_support import REAL
from xxgk.importer.core import read_source
from xxgk.importer.messages import NAMES
from xxgk.importer.model import Reading
from xxgk.importer.run import read_report

HUAIAN = (REAL / "009_huaian_city_2024.txt").read_text(encoding="utf-8")
APPLICANTS = ("natural", "business", "research", "nonprofit", "legal", "other", "total")
OTHER_ROWS = ("other_no_correction", "other_no_fee", "other_misc")
# 淮安 2024 prints （六）其他处理 as three sub-items over nine lines of its text (a vertical label beside them)
OTHER_PRINTED = HUAIAN[HUAIAN.index("1、申请人无正当理由逾期不补"):HUAIAN.index("（七）总计")]


def read_text(tmp_path: Path, text: str, name: str = "report.txt") -> Reading:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    source = read_report(path)
    assert source.unreadable is None
    return read_source(source)


def only(reading: Reading, code: str):
    (f,) = [f for f in reading.findings if f.code == code]
    assert f.title == NAMES[code] and not f.title.isascii()
    return f


def test_group_printed_as_one_zero_row_fills_its_sub_items_with_zero_and_says_so(tmp_path: Path) -> None:
    reading = read_text(tmp_path, HUAIAN.replace(OTHER_PRINTED, "（六）其他处理 0 0 0 0 0 0 0\n"))
    f = only(reading, "import.group_row_zero")
    assert f.severity == "warning"
    assert "原文把“（六）其他处理”印成一行" in f.message and "“（六）其他处理 0 0 0 0 0 0 0”" in f.message
    assert "3 个子项" in f.message and "按 0 填入" in f.message and f.message.startswith("第 ")
    cells = [f"requests.{r}.{c}" for r in OTHER_ROWS for c in APPLICANTS]
    assert set(f.ids) == set(cells)
    assert all(reading.cells[cid].value == 0 and "印成一行" in reading.cells[cid].note for cid in cells)
    assert not [x for x in reading.findings if x.code == "import.row_missing"]


def test_group_printed_as_one_non_zero_row_is_left_blank_with_the_row_quoted(tmp_path: Path) -> None:
    reading = read_text(tmp_path, HUAIAN.replace(OTHER_PRINTED, "（六）其他处理 181 5 0 0 1 0 187\n"))
    f = only(reading, "import.group_row")
    assert f.severity == "error"
    assert "“（六）其他处理 181 5 0 0 1 0 187”" in f.message and "未填写" in f.message and "3 个子项" in f.message
    assert not any(cid.startswith(tuple(f"requests.{r}." for r in OTHER_ROWS)) for cid in reading.cells)
    assert reading.cells["requests.total.total"].value == 3050  # the rest of the table is read as before
    assert not [x for x in reading.findings if x.code == "import.row_missing"]


@pytest.mark.parametrize(("printed", "misprint"), [
    ("法提供 2.没有现成信息需要另行制作", "法提供 2.没有现成信息需另行制作"),  # a character dropped
    ("8.属于行政查询事项", "8.属于行政查洵事项"),  # a character changed
])
def test_misprinted_label_between_its_neighbours_is_matched_by_position_with_a_warning(
        tmp_path: Path, printed: str, misprint: str) -> None:
    assert HUAIAN.count(printed) == 1
    reading = read_text(tmp_path, HUAIAN.replace(printed, misprint))
    f = only(reading, "import.label_by_position")
    assert f.severity == "warning" and f"“{misprint}”" in f.message and "按位置认作" in f.message
    truth = read_text(tmp_path, HUAIAN, "truth.txt")
    assert {c: i.value for c, i in reading.cells.items()} == {c: i.value for c, i in truth.cells.items()}
    row = f.ids[0].rsplit(".", 1)[0]
    assert all(reading.cells[cid].note.startswith(f"原文行名“{misprint}”") for cid in f.ids)
    assert set(f.ids) == {f"{row}.{c}" for c in APPLICANTS}


def test_a_misprinted_label_out_of_its_place_is_not_matched(tmp_path: Path) -> None:
    """The same misprint moved below （七）总计: not between its neighbours, so not taken (the row is missing)."""
    line = "法提供 2.没有现成信息需要另行制作 11 0 0 0 0 0 11\n"
    assert line in HUAIAN
    moved = HUAIAN.replace(line, "法提供\n").replace("四、结转下年度继续办理 103 0 0 0 0 0 103\n",
                                                  "四、结转下年度继续办理 103 0 0 0 0 0 103\n2.没有现成信息需另行制作 11 0 0 0 0 0 11\n")
    reading = read_text(tmp_path, moved)
    assert not [x for x in reading.findings if x.code == "import.label_by_position"]
    assert "requests.unable_create.natural" not in reading.cells


def test_every_importer_code_has_a_chinese_name() -> None:
    from xxgk.importer.messages import MESSAGES

    assert set(MESSAGES) <= set(NAMES)
    assert all(not name.isascii() for name in NAMES.values())
