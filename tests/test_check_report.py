"""年报体检 (`xxgk check-report`) on the real published reports, and on real reports changed one fault at a time.

Real faults: 000 北仑区公共资源交易中心 2020 is signed 2020年1月25日 (inside its own year: an error) and keeps the old
eight-part structure (主动公开 and 申请 sections twice), with 10 table findings (元, 次, blank totals); 002 北仑区政务办
numbers its last section “七、” after “6、”; 004 汶上分中心 leaves 25 totals blank (28 table findings); 001 leaves 15
cells blank; 003 中卫 2021 and 009 淮安市人民政府 2024 (txt and pdf) are clean.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from xxgk.cli import main
from xxgk.reportcheck.check import Checked, check_report
from xxgk.reportcheck.config import load_config
from xxgk.reportcheck.document import read_document
from xxgk.reportcheck.messages import TABLES, aspect
from xxgk.usage_errors import run_cli

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
HUAIAN = REAL / "009_huaian_city_2024.txt"
PROBLEMS = "五、存在的主要问题及改进情况"
OTHERS = "六、其他需要报告的事项"


def check(path: Path, previous: Path | None = None, **kw: object) -> Checked:
    config = load_config()
    before = read_document(previous, config) if previous else None
    return check_report(read_document(path, config), config, before, **kw)  # type: ignore[arg-type]


def codes(result: Checked, prefix: str = "report.") -> list[str]:
    return [f.code for f in result.findings if f.code.startswith(prefix)]


def variant(tmp_path: Path, name: str, *edits: tuple[str, str], base: Path = HUAIAN) -> Path:
    text = base.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        run_cli(main, argv)
    captured = capsys.readouterr()
    return int(exc.value.code or 0), captured.out + captured.err


# ---- the real reports

def test_000_signed_inside_its_year_with_the_old_eight_parts() -> None:
    r = check(REAL / "000_fb3348bfed7ae378.txt")
    assert r.status == "errors" and r.kind == "部门" and str(r.deadline) == "2021-01-31"
    assert codes(r) == ["report.section_repeated", "report.section_repeated", "report.date_in_year"]
    dated = next(f for f in r.faults if f.finding.code == "report.date_in_year")
    assert dated.quote == "2020-01-25" and dated.finding.severity == "error" and "文末落款日期" in dated.finding.message
    repeated = [f for f in r.faults if f.finding.code == "report.section_repeated"]
    assert repeated[0].quote == "四、主动公开主动公开政府信息具体情况"
    assert "三、依申请公开政府信息情况和不予公开政府信息的情况" in repeated[1].finding.message
    assert sum(aspect(c) == TABLES for c in (f.code for f in r.findings)) == 10


def test_002_numbering_mix_quoted() -> None:
    r = check(REAL / "002_b7fbc38f06d49b94.txt")
    assert codes(r) == ["report.numbering_mixed"]
    (mixed,) = [f for f in r.faults if f.finding.code == "report.numbering_mixed"]
    assert mixed.quote == "七、其他需要报告的事项"
    assert "“一、”式" in mixed.finding.message and "“1、”式" in mixed.finding.message


def test_004_blank_totals_are_table_findings_only() -> None:
    r = check(REAL / "004_1dfd185abb919a16.txt")
    assert codes(r) == [] and len(r.findings) == 28 and r.status == "warnings"
    assert {aspect(f.code) for f in r.findings} == {TABLES}


@pytest.mark.parametrize("name", ["003_f58341a77dfa3566.txt", "009_huaian_city_2024.txt", "009_huaian_city_2024.pdf"])
def test_clean_real_reports(name: str) -> None:
    r = check(REAL / name)
    assert r.findings == [] and r.status == "ok"
    assert [h.section for h in r.doc.tops] == [s.id for s in load_config().sections]


def test_huaian_is_a_government_due_by_march() -> None:
    r = check(HUAIAN)
    assert r.kind == "政府" and str(r.deadline) == "2025-03-31" and r.published is None


# ---- one fault at a time

def test_missing_section(tmp_path: Path) -> None:
    r = check(variant(tmp_path, "a.txt", (OTHERS, "")))
    assert codes(r) == ["report.section_missing"]
    assert "其他需要报告的事项" in r.findings[0].message and r.findings[0].severity == "error"


def test_sections_out_of_order(tmp_path: Path) -> None:
    r = check(variant(tmp_path, "a.txt", (PROBLEMS, "五、其他需要报告的事项"), (OTHERS, "六、存在的主要问题及改进情况")))
    assert "report.section_order" in codes(r)
    (order,) = [f for f in r.faults if f.finding.code == "report.section_order"]
    assert order.quote == "六、存在的主要问题及改进情况" and "五、其他需要报告的事项" in order.finding.message


def test_numbering_mix_and_gap(tmp_path: Path) -> None:
    assert codes(check(variant(tmp_path, "a.txt", (OTHERS, "6、其他需要报告的事项")))) == ["report.numbering_mixed"]
    assert codes(check(variant(tmp_path, "b.txt", (OTHERS, "七、其他需要报告的事项")))) == ["report.numbering_gap"]


def test_headings_in_other_styles_are_found(tmp_path: Path) -> None:
    path = variant(tmp_path, "a.txt", ("一、总体情况", "第一部分 总体情况"), ("二、主动公开政府信息情况", "第二部分 主动公开政府信息情况"),
                   ("三、收到和处理政府信息公开申请情况\n", "第三部分 收到和处理政府信息公开申请情况\n"),
                   ("四、政府信息公开行政复议、行政诉讼情况", "第四部分 政府信息公开行政复议、行政诉讼情况"),
                   (PROBLEMS, "第五部分 存在的不足和下一步工作打算"), (OTHERS, "第六部分 其他需要报告的事项"))
    r = check(path)
    assert codes(r) == [] and [h.text for h in r.doc.tops][4] == "第五部分 存在的不足和下一步工作打算"


def test_empty_problems_section(tmp_path: Path) -> None:
    text = HUAIAN.read_text(encoding="utf-8")
    body = text[text.index(PROBLEMS) + len(PROBLEMS): text.index(OTHERS)]
    r = check(variant(tmp_path, "a.txt", (body, "\n无。\n")))
    assert codes(r) == ["report.problems_empty"]
    assert r.faults[-1].quote == "无。" and r.findings[-1].severity == "error"


def _last_year(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    folder = tmp_path / "上年"
    folder.mkdir(exist_ok=True)
    return variant(folder, "淮安2023.txt", ("2024 年政府信息公开工作年度报告", "2023 年政府信息公开工作年度报告"), *edits)


def test_problems_copied_from_last_year(tmp_path: Path) -> None:
    r = check(HUAIAN, _last_year(tmp_path))
    assert codes(r) == ["report.problems_repeated", "report.text_repeated"]
    (copied,) = [f for f in r.faults if f.finding.code == "report.problems_repeated"]
    assert copied.finding.severity == "error" and copied.finding.actual == "100%"
    assert "政策解读质量仍需提升" in copied.quote and "淮安2023.txt" in copied.finding.message
    (same,) = [f for f in r.findings if f.code == "yoy.unchanged"]  # the tables against last year's, too
    assert aspect(same.code) == "与上年雷同" and "淮安2023.txt" in same.message


def test_problems_partly_copied_is_a_warning(tmp_path: Path) -> None:
    rewritten = ("针对存在问题，下一步，我市将着力加强政策解读质效，重", "今年我们换了思路，完全不同的新办法：重")
    r = check(HUAIAN, _last_year(tmp_path, rewritten))
    (copied,) = [f for f in r.faults if f.finding.code == "report.problems_repeated"]
    assert copied.finding.severity == "warning" and 0.3 <= float(str(copied.finding.actual).rstrip("%")) / 100 < 0.8


def test_rewritten_report_is_not_repeated(tmp_path: Path) -> None:
    other = REAL / "003_f58341a77dfa3566.txt"
    assert codes(check(HUAIAN, other)) == []


@pytest.mark.parametrize(("kind", "published", "late"), [
    (None, None, False),  # signed 2025-02-10, a 政府 (3月31日)
    ("部门", None, True),  # 部门: 1月31日
    (None, "2025-04-02", True),
])
def test_publication_deadline_by_kind(tmp_path: Path, kind: str | None, published: str | None, late: bool) -> None:
    import datetime as dt

    path = variant(tmp_path, "a.txt", ("收取政府信息公开信息处理费 3940 元。", "收取政府信息公开信息处理费 3940 元。\n淮安市人民政府办公室\n2025年2月10日"))
    r = check(path, kind=kind, published=dt.date.fromisoformat(published) if published else None)
    assert codes(r) == (["report.late"] if late else [])
    if late:
        assert "条例第四十九条" in r.findings[-1].message


def test_2019_form_used_for_2021(tmp_path: Path) -> None:
    path = variant(tmp_path, "a.txt", ("孟州市公共资源交易中心2020年", "孟州市公共资源交易中心2021年"),
                   base=REAL / "001_70c16c846537526a.txt")
    r = check(path)
    assert codes(r) == ["report.form_year"]
    assert r.findings[0].expected == "gb2021" and r.findings[0].actual == "gb2019"


# ---- folder mode and the command line

def test_folder_mode_writes_xlsx_html_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "年报"
    folder.mkdir()
    for name in ("000_fb3348bfed7ae378.txt", "002_b7fbc38f06d49b94.txt", "009_huaian_city_2024.txt"):
        (folder / name).write_bytes((REAL / name).read_bytes())
    _last_year(folder)  # 淮安 2023 in a subfolder: matched by name and year
    code, out = cli(["check-report", str(folder), "-o", str(tmp_path / "体检.xlsx")], capsys)
    assert code == 1 and "体检结果已写入" in out and "日期在报告年度之内" in out
    book = openpyxl.load_workbook(tmp_path / "体检.xlsx")
    summary, detail = book["体检汇总"], book["问题清单"]
    assert summary.auto_filter.ref and detail.auto_filter.ref
    rows = [[c.value for c in row] for row in detail.iter_rows(min_row=2)]
    assert rows[[r[4] for r in rows].index("编号样式不一致")][:7] == ["002_b7fbc38f06d49b94.txt", "北仑区政务办", 2020, "章节结构", "编号样式不一致", "警告",
            "七、其他需要报告的事项"]
    huaian = next(r for r in rows if r[0] == "009_huaian_city_2024.txt" and r[9] == "report.problems_repeated")
    assert "政策解读质量仍需提升" in huaian[6]
    code, _ = cli(["check-report", str(folder), "-o", str(tmp_path / "体检.html")], capsys)
    page = (tmp_path / "体检.html").read_text(encoding="utf-8")
    assert code == 1 and "<th><button" in page and "七、其他需要报告的事项" in page and "体检汇总" in page
    code, out = cli(["check-report", str(folder), "--json"], capsys)
    reports = json.loads(out)["reports"]
    assert code == 1 and len(reports) == 4
    huaian_json = next(r for r in reports if r["source"].endswith("009_huaian_city_2024.txt"))
    assert huaian_json["previous"].endswith("淮安2023.txt") and huaian_json["deadline"] == "2025-03-31"


def test_clean_report_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(["check-report", str(HUAIAN)], capsys)
    assert code == 0 and "通过" in out


@pytest.mark.parametrize(("args", "says"), [
    (["-o", "体检.csv"], "应以 .xlsx（Excel 表格）或 .html（网页）结尾"),
    (["--published", "去年"], "“去年”不是日期"),
    (["--published", "2025-02-30"], "不是日期"),
    (["--kind", "学校"], "“学校”不是可选值"),
    (["--previous", "不存在.txt"], "找不到“不存在.txt”"),
])
def test_usage_errors(args: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(["check-report", str(HUAIAN), *args], capsys)
    assert code == 2 and says in out and "Traceback" not in out


def test_missing_report_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(["check-report", "不存在.pdf"], capsys)
    assert code == 2 and "找不到“不存在.pdf”" in out


def test_sentences_edited_a_little_still_count_as_copied(tmp_path: Path) -> None:
    edited = _last_year(tmp_path, ("政策解读质量仍需提升", "政策解读水平仍需提升"), ("定期组织业务培训", "不定期组织培训"),
                        ("增强队伍凝聚力", "增强队伍的凝聚力和战斗力"))
    r = check(HUAIAN, edited)
    (copied,) = [f for f in r.faults if f.finding.code == "report.problems_repeated"]
    assert copied.finding.severity == "error" and copied.finding.actual == "100%"


def test_shared_text_ignores_digits_and_short_runs() -> None:
    from xxgk.reportcheck.similar import shared_text

    now = "2024 年，我们加强了政务公开队伍建设和业务培训工作。新增内容。"
    assert shared_text(now, "2023 年，我们加强了政务公开队伍建设和业务培训工作。", 20).share > 0.8
    assert shared_text(now, "新增内容。", 20).passages == ()  # 5 characters: under min_chars


def test_previous_of_another_unit_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(["check-report", str(HUAIAN), "--previous", str(REAL / "004_1dfd185abb919a16.txt")], capsys)
    assert code == 0 and "上年报告不是本单位上一年度的" in out and "济宁市公共资源交易服务中心汶上分中心”2020 年度" in out
    code, out = cli(["check-report", str(HUAIAN), str(REAL / "003_f58341a77dfa3566.txt"),
                     "--previous", str(REAL / "004_1dfd185abb919a16.txt")], capsys)
    assert code == 0 and out.count("未找到上年报告") == 2


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed (make chromium)")
def test_html_table_sorts_in_a_browser(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    cli(["check-report", str(REAL), "-o", str(tmp_path / "体检.html")], capsys)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto((tmp_path / "体检.html").as_uri())
        first = "table >> nth=0 >> tbody tr td:first-child"
        assert page.eval_on_selector_all(first, "els => els.map(e => e.textContent)")[0].startswith("000_")
        header = page.locator("table").nth(0).locator("th", has_text="警告").locator("button")
        header.click()
        header.click()  # descending: the most warnings first
        names = page.eval_on_selector_all(first, "els => els.map(e => e.textContent)")
        browser.close()
    assert names[:2] == ["004_1dfd185abb919a16.txt", "000_fb3348bfed7ae378.txt"]


def test_numbers_in_the_text_against_the_tables_quoted(tmp_path: Path) -> None:
    r = check(variant(tmp_path, "a.txt", ("受理政府信息公开申请 3119 件", "受理政府信息公开申请 3219 件")))
    (wrong,) = [f for f in r.faults if f.finding.code == "import.text_mismatch"]
    assert "3219" in wrong.quote and wrong.quote.startswith("2024 年，全市共受理政府信息公开申请 3219 件，答复 3050 件")
    assert aspect(wrong.finding.code) == "正文与统计表" and wrong.finding.actual == 3119


def test_not_a_report_gets_one_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "随笔.txt").write_text("随便写点东西。\n一、总体情况\n很好。\n", encoding="utf-8")
    (tmp_path / "空.txt").write_text("", encoding="utf-8")
    code, out = cli(["check-report", str(tmp_path), "--json"], capsys)
    reports = {Path(r["source"]).name: r for r in json.loads(out)["reports"]}
    assert code == 2 and [f["code"] for f in reports["随笔.txt"]["findings"]] == ["import.unknown_form"]
    assert reports["随笔.txt"]["kind"] is None and reports["空.txt"]["status"] == "unreadable"
