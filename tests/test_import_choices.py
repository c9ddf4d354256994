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


# ---- a table printed twice: a two-year comparison of table 四, the second printing across a page break ----

APPEAL_BLOCKS = ("review", "suit_direct", "suit_after_review")
APPEAL_KEYS = tuple(f"{b}.{k}" for b in APPEAL_BLOCKS for k in ("upheld", "corrected", "other", "pending", "total"))
THIS_YEAR = (72, 64, 178, 37, 351, 13, 4, 8, 1, 26, 12, 1, 1, 6, 20)  # 淮安 2024 as published
LAST_YEAR = (60, 50, 100, 20, 230, 10, 3, 5, 2, 20, 8, 1, 0, 3, 12)  # made up, adds up as the form requires
HUAIAN_APPEALS = HUAIAN[HUAIAN.index("行政复议 行政诉讼\n"):HUAIAN.index("五、存在的主要问题及改进情况")]


def appeals_text(numbers: tuple[int, ...]) -> str:
    return HUAIAN_APPEALS.replace(" ".join(map(str, THIS_YEAR)), " ".join(map(str, numbers)))


def two_printings_text(first: tuple[str, tuple[int, ...]], second: tuple[str, tuple[int, ...]]) -> str:
    """The text of the PDF: the second printing's header at the foot of page 5, its numbers on page 6."""
    head, numbers = appeals_text(second[1]).rstrip("\n").rsplit("\n", 1)
    comparison = f"{first[0]}\n{appeals_text(first[1])}{second[0]}\n{head}\n- 5 -\n{numbers}\n"
    return HUAIAN.replace(HUAIAN_APPEALS, comparison)


def appeal_values(reading: Reading) -> tuple[object, ...]:
    return tuple(reading.cells[k].value if k in reading.cells else None for k in APPEAL_KEYS)


@pytest.mark.parametrize("order", ["this_year_first", "last_year_first"])
def test_text_two_years_of_table_four_the_report_year_is_taken_with_a_warning(tmp_path: Path, order: str) -> None:
    printings = [("（一）2024年度", THIS_YEAR), ("（二）2023年度", LAST_YEAR)]
    if order == "last_year_first":
        printings.reverse()
    reading = read_text(tmp_path, two_printings_text(*printings))
    f = only(reading, "import.table_repeated_year")
    assert f.severity == "warning" and "「复议诉讼」在报告中出现了 2 次" in f.message
    first, second = f.message.split("第 1 处：")[1].split("第 2 处：")
    assert f"“{printings[0][0]}”" in first and f"“{printings[1][0]}”" in second
    assert "至" in second  # the second printing runs from its header to its numbers on the next page
    assert f"取用第 {1 if order == 'this_year_first' else 2} 处（2024 年）" in f.message
    assert appeal_values(reading) == THIS_YEAR
    assert not [x for x in reading.findings if x.code in ("import.table_repeated", "import.row_missing")]
    chosen = 1 if order == "this_year_first" else 2
    assert all(reading.cells[k].note.startswith(f"本表在报告中出现 2 次，按标注的年度取用第 {chosen} 处")
               for k in APPEAL_KEYS)


def test_text_two_printings_without_years_fill_nothing_and_name_both(tmp_path: Path) -> None:
    reading = read_text(tmp_path, two_printings_text(("本年情况：", THIS_YEAR), ("对比情况：", LAST_YEAR)))
    f = only(reading, "import.table_repeated")
    assert f.severity == "error" and "本表未填写" in f.message
    first, second = f.message.split("第 1 处：")[1].split("第 2 处：")
    assert "“本年情况：”" in first and "“对比情况：”" in second
    assert "至" in second  # the second printing runs from its header to its numbers on the next page
    assert appeal_values(reading) == (None,) * 15
    assert set(APPEAL_KEYS) <= set(f.ids)
    assert not [x for x in reading.findings if x.code == "import.row_missing"]
    assert reading.cells["requests.total.total"].value == 3050  # the other tables are read as before


def test_text_printings_captioned_with_two_other_years_fill_nothing(tmp_path: Path) -> None:
    reading = read_text(tmp_path, two_printings_text(("2022年", LAST_YEAR), ("2023年", THIS_YEAR)))
    assert only(reading, "import.table_repeated").severity == "error"
    assert appeal_values(reading) == (None,) * 15


def comparison_docx(path: Path, captions: tuple[str, str], years: tuple[tuple[int, ...], tuple[int, ...]]) -> Path:
    """A report in Word: 淮安 2024's tables, then table 四 twice (two years); the second printing's header rows
    end a page and its numbers start the next (a page break between them, as a table crossing pages prints)."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    from test_import_support import grid, report_parts
    from xxgk.layout import plan_layout

    spec, title, values, _ = report_parts("009_huaian_city_2024")
    layout = plan_layout(spec)
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.styles["Normal"].font.size = Pt(8)
    document.add_paragraph(title)
    document.add_paragraph("一、总体情况")
    document.add_paragraph("本年度工作情况如下。")
    for table, plan in zip(spec.tables, layout.tables, strict=True):
        document.add_paragraph(table.title)
        if table.id != "appeals":
            _add_table(document, *grid(plan, values))
            continue
        for k, (caption, numbers) in enumerate(zip(captions, years, strict=True)):
            document.add_paragraph(caption)
            rows, merges = grid(plan, values | dict(zip(APPEAL_KEYS, numbers, strict=True)))
            if k == 0:
                _add_table(document, rows, merges)
                continue
            _add_table(document, rows[:-1], [m for m in merges if m[2] < len(rows) - 1])
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            _add_table(document, rows[-1:], [])
    for line in ("五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"):
        document.add_paragraph(line)
    document.save(str(path))
    return path


def _add_table(document, rows: list[list[str]], merges: list[tuple[int, int, int, int]]) -> None:
    t = document.add_table(rows=len(rows), cols=len(rows[0]))
    t.style = "Table Grid"
    for a, b, c, d in merges:
        t.cell(a, b).merge(t.cell(c, d))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text and not any(a <= r <= c2 and b <= c <= d and (r, c) != (a, b) for a, b, c2, d in merges):
                t.cell(r, c).text = text


def pdf_of(tmp_path: Path, captions: tuple[str, str], years) -> Path:
    from xxgk.libreoffice import export_pdf, find_soffice

    if find_soffice() is None:
        pytest.fail("LibreOffice (soffice) is needed to make the PDF of this test")
    source = comparison_docx(tmp_path / "comparison.docx", captions, years)
    return export_pdf(source, tmp_path / "comparison.pdf")


def read_file(path: Path) -> Reading:
    source = read_report(path)
    assert source.unreadable is None, source.unreadable
    return read_source(source)


def test_pdf_two_years_of_table_four_across_a_page_break(tmp_path: Path) -> None:
    """The PDF LibreOffice prints: the 2023 printing first, the 2024 printing's numbers on the next page."""
    pdf = pdf_of(tmp_path, ("2023年", "2024年"), (LAST_YEAR, THIS_YEAR))
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:
        pages = [p.extract_text() or "" for p in doc.pages]
    last = next(n for n, text in enumerate(pages, 1) if " ".join(map(str, THIS_YEAR)) in text)
    assert "复议后起诉" in pages[last - 2] and "复议后起诉" not in pages[last - 1]  # header and numbers apart
    reading = read_file(pdf)
    f = only(reading, "import.table_repeated_year")
    assert f"第 {last} 页" in f.message and f"第 {last - 1} 页" in f.message
    assert appeal_values(reading) == THIS_YEAR
    assert "第 2 处" in f.message and "取用第 2 处（2024 年）" in f.message


def test_pdf_and_docx_two_printings_without_years_fill_nothing(tmp_path: Path) -> None:
    pdf = pdf_of(tmp_path, ("本年：", "上年："), (THIS_YEAR, LAST_YEAR))
    for path in (pdf, tmp_path / "comparison.docx"):
        reading = read_file(path)
        f = only(reading, "import.table_repeated")
        assert "“本年：”" in f.message and "“上年：”" in f.message and "本表未填写" in f.message
        assert appeal_values(reading) == (None,) * 15
        assert reading.cells["requests.total.total"].value == 3050


def test_text_a_second_header_whose_numbers_cannot_be_read_is_a_printing_too(tmp_path: Path) -> None:
    """The second printing's numbers wrap over two lines (8 and 7 numbers): its header alone says the table is
    printed twice. Captioned with the years, the report year's printing is read; without them, none."""
    wrapped = " ".join(map(str, LAST_YEAR[:8])) + "\n" + " ".join(map(str, LAST_YEAR[8:]))
    text = two_printings_text(("（一）2024年度", THIS_YEAR), ("（二）2023年度", LAST_YEAR))
    text = text.replace(" ".join(map(str, LAST_YEAR)), wrapped)
    reading = read_text(tmp_path, text)
    f = only(reading, "import.table_repeated_year")
    assert "“（二）2023年度”，其数字无法读出" in f.message and "取用第 1 处（2024 年）" in f.message
    assert appeal_values(reading) == THIS_YEAR
    reading = read_text(tmp_path, text.replace("（一）2024年度", "本年").replace("（二）2023年度", "上年"), "b.txt")
    assert "本表未填写" in only(reading, "import.table_repeated").message
    assert appeal_values(reading) == (None,) * 15


def test_text_table_three_printed_twice_names_both_and_takes_the_report_year(tmp_path: Path) -> None:
    """A labelled table (依申请公开) printed for two years: every row met again starts the second printing."""
    start, end = HUAIAN.index("三、收到和处理政府信息公开申请情况\n"), HUAIAN.index("四、政府信息公开行政复议、行政诉讼情况\n")
    table = HUAIAN[start:end]
    body = table.split("\n", 1)[1]
    last_year = body.replace("3001 53 0 0 61 4 3119", "2001 53 0 0 61 4 2119").replace(
        "2932 53 0 0 61 4 3050", "1932 53 0 0 61 4 2050").replace("103 0 0 0 0 0 103", "103 0 0 0 0 0 103")
    for captions, code in ((("2024年", "2023年"), "import.table_repeated_year"), (("本年", "上年"), "import.table_repeated")):
        text = HUAIAN.replace(table, f"三、收到和处理政府信息公开申请情况\n{captions[0]}\n{body}{captions[1]}\n{last_year}")
        reading = read_text(tmp_path, text, f"{code}.txt")
        f = only(reading, code)
        assert "「依申请公开」在报告中出现了 2 次" in f.message
        assert f"“{captions[0]}”" in f.message and f"“{captions[1]}”" in f.message
        got = reading.cells.get("requests.new.natural")
        assert (got.value if got else None) == (3001 if code == "import.table_repeated_year" else None)
        assert not [x for x in reading.findings if x.code in ("import.duplicate_row", "import.row_missing")]
