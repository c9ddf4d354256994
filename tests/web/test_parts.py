"""The portal's small parts: the store, safe names, formula-safe CSV, passwords, cookies, migrations."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import inspect

from xxgk.web.csvsafe import cell, csv_bytes
from xxgk.web.db import make_engine, migrate
from xxgk.web.security import TEST_FAST_HASH, Cookies, hash_password, make_hasher, verify_password
from xxgk.web.storage import Store, sweep
from xxgk.web.uploads import MAX_NAME, safe_name


def test_store_is_content_addressed_and_immutable(tmp_path):
    store = Store(tmp_path / "files")
    sha, size = store.put_stream(io.BytesIO(b"abc"))
    assert sha == hashlib.sha256(b"abc").hexdigest() and size == 3
    path = store.path(sha)
    assert path.read_bytes() == b"abc" and path.relative_to(tmp_path / "files").parts[:2] == (sha[:2], sha[2:4])
    assert not path.stat().st_mode & 0o222  # read-only
    assert store.put_stream(io.BytesIO(b"abc")) == (sha, 3)  # same content, same file
    assert not list((tmp_path / "files" / "tmp").iterdir())  # no temp file left
    for bad in ("../../etc/passwd", "A" * 64, sha[:-1]):
        with pytest.raises(ValueError):
            store.path(bad)


def test_sweep_removes_only_old_leftovers(tmp_path):
    import os

    old, young = tmp_path / "old.part", tmp_path / "young.part"
    (tmp_path / "up-old").mkdir()
    for p in (old, young, tmp_path / "up-old" / "x.xlsx"):
        p.write_bytes(b"x")
    for p in (old, tmp_path / "up-old"):
        os.utime(p, (1, 1))
    assert sweep(tmp_path) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["young.part"]


def test_safe_names():
    assert safe_name("C:\\Users\\张三\\Desktop\\年报.xlsx") == "年报.xlsx"
    assert safe_name("") == safe_name(None) == "报表.xlsx"
    long = safe_name("很" * 300 + ".xlsx")
    assert len(long) <= MAX_NAME and long.endswith(".xlsx")
    assert safe_name(".hidden.xlsx") == "hidden.xlsx"


def test_csv_cells_cannot_become_formulas():
    assert [cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "＝1", "正常", 5, None)] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'＝1", "正常", "5", ""]
    data = csv_bytes(["单位"], [["=cmd|' /C calc'!A0"]])
    assert data.startswith(b"\xef\xbb\xbf") and "'=cmd" in data.decode("utf-8-sig")


def test_production_passwords_are_hashed_at_full_argon2id_cost(monkeypatch):
    """The suite hashes at minimal cost (tests/conftest.py); without that knob a portal hashes at argon2id's
    defaults (RFC 9106: 64 MiB, 3 passes, 4 lanes); such a hash verifies under either hasher (the cost is read
    from the stored hash)."""
    monkeypatch.delenv(TEST_FAST_HASH, raising=False)
    production = make_hasher()
    assert production.memory_cost >= 65536 and production.time_cost >= 3 and production.parallelism >= 1
    stored = production.hash("正确的密码")
    cost = f"m={production.memory_cost},t={production.time_cost},p={production.parallelism}"
    assert stored.startswith(f"$argon2id$v=19${cost}$")
    assert verify_password(stored, "正确的密码") and not verify_password(stored, "错误的密码")
    monkeypatch.setenv(TEST_FAST_HASH, "0")
    assert make_hasher().memory_cost >= 65536
    monkeypatch.setenv(TEST_FAST_HASH, "1")
    assert make_hasher().memory_cost < 65536


def test_passwords_and_cookies():
    stored = hash_password("正确的密码")
    assert stored.startswith("$argon2id$") and verify_password(stored, "正确的密码")
    assert not verify_password(stored, "错误的密码") and not verify_password("garbage", "x")
    cookies = Cookies("k" * 40)
    signed = cookies.sign("sid")
    assert cookies.unsign(signed) == "sid" and cookies.unsign(signed + "x") is None
    assert cookies.unsign(Cookies("other" * 8).sign("sid")) is None
    assert cookies.csrf_ok("sid", cookies.csrf_token("sid")) and not cookies.csrf_ok("sid2", cookies.csrf_token("sid"))


def test_migrations_build_the_schema_and_are_idempotent(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine, tmp_path)
    migrate(engine, tmp_path)
    tables = set(inspect(engine).get_table_names())
    assert {"regions", "units", "accounts", "sessions", "report_years", "submissions", "summaries", "audit_log",
            "alembic_version"} <= tables
