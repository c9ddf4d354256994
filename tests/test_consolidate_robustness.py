"""Hostile and odd inputs, one status line each; folders built from the real published reports; a summary
re-saved by LibreOffice still reads, validates and consolidates one level up."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import yaml

from test_consolidate_support import (
    COUNTY_A,
    SPEC,
    copy_into,
    fingerprint,
    records,
    run,
    sample_values,
    summary_numbers,
    unit_set,
    write,
    write_all,
)
from xxgk.consolidate import status as st
from xxgk.consolidate.sheets import SUBMISSIONS, UNITS
from xxgk.layout import plan_layout
from xxgk.libreoffice import find_soffice, recalc
from xxgk.rules.expand import computed_cells
from xxgk.spec import load_spec
from xxgk.template import build_template
from xxgk.validate import validate_files

REAL = Path(__file__).parent / "fixtures" / "real"
BOMB_XML = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<workbook>&lol2;</workbook>")


def _rewrite(src: Path, dst: Path, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, edit(item.filename, zin.read(item.filename)))
    return dst


def _soffice_convert(src: Path, fmt: str, out_dir: Path) -> Path:
    soffice = find_soffice()
    assert soffice, "LibreOffice (soffice) is required: apt-get install libreoffice-calc-nogui"
    profile = (out_dir / "profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", fmt,
                    "--outdir", str(out_dir / fmt), str(src)], capture_output=True, timeout=180, check=False)
    produced = out_dir / fmt / f"{src.stem}.{fmt}"
    assert produced.is_file(), f"soffice --convert-to {fmt} failed"
    return produced


@pytest.mark.libreoffice
def test_each_bad_file_is_reported_on_its_own_line_and_the_rest_consolidated(tmp_path: Path) -> None:
    rows = sample_values(COUNTY_A)
    good = write_all(tmp_path / "好", rows[:3])
    inbox = copy_into(tmp_path / "收件箱", good)
    src = good[0]
    expect: dict[str, str] = {p.name: st.ACCEPTED for p in good}

    def bad(name: str, data: bytes | Path, status: str = st.UNREADABLE) -> None:
        (inbox / name).write_bytes(data.read_bytes() if isinstance(data, Path) else data)
        expect[name] = status

    bad("损坏.xlsx", src.read_bytes()[:4000])
    with zipfile.ZipFile(tmp_path / "zb.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/media/zeros.bin", bytes(5 * 2**20))
    bad("压缩炸弹.xlsx", tmp_path / "zb.xlsx")
    bad("XML炸弹.xlsx", _rewrite(src, tmp_path / "xb.xlsx", lambda n, b: BOMB_XML if n == "xl/workbook.xml" else b))
    from msoffcrypto.format import ooxml

    with src.open("rb") as fin, (tmp_path / "enc.xlsx").open("wb") as fout:
        ooxml.OOXMLFile(fin).encrypt("123456", fout)
    bad("加密.xlsx", tmp_path / "enc.xlsx")
    converts = sample_values(COUNTY_A[:3], seed=98)  # other agencies: converted, read with a warning, summed
    for i, (name, fmt) in enumerate((("旧版.xls", "xls"), ("金山.et", "xls"), ("开放格式.ods", "ods"))):
        converts[i].update({"meta.agency": f"转换单位{i}", "meta.uscc": ""})
        source = write(tmp_path / f"转换{i}", converts[i], "源.xlsx")
        bad(name, _soffice_convert(source, fmt, tmp_path / f"转换{i}"), st.WARNINGS)
    bad("新表式.xlsx", _rewrite(src, tmp_path / "nf.xlsx",
                               lambda n, b: b.replace(b">gb2021<", b">gb2030<") if n == "docProps/custom.xml" else b))
    wb = openpyxl.load_workbook(src)
    pos = plan_layout(SPEC).pos["requests.granted.natural"]
    wb[pos.sheet].insert_rows(pos.row + 1)
    wb.save(tmp_path / "moved.xlsx")
    bad("插入了行.xlsx", tmp_path / "moved.xlsx")
    agrees = dict(rows[3])
    write(inbox, agrees, "公式被数值覆盖（数值正确）.xlsx",
          overrides={"review.total": sum(int(agrees.get(f"review.{k}", 0)) for k in ("upheld", "corrected", "other", "pending"))})  # type: ignore[call-overload]
    expect["公式被数值覆盖（数值正确）.xlsx"] = st.WARNINGS
    write(inbox, dict(rows[4]), "公式被数值覆盖（数值错误）.xlsx", overrides={"requests.new.total": 99999})
    expect["公式被数值覆盖（数值错误）.xlsx"] = st.ERRORS
    text = {**rows[5], "active.license.decisions": "十二", "review.upheld": "3件"}
    write(inbox, text, "数字格里填了文字.xlsx")
    expect["数字格里填了文字.xlsx"] = st.ERRORS
    odd_names = ["单位 (副本) #1 ✓.xlsx", "报表😀&%20.xlsx", "ｆｕｌｌ－ｗｉｄｔｈ　名称.xlsx", "长" * 80 + ".xlsx"]
    others = sample_values(COUNTY_A[:4], seed=99)  # other agencies' rows would be duplicates: rename the agencies
    for name, values in zip(odd_names, others, strict=True):
        values["meta.agency"] = f"怪名单位{odd_names.index(name)}"
        values["meta.uscc"] = ""
        write(inbox, values, "tmp.xlsx").rename(inbox / name)  # 80 CJK characters: 245 bytes, near the limit
        expect[name] = st.ACCEPTED

    before = fingerprint(inbox)
    out = tmp_path / "汇总.xlsx"
    result = run([inbox], out)
    assert {s.name: s.status for s in result.submissions} == expect
    assert fingerprint(inbox) == before
    why = {s.name: s.reason for s in result.submissions}
    for name, fragment in (("压缩炸弹.xlsx", "压缩炸弹"), ("XML炸弹.xlsx", "XML 炸弹"), ("加密.xlsx", "密码"),
                           ("旧版.xls", ".xls"), ("金山.et", ".et"), ("开放格式.ods", ".ods"), ("新表式.xlsx", "gb2030"),
                           ("插入了行.xlsx", "行被移动"), ("损坏.xlsx", "损坏"), ("数字格里填了文字.xlsx", "十二")):
        assert fragment in why[name], (name, why[name])
    listed = records(out, SUBMISSIONS)
    assert sorted(r["file.name"] for r in listed) == sorted(expect)
    assert all(r["file.reason"] for r in listed)
    assert len(result.units) == 3 + 1 + 4 + 3
    (report,) = validate_files([out])
    assert report.status == "ok"


def _real_workbook(folder: Path, stem: str) -> Path:
    fx = yaml.safe_load((REAL / f"{stem}.yaml").read_text(encoding="utf-8"))
    spec = load_spec(fx["form"])
    computed = computed_cells(spec)
    values = {cid: v for cid, v in fx["values"].items() if cid not in computed}
    overrides = {cid: v for cid, v in fx["values"].items() if cid in computed}
    values.update({"meta.agency": fx["agency"], "meta.year": fx["year"], "meta.kind": "单位"})
    folder.mkdir(parents=True, exist_ok=True)
    return build_template(spec, folder / f"{fx['agency']}.xlsx", values=values, overrides=overrides)


def test_a_folder_of_the_real_published_reports(tmp_path: Path) -> None:
    stems = sorted(p.stem for p in REAL.glob("*.yaml"))
    paths = [_real_workbook(tmp_path / "收件箱", stem) for stem in stems]
    reports = {r.path.name: r for r in validate_files(paths)}
    result = run([tmp_path / "收件箱"], tmp_path / "汇总2020.xlsx", include_invalid=True)
    assert (result.spec.form, result.year) == ("gb2019", 2020)  # four of the six are 2020 reports on gb2019
    got = {s.name: s for s in result.submissions}
    for name, s in got.items():
        rep = reports[name]
        if rep.form == "gb2021":
            assert s.status == st.WRONG_FORM and "gb2019" in s.reason
        else:
            assert s.status == {"ok": st.ACCEPTED, "warnings": st.WARNINGS, "errors": st.ERRORS_INCLUDED}[rep.status]
            assert s.errors == rep.errors and s.warnings == rep.warnings
    assert len(result.units) == 4
    strict = run([tmp_path / "收件箱"], tmp_path / "汇总2024.xlsx", form="gb2021", year=2024)
    statuses = {s.name: s.status for s in strict.submissions}
    assert statuses["淮安市人民政府.xlsx"] in st.SUMMED and statuses["中卫市公共资源交易中心.xlsx"] == st.WRONG_YEAR
    assert sum(v == st.WRONG_FORM for v in statuses.values()) == 4
    (huaian,) = strict.units
    _, numbers = summary_numbers(tmp_path / "汇总2024.xlsx")
    _, own = summary_numbers(got["淮安市人民政府.xlsx"].path)
    assert numbers == own  # one agency: the summary is that agency's numbers
    assert huaian.name == "淮安市人民政府"


@pytest.mark.libreoffice
def test_summary_resaved_by_libreoffice_reads_validates_and_consolidates_again(tmp_path: Path) -> None:
    rows = sample_values(COUNTY_A[:4], seed=61)
    inbox = tmp_path / "收件箱"
    write_all(inbox, rows)
    county = tmp_path / "县汇总.xlsx"
    run([inbox], county, agency="甲县人民政府办公室")
    resaved = recalc(county, tmp_path / "LibreOffice")
    _, before = summary_numbers(county)
    fill, after = summary_numbers(resaved)
    assert after == before and fill.meta["meta.kind"] == "汇总"
    (report,) = validate_files([resaved])
    assert report.status == "ok", [f.message for f in report.findings]
    up = tmp_path / "市汇总.xlsx"
    result = run([copy_into(tmp_path / "市", [resaved])], up)
    assert len(result.units) == 4 and result.submissions[0].status == st.ACCEPTED
    assert unit_set(up) == unit_set(county)
    assert np.array_equal(result.total, run([inbox], tmp_path / "直接.xlsx").total)
    assert records(up, UNITS)[0]["unit.via"] == "县汇总.xlsx"
