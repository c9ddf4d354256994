"""Validate real published reports, transcribed by hand into the template.

tests/fixtures/real/ holds the source texts (copied from the published reports) and, for each, a YAML
transcription of its tables: every published value under its cell id, exactly as published ("7次" stays
text), blank cells left out, published totals kept. The expected findings below come from reading the
reports, not from running xxgk.

None of the six reports has an inconsistent （七）总计 (like the known 2020 report whose （七）总计 is 21
while its outcome rows add to 27): five are all zero or blank, and 淮安 2024 adds up everywhere (checked
by hand in test_huaian_2024_every_printed_rule_holds). So no R1–R4 finding is expected for any of them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from xxgk.findings import Finding
from xxgk.findings import number as as_number
from xxgk.layout import plan_layout
from xxgk.rules.expand import computed_cells
from xxgk.spec import load_spec
from xxgk.template import build_template
from xxgk.validate import FileReport, validate_files

REAL = Path(__file__).parent / "fixtures" / "real"
STEMS = ["000_fb3348bfed7ae378", "001_70c16c846537526a", "002_b7fbc38f06d49b94", "003_f58341a77dfa3566",
         "004_1dfd185abb919a16", "009_huaian_city_2024"]

APPLICANTS = ("natural", "business", "research", "nonprofit", "legal", "other")
OUTCOMES_2019 = ("granted", "partial", "withheld_secret", "withheld_law", "withheld_safety", "withheld_third_party",
                 "withheld_internal", "withheld_process", "withheld_enforcement", "withheld_inquiry",
                 "unable_no_info", "unable_create", "unable_unclear", "declined_petition", "declined_repeat",
                 "declined_publication", "declined_massive", "declined_confirm", "other")
ROWS_2019 = ("new", "carried", *OUTCOMES_2019, "total", "forward")

Brief = tuple[str, str | None, tuple[str, ...], Any, Any]


def fixture(stem: str) -> dict[str, Any]:
    return yaml.safe_load((REAL / f"{stem}.yaml").read_text(encoding="utf-8"))


def validate(tmp_path: Path, stem: str) -> FileReport:
    """Build the workbook a staff member would have typed: inputs as values, typed totals over the formulas."""
    fx = fixture(stem)
    spec = load_spec(fx["form"])
    computed = computed_cells(spec)
    values = {cid: v for cid, v in fx["values"].items() if cid not in computed}
    overrides = {cid: v for cid, v in fx["values"].items() if cid in computed}
    values.update({"meta.agency": fx["agency"], "meta.year": fx["year"], "meta.kind": "单位"})
    path = build_template(spec, tmp_path / f"{stem}.xlsx", values=values, overrides=overrides)
    (report,) = validate_files([path])
    assert report.form == fx["form"] and report.agency == fx["agency"]
    return report


def brief(f: Finding) -> Brief:
    return (f.code, f.rule, f.ids, f.expected, f.actual)


def typed_totals(stem: str) -> list[Brief]:
    """A typed total that agrees with its formula: a formula.overwritten warning with expected == actual."""
    fx = fixture(stem)
    computed = computed_cells(load_spec(fx["form"]))
    return [("formula.overwritten", None, (cid,), v, v) for cid, v in fx["values"].items() if cid in computed]


def blank(*ids: str) -> Brief:
    return ("table.blank", None, tuple(ids), None, None)


def text(cid: str, number: str, raw: str) -> Brief:
    """The number the text reads as is given as published; findings carry it as a JSON number."""
    return ("cell.text", None, (cid,), as_number(float(number)), raw)


def number_as_text(cid: str, number: str, raw: str) -> Brief:
    """A clean number typed into a text cell ("12.90"): the sheet's formulas would not count it."""
    return ("cell.number_as_text", None, (cid,), as_number(float(number)), raw)


def assert_findings(report: FileReport, expected: list[Brief]) -> None:
    got = sorted(map(brief, report.findings), key=repr)
    assert got == sorted(expected, key=repr)
    assert not [f for f in report.findings if f.code == "rule"]


def test_fixtures_are_self_contained() -> None:
    for stem in STEMS:
        fx = fixture(stem)
        assert fx["source"] == f"{stem}.txt" and (REAL / fx["source"]).stat().st_size > 5000
        assert fx["form"] == ("gb2019" if fx["year"] <= 2020 else "gb2021")
        assert set(fx["values"]) <= set(load_spec(fx["form"]).cells), stem


def test_beilun_jiaoyi_2020_units_in_cells_and_only_totals_typed(tmp_path: Path) -> None:
    """000 北仑区（开发区）公共资源交易中心 2020: "7次" and "230300元" in 第二十条第（九）项; the requests table
    has every applicant cell empty and only the 总计 column typed (0)."""
    stem = "000_fb3348bfed7ae378"
    report = validate(tmp_path, stem)
    empty = [f"requests.{r}.{c}" for r in ROWS_2019 if r != "total" for c in APPLICANTS]
    assert len(empty) == 22 * 6
    overwritten = typed_totals(stem)
    assert len(overwritten) == 23 + 3  # the 总计 column of every requests row, three appeal totals
    assert_findings(report, [
        text("active.procurement.count", "7", "7次"),
        text("active.procurement.amount", "230300", "230300元"),
        blank(*empty),
        *overwritten,
    ])
    assert report.status == "errors"
    layout = plan_layout(load_spec("gb2019"))
    by_id = {f.ids: f for f in report.findings if f.code == "cell.text"}
    for cid, raw, number in (("active.procurement.count", "7次", 7), ("active.procurement.amount", "230300元", 230300)):
        f = by_id[(cid,)]
        assert f.severity == "error" and f.cells == (layout.address(cid),)
        assert f"“{raw}”" in f.message and f"按数字 {number} 读取" in f.message


def test_mengzhou_2020_natural_column_left_empty_in_fifteen_rows(tmp_path: Path) -> None:
    """001 孟州市公共资源交易中心 2020: all zero, but the 自然人 cell is empty in the rows （一）予以公开 …
    （五）2.重复申请 (six numbers, not seven, on source lines 53-67)."""
    stem = "001_70c16c846537526a"
    report = validate(tmp_path, stem)
    rows = OUTCOMES_2019[: OUTCOMES_2019.index("declined_repeat") + 1]
    assert len(rows) == 15
    overwritten = typed_totals(stem)
    assert len(overwritten) == 23 + 6 + 3  # 总计 column, （七）总计 row, appeal totals
    assert_findings(report, [blank(*(f"requests.{r}.natural" for r in rows)), *overwritten])
    assert report.status == "warnings"


def test_beilun_zhengwuban_2020_amount_in_yuan_as_text(tmp_path: Path) -> None:
    """002 宁波市北仑区政务服务办公室 2020: all zero except 政府集中采购 8 and 采购总金额（元）"35074.0".

    xxgk reads 35074 and has no way to see the header's 元 (the form wants 万元): only the text is reported."""
    stem = "002_b7fbc38f06d49b94"
    report = validate(tmp_path, stem)
    overwritten = typed_totals(stem)
    assert len(overwritten) == 23 + 6 + 3
    assert_findings(report, [number_as_text("active.procurement.amount", "35074", "35074.0"), *overwritten])
    assert report.status == "errors"


def test_zhongwei_2021_all_zero_with_typed_totals(tmp_path: Path) -> None:
    """003 中卫市公共资源交易中心 2021 (2021 form, （六） in three sub-rows): every cell 0, totals typed."""
    stem = "003_f58341a77dfa3566"
    report = validate(tmp_path, stem)
    overwritten = typed_totals(stem)
    assert len(overwritten) == 25 + 6 + 3
    assert_findings(report, overwritten)
    assert all(f.severity == "warning" and f.expected == f.actual == 0 for f in report.findings)
    assert report.status == "warnings"


def test_wenshang_2020_blank_cells_and_decimal_text(tmp_path: Path) -> None:
    """004 济宁市公共资源交易服务中心汶上分中心 2020: blanks in 主动公开 (all but 规范性文件 9/9/9 and
    政府集中采购), every applicant cell blank, "12.90" as text."""
    stem = "004_1dfd185abb919a16"
    report = validate(tmp_path, stem)
    active_blank = ["active.rules.made", "active.rules.published", "active.rules.total",
                    *(f"active.{r}.{c}" for r in ("license", "other_services", "penalty", "coercion")
                      for c in ("prior", "change", "decisions")),
                    "active.fees.prior", "active.fees.change"]
    assert len(active_blank) == 17
    requests_blank = [f"requests.{r}.{c}" for r in ROWS_2019 if r != "total" for c in APPLICANTS]
    overwritten = typed_totals(stem)
    assert [b[2][0] for b in overwritten] == [
        "requests.new.total", "requests.carried.total", "requests.total.total", "requests.forward.total",
        "review.total", "suit_direct.total", "suit_after_review.total"]
    assert_findings(report, [
        number_as_text("active.procurement.amount", "12.9", "12.90"),
        blank(*active_blank),
        blank(*requests_blank),
        *overwritten,
    ])
    assert report.status == "errors"



def test_wenshang_2020_cleared_total_cells_are_reported(tmp_path: Path) -> None:
    """The same report typed the way it was published: its empty 总计 cells of （一）…（六） and its empty
    （七）总计 applicant cells cleared in the workbook (formula deleted, cell left empty)."""
    stem = "004_1dfd185abb919a16"
    fx = fixture(stem)
    spec = load_spec(fx["form"])
    computed = computed_cells(spec)
    cleared = [f"requests.{r}.total" for r in OUTCOMES_2019] + [f"requests.total.{c}" for c in APPLICANTS]
    assert not set(cleared) & set(fx["values"])
    values = {cid: v for cid, v in fx["values"].items() if cid not in computed}
    values.update({"meta.agency": fx["agency"], "meta.year": fx["year"], "meta.kind": "单位"})
    overrides = {cid: v for cid, v in fx["values"].items() if cid in computed} | dict.fromkeys(cleared)
    (report,) = validate_files([build_template(spec, tmp_path / "cleared.xlsx", values=values, overrides=overrides)])
    removed = [f for f in report.findings if f.code == "formula.removed"]
    assert sorted(f.ids[0] for f in removed) == sorted(cleared)


def test_huaian_2024_every_printed_rule_holds(tmp_path: Path) -> None:
    """009 淮安市人民政府 2024: real non-zero numbers; R1–R4 all hold, checked by hand:

    R1 (row 总计 = 六类之和): 一 3001+53+0+0+61+4 = 3119; 二 34; （一）1288+21+50+3 = 1362; （二）447+7 = 454;
       （三）2, 30+1 = 31, 5, 6, 7+1 = 8, 12, 9, 105; （四）746+12+10+1 = 769, 11, 1; （五）56+6 = 62, 25, 0, 0, 1;
       （六）67+3+1 = 71, 6, 108+2 = 110; （七）2932+53+61+4 = 3050; 四 103.
    R2 (（七）总计 = 各项办理结果之和):
       自然人 1288+447+2+30+5+6+7+12+9+105+746+11+1+56+25+0+0+1+67+6+108 = 2932;
       商业企业 21+7+1+1+12+6+3+2 = 53; 科研机构 0; 社会公益组织 0; 法律服务机构 50+10+1 = 61; 其他 3+1 = 4;
       总计 1362+454+2+31+5+6+8+12+9+105+769+11+1+62+25+0+0+1+71+6+110 = 3050.
    R3 (一+二 = 三+四): 自然人 3001+34 = 3035 = 2932+103; 商业企业 53+0 = 53+0; 法律服务机构 61 = 61;
       其他 4 = 4; 科研机构、社会公益组织 0 = 0; 总计 3119+34 = 3153 = 3050+103.
    R4: 行政复议 72+64+178+37 = 351; 未经复议直接起诉 13+4+8+1 = 26; 复议后起诉 12+1+1+6 = 20.
    Every typed total therefore agrees with its formula: formula.overwritten warnings only.
    """
    stem = "009_huaian_city_2024"
    report = validate(tmp_path, stem)
    overwritten = typed_totals(stem)
    assert len(overwritten) == 25 + 6 + 3
    assert_findings(report, overwritten)
    assert report.status == "warnings"
    fill = report.fill
    assert fill is not None and str(fill.exact["active.fees.amount"]) == "96171.6"
    got = {f.ids[0]: f.actual for f in report.findings}
    assert (got["requests.new.total"], got["requests.total.total"], got["requests.forward.total"]) == (3119, 3050, 103)
    assert (got["review.total"], got["suit_direct.total"], got["suit_after_review.total"]) == (351, 26, 20)


def test_huaian_2024_transcription_matches_the_source_rows() -> None:
    """Guard against typos: each requests row and the appeals row of the YAML is a line of the PDF text."""
    fx = fixture("009_huaian_city_2024")
    lines = (REAL / fx["source"]).read_text(encoding="utf-8").splitlines()
    numbers = [m.group(1) for line in lines if (m := re.search(r"((?: ?\b\d+\b){7,15})$", line))]
    spec = load_spec("gb2021")
    rows = [r.key for r in spec.table("requests").blocks[0].rows]
    want = [" ".join(str(fx["values"][f"requests.{r}.{c}"]) for c in (*APPLICANTS, "total")) for r in rows]
    blocks = ("review", "suit_direct", "suit_after_review")
    want.append(" ".join(str(fx["values"][f"{b}.{k}"]) for b in blocks
                         for k in ("upheld", "corrected", "other", "pending", "total")))
    assert [n.strip() for n in numbers] == want
