"""Codes and English where people read: every page of the portal (all GET routes, walked from the app, with real
ids of a seeded portal) as each role, and every error response, shows Chinese: no code-like ASCII identifiers
(cell.negative, R3[business], view_unit, agency, gb2021, gb2019+zj, "Not Found", BadZipFile) in visible text.
Codes stay in JSON and in the findings' narrow 代码 column. Every HTML page has the CSP and no inline script."""

from __future__ import annotations

import html
import os
import re
import zipfile
from pathlib import Path

import pytest

from xxgk.findings import CODE_NAMES, MESSAGES
from xxgk.labels import form_title
from xxgk.web.demo import PASSWORD

from .test_signin import assert_csp_page

ALLOWED = re.compile(
    r"https?://\S+|/[\w./?=&#{}-]*|[\w.-]+(?:/[\w.-]+)*\.(?:xlsx|xls|xlsm|csv|zip|docx|doc|pdf|et|ods|json|xml|rels|html|htm|txt)\b"  # URLs, paths, files
    r"|\b[0-9A-HJ-NPQRTUWXY]{18}\b|\b[0-9a-f]{16,}\b|\$?[A-Z]{1,3}\$?\d+\b"  # credit codes, sha256, A1 refs
    r"|\.?\b(?:xlsx|xlsm|xls|et|ods|csv|zip|docx|doc|pdf|html|htm|txt)\b|'[^']*'!|xxgk|testclient|Excel|WPS|LibreOffice|JSON|CSV|HTTPS?|IP|Cookie|OpenAPI|Swagger", re.I)
CODE_LIKE = re.compile(
    r"\b[a-z][a-z0-9]*(?:[._:][a-z0-9_]+)+\b"  # cell.negative, view_unit, portal.other_agency, unit:12
    r"|\b[A-Z]+\d*\[[\w,]+\]"  # R3[business]
    r"|\b[a-z]{2,}\b"  # a lowercase word: agency, ok, denied, upload, levels
    r"|\b[a-z]+\d+(?:\+\w+)?\b"  # gb2021, gb2019+zj
    r"|\b[A-Z][a-z]+[A-Z]\w*"  # BadZipFile
    r"|\b[A-Za-z]+ [A-Za-z]+\b")  # English words: Not Found, Method Not Allowed


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r'(?is)<(td|th|span|code)\b[^>]*class="[^"]*\bcode\b[^"]*"[^>]*>.*?</\1>', " ", page)  # narrow code column
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def code_like(text: str, names: set[str]) -> list[str]:
    text = ALLOWED.sub(" ", text)
    for name in sorted(names, key=len, reverse=True):  # user names are what people typed
        text = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", " ", text)
    return sorted({m.group(0) for m in CODE_LIKE.finditer(text)})


def check_page(r, names: set[str], where: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code < 500, (where, r.status_code, r.text[:300])
    kind = r.headers.get("content-type", "")
    if kind.startswith("application/json") and r.status_code >= 400:
        body = r.json()
        assert isinstance(body.get("code"), str) and re.search(r"[\u4e00-\u9fff]", body["error"]), (where, body)
        assert not code_like(body["error"], names), (where, body)
    if not kind.startswith("text/html"):
        return
    assert_csp_page(r)
    found = code_like(visible_text(r.text), names)
    if os.environ.get("XXGK_COLLECT"):
        print("CODE-LIKE", where, r.status_code, found) if found else None
        return
    assert not found, (where, r.status_code, found)


def _bad_crc(good: Path, dest: Path) -> Path:
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
    data = bytearray(dest.read_bytes())
    with zipfile.ZipFile(dest) as z:
        info = next(i for i in z.infolist() if i.filename.endswith("sheet1.xml"))
    at = info.header_offset + 30 + len(info.filename) + len(info.extra) + 40
    data[at] ^= 0xFF  # one flipped byte in the compressed data: the CRC no longer matches
    dest.write_bytes(bytes(data))
    return dest


@pytest.fixture(scope="module")
def seeded(portal):
    """Findings of every kind on record, a returned version, a summary, its job, an audit log with denials."""
    site = portal.site
    county = site.counties[0]
    (unit, agency), (unit2, agency2) = portal.units(1)[:2]
    c = portal.client(site.unit_account(unit))
    bad = c.upload(unit.id, portal.book("walk-bad.xlsx", agency, break_r3=True, blank=3)).json()
    other = c.upload(unit.id, portal.book("walk-other.xlsx", agency2)).json()  # another unit's cover
    good = portal.client(site.unit_account(unit2)).upload(unit2.id, portal.book("walk-good.xlsx", agency2)).json()
    boss = portal.client("xian1")
    assert boss.post(f"/api/submissions/{other['id']}/return", json={"remark": "请核对封面"}).status_code == 200
    job = boss.consolidate(county.id, mode="direct")
    assert c.get(f"/regions/{county.id}").status_code in (302, 303, 403)  # a denial in the audit log
    ids = {"unit_id": unit.id, "sub_id": bad["id"], "region_id": county.id, "run_id": job.get("summary_id"),
           "job": job.get("job_id", "x"), "account_id": 1}
    return {"ids": ids, "subs": [bad["id"], other["id"], good["id"]], "bad_crc": _bad_crc(
        portal.book("walk-good.xlsx", agency2), portal.tmp / "bad-crc.xlsx"), "unit": unit}


def _get_routes(app):  # type: ignore[no-untyped-def]
    def walk(routes):  # type: ignore[no-untyped-def]
        for r in routes:
            if hasattr(r, "original_router"):
                yield from walk(r.original_router.routes)
            elif "GET" in (getattr(r, "methods", None) or ()):
                yield r.path
    return sorted(set(walk(app.routes)))


SKIP = re.compile(r"/file$|/annotated$|/template$|\.csv$|\.zip$|^/openapi\.json$|^/healthz$"
                  r"|^/wps/\{path")  # the WPS add-in's files: its pages are checked in test_wps_addin


@pytest.mark.parametrize("username", [None, "admin", "shi", "xian1", "agency"])
def test_every_page_as_every_role_reads_chinese(portal, seeded, username):
    site = portal.site
    user = site.unit_account(seeded["unit"]) if username == "agency" else username
    c = portal.client(user)
    names = {a[0] for a in site.accounts} | {"victim", "target"}
    routes = _get_routes(portal.app)
    assert "/admin" in routes and "/submissions/{sub_id}" in routes
    for route in routes:
        if SKIP.search(route):
            continue
        urls = [route.format(**seeded["ids"])]
        if "{sub_id}" in route:
            urls = [route.format(**{**seeded["ids"], "sub_id": s}) for s in seeded["subs"]]
        for url in urls:
            check_page(c.get(url), names, f"{user} {url}")
    c.http.follow_redirects = True
    check_page(c.get("/"), names, f"{user} / followed")


def test_every_error_response_reads_chinese(portal, seeded):
    names = {a[0] for a in portal.site.accounts}
    unit = seeded["unit"]
    agency = portal.client(portal.site.unit_account(unit))
    anonymous = portal.client()
    token = anonymous.page_token("/login")
    cases = {
        "404 page": anonymous.get("/no-such-page"),
        "404 api": anonymous.get("/api/no-such-thing"),
        "405 page": anonymous.http.delete("/login"),
        "405 api": anonymous.http.put("/api/login"),
        "field too large": anonymous.http.post("/login", files={"username": (None, "x" * (1024 * 1024 + 10)),
                                                                "csrf_token": (None, token)}),
        "422 page": anonymous.http.post("/validate", data={"csrf_token": token}),
        "422 api": anonymous.http.post("/api/login", json={"user": "x"}),
        "422 api validate": anonymous.http.post("/api/validate"),
        "bad zip upload": agency.upload(unit.id, seeded["bad_crc"]),
        "bad zip validate": anonymous.http.post("/validate", data={"csrf_token": token},
                                                files={"files": ("bad-crc.xlsx", seeded["bad_crc"].read_bytes())}),
        "403": agency.get(f"/regions/{seeded['ids']['region_id']}"),
        "401 api": anonymous.get("/api/me"),
        "bad login": anonymous.http.post("/api/login", json={"username": "nobody", "password": "x"}),
        "csrf": anonymous.http.post("/login", data={"username": "a", "password": PASSWORD}),
    }
    for where, r in cases.items():
        assert r.status_code >= 400 or where.startswith("bad zip validate"), (where, r.status_code)
        check_page(r, names, where)
    bad = cases["bad zip validate"].text
    assert "BadZipFile" not in bad and "CRC" not in bad and "已损坏" in bad


def test_every_code_has_a_chinese_name():
    assert set(MESSAGES) <= set(CODE_NAMES)
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in CODE_NAMES.values())
    assert not code_like(form_title("gb2019+zj") + form_title("gb2021"), set())
