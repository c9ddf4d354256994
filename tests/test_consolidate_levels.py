"""Consolidating summaries again: a city of county summaries equals the city of all agencies; agencies are
never counted twice; 说明 travel upwards; cross-year checks per agency and for the total."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from test_consolidate_support import (
    COUNTY_A,
    COUNTY_B,
    INPUTS,
    SPEC,
    YEAR,
    copy_into,
    independent_totals,
    records,
    run,
    sample_values,
    summary_numbers,
    unit_set,
    write,
    write_all,
)
from xxgk.consolidate import UsageError
from xxgk.consolidate import status as st
from xxgk.consolidate.sheets import FIRST_ROW, ISSUES, UNITS
from xxgk.template import build_template
from xxgk.validate import validate_files

APPLICANTS = ("natural", "business", "research", "nonprofit", "legal", "other")


@pytest.fixture(scope="module")
def counties(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Two counties' agency workbooks and each county's summary."""
    base = tmp_path_factory.mktemp("levels")
    rows_a, rows_b = sample_values(COUNTY_A, seed=21), sample_values(COUNTY_B, seed=22)
    rows_a[1].pop("review.pending")  # a blank cell: a warning that travels upwards
    paths_a = write_all(base / "甲县收件箱", rows_a)
    paths_b = write_all(base / "乙县收件箱", rows_b)
    sum_a, sum_b = base / "甲县汇总.xlsx", base / "乙县汇总.xlsx"
    run([base / "甲县收件箱"], sum_a, agency="甲县人民政府办公室", uscc=COUNTY_A[0].uscc, region="330206")
    run([base / "乙县收件箱"], sum_b, agency="乙县人民政府办公室", uscc=COUNTY_B[0].uscc, region="330281")
    return {"base": base, "rows": rows_a + rows_b, "paths_a": paths_a, "paths_b": paths_b, "sum_a": sum_a,
            "sum_b": sum_b}


def test_city_of_county_summaries_equals_city_of_all_agencies(counties, tmp_path: Path) -> None:
    c = counties
    up = tmp_path / "市汇总（县汇总表）.xlsx"
    direct = tmp_path / "市汇总（全部单位）.xlsx"
    via = run([copy_into(tmp_path / "市收件箱1", [c["sum_a"], c["sum_b"]])], up, agency="市政府办公室")
    flat = run([copy_into(tmp_path / "市收件箱2", [*c["paths_a"], *c["paths_b"]])], direct, agency="市政府办公室")

    assert [s.status for s in via.submissions] == [st.ACCEPTED, st.ACCEPTED]
    assert len(via.units) == len(flat.units) == len(COUNTY_A) + len(COUNTY_B)
    _, up_numbers = summary_numbers(up)
    _, direct_numbers = summary_numbers(direct)
    assert up_numbers == direct_numbers  # every cell, computed ones included
    assert np.array_equal(via.total, flat.total)
    expected = independent_totals(c["rows"])
    for cid in INPUTS:
        assert Decimal(str(up_numbers[cid])) == expected[cid], cid
    assert via.value("active.fees.amount") == expected["active.fees.amount"]  # exact Decimal, both ways
    assert unit_set(up) == unit_set(direct)
    vias = {r["meta.agency"]: r["unit.via"] for r in records(up, UNITS)}
    assert vias[COUNTY_A[2].name] == "甲县汇总.xlsx" and vias[COUNTY_B[0].name] == "乙县汇总.xlsx"
    (report,) = validate_files([up])
    assert report.status == "ok", [f.message for f in report.findings]

    # and once more: the province consolidates the city summary
    province = run([copy_into(tmp_path / "省收件箱", [up])], tmp_path / "省汇总.xlsx", agency="省政府办公厅")
    assert np.array_equal(province.total, flat.total) and len(province.units) == len(flat.units)
    vias = {r["meta.agency"]: r["unit.via"] for r in records(tmp_path / "省汇总.xlsx", UNITS)}
    assert vias[COUNTY_A[2].name] == "市汇总（县汇总表）.xlsx ▸ 甲县汇总.xlsx"


def test_agency_sent_directly_and_inside_a_sub_summary_counts_once(counties, tmp_path: Path) -> None:
    c = counties
    inbox = copy_into(tmp_path / "市收件箱", [c["sum_a"], *c["paths_b"], c["paths_a"][2]])
    result = run([inbox], tmp_path / "市汇总.xlsx")
    again = Path(c["paths_a"][2]).name
    got = {s.name: s for s in result.submissions}
    assert got[again].status == st.IN_SUB_SUMMARY
    assert "甲县汇总.xlsx" in got[again].reason and "不再重复计入" in got[again].reason
    flat = run([copy_into(tmp_path / "全部", [*c["paths_a"], *c["paths_b"]])], tmp_path / "全部.xlsx")
    assert np.array_equal(result.total, flat.total)
    assert any(i.file == again and i.finding.code == "consolidate.in_sub_summary" for i in result.issues)


def test_agency_inside_two_sub_summaries_counts_once(counties, tmp_path: Path) -> None:
    c = counties
    b_plus = copy_into(tmp_path / "乙县加", [*c["paths_b"], c["paths_a"][0]])
    run([b_plus], tmp_path / "乙县汇总（含甲县单位）.xlsx", agency="乙县人民政府办公室")
    inbox = copy_into(tmp_path / "市收件箱", [c["sum_a"], tmp_path / "乙县汇总（含甲县单位）.xlsx"])
    result = run([inbox], tmp_path / "市汇总.xlsx")
    flat = run([copy_into(tmp_path / "全部", [*c["paths_a"], *c["paths_b"]])], tmp_path / "全部.xlsx")
    assert np.array_equal(result.total, flat.total)
    first, second = result.submissions  # in file-name order: the first one keeps the agency
    assert first.name.startswith("乙县") and first.status == st.ACCEPTED and len(first.units) == len(COUNTY_B) + 1
    assert second.status == st.WARNINGS and len(second.units) == len(COUNTY_A) - 1
    twice = [f for f in second.findings if f.code == "consolidate.unit_twice"]
    assert len(twice) == 1 and COUNTY_A[0].name in twice[0].message and first.name in twice[0].message


def test_notes_travel_upwards_with_the_findings(counties, tmp_path: Path) -> None:
    c = counties
    county = tmp_path / "甲县汇总.xlsx"
    shutil.copy(c["sum_a"], county)
    wb = openpyxl.load_workbook(county)
    ws = wb[ISSUES]
    keys = [cell.value for cell in ws[3]]
    note_col, msg_col = keys.index("issue.note") + 1, keys.index("issue.message") + 1
    row = next(r for r in range(FIRST_ROW + 1, ws.max_row + 1) if "未填写" in str(ws.cell(r, msg_col).value))
    ws.cell(row, note_col).value = "该单位本年无行政复议案件，已电话核实。"
    wb.save(county)  # as a consolidator would, in Excel

    result = run([copy_into(tmp_path / "市收件箱", [county, c["sum_b"]])], tmp_path / "市汇总.xlsx")
    assert [s.status for s in result.submissions] == [st.ACCEPTED, st.ACCEPTED]
    carried = [i for i in result.issues if i.note]
    assert len(carried) == 1
    assert carried[0].note == "该单位本年无行政复议案件，已电话核实。"
    assert carried[0].agency == COUNTY_A[1].name and carried[0].file == f"甲县汇总.xlsx ▸ {COUNTY_A[1].name}.xlsx"
    rows = records(tmp_path / "市汇总.xlsx", ISSUES)
    assert [r["issue.note"] for r in rows if r["issue.note"]] == ["该单位本年无行政复议案件，已电话核实。"]
    assert next(r for r in rows if r["issue.note"])["issue.code"] == "table.blank"


def test_a_summary_edited_after_consolidation_is_an_error(counties, tmp_path: Path) -> None:
    c = counties
    edited = tmp_path / "甲县汇总.xlsx"
    shutil.copy(c["sum_a"], edited)
    wb = openpyxl.load_workbook(edited)
    ((sheet_name, ref),) = wb.defined_names["review_upheld"].destinations
    cell = wb[sheet_name][ref.replace("$", "")]
    cell.value = (cell.value or 0) + 10
    wb.save(edited)
    result = run([copy_into(tmp_path / "in", [edited, c["sum_b"]])], tmp_path / "市汇总.xlsx")
    got = {s.name: s for s in result.submissions}
    assert got["甲县汇总.xlsx"].status == st.ERRORS
    (bad,) = [f for f in got["甲县汇总.xlsx"].findings if f.code == "consolidate.summary_mismatch"]
    assert bad.ids == ("review.upheld",) and bad.actual == bad.expected + 10  # type: ignore[operator]


def test_a_summary_without_unit_rows_is_summed_as_one(counties, tmp_path: Path) -> None:
    """A summary typed by hand into the template (报表类型 汇总) has no 单位明细: summed whole, with a warning."""
    c = counties
    values = {**sample_values(COUNTY_A[:1], seed=5)[0], "meta.kind": "汇总", "meta.agency": "丙县人民政府办公室",
              "meta.uscc": ""}
    manual = write(tmp_path / "in", values, "丙县手工汇总.xlsx")
    copy_into(tmp_path / "in", [c["sum_b"]])
    result = run([tmp_path / "in"], tmp_path / "市汇总.xlsx")
    got = {s.name: s for s in result.submissions}
    assert got[manual.name].status == st.WARNINGS
    assert [f.code for f in got[manual.name].findings] == ["consolidate.no_units"]
    assert len(result.units) == len(COUNTY_B) + 1
    assert result.value("requests.new.total") == pytest.approx(
        float(summary_numbers(manual)[1]["requests.new.total"]) + float(summary_numbers(c["sum_b"])[1]["requests.new.total"]))


# --------------------------------------------------------------------------- cross-year


def _int(values: dict[str, object], cid: str) -> int:
    return int(values.get(cid, 0))  # type: ignore[call-overload]


def agree_with_last_year(now: dict[str, object], before: dict[str, object]) -> None:
    """Make this year's report agree with last year's: 上年结转 = last 结转下年度 (R3 kept by moving 一 or 四),
    现行有效 = last 现行有效 + 制发 − 废止."""
    for a in APPLICANTS:
        carried, forward, new = f"requests.carried.{a}", f"requests.forward.{a}", f"requests.new.{a}"
        delta = _int(before, forward) - _int(now, carried)
        now[carried] = _int(before, forward)
        if delta >= 0:
            now[forward] = _int(now, forward) + delta
        else:
            now[new] = _int(now, new) - delta
    for d in ("rules", "normative"):
        issued, repealed = _int(now, f"active.{d}.issued"), _int(now, f"active.{d}.repealed")
        repealed = min(repealed, _int(before, f"active.{d}.valid") + issued)
        now[f"active.{d}.repealed"] = repealed
        now[f"active.{d}.valid"] = _int(before, f"active.{d}.valid") + issued - repealed


def test_previous_year_per_agency_and_for_the_total(tmp_path: Path) -> None:
    last = sample_values(COUNTY_A, YEAR - 1, seed=31)
    last_folder = tmp_path / "去年收件箱"
    write_all(last_folder, last)
    last_summary = tmp_path / "去年汇总.xlsx"
    run([last_folder], last_summary)
    this = sample_values(COUNTY_A, YEAR, seed=32)
    for now, before in zip(this, last, strict=True):
        agree_with_last_year(now, before)
    odd = this[3]
    odd["requests.carried.natural"] = int(odd.get("requests.carried.natural", 0)) + 2  # type: ignore[call-overload]
    odd["requests.forward.natural"] = int(odd.get("requests.forward.natural", 0)) + 2  # type: ignore[call-overload]
    inbox = tmp_path / "今年收件箱"
    write_all(inbox, this)
    for previous in (last_summary, last_folder):
        result = run([inbox], tmp_path / f"汇总_{previous.stem}.xlsx", previous=previous)
        got = {s.name: s for s in result.submissions}
        odd_file = got[f"{COUNTY_A[3].name}.xlsx"]
        assert odd_file.status == st.ERRORS
        # the sample numbers of the two years are drawn independently: year-over-year warnings besides the rules
        assert [f.rule for f in odd_file.findings if not f.code.startswith("yoy.")] == ["X1[natural]", "X1[total]"]
        assert odd_file.reason.startswith("因跨年度核对（与 --previous 指定的上年数据比较）发现 2 个错误，本文件未汇总")
        others = [s for s in result.submissions if s is not odd_file]
        assert all(s.status in st.SUMMED and not [f for f in s.findings if f.severity == "error"] for s in others)
        # the total is compared with last year's total of the same five agencies: they agree
        assert [i.finding for i in result.issues if i.file == "（汇总合计）" and not i.finding.code.startswith("yoy.")] == []
        assert result.previous == previous.name
    included = run([inbox], tmp_path / "汇总_全部.xlsx", previous=last_summary, include_invalid=True)
    assert "其中 2 个错误来自跨年度核对" in {s.name: s.reason for s in included.submissions}[f"{COUNTY_A[3].name}.xlsx"]
    total_rules = [i.finding.rule for i in included.issues if i.file == "（汇总合计）" and i.finding.rule]
    assert total_rules == ["X1[natural]", "X1[total]"]  # all six agencies, the odd one's +2 shows in the total


def test_previous_of_an_agency_that_is_new_this_year_is_not_checked(tmp_path: Path) -> None:
    last_folder = tmp_path / "去年"
    write_all(last_folder, sample_values(COUNTY_A[:2], YEAR - 1, seed=41))
    inbox = tmp_path / "今年"
    write_all(inbox, sample_values(COUNTY_B[:2], YEAR, seed=42))
    result = run([inbox], tmp_path / "汇总.xlsx", previous=last_folder)
    assert [s.status for s in result.submissions] == [st.ACCEPTED, st.ACCEPTED]
    (skipped,) = [i.finding for i in result.issues if i.file == "（汇总合计）"]  # no total of other agencies
    assert skipped.code == "consolidate.previous_partial" and skipped.severity == "warning"
    assert f"2 个单位中有 2 个在上年数据“去年”中找不到各自对应的单位（{COUNTY_B[0].name}、{COUNTY_B[1].name}）" in skipped.message
    bad = tmp_path / "坏的去年.xlsx"
    bad.write_bytes(b"junk")
    with pytest.raises(UsageError, match=r"--previous 上年报告 坏的去年\.xlsx 无法使用"):
        run([inbox], tmp_path / "汇总2.xlsx", previous=bad)
    assert not (tmp_path / "汇总2.xlsx").exists()
    build_template(SPEC, tmp_path / "unused.xlsx")  # the template still builds after all this (no shared state)


def test_an_earlier_summary_of_the_same_level_in_the_inbox_is_skipped(counties, tmp_path: Path) -> None:
    c = counties
    inbox = copy_into(tmp_path / "收件箱", [*c["paths_a"], c["sum_a"]])
    (inbox / "甲县汇总.xlsx").rename(inbox / "上次的汇总.xlsx")
    result = run([inbox], tmp_path / "甲县汇总.xlsx", agency="甲县人民政府办公室", uscc=COUNTY_A[0].uscc)
    got = {s.name: s for s in result.submissions}
    assert got["上次的汇总.xlsx"].status == st.SKIPPED and "以前生成的汇总表" in got["上次的汇总.xlsx"].reason
    assert all(s.status in st.SUMMED for n, s in got.items() if n != "上次的汇总.xlsx")
    assert len(result.units) == len(COUNTY_A)


def test_previous_year_in_the_older_form(tmp_path: Path) -> None:
    """2021 reports checked against last year's 2020 reports in the 〔2019〕60号 form: X1 reads the same ids,
    X2 reads 现行有效件数's predecessor 对外公开总数量 through the spec's previous_aliases."""
    group = COUNTY_A[:2]
    last = sample_values(group, 2020, seed=51, form="gb2019")
    last_folder = tmp_path / "2020"
    for v in last:
        write(last_folder, v, form="gb2019")
    this = sample_values(group, 2021, seed=52)
    this[0]["active.rules.valid"] = int(last[0]["active.rules.total"]) + 50  # type: ignore[call-overload]
    inbox = tmp_path / "2021"
    write_all(inbox, this)
    result = run([inbox], tmp_path / "汇总.xlsx", previous=last_folder, include_invalid=True)
    first = [i.finding for i in result.issues if i.agency == group[0].name]
    x2 = [f for f in first if f.rule == "X2[rules]"]
    assert x2 and x2[0].severity == "warning"
    x1 = {f.rule for f in first if (f.rule or "").startswith("X1[")}
    expected = {f"X1[{c}]" for c in SPEC.groups["applicants"].keys
                if this[0].get(f"requests.carried.{c}", 0) != last[0].get(f"requests.forward.{c}", 0)}
    assert expected and expected <= x1
