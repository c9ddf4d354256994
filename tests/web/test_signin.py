"""Sign-in hardening: throttling per address and per address+name (a spray is slowed, nobody locks a name out for
everyone), the client address and HTTPS taken from forwarded headers only through the trusted proxy, the session
cookie Secure over HTTPS, a Content-Security-Policy on every page and no inline script."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from xxgk.web import directory
from xxgk.web.demo import PASSWORD
from xxgk.web.models import AuditEntry
from xxgk.web.routers.public import MAX_ADDRESS_FAILURES, MAX_FAILURES
from xxgk.web.security import COOKIE

PROXY = "127.0.0.1"  # the default trusted proxy


def client(portal, address: str, **headers: str) -> TestClient:
    return TestClient(portal.app, follow_redirects=False, client=(address, 40000), headers=headers)


def login(c: TestClient, username: str, password: str) -> int:
    return c.post("/api/login", json={"username": username, "password": password}).status_code


def test_one_address_cannot_lock_a_name_out_for_everyone(portal):
    with portal.db() as db:
        directory.add_account(db, None, "victim", "right-password-1", "admin", "")
    attacker = client(portal, "198.51.100.7")
    for _ in range(MAX_FAILURES):
        assert login(attacker, "victim", "wrong") == 401
    assert login(attacker, "victim", "right-password-1") == 429  # this address is slowed for this name
    assert login(client(portal, "198.51.100.8"), "victim", "right-password-1") == 200  # the owner elsewhere is not
    assert login(attacker, "xian1", PASSWORD) == 200  # nor other names from the attacker's address


def test_a_spray_across_names_from_one_address_is_slowed(portal):
    sprayer = client(portal, "198.51.100.20")
    for n in range(MAX_ADDRESS_FAILURES):
        assert login(sprayer, f"user{n}", "123456") == 401
    assert login(sprayer, "xian1", PASSWORD) == 429
    assert login(client(portal, "198.51.100.21"), "xian1", PASSWORD) == 200


def test_forwarded_address_only_through_the_trusted_proxy(portal):
    via_proxy = client(portal, PROXY, **{"X-Forwarded-For": "10.9.8.7"})
    assert login(via_proxy, "nobody-a", "x") == 401
    direct = client(portal, "203.0.113.9", **{"X-Forwarded-For": "10.9.8.6"})
    assert login(direct, "nobody-b", "x") == 401
    with portal.db() as db:
        ips = dict(db.execute(select(AuditEntry.target, AuditEntry.ip).where(
            AuditEntry.target.in_(["nobody-a", "nobody-b"]))).all())
    assert ips == {"nobody-a": "10.9.8.7", "nobody-b": "203.0.113.9"}  # a forged header from outside is ignored
    spray = client(portal, "203.0.113.10")
    for n in range(MAX_ADDRESS_FAILURES):  # a sprayer cannot escape the limit by forging X-Forwarded-For
        spray.headers["X-Forwarded-For"] = f"10.1.1.{n}"
        assert login(spray, f"s{n}", "x") == 401
    assert login(spray, "xian1", PASSWORD) == 429


def _cookie_header(c: TestClient) -> str:
    r = c.get("/login")
    return next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE))


def test_session_cookie_secure_when_https_came_through_the_proxy(portal):
    assert "Secure" in _cookie_header(client(portal, PROXY, **{"X-Forwarded-Proto": "https"}))
    assert "Secure" not in _cookie_header(client(portal, PROXY))
    assert "Secure" not in _cookie_header(client(portal, "203.0.113.9", **{"X-Forwarded-Proto": "https"}))
    c = client(portal, PROXY, **{"X-Forwarded-Proto": "https"})
    r = c.post("/api/login", json={"username": "xian1", "password": PASSWORD})
    assert r.status_code == 200 and "; Secure" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


def assert_csp_page(r) -> None:  # type: ignore[no-untyped-def]
    csp = r.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "object-src 'none'" in csp, r.url
    if r.headers.get("content-type", "").startswith("text/html"):
        assert not INLINE_SCRIPT.search(r.text), r.url
        assert "unsafe-inline" in csp or not INLINE_STYLE.search(r.text), r.url
        assert "javascript:" not in r.text, r.url


def test_pages_carry_a_csp_and_no_inline_script(portal):
    anonymous = client(portal, PROXY)
    for path in ("/", "/login", "/validate", "/docs", "/no-such-page"):
        assert_csp_page(anonymous.get(path))
    big = anonymous.post("/validate", content=b"x" * 10, headers={"content-length": str(2**40)})
    assert big.status_code == 413
    assert_csp_page(big)
