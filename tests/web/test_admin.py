"""管理: regions, the 名册 import (reusing xxgk.consolidate.roster), accounts and roles, years, audit log —
through the pages (forms with CSRF tokens) and through the JSON API."""

from __future__ import annotations

from sqlalchemy import select

from xxgk.web.models import Account, Unit

ROSTER = "单位名称,统一社会信用代码,行政区划代码,上级主管单位\r\n新区教育局,,330213,新区人民政府\r\n新区财政局,,330213,新区人民政府\r\n"


def test_admin_pages(portal):
    admin = portal.client("admin")
    page = admin.get("/admin")
    assert page.status_code == 200 and "审计日志" in page.text
    token = admin.page_token("/admin")
    r = admin.http.post("/admin/regions", data={"csrf_token": token, "code": "330213", "name": "新区", "level": "county",
                                                "parent_id": str(portal.site.city.id)})
    assert r.status_code == 303
    with portal.db() as db:
        from xxgk.web.models import Region

        region = db.scalar(select(Region).where(Region.code == "330213"))
    r = admin.http.post("/admin/units/import", data={"csrf_token": token, "region_id": str(region.id)},
                        files={"file": ("名册.csv", ROSTER.encode("gbk"))})
    assert r.status_code == 303 and "msg=" in r.headers["location"]
    with portal.db() as db:
        units = db.scalars(select(Unit).where(Unit.region_id == region.id)).all()
    assert sorted(u.name for u in units) == ["新区教育局", "新区财政局"]
    r = admin.http.post("/admin/accounts", data={"csrf_token": token, "username": "xinqu", "password": "long-enough-1",
                                                 "role": "consolidator", "region_id": str(region.id)})
    assert r.status_code == 303
    r = admin.http.post("/admin/years", data={"csrf_token": token, "year": "2025", "form": "gb2021",
                                              "deadline": "2026-01-31", "is_open": "1"})
    assert r.status_code == 303
    years = admin.get("/api/years").json()
    assert {y["year"] for y in years} >= {2024, 2025}
    r = admin.http.post("/admin/years", data={"csrf_token": token, "year": "2025", "form": "gb2021", "deadline": "",
                                              "is_open": ""})  # closed again: the demo year stays the open one
    assert r.status_code == 303
    xinqu = portal.client()
    xinqu.login("xinqu", "long-enough-1")
    status = xinqu.get(f"/api/regions/{region.id}/status?year=2024").json()
    assert status["counts"]["应报"] == 2
    assert xinqu.get("/admin").status_code == 403


def test_admin_api(portal):
    admin = portal.client("admin")
    r = admin.post("/api/admin/regions", json={"code": "330214", "name": "API区", "level": "county",
                                               "parent_id": portal.site.city.id})
    assert r.status_code == 200
    rid = r.json()["id"]
    assert admin.post("/api/admin/regions", json={"code": "330214", "name": "重复", "level": "county"}).status_code == 409
    r = admin.post(f"/api/admin/regions/{rid}/roster", files={"file": ("名册.csv", ROSTER.encode("utf-8-sig"))})
    assert r.json()["added"] == 2
    again = admin.post(f"/api/admin/regions/{rid}/roster", files={"file": ("名册.csv", ROSTER.encode("utf-8"))})
    assert again.json() == {"added": 0, "updated": 2, "problems": []}
    bad = admin.post(f"/api/admin/regions/{rid}/roster", files={"file": ("名册.csv", "甲,乙\r\n1,2\r\n".encode())})
    assert bad.status_code == 409 and "表头" in bad.json()["error"]
    with portal.db() as db:
        unit_id = db.scalar(select(Unit.id).where(Unit.region_id == rid))
    r = admin.post("/api/admin/accounts", json={"username": "apiuser", "password": "long-enough-2", "role": "agency",
                                                "unit_id": unit_id})
    assert r.status_code == 200 and r.json()["role"] == "agency"
    assert admin.post("/api/admin/accounts", json={"username": "short", "password": "x", "role": "agency",
                                                   "unit_id": unit_id}).status_code == 409
    assert admin.post("/api/admin/years", json={"year": 2024, "form": "gb2019"}).status_code == 409  # out of range
    assert "apiuser" in {a["username"] for a in admin.get("/api/admin/accounts").json()}
    assert "API区" in {r["name"] for r in admin.get("/api/regions").json()}
    county = portal.client("xian1").get("/api/regions").json()
    assert [r["name"] for r in county] == [portal.site.counties[0].name]  # only its own subtree
    log = admin.get("/api/admin/audit").json()
    assert {"add_region", "import_roster", "add_account"} <= {e["action"] for e in log}
    with portal.db() as db:
        assert db.scalar(select(Account).where(Account.username == "apiuser")).password_hash.startswith("$argon2id$")
