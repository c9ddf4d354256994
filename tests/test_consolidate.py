"""Consolidation of one level: statuses, sums, duplicates, roster, provenance, charts, CLI — on real files."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from terminal_support import stderr_on_a_terminal
from test_consolidate_support import (
    COMPUTED,
    COUNTY_A,
    COUNTY_B,
    INPUTS,
    SPEC,
    YEAR,
    computed_totals,
    copy_into,
    fingerprint,
    independent_totals,
    records,
    run,
    sample_values,
    sheet,
    summary_numbers,
    write,
    write_all,
)
from xxgk.consolidate import NothingConsolidated, Options, collect, read_roster, write_summary
from xxgk.consolidate import status as st
from xxgk.consolidate.reading import read_all, scan
from xxgk.consolidate.sheets import CHARTS, ISSUES, ROSTER, SOURCES, SUBMISSIONS, UNITS, cell_labels
from xxgk.layout import plan_cover
from xxgk.reader import read_fill
from xxgk.samples import agencies
from xxgk.spec import defined_name
from xxgk.template import build_template
from xxgk.validate import validate_files


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, object]], list[Path]]:
    """County A: six consistent agency workbooks."""
    folder = tmp_path_factory.mktemp("county") / "收件箱"
    rows = sample_values(COUNTY_A)
    return folder, rows, write_all(folder, rows)


APPLICANTS = ("natural", "business", "research", "nonprofit", "legal", "other")


def statuses(result) -> dict[str, str]:
    return {s.name: s.status for s in result.submissions}


# --------------------------------------------------------------------------- sums


def test_summary_is_the_exact_sum_and_a_valid_template(county, tmp_path: Path) -> None:
    folder, rows, paths = county
    out = tmp_path / "县汇总.xlsx"
    result = run([folder], out)
    assert [s.status for s in result.submissions] == [st.ACCEPTED] * len(rows)

    fill, numbers = summary_numbers(out)
    expected = independent_totals(rows)
    for cid in INPUTS:
        assert Decimal(str(numbers[cid])) == expected[cid], cid
    assert fill.exact["active.fees.amount"] == expected["active.fees.amount"]
    assert result.value("active.fees.amount") == expected["active.fees.amount"]
    for cid, value in computed_totals(paths).items():
        assert numbers[cid] == pytest.approx(value, abs=1e-9), cid
    assert fill.meta["meta.kind"] == "汇总" and fill.meta["meta.year"] == str(YEAR)
    assert fill.meta["meta.agency"] == "甲县人民政府（汇总）"  # the agencies' common 上级主管单位

    (report,) = validate_files([out])
    assert report.status == "ok", [f.message for f in report.findings]

    empty = build_template(SPEC, tmp_path / "空模板.xlsx")
    with zipfile.ZipFile(empty) as a, zipfile.ZipFile(out) as b:
        names_a, names_b = a.read("xl/workbook.xml").decode(), b.read("xl/workbook.xml").decode()
    for cid in (*SPEC.cells, *SPEC.field_ids):
        assert f'name="{defined_name(cid)}"' in names_a and f'name="{defined_name(cid)}"' in names_b
    with zipfile.ZipFile(out) as z:
        sheet_xml = z.read("xl/worksheets/sheet3.xml").decode()  # 依申请公开: totals stay formulas
    assert sheet_xml.count("<f>") >= sum(1 for c in COMPUTED if SPEC.cells[c].table == "requests")


def test_summary_sheets_in_order_and_unit_rows(county, tmp_path: Path) -> None:
    folder, rows, _ = county
    out = tmp_path / "汇总.xlsx"
    result = run([folder], out, agency="甲县人民政府办公室")
    from python_calamine import CalamineWorkbook

    names = CalamineWorkbook.from_path(str(out)).sheet_names
    template_sheets = [SPEC.cover.sheet, *(t.sheet for t in SPEC.tables)]
    assert names[: len(template_sheets)] == template_sheets
    assert [n for n in names if n in (SUBMISSIONS, UNITS, ISSUES, SOURCES, CHARTS)] == [
        SUBMISSIONS, UNITS, ISSUES, SOURCES, CHARTS]
    assert ROSTER not in names  # no roster given

    units = records(out, UNITS)
    assert [u["meta.agency"] for u in units] == sorted(a.name for a in COUNTY_A)  # in file-name order
    by_name = {r["meta.agency"]: r for r in rows}
    for u in units:
        r = by_name[u["meta.agency"]]
        assert u["meta.uscc"] == r["meta.uscc"] and u["unit.status"] == st.ACCEPTED
        for cid in INPUTS:
            typed = Decimal(str(r.get(cid, 0)))
            assert u[cid] == ("" if typed == 0 else float(typed)), cid  # zero is left blank
    grid = sheet(out, UNITS)
    labels = cell_labels(SPEC)
    header = grid[3]
    assert "（一）予以公开·自然人" in header and len(set(labels.values())) == len(SPEC.cells)
    subtotal = grid[1][header.index(labels["requests.new.total"])]
    assert subtotal == result.value("requests.new.total")


# --------------------------------------------------------------------------- statuses


def _messy_inbox(base: Path, county_paths: list[Path], rows: list[dict[str, object]]) -> tuple[Path, Path]:
    inbox = base / "收件箱"
    a = COUNTY_A
    copy_into(inbox, [county_paths[0], county_paths[4]])
    blank = dict(rows[1])
    for cid in ("active.penalty.decisions", "review.pending"):
        blank.pop(cid)
    write(inbox, blank)
    text = dict(rows[2])
    text["requests.new.natural"] = f"{text.get('requests.new.natural', 0)}次"  # the right number, as text
    write(inbox, text)
    draft = {**rows[3], "meta.filled_on": dt.date(YEAR + 1, 1, 10), "requests.new.natural": 999}
    write(inbox, draft, f"{a[3].name}（初稿）.xlsx")
    write(inbox, {**rows[3], "meta.filled_on": dt.date(YEAR + 1, 1, 20)})
    write(inbox, {**sample_values([a[4]], YEAR - 1, seed=3)[0]}, f"{a[4].name}2023.xlsx")
    (inbox / f"{a[5].name}.xlsx").write_bytes(county_paths[5].read_bytes()[:2500])  # truncated attachment
    write(inbox, sample_values(COUNTY_B[:1])[0])  # not on the roster
    other = agencies("丙县", "330282", 1, seed=4)
    write(inbox, sample_values(other, 2020, form="gb2019")[0], form="gb2019")
    (inbox / f"~${a[0].name}.xlsx").write_bytes(b"\0" * 165)
    (inbox / ".~临时.xlsx").write_bytes(b"x")
    (inbox / "通知.pdf").write_bytes(b"%PDF-1.4\n%...")
    roster = base / "名册.csv"
    lines = ["单位名称,统一社会信用代码,行政区划代码,上级主管单位"]
    lines += [f"{x.name},{x.uscc},{x.region},{x.parent}" for x in a if x is not a[2]]
    lines.append(f"{a[2].name[:2]} {a[2].name[2:]},,330206,甲县人民政府")  # no USCC: matched by name
    lines.append("甲县司法局,,330206,甲县人民政府")
    roster.write_bytes("\r\n".join(lines).encode("gbk"))
    return inbox, roster


def test_every_file_gets_a_status_and_a_reason(county, tmp_path: Path) -> None:
    _, rows, paths = county
    inbox, roster = _messy_inbox(tmp_path, paths, rows)
    out = tmp_path / "汇总.xlsx"
    result = run([inbox], out, roster=roster)
    a = COUNTY_A
    assert statuses(result) == {
        f"{a[0].name}.xlsx": st.ACCEPTED,
        f"{a[4].name}.xlsx": st.ACCEPTED,
        f"{a[1].name}.xlsx": st.WARNINGS,
        f"{a[2].name}.xlsx": st.ERRORS,
        f"{a[3].name}（初稿）.xlsx": st.REPLACED,
        f"{a[3].name}.xlsx": st.ACCEPTED,
        f"{a[4].name}2023.xlsx": st.WRONG_YEAR,
        f"{a[5].name}.xlsx": st.UNREADABLE,
        f"{COUNTY_B[0].name}.xlsx": st.UNLISTED,
        "丙县人民政府办公室.xlsx": st.WRONG_FORM,
        f"~${a[0].name}.xlsx": st.SKIPPED,
        ".~临时.xlsx": st.SKIPPED,
        "通知.pdf": st.SKIPPED,
    }
    why = {s.name: s.reason for s in result.submissions}
    assert f"以填报日期较晚的“{a[3].name}.xlsx”为准" in why[f"{a[3].name}（初稿）.xlsx"]
    assert f"“{rows[2].get('requests.new.natural', 0)}次”" in why[f"{a[2].name}.xlsx"]
    assert why[f"{a[2].name}.xlsx"].startswith("1 个错误，首项：「依申请公开」D6")
    assert "2023" in why[f"{a[4].name}2023.xlsx"] and "gb2019" in why["丙县人民政府办公室.xlsx"]
    assert "ZIP" in why[f"{a[5].name}.xlsx"] and "锁文件" in why[f"~${a[0].name}.xlsx"]
    assert "不在名册中" in why[f"{COUNTY_B[0].name}.xlsx"]
    assert sorted(u.name for u in result.units) == sorted([a[0].name, a[1].name, a[3].name, a[4].name])
    assert result.value("requests.new.natural") == sum(
        float(rows[i].get("requests.new.natural", 0)) for i in (0, 1, 3, 4))  # not the draft's 999

    listed = {r["file.name"]: r for r in records(out, SUBMISSIONS)}
    assert {k: v["file.status"] for k, v in listed.items()} == statuses(result)
    assert listed[f"{a[2].name}.xlsx"]["file.errors"] == 1 and listed[f"{a[1].name}.xlsx"]["file.warnings"] == 2

    rc = result.roster
    assert (rc.expected, rc.received, rc.summed) == (7, 6, 4)
    assert [e.name for e in rc.missing] == ["甲县司法局"]
    roster_rows = {r["roster.name"]: r for r in records(out, ROSTER)}
    assert roster_rows["甲县司法局"]["roster.state"] == "未报"
    assert roster_rows[f"{a[5].name}"]["roster.state"] == "已报未汇总"  # its file is named after it
    assert roster_rows["甲县 教育局"]["roster.state"] == "已报未汇总"  # matched by normalised name
    assert roster_rows[COUNTY_B[0].name]["roster.state"] == st.UNLISTED

    issues = records(out, ISSUES)
    assert {i["issue.file"] for i in issues} >= {f"{a[2].name}.xlsx", f"{a[5].name}.xlsx", f"{a[3].name}（初稿）.xlsx"}
    text_issue = next(i for i in issues if i["issue.code"] == "cell.text")
    assert text_issue["issue.agency"] == a[2].name and text_issue["issue.cells"] == "'依申请公开'!D6"
    assert not [i for i in issues if i["issue.file"].startswith(("~$", ".~", "通知"))]


def test_include_invalid_sums_errors_and_says_so_on_the_cover(county, tmp_path: Path) -> None:
    _, rows, paths = county
    inbox = copy_into(tmp_path / "in", paths[:2])
    bad = {**rows[2], "requests.forward.natural": int(rows[2].get("requests.forward.natural", 0)) + 5}  # R3 fails
    write(inbox, bad)
    left_out = run([inbox], tmp_path / "a.xlsx")
    assert statuses(left_out)[f"{COUNTY_A[2].name}.xlsx"] == st.ERRORS
    result = run([inbox], tmp_path / "b.xlsx", include_invalid=True)
    assert statuses(result)[f"{COUNTY_A[2].name}.xlsx"] == st.ERRORS_INCLUDED
    cid = "requests.forward.natural"
    assert result.value(cid) == left_out.value(cid) + float(bad[cid])  # type: ignore[arg-type]
    cover = sheet(tmp_path / "b.xlsx", SPEC.cover.sheet)
    note = cover[plan_cover(SPEC).last_row + 6][0]
    assert "--include-invalid" in note and "1 份有错误的报表" in note
    assert "--include-invalid" not in str(sheet(tmp_path / "a.xlsx", SPEC.cover.sheet))
    assert any(i.file == "（汇总合计）" and (i.finding.rule or "").startswith("R3") for i in result.issues)


# --------------------------------------------------------------------------- duplicates


def test_duplicates_later_date_then_later_file_time_wins(county, tmp_path: Path) -> None:
    _, rows, _ = county
    inbox = tmp_path / "in"
    base = rows[0]
    first = write(inbox, {**base, "meta.filled_on": dt.date(YEAR + 1, 1, 10), "review.upheld": 1}, "甲-一.xlsx")
    second = write(inbox, {**base, "meta.filled_on": dt.date(YEAR + 1, 1, 20), "review.upheld": 2}, "甲-二.xlsx")
    third = write(inbox, {**base, "meta.filled_on": dt.date(YEAR + 1, 1, 20), "review.upheld": 3}, "甲-三.xlsx")
    nameless = {k: v for k, v in base.items() if k != "meta.uscc"}  # same name, no USCC: the same agency
    fourth = write(inbox, {**nameless, "meta.filled_on": dt.date(YEAR + 1, 1, 5), "review.upheld": 4}, "甲-四.xlsx")
    os.utime(second, (1_700_000_000, 1_700_000_000))
    os.utime(third, (1_700_000_500, 1_700_000_500))
    result = run([inbox], tmp_path / "汇总.xlsx")
    assert statuses(result) == {p.name: st.REPLACED for p in (first, second, fourth)} | {third.name: st.ACCEPTED}
    why = {s.name: s.reason for s in result.submissions}
    assert "以文件修改时间较晚的“甲-三.xlsx”为准" in why["甲-二.xlsx"]
    assert "以填报日期较晚的“甲-三.xlsx”为准" in why["甲-一.xlsx"] and "甲-三.xlsx" in why["甲-四.xlsx"]
    assert result.value("review.upheld") == 3 and len(result.units) == 1
    replaced = {r["file.name"]: r["file.reason"] for r in records(tmp_path / "汇总.xlsx", SUBMISSIONS)}
    assert replaced["甲-二.xlsx"] == why["甲-二.xlsx"]


# --------------------------------------------------------------------------- roster


def test_roster_from_csv_in_utf8_bom_gbk_and_from_xlsx(tmp_path: Path) -> None:
    group = agencies("丁县", "330283", 3, seed=9)
    header = "单位名称,统一社会信用代码,行政区划代码,上级主管单位"
    body = [f"{g.name},{g.uscc},{g.region},{g.parent}" for g in group]
    body[1] = body[1].replace(group[1].uscc, "")  # no code: matched by name
    body.append("丁县（开发区）　管委会,,330283,丁县人民政府")
    body.append(body[0])  # repeated line
    text = "\r\n".join([header, *body])
    (tmp_path / "u8.csv").write_text(text, encoding="utf-8-sig")
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp_path / "名册.xlsx"))
    ws = wb.add_worksheet("名册")
    ws.write_string(0, 0, "某县应报单位名册")
    for i, line in enumerate([header, *body]):
        for j, v in enumerate(line.split(",")):
            ws.write_string(i + 2, j, v)
    wb.close()
    rosters = [read_roster(tmp_path / n) for n in ("u8.csv", "gbk.csv", "名册.xlsx")]
    for r in rosters:
        assert [e.name for e in r.entries] == [g.name for g in group] + ["丁县（开发区）　管委会"]
        assert r.entries[0].uscc == group[0].uscc and r.entries[0].region == "330283"
        assert len(r.problems) == 1 and "重复" in r.problems[0]
        assert r.match(group[1].name, group[1].uscc) is r.entries[1]  # by name
        assert r.match("丁县(开发区) 管委会", "") is r.entries[3]  # full-width parentheses, spaces
        assert r.match("某个名字", group[2].uscc) is r.entries[2]  # by code
        assert r.match("丁县公安局", "") is None


def test_roster_problems_are_usage_errors(county, tmp_path: Path) -> None:
    folder, _, _ = county
    bad = tmp_path / "名册.csv"
    bad.write_text("名称,代码\n甲,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="找不到表头“单位名称”"):
        collect([folder], Options(roster=bad))


# --------------------------------------------------------------------------- provenance


def test_contributions_and_the_sources_sheet(county, tmp_path: Path) -> None:
    folder, rows, _ = county
    out = tmp_path / "汇总.xlsx"
    result = run([folder], out)
    for cid in ("requests.new.total", "active.fees.amount", "review.upheld"):
        got = result.contributions(cid)
        values = [v for _, v in got]
        assert values == sorted(values, reverse=True) and all(v != 0 for v in values)
        assert sum(values) == pytest.approx(float(result.value(cid)))
        by_name = {u.name: v for u, v in got}
        for agency, r in zip(COUNTY_A, rows, strict=True):
            if cid in INPUTS:
                assert by_name.get(agency.name, 0) == float(r.get(cid, 0))  # type: ignore[arg-type]
    lines = records(out, SOURCES)
    for cid in SPEC.cells:
        mine = [r for r in lines if r["source.cell"] == cid]
        assert len(mine) == len(result.contributions(cid))
        assert sum(r["source.value"] for r in mine) == pytest.approx(float(result.value(cid)))
        assert [r["source.rank"] for r in mine] == list(range(1, len(mine) + 1))

    capped = tmp_path / "限行.xlsx"
    write_summary(result, capped, source_rows=2 * len(SPEC.cells))
    lines = records(capped, SOURCES)
    cid = "requests.new.total"
    mine = [r for r in lines if r["source.cell"] == cid]
    assert len(mine) <= 3 and mine[-1]["source.agency"].startswith("其余")
    assert sum(r["source.value"] for r in mine) == pytest.approx(float(result.value(cid)))


def test_charts_are_native_and_fed_by_the_defined_names(county, tmp_path: Path) -> None:
    folder, rows, _ = county
    out = tmp_path / "汇总.xlsx"
    run([folder], out)
    with zipfile.ZipFile(out) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 3
        kinds = [("barChart" if b"<c:barChart>" in z.read(n) else "pieChart" if b"<c:pieChart>" in z.read(n) else "")
                 for n in charts]
    assert sorted(kinds) == ["barChart", "barChart", "pieChart"]
    grid = sheet(out, CHARTS)
    labels = [row[0] for row in grid]
    busiest = max(rows, key=lambda r: sum(int(r.get(f"requests.new.{a}", 0)) for a in APPLICANTS))  # type: ignore[call-overload]
    assert "（一）予以公开" in labels and "自然人" in labels
    top = labels.index("本年新收申请最多的单位（件）")
    assert labels[top + 1] == busiest["meta.agency"]  # the busiest agency heads the third chart
    import openpyxl

    ws = openpyxl.load_workbook(out)[CHARTS]
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert "=requests_granted_total" in formulas and "=requests_new_natural" in formulas


# --------------------------------------------------------------------------- robustness of the run


def test_inputs_are_never_modified_and_output_not_overwritten(county, tmp_path: Path) -> None:
    folder, _, _ = county
    before = fingerprint(folder)
    out = tmp_path / "汇总.xlsx"
    run([folder], out)
    assert fingerprint(folder) == before
    stamp = out.stat().st_mtime_ns
    with pytest.raises(ValueError, match="已存在"):
        run([folder], out)
    assert out.stat().st_mtime_ns == stamp
    run([folder], out, force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["汇总.xlsx"]  # no temporary file left


def test_nothing_to_consolidate(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "坏.xlsx").write_bytes(random.Random(1).randbytes(3000))
    (inbox / "说明.txt").write_text("你好", encoding="utf-8")
    with pytest.raises(NothingConsolidated) as caught:
        collect([inbox], Options(output=tmp_path / "汇总.xlsx"))
    assert [(s.name, s.status) for s in caught.value.submissions] == [("坏.xlsx", st.UNREADABLE),
                                                                     ("说明.txt", st.SKIPPED)]
    assert not (tmp_path / "汇总.xlsx").exists()


def test_worker_processes_read_the_same(county) -> None:
    folder, _, _ = county
    items = scan([folder])
    serial = read_all(items, jobs=1, chunk=2)
    parallel = read_all(items, jobs=2, chunk=2)
    assert [s.name for s in serial] == [s.name for s in parallel]
    for a, b in zip(serial, parallel, strict=True):
        assert a.meta == b.meta and a.findings == b.findings and a.exact == b.exact
        assert np.array_equal(a.row, b.row)


# --------------------------------------------------------------------------- command line


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("xxgk", path=str(Path(sys.executable).parent))
    assert exe, "xxgk console script not installed in the venv"
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120, env=env)


def test_cli_json_account_and_exit_codes(county, tmp_path: Path) -> None:
    _, rows, paths = county
    inbox = copy_into(tmp_path / "收件箱", paths[:3])
    (inbox / "乱码.xlsx").write_bytes(random.Random(2).randbytes(4000))
    out = tmp_path / "县汇总.xlsx"
    res = _cli("consolidate", str(inbox), "-o", str(out), "--json", "--agency", "甲县人民政府办公室",
               "--uscc", COUNTY_A[0].uscc, "--region", "330206")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""  # no progress bar in --json mode
    doc = json.loads(res.stdout)
    assert doc["written"] and doc["output"] == str(out) and doc["form"] == "gb2021" and doc["year"] == YEAR
    assert [i["status"] for i in doc["inputs"]] == [st.UNREADABLE, st.ACCEPTED, st.ACCEPTED, st.ACCEPTED]
    assert [r["file"] for r in doc["rejected"]] == ["乱码.xlsx"] and doc["rejected"][0]["reason"]
    assert [a["agency"] for a in doc["accepted"]] == [a.name for a in COUNTY_A[:3]]
    assert doc["totals"]["requests.new.natural"] == sum(int(r.get("requests.new.natural", 0)) for r in rows[:3])  # type: ignore[call-overload]
    assert Decimal(doc["exact"]["active.fees.amount"]) == independent_totals(rows[:3])["active.fees.amount"]
    assert doc["roster"] is None and doc["missing"] == [] and doc["duplicates"] == []
    fill = read_fill(out)
    assert fill.meta["meta.uscc"] == COUNTY_A[0].uscc and fill.meta["meta.region"] == "330206"

    again = _cli("consolidate", str(inbox), "-o", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    human = _cli("consolidate", str(inbox), "-o", str(out), "--force")
    assert human.returncode == 0 and "乱码.xlsx" in human.stdout and str(out) in human.stdout
    junk = tmp_path / "只有坏文件"
    junk.mkdir()
    (junk / "x.xlsx").write_bytes(b"not a workbook")
    nothing = _cli("consolidate", str(junk), "-o", str(tmp_path / "无.xlsx"), "--json")
    assert nothing.returncode == 2 and json.loads(nothing.stdout)["inputs"][0]["status"] == st.UNREADABLE
    assert not (tmp_path / "无.xlsx").exists()
    assert _cli("consolidate", str(tmp_path / "不存在"), "-o", str(tmp_path / "x.xlsx")).returncode == 2
    assert _cli("consolidate", str(inbox), "-o", str(tmp_path / "y.xlsx"), "--uscc", "123").returncode == 2
    assert _cli("consolidate", str(inbox)).returncode == 2  # -o missing
    wrong = _cli("consolidate", str(inbox), "-o", str(tmp_path / "z.xlsx"), "--form", "gb2021", "--year", "2020")
    assert wrong.returncode == 2 and "2021–2100" in wrong.stderr


def _stderr_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the installed console script with stderr on a pseudo-terminal; return what reached the terminal."""
    exe = shutil.which("xxgk", path=str(Path(sys.executable).parent))
    assert exe
    return stderr_on_a_terminal(args, env, [exe])


def test_progress_bar_on_a_terminal_but_not_under_ci_or_json(county, tmp_path: Path) -> None:
    folder, _, _ = county
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    shown = _stderr_on_a_terminal(["consolidate", str(folder), "-o", str(tmp_path / "a.xlsx")], env)
    assert "读取工作簿" in shown
    quiet_ci = _stderr_on_a_terminal(["consolidate", str(folder), "-o", str(tmp_path / "b.xlsx")], {**env, "CI": "true"})
    quiet_json = _stderr_on_a_terminal(["consolidate", str(folder), "-o", str(tmp_path / "c.xlsx"), "--json"], env)
    assert quiet_ci == "" and quiet_json == ""
