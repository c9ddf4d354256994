"""Reader + engine + validate on real workbooks built from the template."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xxgk.findings import MESSAGES
from xxgk.layout import plan_layout
from xxgk.samples import agencies, sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template
from xxgk.validate import validate_files

SPEC = load_spec("gb2021")
LAYOUT = plan_layout(SPEC)
GROUP = agencies("测试县", "330206", 3, seed=5)


def sample(index: int = 0, form: str = "gb2021", year: int = 2024) -> dict[str, object]:
    spec = load_spec(form)
    return dict(list(sample_fills(spec, GROUP, year, seed=11))[index][1])


def write(tmp_path: Path, values: dict[str, object], name: str = "单位.xlsx", form: str = "gb2021",
          overrides: dict[str, object] | None = None) -> Path:
    return build_template(load_spec(form), tmp_path / name, values=values, overrides=overrides)


def only(path: Path, previous: Path | None = None):
    (report,) = validate_files([path], previous)
    return report


def keys(report) -> list[str]:
    return [f.rule or f.code for f in report.findings]


def test_consistent_sample_passes(tmp_path: Path) -> None:
    report = only(write(tmp_path, sample()))
    assert report.status == "ok", [f.message for f in report.findings]
    assert report.agency == GROUP[0].name
    assert report.form == "gb2021"


def test_consistent_gb2019_sample_passes(tmp_path: Path) -> None:
    report = only(write(tmp_path, sample(form="gb2019", year=2020), form="gb2019"))
    assert report.status == "ok", [f.message for f in report.findings]
    assert report.form == "gb2019"


def test_broken_printed_rule_is_reported_with_both_sides(tmp_path: Path) -> None:
    values = sample()
    values["requests.forward.natural"] = int(values["requests.forward.natural"]) + 3  # type: ignore[call-overload]
    report = only(write(tmp_path, values))
    assert report.status == "errors"
    assert keys(report) == ["R3[natural]", "R3[total]"]
    f = report.findings[0]
    assert f.actual + 3 == f.expected  # left side (一+二) is 3 short of the right side (七+四)
    assert f.cells[0] == LAYOUT.address("requests.new.natural") == "'依申请公开'!D6"
    assert "“自然人”列" in f.message and "相差 3" in f.message
    assert set(f.ids) == {"requests.new.natural", "requests.carried.natural", "requests.total.natural",
                          "requests.forward.natural"}


@pytest.mark.parametrize(
    ("cell", "rule"),
    [("requests.new.total", "R1[new]"), ("requests.total.natural", "R2[natural]"), ("review.total", "R4[review]")],
)
def test_typed_value_over_a_formula_is_checked_and_reported(tmp_path: Path, cell: str, rule: str) -> None:
    report = only(write(tmp_path, sample(), overrides={cell: 99999}))
    overwritten = [f for f in report.findings if f.code == "formula.overwritten"]
    assert [f.ids for f in overwritten] == [(cell,)]
    assert overwritten[0].actual == 99999 and overwritten[0].severity == "warning"
    assert rule in keys(report)
    assert report.status == "errors"


def test_typed_value_that_agrees_is_only_a_warning(tmp_path: Path) -> None:
    values = sample()
    total = sum(int(values.get(f"review.{k}", 0)) for k in SPEC.groups["results"].keys)  # type: ignore[call-overload]
    report = only(write(tmp_path, values, overrides={"review.total": total}))
    assert keys(report) == ["formula.overwritten"]
    assert report.status == "warnings"


@pytest.mark.parametrize(
    ("raw", "number"),
    [("7次", 7), ("230300元", 230300), ("22（其中修订16件）", 22), ("１２", 12)],
)
def test_text_in_number_cell_names_cell_text_and_number(tmp_path: Path, raw: str, number: int) -> None:
    values = sample()
    values["active.penalty.decisions"] = raw
    report = only(write(tmp_path, values))
    (f,) = [f for f in report.findings if f.code == "cell.text"]
    assert f.severity == "error"
    assert f.cells == (LAYOUT.address("active.penalty.decisions"),)
    assert raw in f.message and f"按数字 {number} 读取" in f.message
    assert f.expected == number and f.actual == raw


def test_decimal_and_negative_in_count_cells(tmp_path: Path) -> None:
    values = sample()
    values["active.license.decisions"] = 3.5
    values["review.upheld"] = -1
    report = only(write(tmp_path, values))
    codes = {f.code: f for f in report.findings}
    assert codes["cell.decimal_in_integer"].ids == ("active.license.decisions",)
    assert codes["cell.negative"].ids == ("review.upheld",)


def test_amount_keeps_full_precision(tmp_path: Path) -> None:
    values = sample()
    values["active.fees.amount"] = 96171.654321
    fill = only(write(tmp_path, values)).fill
    assert fill is not None and str(fill.exact["active.fees.amount"]) == "96171.654321"


def test_blank_cells_are_zero_and_reported_once_per_table(tmp_path: Path) -> None:
    values = sample()
    for cid in ("active.penalty.decisions", "active.coercion.decisions", "review.pending"):
        values.pop(cid)
    report = only(write(tmp_path, values))
    blanks = [f for f in report.findings if f.code == "table.blank"]
    assert [f.ids for f in blanks] == [("active.penalty.decisions", "active.coercion.decisions"), ("review.pending",)]
    assert all(f.severity == "warning" for f in blanks)
    assert report.status == "warnings"


def test_untouched_template_warns_about_blanks_and_missing_cover(tmp_path: Path) -> None:
    report = only(build_template(SPEC, tmp_path / "空白.xlsx"))
    codes = [f.code for f in report.findings]
    assert codes.count("table.blank") == len(SPEC.tables)
    assert "cover.required" in codes
    assert not [k for k in keys(report) if k.startswith("R")]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("meta.agency", "", "cover.required"), ("meta.uscc", "11330206MB0000000X", "cover.uscc"),
     ("meta.region", "3302", "cover.region"), ("meta.year", 1999, "cover.year"), ("meta.kind", "部门", "cover.choice")],
)
def test_cover_checks(tmp_path: Path, field: str, value: object, code: str) -> None:
    values = sample()
    values[field] = value
    report = only(write(tmp_path, values))
    (f,) = [f for f in report.findings if f.code.startswith("cover.")]
    assert f.code == code and f.ids == (field,) and f.severity == "error"


def test_previous_year_carry_over(tmp_path: Path) -> None:
    this = sample(0)
    last = sample(1, year=2023)  # other numbers, but the same agency's report of the year before
    last.update({k: this[k] for k in ("meta.agency", "meta.uscc")})
    this_path = write(tmp_path, this, "今年.xlsx")
    prev_path = write(tmp_path, last, "去年.xlsx")
    report = only(this_path, prev_path)
    x1 = [f for f in report.findings if (f.rule or "").startswith("X1")]
    expected_bad = [c for c in ("natural", "business", "research", "nonprofit", "legal", "other")
                    if this.get(f"requests.carried.{c}", 0) != last.get(f"requests.forward.{c}", 0)]
    assert [f.rule for f in x1 if f.rule != "X1[total]"] == [f"X1[{c}]" for c in expected_bad]
    assert expected_bad, "the two samples should differ somewhere"
    # now make them agree
    for c in ("natural", "business", "research", "nonprofit", "legal", "other"):
        this[f"requests.carried.{c}"] = last.get(f"requests.forward.{c}", 0)
    report = only(write(tmp_path, this, "今年2.xlsx"), prev_path)
    assert not [f for f in report.findings if (f.rule or "").startswith("X1")]


def test_previous_of_older_form_uses_aliases(tmp_path: Path) -> None:
    last = sample(0, form="gb2019", year=2020)
    this = sample(0, year=2021)
    this["active.rules.valid"] = int(last["active.rules.total"]) + 50  # type: ignore[call-overload]
    report = only(write(tmp_path, this, "今年.xlsx"), write(tmp_path, last, "去年.xlsx", form="gb2019"))
    assert "X2[rules]" in keys(report)
    assert next(f for f in report.findings if f.rule == "X2[rules]").severity == "warning"


def _rewrite_zip(src: Path, dst: Path, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, edit(item.filename, zin.read(item.filename)))
    return dst


def test_bad_files_are_reported_and_the_rest_validated(tmp_path: Path) -> None:
    good = write(tmp_path, sample(), "好.xlsx")
    corrupt = tmp_path / "损坏.xlsx"
    corrupt.write_bytes(good.read_bytes()[:3000])
    random_bytes = tmp_path / "乱码.xlsx"
    random_bytes.write_bytes(random.Random(3).randbytes(5000))
    plain = tmp_path / "普通表格.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "自然人"
    wb.save(plain)
    unknown = _rewrite_zip(good, tmp_path / "新表式.xlsx",
                           lambda n, b: b.replace(b">gb2021<", b">gb2030<") if n == "docProps/custom.xml" else b)
    no_names = _rewrite_zip(good, tmp_path / "缺名称.xlsx",
                            lambda n, b: b.replace(b'name="requests_new_natural"', b'name="zz_removed"')
                            if n == "xl/workbook.xml" else b)
    reports = validate_files([corrupt, good, random_bytes, plain, unknown, no_names, tmp_path / "不存在.xlsx"])
    assert [r.status for r in reports] == ["unreadable", "ok", "unreadable", "unreadable", "unreadable",
                                           "unreadable", "unreadable"]
    assert reports[3].findings[0].code == "file.not_template"
    assert reports[4].findings[0].code == "file.unknown_form" and "gb2030" in reports[4].findings[0].message
    assert reports[5].findings[0].code == "file.missing_names" and "requests_new_natural" in reports[5].findings[0].message


def test_moved_rows_are_detected(tmp_path: Path) -> None:
    """A row inserted with a tool that does not move the defined names leaves names on the wrong rows."""
    good = write(tmp_path, sample(), "好.xlsx")
    moved = tmp_path / "移动.xlsx"
    wb = openpyxl.load_workbook(good)
    wb[LAYOUT.pos["requests.granted.natural"].sheet].insert_rows(LAYOUT.pos["requests.granted.natural"].row + 1)
    wb.save(moved)
    report = only(moved)
    assert report.status == "unreadable"
    assert report.findings[0].code == "file.moved_rows"
    assert "（一）予以公开" in report.findings[0].message


def test_inputs_are_never_modified(tmp_path: Path) -> None:
    path = write(tmp_path, sample())
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    validate_files([path])
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_message_templates_are_complete() -> None:
    """Every finding code has a template that names a place and a remedy (请…)."""
    for code, text in MESSAGES.items():
        assert "请" in text or code == "file.unreadable", code


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("xxgk", path=str(Path(sys.executable).parent))
    assert exe, "xxgk console script not installed in the venv"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)


def test_cli_json_and_exit_codes(tmp_path: Path) -> None:
    good = write(tmp_path, sample(), "好.xlsx")
    values = sample()
    values["requests.new.natural"] = "7次"
    bad = write(tmp_path, values, "坏.xlsx")
    res = _cli("validate", "--json", str(good))
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["files"][0]["status"] == "ok" and doc["files"][0]["agency"] == GROUP[0].name
    res = _cli("validate", "--json", str(good), str(bad))
    assert res.returncode == 1
    issue = json.loads(res.stdout)["files"][1]["issues"][0]
    assert set(issue) == {"code", "severity", "rule", "ids", "cells", "expected", "actual", "message", "title", "factor"}
    junk = tmp_path / "x.xlsx"
    junk.write_bytes(b"not a workbook")
    assert _cli("validate", str(good), str(junk)).returncode == 2
    assert _cli("validate").returncode == 2
    human = _cli("validate", str(bad))
    assert "坏.xlsx" in human.stdout and "7次" in human.stdout and human.returncode == 1


@pytest.mark.parametrize("member", ["xl/workbook.xml", "docProps/custom.xml", "xl/_rels/workbook.xml.rels"])
def test_xml_bomb_in_a_parsed_part_is_refused(tmp_path: Path, member: str) -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>')
    bomb = _rewrite_zip(write(tmp_path, sample(), "好.xlsx"), tmp_path / "炸弹.xlsx",
                        lambda n, b: laughs if n == member else b)
    report = only(bomb)
    assert report.status == "unreadable" and "XML 炸弹" in report.findings[0].message


def _sheet_part(path: Path, sheet: str) -> str:
    wb = openpyxl.load_workbook(path)
    return f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"


def test_edited_formula_showing_a_wrong_total_is_an_error(tmp_path: Path) -> None:
    """A 总计 whose formula was edited (here: its shown result) prints a wrong number in the published table."""
    good = write(tmp_path, sample(), "好.xlsx")
    pos = LAYOUT.pos["requests.new.total"]
    part = _sheet_part(good, pos.sheet)
    shown = {}

    def edit(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        m = re.search(rb'(<c r="%s"[^>]*><f>[^<]*</f><v>)([0-9.]+)(</v>)' % pos.a1.encode(), data)
        assert m, "the template writes the formula's result"
        shown["right"] = float(m.group(2))
        return data[: m.start(2)] + str(int(shown["right"]) - 5).encode() + data[m.end(2):]

    report = only(_rewrite_zip(good, tmp_path / "改公式.xlsx", edit))
    (f,) = [f for f in report.findings if f.code == "formula.altered"]
    assert f.severity == "error" and f.ids == ("requests.new.total",) and f.cells == (pos.address,)
    assert (f.expected, f.actual) == (shown["right"], shown["right"] - 5)
    assert report.status == "errors"


def test_dtd_in_a_worksheet_is_refused_not_read_as_blank(tmp_path: Path) -> None:
    good = write(tmp_path, sample(), "好.xlsx")
    part = _sheet_part(good, SPEC.cover.sheet)
    bomb = _rewrite_zip(good, tmp_path / "表内炸弹.xlsx", lambda n, b: b.replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1) if n == part else b)
    report = only(bomb)
    assert report.status == "unreadable" and "XML 炸弹" in report.findings[0].message


def test_previous_folder_is_matched_per_agency_and_year(tmp_path: Path) -> None:
    last_year = tmp_path / "去年"
    mine_last, other_last = sample(0, year=2023), sample(1, year=2023)
    write(last_year, other_last, "别的单位.xlsx")
    write(last_year, mine_last, "本单位.xlsx")
    this = sample(0)
    this["requests.carried.natural"] = int(mine_last.get("requests.forward.natural", 0)) + 1  # type: ignore[call-overload]
    report = only(write(tmp_path, this, "今年.xlsx"), last_year)
    assert "X1[natural]" in keys(report)
    x1 = next(f for f in report.findings if f.rule == "X1[natural]")
    assert x1.expected == mine_last.get("requests.forward.natural", 0)  # matched by USCC, not the other agency


def test_previous_of_another_agency_or_year_is_not_applied(tmp_path: Path) -> None:
    this_path = write(tmp_path, sample(0), "今年.xlsx")
    other = only(this_path, write(tmp_path / "a", sample(1, year=2023), "别的单位.xlsx"))
    assert "previous.no_match" in keys(other) and not [k for k in keys(other) if k.startswith("X")]
    same_year = only(this_path, write(tmp_path / "b", sample(0, year=2024), "同年.xlsx"))
    assert "previous.wrong_year" in keys(same_year) and not [k for k in keys(same_year) if k.startswith("X")]


def test_validate_a_folder_and_unusable_previous(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    write(inbox, sample(0), "甲.xlsx")
    write(inbox / "子目录", sample(1), "乙.xlsx")
    (inbox / "~$甲.xlsx").write_bytes(b"lock")
    (inbox / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    reports = validate_files([inbox])
    read = [r.path.name for r in reports if r.status != "skipped"]
    assert read == ["乙.xlsx", "甲.xlsx"]  # sorted by path: 子目录/乙 before 甲
    skipped = {r.path.name: r.reason for r in reports if r.status == "skipped"}
    assert set(skipped) == {"~$甲.xlsx", "说明.txt"} and "锁文件" in skipped["~$甲.xlsx"]  # listed, as consolidate does
    res = _cli("validate", str(inbox), "--previous", str(tmp_path / "没有这个文件.xlsx"))
    assert res.returncode == 2 and "--previous" in res.stderr
    (tmp_path / "空").mkdir()
    res = _cli("validate", str(tmp_path / "空"))
    assert res.returncode == 2 and "没有找到" in res.stderr


def test_year_as_text_and_a_bad_date_are_explained(tmp_path: Path) -> None:
    values = sample()
    values["meta.year"] = "2024年"
    values["meta.filled_on"] = "正月十五"
    report = only(write(tmp_path, values))
    by_code = {f.code: f for f in report.findings}
    assert "不是 4 位数字的年份" in by_code["cover.year"].message
    assert by_code["cover.date"].severity == "warning" and by_code["cover.date"].ids == ("meta.filled_on",)


def test_older_template_version_is_noted(tmp_path: Path) -> None:
    good = write(tmp_path, sample(), "好.xlsx")
    old = _rewrite_zip(good, tmp_path / "旧版.xlsx", lambda n, b: b.replace(
        SPEC.spec_version.encode(), b"2021.0") if n == "docProps/custom.xml" else b)
    report = only(old)
    assert keys(report) == ["file.spec_version"] and report.status == "warnings"
    assert "2021.0" in report.findings[0].message


def test_text_in_an_input_does_not_also_claim_the_total_was_edited(tmp_path: Path) -> None:
    """The sheet's SUM leaves "7次" out, so its shown 总计 differs from ours: that is the text problem, once."""
    values = sample()
    values["requests.new.natural"] = "7次"
    report = only(write(tmp_path, values))
    assert "cell.text" in keys(report) and "formula.altered" not in keys(report)


def test_threads_reading_one_workbook_share_its_cached_directory_safely(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A portal worker reads concurrent uploads of the same workbook in threads, which share the reader's cached
    directory of that workbook: a thread must not find it half filled (it did: KeyError 'gb2021')."""
    import threading

    from xxgk import reader

    path = build_template(SPEC, tmp_path / "同一份.xlsx")
    reader._parse_package.cache_clear()
    real, entered, release = reader._make_plan, threading.Event(), threading.Event()

    def slow_first(spec, positions):  # type: ignore[no-untyped-def]
        if not entered.is_set():  # the first thread stops right here until the second has read
            entered.set()
            release.wait(30)
        return real(spec, positions)

    monkeypatch.setattr(reader, "_make_plan", slow_first)
    fills, errors = [], []

    def read() -> None:
        try:
            fills.append(reader.read_fill(path))
        except Exception as exc:
            errors.append(exc)

    first, second = threading.Thread(target=read), threading.Thread(target=read)
    first.start()
    assert entered.wait(30)
    second.start()
    second.join(30)
    release.set()
    first.join(30)
    assert errors == [] and len(fills) == 2 and fills[0].numbers == fills[1].numbers
