"""Indicators (xxgk.indicators): definitions from the spec, per unit and region, ranks, flags, last year, sources."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xxgk.frames import indicators_frame
from xxgk.indicators import COLUMNS, indicators
from xxgk.indicators.definitions import parse_indicator
from xxgk.spec import SpecError, load_spec
from xxgk.template import build_template

SPEC = load_spec("gb2021")
IDS = ("requests", "granted_rate", "disclosed_rate", "withheld_rate", "unable_rate", "no_info_rate",
       "declined_rate", "forward_rate", "review_corrected_rate", "suit_corrected_rate")


def report(folder: Path, name: str, uscc: str, region: str, year: int, *, new: int, granted: int, partial: int = 0,
           no_info: int = 0, forward: int = 0, review: tuple[int, int] = (0, 0)) -> Path:
    """A unit whose requests are all from 自然人: `new` received, none carried; outcomes granted/partial/no_info,
    the rest 其他处理·其他 so that 一+二 = 三(七)+四 holds; review = (维持, 纠正)."""
    rest = new - forward - granted - partial - no_info
    values: dict[str, object] = {
        "meta.agency": name, "meta.uscc": uscc, "meta.region": region, "meta.year": year,
        "requests.new.natural": new, "requests.granted.natural": granted, "requests.partial.natural": partial,
        "requests.unable_no_info.natural": no_info, "requests.other_misc.natural": rest,
        "requests.forward.natural": forward, "review.upheld": review[0], "review.corrected": review[1]}
    return build_template(SPEC, folder / f"{name}.xlsx", values=values)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inbox")
    report(root / "2024", "甲局", "1133020694580730C8", "330206", 2024, new=200, granted=60, partial=20, no_info=40,
           forward=10, review=(17, 3))  # 实质公开率 80/190 = 42.1 %: yellow; 纠错率 3/20
    report(root / "2024", "乙局", "", "330206", 2024, new=100, granted=90, review=(8, 2))  # 10 reviews: 样本偏少
    report(root / "2024", "丙局", "", "330206", 2024, new=12, granted=1)  # 12 requests: 样本偏少, not ranked
    report(root / "2024", "丁局", "", "330205", 2024, new=50, granted=10, partial=5)  # 30 %: red
    report(root / "2023", "甲局", "1133020694580730C8", "330206", 2023, new=40, granted=20)
    return root


def test_dictionary_is_in_the_spec_with_sources() -> None:
    for form in ("gb2021", "gb2019", "gb2019+zj"):
        defs = {d.id: d for d in indicators(form)}
        assert tuple(defs) == IDS
        assert defs["disclosed_rate"].name == "实质公开率" and defs["disclosed_rate"].red.below == 0.40  # type: ignore[union-attr]
        assert defs["review_corrected_rate"].yellow.above == 0.10 and defs["review_corrected_rate"].min_sample == 30  # type: ignore[union-attr]
        assert all(d.source in ("办法", "评估") for d in defs.values())
    with pytest.raises(SpecError, match="unknown cell"):
        parse_indicator({"id": "x", "name": "某率", "numerator": "requests.nope.total"}, set(SPEC.cells))
    with pytest.raises(SpecError, match="sum of cell ids"):
        parse_indicator({"id": "x", "name": "某率", "numerator": "requests.new.total * 2"}, set(SPEC.cells))


def _rows(table, agency: str) -> dict:  # type: ignore[no-untyped-def]
    rows = table[(table["agency"] == agency) & (table["year"] == 2024)]
    return {r["id"]: r for _, r in rows.iterrows()}


def test_units_regions_ranks_flags_previous_and_sources(inbox: Path) -> None:
    table = indicators_frame([inbox / "2024"], previous=inbox / "2023")
    assert list(table.columns) == list(COLUMNS)
    a = _rows(table, "甲局")
    assert a["requests"]["value"] == 200 and a["requests"]["previous"] == 40 and a["requests"]["change"] == 160
    dr = a["disclosed_rate"]
    assert (dr["numerator"], dr["denominator"]) == (80, 190) and math.isclose(dr["value"], 80 / 190)
    assert dr["flag"] == "yellow" and math.isclose(dr["previous"], 0.5) and math.isclose(dr["change"], 80 / 190 - 0.5)
    assert a["no_info_rate"]["value"] == pytest.approx(40 / 190) and a["forward_rate"]["value"] == pytest.approx(10 / 200)
    assert a["review_corrected_rate"]["flag"] == "small"  # 20 closed cases < 30: shown, not graded
    assert dr["source"].startswith("甲局.xlsx：('依申请公开'!") and ") ÷ '依申请公开'!" in dr["source"]
    b, c = _rows(table, "乙局"), _rows(table, "丙局")
    assert b["granted_rate"]["value"] == pytest.approx(0.9) and b["granted_rate"]["rank"] == 1
    assert a["granted_rate"]["rank"] == 2
    assert c["granted_rate"]["flag"] == "small" and math.isnan(c["granted_rate"]["rank"])
    assert _rows(table, "丁局")["disclosed_rate"]["flag"] == "red"
    region = _rows(table, "330206")
    gr = region["granted_rate"]  # summed counts, not averaged rates: (60+90+1)/(190+100+12)
    assert gr["level"] == "地区" and gr["units"] == 3 and gr["value"] == pytest.approx(151 / 302)
    assert region["review_corrected_rate"]["value"] == pytest.approx(5 / 30) and region["review_corrected_rate"]["flag"] == "red"
    assert "由 3 个单位的计数相加" in gr["source"]


def test_several_years_in_one_input_give_last_year(inbox: Path) -> None:
    table = indicators_frame([inbox])
    assert set(table["year"]) == {2023, 2024}
    assert _rows(table, "甲局")["requests"]["previous"] == 40


def test_cli_workbook_and_json(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "指标.xlsx"
    cmd = [sys.executable, "-m", "xxgk", "indicators", str(inbox / "2024"), "--previous", str(inbox / "2023")]
    res = subprocess.run([*cmd, "-o", str(out)], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["指标", "指标（地区）", "图表"]
    sheet = book["指标"]
    header = [c.value for c in sheet[1]]
    assert header[:7] == ["层级", "单位/地区", "统一社会信用代码", "行政区划", "年度", "指标", "数值"]
    marks = {(r[1], r[5]): r[12] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert marks["甲局", "实质公开率"] == "黄色" and marks["丙局", "予以公开率"] == "样本偏少"
    with zipfile.ZipFile(out) as z:
        charts = [z.read(n) for n in z.namelist() if n.startswith("xl/charts/chart")]  # native Excel charts
        assert charts and any(b"D9A400" in c for c in charts)  # 甲局's yellow 实质公开率 bar in yellow
    assert book["图表"]["A1"].value.startswith("2024 年度各单位指标")
    again = subprocess.run([*cmd, "-o", str(out)], capture_output=True, text=True, check=False)
    assert again.returncode == 2 and "已存在" in again.stderr
    res = subprocess.run([*cmd, "--json"], capture_output=True, text=True, check=False)
    doc = json.loads(res.stdout)
    unit = next(u for u in doc["units"] if u["agency"] == "甲局")
    item = next(i for i in unit["items"] if i["id"] == "granted_rate")
    assert list(item) == ["id", "name", "value", "numerator", "denominator", "previous", "flag", "change", "rank",
                          "source"]
    assert {i["flag"] for u in doc["units"] for i in u["items"]} <= {"red", "yellow", "small", None}
    assert next(i for i in unit["items"] if i["id"] == "disclosed_rate")["flag"] == "yellow"
    assert item["name"] == "予以公开率" and item["numerator"] == 60 and item["previous"] == 0.5
    assert {r["agency"] for r in doc["regions"]} == {"330206", "330205"}
    empty = subprocess.run([sys.executable, "-m", "xxgk", "indicators", str(tmp_path / "无"), "--json"],
                           capture_output=True, text=True, check=False)
    assert empty.returncode == 2 and "没有读到" in empty.stderr and "Traceback" not in empty.stderr


def test_consolidated_summary_has_an_indicator_sheet(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    res = subprocess.run([sys.executable, "-m", "xxgk", "consolidate", str(inbox / "2024"), "-o", str(out),
                          "--agency", "测试县政务公开办"], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    book = openpyxl.load_workbook(out, read_only=True)
    assert "指标" in book.sheetnames and "指标（地区）" in book.sheetnames
    rows = list(book["指标"].iter_rows(min_row=2, values_only=True))
    got = {(r[1], r[5]): r for r in rows}
    assert got["甲局", "实质公开率"][6] == pytest.approx(80 / 190) and got["甲局", "实质公开率"][12] == "黄色"
    assert got["丙局", "予以公开率"][12] == "样本偏少"
    regions = {(r[1], r[5]): r for r in book["指标（地区）"].iter_rows(min_row=2, values_only=True)}
    assert regions["330206", "予以公开率"][6] == pytest.approx(151 / 302)
    assert got["甲局", "实质公开率"][9] is None  # no --previous: no last year
    # with --previous the 指标 sheet has last year's value of the same agency and the change
    out2 = tmp_path / "汇总_上年.xlsx"
    res = subprocess.run([sys.executable, "-m", "xxgk", "consolidate", str(inbox / "2024"), "-o", str(out2),
                          "--agency", "测试县政务公开办", "--previous", str(inbox / "2023"), "--include-invalid"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    book = openpyxl.load_workbook(out2, read_only=True)
    got = {(r[1], r[5]): r for r in book["指标"].iter_rows(min_row=2, values_only=True)}
    assert got["甲局", "实质公开率"][9] == pytest.approx(0.5)
    assert got["甲局", "实质公开率"][10] == pytest.approx(80 / 190 - 0.5)
    assert (got["甲局", "申请总量"][9], got["甲局", "申请总量"][10]) == (40, 160)
    regions = {(r[1], r[5]): r for r in book["指标（地区）"].iter_rows(min_row=2, values_only=True)}
    assert regions["330206", "申请总量"][9] is not None
