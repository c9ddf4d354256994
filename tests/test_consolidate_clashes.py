"""Reports that meet over one agency: different agencies on one USCC are a conflict (not a duplicate); a copy
sent directly and inside a sub-summary is compared; a newer copy with errors that replaced a valid one is
flagged on both files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from test_consolidate_support import (
    COUNTY_A,
    INPUTS,
    SPEC,
    YEAR,
    copy_into,
    records,
    run,
    sample_values,
    write,
    write_all,
)
from xxgk.consolidate import Unit
from xxgk.consolidate import status as st
from xxgk.consolidate.keys import KeyResolver, shared_code
from xxgk.consolidate.model import AGENCY, USCC
from xxgk.consolidate.previous import Previous, aligned, index_units, same_agencies_total
from xxgk.consolidate.roster import Roster, RosterEntry
from xxgk.consolidate.sheets import SUBMISSIONS, cell_labels
from xxgk.samples import agencies

BING = agencies("丙县", "330282", 2, seed=4)
OFFICE, EDUCATION = "丙县人民政府办公室", "丙县教育局"


def _bing(name: str, filed: dt.date, seed: int, **cells: object) -> dict[str, object]:
    values = sample_values(BING[:1], seed=seed)[0]
    return {**values, "meta.agency": name, "meta.uscc": BING[0].uscc, "meta.filled_on": filed, **cells}


def _reasons(result) -> dict[str, str]:
    return {s.name: s.reason for s in result.submissions}


def test_keys_split_a_code_carried_by_different_agencies() -> None:
    code = BING[0].uscc
    resolver = KeyResolver([(OFFICE, code), (EDUCATION, code), ("丙县 教育局", ""), ("丙县公安局", BING[1].uscc)],
                           [("丙县（汇总）", code)])
    office, education = resolver.key(OFFICE, code), resolver.key(EDUCATION, code)
    assert office != education and shared_code(office) == shared_code(education) == f"uscc:{code}"
    assert resolver.key("丙县　教育局", "") == education  # a copy without USCC still joins by name
    assert resolver.key("丙县公安局", BING[1].uscc) == f"uscc:{BING[1].uscc}" and not shared_code(f"uscc:{code}")
    assert resolver.cover_key("丙县（汇总）", code) == f"uscc:{code}"  # a summary's cover is not an agency


def _unit(name: str, uscc: str, value: float, resolver: KeyResolver | None = None) -> Unit:
    key = resolver.key(name, uscc) if resolver else ""
    return Unit(key, {AGENCY: name, USCC: uscc}, np.full(len(SPEC.cells), value), {}, f"{name}.xlsx")


def test_last_year_of_an_agency_on_a_shared_code_is_found_by_its_name() -> None:
    code, own = BING[0].uscc, BING[1].uscc
    last = [_unit(OFFICE, code, 1.0), _unit(EDUCATION, own, 2.0)]
    previous = Previous(SPEC, index_units(last), np.array([u.values for u in last]), "去年")
    resolver = KeyResolver([(OFFICE, code), (EDUCATION, code)])
    this = [_unit(OFFICE, code, 0.0, resolver), _unit(EDUCATION, code, 0.0, resolver)]  # 教育局 typed the office's code
    assert aligned(previous, this)[:, 0].tolist() == [1.0, 2.0]
    total, unmatched = same_agencies_total(previous, this)
    assert unmatched == [] and total is not None and total[list(SPEC.cells).index(INPUTS[0])] == 3.0
    total, unmatched = same_agencies_total(previous, [*this, _unit("丙县公安局", "", 0.0)])
    assert total is None and [u.name for u in unmatched] == ["丙县公安局"]


def test_roster_prefers_the_name_when_the_code_belongs_to_another_entry(tmp_path: Path) -> None:
    office = RosterEntry(OFFICE, BING[0].uscc, "330282", "", 2)
    education = RosterEntry(EDUCATION, BING[1].uscc, "330282", "", 3)
    roster = Roster(tmp_path / "名册.csv", (office, education))
    assert roster.match(EDUCATION, BING[0].uscc) is education  # typed the office's code
    assert roster.match(OFFICE, BING[0].uscc) is office
    assert roster.match("丙县人民政府办公厅", BING[0].uscc) is office  # renamed: the code still finds it


def test_same_uscc_on_two_different_agencies_is_a_conflict_not_a_duplicate(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    write(inbox, _bing(OFFICE, dt.date(YEAR + 1, 1, 10), 1, **{"review.upheld": 1}), "办公室.xlsx")
    write(inbox, _bing(EDUCATION, dt.date(YEAR + 1, 1, 20), 2, **{"review.upheld": 2}), "教育局.xlsx")
    nameless = {k: v for k, v in _bing("丙县　教育局", dt.date(YEAR + 1, 1, 5), 3).items() if k != "meta.uscc"}
    write(inbox, nameless, "教育局（无代码）.xlsx")  # the same agency as 教育局.xlsx, matched by name
    write(inbox, sample_values(BING[1:], seed=4)[0], "公安局.xlsx")
    result = run([inbox], tmp_path / "汇总.xlsx")
    assert {s.name: s.status for s in result.submissions} == {
        "办公室.xlsx": st.ERRORS, "教育局.xlsx": st.ERRORS, "教育局（无代码）.xlsx": st.REPLACED,
        "公安局.xlsx": st.ACCEPTED}
    why = _reasons(result)
    assert "统一社会信用代码与“丙县教育局”（教育局.xlsx）相同，请核对" in why["办公室.xlsx"]
    assert "统一社会信用代码与“丙县人民政府办公室”（办公室.xlsx）相同，请核对" in why["教育局.xlsx"]
    assert "是同一单位" not in why["办公室.xlsx"] and why["办公室.xlsx"].startswith("1 个错误，首项：")
    assert why["教育局（无代码）.xlsx"].startswith("本文件（丙县　教育局）与“教育局.xlsx”（丙县教育局）是同一单位的重复报送（单位名称相同）")
    listed = {r["file.name"]: r["file.reason"] for r in records(tmp_path / "汇总.xlsx", SUBMISSIONS)}
    assert listed["办公室.xlsx"] == why["办公室.xlsx"]

    both = run([inbox], tmp_path / "全部.xlsx", include_invalid=True)
    assert sorted(u.name for u in both.units) == sorted([EDUCATION, OFFICE, BING[1].name])  # neither replaces
    assert both.value("review.upheld") == 3 + result.value("review.upheld")


def test_same_uscc_and_same_name_stays_a_duplicate(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    write(inbox, _bing(OFFICE, dt.date(YEAR + 1, 1, 20), 1, **{"review.upheld": 1}), "新.xlsx")
    write(inbox, _bing("丙县人民政府 办公室", dt.date(YEAR + 1, 1, 10), 1, **{"review.upheld": 2}), "旧.xlsx")
    result = run([inbox], tmp_path / "汇总.xlsx")
    assert {s.name: s.status for s in result.submissions} == {"新.xlsx": st.ACCEPTED, "旧.xlsx": st.REPLACED}
    assert _reasons(result)["旧.xlsx"].startswith(
        "本文件（丙县人民政府 办公室）与“新.xlsx”（丙县人民政府办公室）是同一单位的重复报送（统一社会信用代码和单位名称相同），"
        "以填报日期较晚的“新.xlsx”为准")
    assert result.value("review.upheld") == 1


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Four agencies of county A and their county summary."""
    base = tmp_path_factory.mktemp("clashes")
    rows = [{**r, "meta.filled_on": dt.date(YEAR + 1, 1, 10)} for r in sample_values(COUNTY_A[:4], seed=51)]
    paths = write_all(base / "甲县", rows)
    summary = base / "甲县汇总.xlsx"
    run([base / "甲县"], summary, agency="甲县人民政府办公室")
    return {"rows": rows, "paths": paths, "summary": summary}


def test_a_copy_inside_a_sub_summary_is_compared_with_its_row(county, tmp_path: Path) -> None:
    rows, paths = county["rows"], county["paths"]
    inbox = copy_into(tmp_path / "收件箱", [county["summary"], paths[1]])
    upheld = int(rows[2].get("review.upheld", 0)) + 4  # type: ignore[call-overload]
    write(inbox, {**rows[2], "meta.filled_on": dt.date(YEAR + 1, 1, 20), "review.upheld": upheld}, "改过的.xlsx")
    result = run([inbox], tmp_path / "汇总.xlsx")
    got = {s.name: s for s in result.submissions}
    same, differs = got[paths[1].name], got["改过的.xlsx"]
    assert same.status == differs.status == st.IN_SUB_SUMMARY
    assert "两份数字相同" in same.reason and "如两份数字不同" not in same.reason
    label = cell_labels(SPEC)["review.upheld"]
    assert f"两份数字有 1 处不同（{label}：本文件 {upheld}，下级汇总中 {upheld - 4}）" in differs.reason
    assert f"本文件的填报日期（{YEAR + 1}-01-20）较晚" in differs.reason
    assert len(result.units) == 4


def test_shared_uscc_between_a_report_and_an_agency_inside_a_sub_summary(county, tmp_path: Path) -> None:
    inbox = copy_into(tmp_path / "收件箱", [county["summary"]])
    other = {**sample_values(agencies("乙县", "330281", 1, seed=8), seed=9)[0], "meta.uscc": COUNTY_A[2].uscc}
    typo = write(inbox, other)
    result = run([inbox], tmp_path / "汇总.xlsx")
    got = {s.name: s for s in result.submissions}
    assert got[typo.name].status == st.ERRORS  # not 已含于下级汇总: it is another agency
    assert f"统一社会信用代码与“{COUNTY_A[2].name}”（甲县汇总.xlsx）相同，请核对" in got[typo.name].reason
    summary = got["甲县汇总.xlsx"]
    assert summary.status == st.WARNINGS and len(summary.units) == 4  # judged where it was made: still summed
    assert any(f.code == "consolidate.shared_uscc_inner" and other["meta.agency"] in f.message for f in summary.findings)


def test_a_newer_copy_with_errors_replacing_a_valid_one_is_flagged(county, tmp_path: Path) -> None:
    rows = county["rows"]
    inbox = tmp_path / "收件箱"
    write(inbox, rows[0], "旧.xlsx")
    forward = int(rows[0].get("requests.forward.natural", 0)) + 5  # type: ignore[call-overload]
    write(inbox, {**rows[0], "meta.filled_on": dt.date(YEAR + 1, 1, 20), "requests.forward.natural": forward}, "新.xlsx")
    write(inbox, rows[1])
    result = run([inbox], tmp_path / "汇总.xlsx")
    got = {s.name: s for s in result.submissions}
    assert (got["新.xlsx"].status, got["旧.xlsx"].status) == (st.ERRORS, st.REPLACED)  # the later one still wins
    count = got["新.xlsx"].errors
    assert "以填报日期较晚的“新.xlsx”为准" in got["旧.xlsx"].reason
    assert f"替代本文件的“新.xlsx”是较新的一份，但有 {count} 个错误，未汇总，该单位因此没有计入汇总；本文件没有错误" in got["旧.xlsx"].reason
    assert f"本文件替代了同一单位较早报送、没有错误的“旧.xlsx”，但本文件有 {count} 个错误，未汇总" in got["新.xlsx"].reason
    assert [u.name for u in result.units] == [COUNTY_A[1].name]

    included = run([inbox], tmp_path / "全部.xlsx", include_invalid=True)
    old = {s.name: s for s in included.submissions}["旧.xlsx"]
    assert f"有 {count} 个错误，按 --include-invalid 仍计入汇总" in old.reason

    clean = tmp_path / "都没有错误"
    write(clean, rows[0], "旧.xlsx")
    write(clean, {**rows[0], "meta.filled_on": dt.date(YEAR + 1, 1, 20)}, "新.xlsx")
    plain = {s.name: s for s in run([clean], tmp_path / "无错.xlsx").submissions}
    assert "替代本文件" not in plain["旧.xlsx"].reason and "注意" not in plain["新.xlsx"].reason
