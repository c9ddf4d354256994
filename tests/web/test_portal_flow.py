"""What users get from the portal, over SQLite and a real PostgreSQL: validate, submit, explain, return,
accept, consolidate level by level."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
from sqlalchemy import select

from xxgk.validate import validate_files
from xxgk.web.models import AuditEntry, ReportYear

ROOT = Path(__file__).resolve().parents[2]


def test_health_and_pages(any_portal):
    c = any_portal.client()
    assert c.get("/healthz").status_code == 200
    assert "在线校验" in c.get("/validate").text
    assert c.get("/region").status_code == 303  # to the login page
    assert c.get("/api/me").status_code == 401
    spec = c.get("/openapi.json").json()
    assert {"/api/validate", "/api/login", "/api/units/{unit_id}/submissions", "/api/regions/{region_id}/consolidate",
            "/api/submissions/{sub_id}/return"} <= set(spec["paths"])
    assert "/login" not in spec["paths"]  # pages are not API
    missing = c.post("/api/validate")
    assert missing.status_code == 422 and "文件" in missing.json()["error"] and missing.json()["code"] == "invalid"


def test_api_validate_is_the_cli_json(portal, tmp_path):
    _, agency = portal.units(1)[0]
    good = portal.book("good.xlsx", agency)
    bad = portal.book("bad.xlsx", agency, break_r3=True)
    files = [("files", ("好的.xlsx", good.read_bytes())), ("files", ("有错.xlsx", bad.read_bytes()))]
    got = portal.client().post("/api/validate", files=files).json()
    (tmp_path / "好的.xlsx").write_bytes(good.read_bytes())
    (tmp_path / "有错.xlsx").write_bytes(bad.read_bytes())
    cli = subprocess.run([sys.executable, "-m", "xxgk", "validate", "--json", "好的.xlsx", "有错.xlsx"], cwd=tmp_path,
                         capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin"})
    assert got == json.loads(cli.stdout)
    assert any((i["rule"] or "").startswith("R3") for i in got["files"][1]["issues"])


def test_validate_page_shows_cells_and_keeps_nothing(portal):
    _, agency = portal.units(1)[0]
    c = portal.client()
    before = sorted(p for p in portal.settings.data_dir.rglob("*") if p.is_file() and "tmp" not in p.parts)
    r = c.post("/validate", data={"csrf_token": c.page_token()},
               files={"files": ("有错.xlsx", portal.book("bad.xlsx", agency, break_r3=True).read_bytes())})
    assert r.status_code == 200 and "R3" in r.text and "有错误" in r.text
    uri = re.search(r'href="data:[^;]+;base64,([^"]+)" download="有错-校验标记.xlsx"', r.text)
    assert uri, "the annotated copy is offered"
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(uri.group(1))))
    marked = "\n".join(str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "R3" in marked
    after = sorted(p for p in portal.settings.data_dir.rglob("*") if p.is_file() and "tmp" not in p.parts)
    assert [p for p in after if not p.name.startswith("xxgk.sqlite3")] == \
        [p for p in before if not p.name.startswith("xxgk.sqlite3")]


def test_agency_uploads_error_then_fix(any_portal):
    unit, agency = any_portal.units(1)[0]
    c = any_portal.client(any_portal.site.unit_account(unit))
    template = c.get(f"/units/{unit.id}/template")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    bad = c.upload(unit.id, any_portal.book("bad.xlsx", agency, break_r3=True)).json()
    assert bad["status"] == "有错误" and bad["version"] == 1
    r3 = next(i for i in bad["report"]["issues"] if (i["rule"] or "").startswith("R3"))
    assert r3["cells"]
    page = c.get(f"/submissions/{bad['id']}").text
    assert r3["cells"][0].split("!")[-1] in page
    annotated = c.get(f"/submissions/{bad['id']}/annotated")
    assert annotated.status_code == 200 and annotated.content[:2] == b"PK"
    assert "filename*=utf-8''" in annotated.headers["content-disposition"].lower()
    good = c.upload(unit.id, any_portal.book("good.xlsx", agency)).json()
    assert good["status"] == "已接受" and good["version"] == 2
    versions = c.get(f"/api/units/{unit.id}/submissions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert any_portal.store.has(good["sha256"])
    with any_portal.db() as db:
        assert db.scalars(select(AuditEntry).where(AuditEntry.action == "upload")).all()


def test_warnings_need_a_note(any_portal):
    unit, agency = any_portal.units(1)[1]
    c = any_portal.client(any_portal.site.unit_account(unit))
    path = any_portal.book("blank.xlsx", agency, blank=2)
    sub = c.upload(unit.id, path, "留空.xlsx").json()
    assert sub["status"] == "待说明", sub["report"]["issues"]
    keys = [f"{i['rule'] or i['code']}|{'、'.join(i['cells'])}" for i in sub["report"]["issues"]
            if i["severity"] == "warning"]
    after = c.post(f"/api/submissions/{sub['id']}/notes", json={"notes": {k: "本年度无此类事项" for k in keys}}).json()
    assert after["status"] == "已接受"


def test_return_with_remark_and_review(any_portal):
    unit, agency = any_portal.units(2)[0]
    agency_client = any_portal.client(any_portal.site.unit_account(unit))
    sub = agency_client.upload(unit.id, any_portal.book("c2.xlsx", agency)).json()
    county = any_portal.client("xian2")
    status = county.get(f"/api/regions/{any_portal.site.counties[1].id}/status").json()
    assert status["counts"]["已接受"] >= 1
    assert county.post(f"/api/submissions/{sub['id']}/return", json={"remark": ""}).status_code == 409
    back = county.post(f"/api/submissions/{sub['id']}/return", json={"remark": "请核对第三项"}).json()
    assert back["status"] == "已退回"
    assert "请核对第三项" in agency_client.get(f"/submissions/{sub['id']}").text
    zipped = county.get(f"/api/regions/{any_portal.site.counties[1].id}/download.zip")
    assert zipped.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()) == 1


def test_review_year_waits_for_accept(portal):
    with portal.db() as db:
        year = db.scalar(select(ReportYear))
        year.review = True
        db.commit()
    try:
        unit, agency = portal.units(2)[1]
        sub = portal.client(portal.site.unit_account(unit)).upload(unit.id, portal.book("r.xlsx", agency)).json()
        assert sub["status"] == "待审"
        county = portal.client("xian2")
        assert county.post(f"/api/submissions/{sub['id']}/accept").json()["status"] == "已接受"
        other, other_agency = portal.units(2)[2]
        waiting = portal.client(portal.site.unit_account(other)).upload(other.id, portal.book("r2.xlsx", other_agency)).json()
        assert waiting["status"] == "待审"
        assert portal.client("xian1").post(f"/api/regions/{portal.site.counties[1].id}/accept-pending").status_code == 403
        region_page = county.get(f"/regions/{portal.site.counties[1].id}").text
        assert "全部接受（1 份待审）" in region_page
        assert county.post(f"/api/regions/{portal.site.counties[1].id}/accept-pending").json() == {"accepted": 1}
        assert county.get(f"/api/submissions/{waiting['id']}").json()["status"] == "已接受"
    finally:
        with portal.db() as db:
            db.scalar(select(ReportYear)).review = False
            db.commit()


def _totals(client, region_id: int, mode: str) -> dict:
    job = client.consolidate(region_id, mode)
    assert job["status"] == "done", job
    return job  # type: ignore[no-any-return]


def test_levels_equal_direct_and_notes_travel(any_portal, tmp_path):
    p = any_portal
    site = p.site
    for index in (0, 1, 2):
        for n, (unit, agency) in enumerate(p.units(index)):
            c = p.client(site.unit_account(unit))
            if index == 1 and n == 2:  # one agency with a warning, explained
                path = p.book(f"lv{index}{n}.xlsx", agency, seed=n + 10 * index, blank=2)
                sub = c.upload(unit.id, path, f"lv{index}{n}.xlsx").json()
                keys = [f"{i['rule'] or i['code']}|{'、'.join(i['cells'])}" for i in sub["report"]["issues"]]
                assert c.post(f"/api/submissions/{sub['id']}/notes",
                              json={"notes": {k: "说明：本年度无此事项" for k in keys}}).json()["status"] == "已接受"
            else:
                assert c.upload(unit.id, p.book(f"lv{index}{n}.xlsx", agency, seed=n + 10 * index)).json()["status"] == "已接受"
    for i, county in enumerate(site.counties, 1):
        cc = p.client(f"xian{i}")
        run = _totals(cc, county.id, "levels")
        summary = cc.get(run["file"])
        out = tmp_path / f"county{i}.xlsx"
        out.write_bytes(summary.content)
        (report,) = validate_files([out])
        assert report.status in ("ok", "warnings"), report.findings
        if i == 1:
            notes = _notes_in(out)
            assert "说明：本年度无此事项" in notes
        up = cc.post(f"/api/summaries/{run['summary_id']}/submit").json()
        assert up["status"] in ("已接受", "待说明"), up
        if up["status"] == "待说明":
            keys = [f"{x['rule'] or x['code']}|{'、'.join(x['cells'])}" for x in up["report"]["issues"]]
            cc.post(f"/api/submissions/{up['id']}/notes", json={"notes": {k: "已核实" for k in keys}})
    city = p.client("shi")
    levels = _totals(city, site.city.id, "levels")
    direct = _totals(city, site.city.id, "direct")
    assert levels["totals"] == direct["totals"]
    assert len(levels["accepted"]) == len(direct["accepted"]) == 2 + 3 + 3
    with p.db() as db:
        actions = {(e.username, e.action) for e in db.scalars(select(AuditEntry))}
    assert {("xian1", "consolidate"), ("shi", "consolidate"), ("xian1", "upload")} <= actions
    out = tmp_path / "city.xlsx"
    out.write_bytes(city.get(levels["file"]).content)
    assert "说明：本年度无此事项" in _notes_in(out)


def _notes_in(path: Path) -> str:
    book = openpyxl.load_workbook(path, read_only=True)
    ws = book["校验结果"]
    return "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)


def test_summary_is_what_the_cli_writes(any_portal, tmp_path):
    """The county's summary from the portal sums what `xxgk consolidate` sums over the same workbooks."""
    p = any_portal
    county = p.site.counties[0]
    c = p.client("xian1")
    portal_json = _totals(c, county.id, "direct")
    inbox = tmp_path / "收件箱"
    zipfile.ZipFile(io.BytesIO(c.get(f"/regions/{county.id}/download.zip").content)).extractall(inbox)
    cli = subprocess.run([sys.executable, "-m", "xxgk", "consolidate", str(inbox), "-o", str(tmp_path / "cli.xlsx"),
                          "--json", "--form", "gb2021", "--year", str(p.site.year.year)],
                         capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin"})
    cli_json = json.loads(cli.stdout)
    assert cli_json["totals"] == portal_json["totals"]
    assert sorted(u["agency"] for u in cli_json["accepted"]) == sorted(u["agency"] for u in portal_json["accepted"])
    assert cli_json["exact"] == portal_json["exact"]


def test_api_docs_need_no_outside_host(portal):
    """On a government intranet no CDN is reachable: /docs loads Swagger UI from this server only."""
    c = portal.client()
    page = c.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") for a in assets), assets
    assert "cdn" not in page.text.lower()
    for asset in assets:
        assert c.get(asset).status_code == 200, asset
    assert c.get("/redoc").status_code == 404  # ReDoc would need a CDN too
