"""管理 → 导入往年年报, end to end on SQLite and PostgreSQL: published reports (a zip of a real PDF and a real
text report, plus a report the portal itself published) → xxgk import → matched by credit code or name and shown
for confirmation → stored as accepted versions of their year; then a unit's upload of the next year is checked
against that history (year-over-year warnings, cross-year rules)."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path

from sqlalchemy import select

from xxgk.report.write import write_report
from xxgk.samples import sample_fills
from xxgk.spec import load_spec
from xxgk.template import build_template
from xxgk.web import directory
from xxgk.web.models import ACCEPTED, ReportYear, Submission, Unit

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def _published_report(tmp: Path, agency, year: int, edit) -> Path:  # type: ignore[no-untyped-def]
    """What a unit published last year: its workbook turned into the report web page (xxgk report)."""
    spec = load_spec("gb2021")
    ((_, values),) = list(sample_fills(spec, [agency], year, seed=7))
    values = dict(values)
    edit(values)
    book = build_template(spec, tmp / f"{agency.name}{year}.xlsx", values=values)
    return write_report(book, tmp / f"{agency.name}{year}年报.html", force=True).paths[0]


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>(.*?)</tr>", html, re.S)


def test_import_history_confirm_and_compare(any_portal, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    portal = any_portal
    with portal.db() as db:
        huaian = directory.add_unit(db, None, portal.site.city.id, "淮安市人民政府", "")
        db.commit()
        huaian_id = huaian.id
    unit, agency = portal.units(1)[0]
    last_year = _published_report(tmp_path, agency, 2023, lambda v: v.update({"active.rules.issued": 3,
                                                                               "requests.new.natural": 40000}))
    admin = portal.client("admin")
    token = admin.page_token("/admin")
    upload = _zip({"009_huaian_city_2024.pdf": (REAL / "009_huaian_city_2024.pdf").read_bytes(),
                   "宁波/000_fb3348bfed7ae378.txt": (REAL / "000_fb3348bfed7ae378.txt").read_bytes(),
                   "说明.doc": b"not a report"})
    r = admin.http.post("/admin/history", data={"csrf_token": token},
                        files=[("files", ("往年年报.zip", upload)), ("files", (last_year.name, last_year.read_bytes()))])
    assert r.status_code == 200, r.text[:500]
    page = r.text
    assert "核对导入的往年年报" in page and "共 3 份报告" in page
    rows = _rows(page)
    assert len(rows) == 3
    by_source = {re.match(r"(.*?)</td>", row).group(1): (i, row) for i, row in enumerate(rows)}  # type: ignore[union-attr]
    i_huaian, huaian_row = by_source["009_huaian_city_2024.pdf"]
    assert "淮安市人民政府" in huaian_row and "单位名称" in huaian_row and f'value="{huaian_id}" selected' in huaian_row
    i_beilun, beilun_row = by_source["000_fb3348bfed7ae378.txt"]
    assert "未找到，请选择" in beilun_row and "2020" in beilun_row  # 北仑区 is not on this portal's roster
    i_own, own_row = by_source[last_year.name]
    assert f'value="{unit.id}" selected' in own_row and "2023" in own_row
    batch = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)  # type: ignore[union-attr]
    # confirm 淮安 and our unit; 北仑区 stays unsaved; a forged token is refused without a trace
    bad = admin.http.post("/admin/history/confirm", data={"csrf_token": token, "token": "../../etc"})
    assert bad.status_code == 303 and "msg=" in bad.headers["location"]
    r = admin.http.post("/admin/history/confirm", data={
        "csrf_token": token, "token": batch, f"unit_{i_huaian}": str(huaian_id), f"take_{i_huaian}": "1",
        f"unit_{i_own}": str(unit.id), f"take_{i_own}": "1", f"unit_{i_beilun}": str(huaian_id)})
    assert r.status_code == 303
    with portal.db() as db:
        subs = {s.unit_id: s for s in db.scalars(select(Submission).where(Submission.remark.like("由已发布的年报导入%")))}
        assert set(subs) == {huaian_id, unit.id}
        assert all(s.status == ACCEPTED for s in subs.values())
        y2023 = db.scalar(select(ReportYear).where(ReportYear.year == 2023))
        assert y2023 is not None and not y2023.is_open and subs[unit.id].report_year_id == y2023.id
        assert db.scalar(select(ReportYear).where(ReportYear.year == 2020)) is None  # not confirmed: not stored
        assert portal.store.path(subs[huaian_id].sha256).exists()
        assert db.get(Unit, huaian_id) is not None
    assert not any((portal.settings.data_dir / "history").iterdir())  # the batch is cleared
    # the unit now uploads 2024: last year's imported report is its history
    agency_client = portal.client(portal.site.unit_account(unit))
    book = portal.book(f"{unit.name}-yoy.xlsx", agency)
    r = agency_client.upload(unit.id, book)
    assert r.status_code in (200, 201), r.text
    issues = r.json()["report"]["issues"] if "report" in r.json() else r.json()["issues"]
    codes = {i["code"] for i in issues}
    assert "yoy.jump" in codes
    jump = next(i for i in issues if i["code"] == "yoy.jump" and i["ids"] == ["requests.new.natural"])
    assert jump["expected"] == 40000 and jump["severity"] == "warning"
    # the unit page shows its own indicators beside last year's (the imported report, whatever its cover says)
    page = agency_client.get(f"/units/{unit.id}?year=2024").text
    assert "本单位指标" in page and "上年：报送平台已接受的 2023 年度第 1 版" in page
    row = re.search(r"<tr><td>申请总量</td><td[^>]*>([\d,]+)</td><td>([\d,]+)</td><td>([-+][\d,]+)</td>", page)
    assert row, page[page.find("本单位指标"):][:1500]
    now_total, last_total, change = (int(g.replace(",", "")) for g in row.groups())
    assert last_total >= 40000 and change == now_total - last_total
    assert re.search(r"<tr><td>实质公开率</td><td[^>]*>[\d.]+%</td><td>[\d.]+%</td><td>[-+][\d.]+ 个百分点</td>", page)
    # the add-in's 校验 in the 报送平台 mode: with the unit's token, the same comparison; anonymous, none
    from fastapi.testclient import TestClient

    from xlwings_payload import vba_payload

    from .test_addin_server import _new_token

    bearer = {"Authorization": f"Bearer {_new_token(agency_client, unit.id)}"}
    http = TestClient(portal.app)
    for headers, compared in ((bearer, True), ({}, False)):
        r = http.post("/addin/validate", json=vba_payload(book), headers=headers)
        assert r.status_code == 200, r.text
        actions = r.json()["actions"]
        written = json.dumps([a for a in actions if a["func"] == "setValues"], ensure_ascii=False)
        assert ("yoy.jump" in written and "40000" in written) == compared
        said = actions[-1]["args"][0]
        assert ("已与上年报告（报送平台已接受的 2023 年度第 1 版" in said) == compared, said


def test_history_upload_without_reports_is_refused(portal, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = portal.client("admin")
    token = admin.page_token("/admin")
    r = admin.http.post("/admin/history", data={"csrf_token": token},
                        files=[("files", ("照片.zip", _zip({"a.jpg": b"x"})))])
    assert r.status_code == 303 and "msg=" in r.headers["location"]
    r = admin.http.post("/admin/history", data={"csrf_token": token}, files=[("files", ("坏.zip", b"PK\x03\x04junk"))])
    assert r.status_code == 303
    assert not list((portal.settings.data_dir / "history").glob("*/manifest.json"))
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_indicator_page_of_the_imported_history(any_portal) -> None:  # type: ignore[no-untyped-def]
    """The 汇总单位's 指标 page over the accepted reports (here the imported 淮安 2024 report): a table sortable by
    each indicator, an inline SVG chart without JavaScript, a CSV with the source cells."""
    shi = any_portal.client("shi")
    city = any_portal.site.city.id
    page = shi.get(f"/regions/{city}/indicators?year=2024")
    assert page.status_code == 200, page.text[:300]
    html = page.text
    assert "淮安市人民政府" in html and "行政复议纠错率" in html and "<svg" in html and "<script" not in html.split("<main", 1)[-1]
    assert 'class="red"' in html and "20.4%" in html  # 64/314, over the 15 % red threshold
    assert shi.get(f"/regions/{city}/indicators?year=2024&sort=review_corrected_rate").status_code == 200
    csv = shi.get(f"/regions/{city}/indicators.csv?year=2024")
    text = csv.content.decode("utf-8-sig")
    assert csv.status_code == 200 and "行政复议纠错率" in text and "红色" in text and "'复议诉讼'!" in text
    assert any_portal.client(any_portal.site.unit_account(any_portal.units(1)[0][0])).get(
        f"/regions/{city}/indicators").status_code == 403


def _last_year_values(this: dict, edit) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """Last year's report agreeing with this year's cross-year rules (结转 and 现行有效 carried over)."""
    spec = load_spec("gb2021")
    last = dict(this, **{"meta.year": 2023})
    for a in spec.groups["applicants"].keys:
        last[f"requests.forward.{a}"] = this.get(f"requests.carried.{a}", 0)
    for d in ("rules", "normative"):
        last[f"active.{d}.valid"] = (int(this.get(f"active.{d}.valid", 0)) - int(this.get(f"active.{d}.issued", 0))
                                     + int(this.get(f"active.{d}.repealed", 0)))
    last["requests.new.natural"] = int(this.get("requests.new.natural", 0)) + 1  # not a copy
    edit(last)
    return last


def test_portal_summary_compares_with_last_years_accepted_versions(portal, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The county's 汇总 on the portal takes its units' accepted versions of the year before as --previous: a unit
    whose 2024 本年制发 is ten times 2023's gets the year-over-year warning in the summary's 校验结果, and the
    summary's 指标 sheet has last year's 申请总量 of each unit."""
    import openpyxl

    from xxgk.web.history import _year_row
    from xxgk.web.models import Account

    spec = load_spec("gb2021")
    units = portal.units(1)
    with portal.db() as db:
        admin = db.scalar(select(Account).where(Account.username == "admin"))
        y2023 = _year_row(db, 2023, "gb2021")
        for n, (unit, agency) in enumerate(units):
            ((_, this),) = list(sample_fills(spec, [agency], 2024, seed=n + 40))
            this = dict(this, **{"active.rules.issued": 50 if n == 0 else 6})
            last = _last_year_values(this, lambda v, n=n: v.update({"active.rules.issued": 5 if n == 0 else 6}))
            last["active.rules.valid"] = int(this.get("active.rules.valid", 0)) - 50 + int(this.get("active.rules.repealed", 0)) \
                if n == 0 else last["active.rules.valid"]
            path = build_template(spec, tmp_path / f"{n}-2023.xlsx", values=last)
            sha, size = portal.store.put_file(path)
            db.add(Submission(unit_id=unit.id, report_year_id=y2023.id, version=1, filename=path.name, sha256=sha,
                              size=size, uploaded_by=admin.id, status=ACCEPTED, report_json='{"issues": []}',
                              notes_json="{}"))
            db.commit()
            client = portal.client(portal.site.unit_account(unit))
            sub = client.upload(unit.id, build_template(spec, tmp_path / f"{n}-2024.xlsx", values=this)).json()
            if sub["status"] != "已接受":  # the ×10 warning wants a 说明
                keys = [f"{i['rule'] or i['code']}|{'、'.join(i['cells'])}" for i in sub["report"]["issues"]]
                assert {i["code"] for i in sub["report"]["issues"]} == {"yoy.jump"}, sub["report"]["issues"]
                sub = client.post(f"/api/submissions/{sub['id']}/notes",
                                  json={"notes": {k: "本年新制定规章较多" for k in keys}}).json()
            assert sub["status"] == "已接受", sub
    county = portal.client("xian1")
    job = county.consolidate(portal.site.counties[0].id, "direct")
    assert job["status"] == "done", job
    out = tmp_path / "县汇总.xlsx"
    out.write_bytes(county.get(job["file"]).content)
    book = openpyxl.load_workbook(out, read_only=True)
    rows = [[str(v) for v in row if v is not None] for row in book["校验结果"].iter_rows(values_only=True)]
    jumps = [r for r in rows if any("本年 50，上年 5，为上年的 10 倍" in v for v in r)]
    assert jumps and any(units[0][0].name in v for v in jumps[0]), rows[:8]
    indicators = {(r[1], r[5]): r for r in book["指标"].iter_rows(min_row=2, values_only=True)}
    assert all(indicators[u.name, "申请总量"][9] is not None for u, _ in units)  # last year's value of every unit
    # the 指标 page: last year's value under this year's, for each unit and the region's total
    page = county.get(f"/regions/{portal.site.counties[0].id}/indicators?year=2024").text
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    assert sum("上年" in r for r in rows if "（地区合计）" not in r and "<td>" in r) == len(units)
    assert any("（地区合计）" in r and "上年" in r for r in rows)
