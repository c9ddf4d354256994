"""The usual attacks: other units' ids, other regions, CSRF, session fixation, path traversal, formula
injection, macros, oversize uploads, zip and XML bombs, wrong form version. Every refused access is 403
and in the audit log."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from xxgk.web import directory
from xxgk.web.models import AGENCY, AuditEntry
from xxgk.web.security import COOKIE
from xxgk.web.uploads import safe_name

from .conftest import make_portal


def denied(portal, action_like: str = "") -> list[AuditEntry]:
    with portal.db() as db:
        rows = db.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied")).all()
    return [r for r in rows if action_like in r.action]


@pytest.fixture(scope="module")
def subs(portal):
    """One submission in each county (by its agency)."""
    out = []
    for index in (1, 2):
        unit, agency = portal.units(index)[0]
        c = portal.client(portal.site.unit_account(unit))
        out.append(c.upload(unit.id, portal.book(f"s{index}.xlsx", agency, seed=index)).json())
    return out


def test_agency_sees_only_its_own_unit(portal, subs):
    mine, other = subs
    unit, _ = portal.units(1)[0]
    c = portal.client(portal.site.unit_account(unit))
    assert c.get(f"/api/submissions/{mine['id']}").status_code == 200
    before = len(denied(portal))
    for url in (f"/api/submissions/{other['id']}", f"/api/submissions/{other['id']}/file", f"/submissions/{other['id']}",
                f"/api/units/{other['unit_id']}/submissions", f"/units/{other['unit_id']}",
                f"/units/{other['unit_id']}/template", "/api/submissions/999999", f"/api/regions/{portal.site.city.id}/status",
                "/admin", "/api/admin/audit"):
        assert c.get(url).status_code == 403, url
    other_book = portal.book("s2.xlsx", portal.units(2)[0][1])
    assert c.upload(other["unit_id"], other_book).status_code == 403
    assert c.post(f"/api/submissions/{other['id']}/notes", json={"notes": {}}).status_code == 403
    assert c.post(f"/api/submissions/{mine['id']}/return", json={"remark": "x"}).status_code == 403  # not a reviewer
    assert len(denied(portal)) >= before + 13
    logged = denied(portal)[-1]
    assert logged.username == portal.site.unit_account(unit) and logged.ip


def test_consolidator_only_its_subtree(portal, subs):
    mine, other = subs
    county1, county2 = portal.site.counties
    c = portal.client("xian1")
    assert c.get(f"/api/regions/{county1.id}/status").status_code == 200
    assert c.get(f"/api/submissions/{mine['id']}").status_code == 200
    for url in (f"/api/regions/{county2.id}/status", f"/api/regions/{portal.site.city.id}/status",
                f"/regions/{county2.id}", f"/api/submissions/{other['id']}", f"/api/regions/{county2.id}/download.zip",
                f"/units/{other['unit_id']}"):
        assert c.get(url).status_code == 403, url
    assert c.post(f"/api/submissions/{other['id']}/return", json={"remark": "x"}).status_code == 403
    assert c.post(f"/api/regions/{county2.id}/consolidate", json={"mode": "direct"}).status_code == 403
    assert c.upload(mine["unit_id"], portal.book("s1.xlsx", portal.units(1)[0][1])).status_code == 403  # not its unit
    city = portal.client("shi")
    assert city.get(f"/api/regions/{county2.id}/status").status_code == 200
    assert city.get(f"/api/submissions/{other['id']}").status_code == 200


def test_csrf_required_on_every_post(portal, subs):
    unit, agency = portal.units(1)[0]
    c = portal.client(portal.site.unit_account(unit))
    token, c.csrf = c.csrf, ""
    book = portal.book("s1.xlsx", agency, seed=1).read_bytes()
    assert c.post(f"/api/units/{unit.id}/submissions", files={"file": ("a.xlsx", book)}).status_code == 403
    assert c.post(f"/units/{unit.id}/upload", files={"file": ("a.xlsx", book)}, data={"csrf_token": "forged"}).status_code == 403
    other = portal.client("xian1")  # a token valid for another session is no good here
    assert c.post(f"/api/submissions/{subs[0]['id']}/notes", json={"notes": {}},
                  headers={"X-CSRF-Token": other.csrf}).status_code == 403
    assert c.post("/logout").status_code == 403
    assert denied(portal, "csrf")
    c.csrf = token
    assert c.post(f"/api/units/{unit.id}/submissions", files={"file": ("a.xlsx", book)}).status_code == 200


def test_session_fixation_and_cookie_flags(portal):
    c = portal.client()
    c.get("/login")
    planted = c.http.cookies.get(COOKIE)
    token = c.page_token("/login")
    r = c.http.post("/login", data={"username": "xian1", "password": "xxgk-demo-2024", "csrf_token": token})
    assert r.status_code == 303
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Lax" in r.headers["set-cookie"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    fresh = c.http.cookies.get(COOKIE)
    assert fresh and fresh != planted
    attacker = portal.client()
    attacker.http.cookies.set(COOKIE, planted)
    assert attacker.get("/api/me").status_code == 401  # the planted id was not signed in
    assert c.get("/api/me").status_code == 200
    forged = portal.client()
    forged.http.cookies.set(COOKIE, fresh.rsplit(".", 1)[0] + ".AAAA")  # signature does not verify
    assert forged.get("/api/me").status_code == 401
    away = portal.client()
    away.get("/login")
    r = away.http.post("/login", data={"username": "xian1", "password": "xxgk-demo-2024", "next": "//evil.example/x",
                                       "csrf_token": away.page_token("/login")})
    assert r.status_code == 303 and r.headers["location"] == "/region"  # no open redirect after signing in
    bad = portal.client()
    bad.get("/login")
    r = bad.http.post("/login", data={"username": "xian1", "password": "wrong-password", "csrf_token": bad.page_token("/login")})
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    signed_in = c.http.cookies.get(COOKIE)
    assert c.http.post("/logout", data={"csrf_token": c.page_token("/validate")}).status_code == 303
    replay = portal.client()
    replay.http.cookies.set(COOKIE, signed_in)
    assert replay.get("/api/me").status_code == 401  # signing out ends the session on the server


def test_path_traversal_in_file_names(portal):
    assert safe_name("../../etc/passwd.xlsx") == "passwd.xlsx"
    assert safe_name("..\\..\\windows\\x.xlsx") == "x.xlsx"
    assert safe_name("..") == "报表.xlsx"
    assert safe_name("a\x00b<>.xlsx") == "a_b__.xlsx"
    unit, agency = portal.units(1)[1]
    c = portal.client(portal.site.unit_account(unit))
    sub = c.upload(unit.id, portal.book("t.xlsx", agency, seed=5), "../../../../tmp/evil.xlsx").json()
    assert sub["filename"] == "evil.xlsx" and sub["report"]["path"] == "evil.xlsx"
    r = portal.client().post("/api/validate", files=[("files", ("../../x/../好.xlsx", portal.book("t.xlsx", agency).read_bytes()))])
    assert r.json()["files"][0]["path"] == "好.xlsx"
    d = portal.client(portal.site.unit_account(unit)).get(f"/api/submissions/{sub['id']}/file")
    assert "/" not in d.headers["content-disposition"].split("filename", 1)[1]


def test_formula_injection_in_downloads(portal, tmp_path):
    evil = "=cmd|' /C calc'!A0"
    with portal.db() as db:
        unit = directory.add_unit(db, None, portal.site.counties[0].id, evil, "")
        directory.add_account(db, None, "evil", "xxgk-demo-2024", AGENCY, "", unit.id, None)
        db.expunge_all()
    c = portal.client("evil")
    template = c.get(f"/units/{unit.id}/template")
    path = tmp_path / "t.xlsx"
    path.write_bytes(template.content)
    book = openpyxl.load_workbook(path)
    found = [cell for ws in book for row in ws.iter_rows() for cell in row if cell.value == evil]
    assert found and all(cell.data_type == "s" for cell in found)
    csv = portal.client("xian1").get(f"/regions/{portal.site.counties[0].id}/status.csv").content.decode("utf-8-sig")
    assert "'" + evil in csv and "\n" + evil not in csv and "," + evil not in csv


def _with_macro(src, dest):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really a macro")
    return dest


def test_macros_refused(portal, tmp_path):
    unit, agency = portal.units(1)[2]
    c = portal.client(portal.site.unit_account(unit))
    book = portal.book("m.xlsx", agency, seed=9)
    r = c.upload(unit.id, book, "宏.xlsm")
    assert r.status_code == 422 and "宏" in r.json()["error"]
    r = c.upload(unit.id, _with_macro(book, tmp_path / "hidden.xlsx"))
    assert r.status_code == 422 and "宏" in r.json()["error"]
    assert c.get(f"/api/units/{unit.id}/submissions").json() == []
    with portal.db() as db:
        refused = db.scalars(select(AuditEntry).where(AuditEntry.outcome == "refused", AuditEntry.action == "upload")).all()
    assert any("宏" in e.detail for e in refused)


def _zip_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (600 * 2**20))
    return path


def _xml_bomb(src, dest):
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
           '<workbook>&lol2;</workbook>')
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, lol if item.filename == "xl/workbook.xml" else zin.read(item.filename))
    return dest


def test_zip_and_xml_bombs_refused(portal, tmp_path):
    unit, agency = portal.units(1)[2]
    c = portal.client(portal.site.unit_account(unit))
    for bomb in (_zip_bomb(tmp_path / "zip.xlsx"), _xml_bomb(portal.book("x.xlsx", agency), tmp_path / "xml.xlsx")):
        r = c.upload(unit.id, bomb)
        assert r.status_code == 422, r.text
        assert "无法读取" in r.json()["error"]
    assert c.get(f"/api/units/{unit.id}/submissions").json() == []


def test_wrong_form_version(portal, tmp_path):
    unit, agency = portal.units(1)[2]
    c = portal.client(portal.site.unit_account(unit))
    old = portal.book("old.xlsx", agency, year=2020, form="gb2019")
    sub = c.upload(unit.id, old).json()
    assert sub["status"] == "有错误"
    assert {"portal.wrong_form", "portal.wrong_year"} <= {i["code"] for i in sub["report"]["issues"]}


def test_oversize_upload_is_413(tmp_path):
    small = make_portal(tmp_path, max_upload_bytes=2**20)
    unit, agency = small.units(1)[0]
    c = small.client(small.site.unit_account(unit))
    big = b"PK\x03\x04" + b"\0" * (3 * 2**20)
    r = c.post(f"/api/units/{unit.id}/submissions", files={"file": ("big.xlsx", big)})
    assert r.status_code == 413 and "太大" in r.json()["error"]

    def chunks():  # no Content-Length: counted as it streams
        token = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n\r\n"
        yield token
        for _ in range(40):
            yield b"\0" * 2**16
        yield b"\r\n--b--\r\n"

    r = c.http.post(f"/api/units/{unit.id}/submissions", content=chunks(),
                    headers={"content-type": "multipart/form-data; boundary=b", "X-CSRF-Token": c.csrf})
    assert r.status_code == 413
    page = c.http.post(f"/units/{unit.id}/upload", files={"file": ("big.xlsx", big)}, data={"csrf_token": c.page_token()})
    assert page.status_code == 413 and "文件太大" in page.text  # a page, for the browser
    assert c.get(f"/api/units/{unit.id}/submissions").json() == []
    assert not list((small.settings.files_dir).glob("??/??/*"))
    assert c.upload(unit.id, small.book("ok.xlsx", agency)).status_code == 200


def test_public_validate_can_be_switched_off(tmp_path):
    closed = make_portal(tmp_path, public_validate=False)
    anon = closed.client()
    assert anon.post("/api/validate", files=[("files", ("a.xlsx", io.BytesIO(b"x")))]).status_code == 401
    assert anon.get("/validate").status_code == 303


def test_every_post_route_checks_csrf(portal):
    """Whatever the route, a signed-in POST without the token is refused before anything happens."""
    from fastapi.routing import APIRoute

    from xxgk.web.routers import admin as admin_pages
    from xxgk.web.routers import api, public, region, unit

    admin = portal.client("admin")
    admin.csrf = ""
    open_routes = {"/api/validate", "/api/login", "/validate"}  # nothing kept, no account state
    checked = 0
    for route in (r for m in (admin_pages, api, public, region, unit) for r in m.router.routes):
        if not isinstance(route, APIRoute) or "POST" not in route.methods or route.path in open_routes:
            continue
        path = route.path
        for name in route.param_convertors:
            path = path.replace("{" + name + "}", "1")
        r = admin.post(path, data={"x": "1"})
        assert r.status_code == 403, (route.path, r.status_code, r.text[:200])
        checked += 1
    assert checked >= 20


def test_login_is_throttled_after_failures(portal):
    with portal.db() as db:
        directory.add_account(db, None, "target", "right-password-1", "admin", "")
    c = portal.client()
    for _ in range(10):
        assert c.http.post("/api/login", json={"username": "target", "password": "wrong"}).status_code == 401
    r = c.http.post("/api/login", json={"username": "target", "password": "right-password-1"})
    assert r.status_code == 429 and "次数过多" in r.json()["error"]
    page = portal.client()
    page.get("/login")
    r = page.http.post("/login", data={"username": "target", "password": "right-password-1",
                                       "csrf_token": page.page_token("/login")})
    assert r.status_code == 429


def test_formula_text_stays_text_in_the_summary(portal, tmp_path):
    from xxgk.samples import Agency
    from xxgk.web.demo import workbook

    # the cover's own name no longer reaches the summary (a unit is named as registered); its 上级主管单位 does
    evil_name, evil_note = '=HYPERLINK("http://evil.example","点此")', "=1+1"
    unit, agency = portal.units(2)[2]
    c = portal.client(portal.site.unit_account(unit))
    book = workbook(tmp_path / "evil.xlsx", Agency(agency.name, agency.uscc, agency.region, evil_name), blank=1)
    sub = c.upload(unit.id, book).json()
    keys = [f"{i['rule'] or i['code']}|{'、'.join(i['cells'])}" for i in sub["report"]["issues"]]
    assert c.post(f"/api/submissions/{sub['id']}/notes", json={"notes": {k: evil_note for k in keys}}).json()["status"] == "已接受"
    county = portal.client("xian2")
    run = county.consolidate(portal.site.counties[1].id, "direct")
    path = tmp_path / "summary.xlsx"
    path.write_bytes(county.get(run["file"]).content)
    cells = [cell for ws in openpyxl.load_workbook(path) for row in ws.iter_rows() for cell in row
             if cell.value in (evil_name, evil_note)]
    assert {c.value for c in cells} == {evil_name, evil_note}
    assert all(c.data_type == "s" for c in cells)  # text, never a formula


def test_password_change_ends_other_sessions(portal):
    with portal.db() as db:
        directory.add_account(db, None, "changer", "first-password-1", "admin", "")
    laptop, desktop = portal.client(), portal.client()
    laptop.login("changer", "first-password-1")
    desktop.login("changer", "first-password-1")
    assert laptop.post("/api/me/password", json={"current": "wrong", "new": "second-password-2"}).status_code == 409
    r = laptop.post("/api/me/password", json={"current": "first-password-1", "new": "second-password-2"})
    assert r.status_code == 200
    laptop.csrf = r.json()["csrf_token"]
    assert laptop.get("/api/me").status_code == 200  # this browser stays signed in
    assert desktop.get("/api/me").status_code == 401  # the other session ended
    page = portal.client()
    page.login("changer", "second-password-2")
    form = page.http.post("/account/password", data={"csrf_token": page.page_token("/account/password"),
                                                      "current": "second-password-2", "new": "third-password-3"})
    assert form.status_code == 303
    with portal.db() as db:
        assert db.scalars(select(AuditEntry).where(AuditEntry.action == "change_password")).all()
