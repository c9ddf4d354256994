"""`xxgk serve` as IT staff run it: several workers on one data folder (they migrate one at a time and share
the session key), concurrent uploads of one unit get consecutive versions."""

from __future__ import annotations

import concurrent.futures

import httpx

from xxgk.web.demo import PASSWORD, workbook

from .server import Server
from .test_crash import _consistent, _seed


def test_two_workers_share_one_data_folder(tmp_path, monkeypatch):
    # 16 uploads queue for 2 × XXGK_CHECK_SLOTS: on a loaded machine the default 15 s wait ends in 503 (by design);
    # this test is about two workers sharing one folder, so the queue may wait
    monkeypatch.setenv("XXGK_CHECK_WAIT", "300")
    data = tmp_path / "data"
    server = Server(data, None, "--workers", "2").start()  # a fresh folder: both workers migrate it at start-up
    server.stop()
    settings, site = _seed(tmp_path / "seeded")
    server = Server(settings.data_dir, None, "--workers", "2").start()
    try:
        unit, agency = site.units[site.counties[0].id][0]
        book = workbook(tmp_path / "a.xlsx", agency).read_bytes()
        c = httpx.Client(base_url=server.url, timeout=60)
        token = c.post("/api/login", json={"username": site.unit_account(unit), "password": PASSWORD}).json()["csrf_token"]
        cookies = dict(c.cookies)

        def upload(i: int) -> int:
            with httpx.Client(base_url=server.url, timeout=60, cookies=cookies) as one:  # any worker knows the session
                r = one.post(f"/api/units/{unit.id}/submissions", files={"file": (f"{i}.xlsx", book)},
                             headers={"X-CSRF-Token": token})
                return r.status_code

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(upload, range(16)))
        assert codes == [200] * 16
        rows = _consistent(settings)
        assert sorted(r.version for r in rows) == list(range(1, 17))
    finally:
        server.stop()


def test_serve_mistakes_end_in_chinese(tmp_path):
    import socket
    import subprocess
    import sys

    from .server import ROOT

    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "xxgk", "serve", "--data", str(tmp_path / "d"), "--port", str(port)],
                             capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and "端口" in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "xxgk", "serve", "--data", str(tmp_path / "d"),
                          "--database-url", "postgresql://nobody@127.0.0.1:1/none"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and "数据库" in out.stderr and "Traceback" not in out.stderr


def test_portal_admin_makes_the_first_admin_and_resets_a_password(tmp_path):
    """A fresh deployment has no account: `xxgk portal-admin` creates the first admin, and later resets a password."""
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from xxgk.cli import main
    from xxgk.web.app import create_app
    from xxgk.web.settings import Settings

    data = tmp_path / "fresh"
    runner = CliRunner()
    out = runner.invoke(main, ["portal-admin", "root", "--data", str(data)], input="first-pass-1\nfirst-pass-1\n")
    assert out.exit_code == 0 and "已新建管理员 root" in out.output, out.output
    app = create_app(Settings(data))
    c = TestClient(app)
    assert c.post("/api/login", json={"username": "root", "password": "first-pass-1"}).status_code == 200
    assert c.get("/admin").status_code == 200
    out = runner.invoke(main, ["portal-admin", "root", "--data", str(data)], env={"XXGK_ADMIN_PASSWORD": "second-pass-2"})
    assert out.exit_code == 0 and "已重设" in out.output, out.output
    assert c.get("/api/me").status_code == 401  # the old session ended with the reset
    assert c.post("/api/login", json={"username": "root", "password": "second-pass-2"}).status_code == 200
    out = runner.invoke(main, ["portal-admin", "x", "--data", str(data)], env={"XXGK_ADMIN_PASSWORD": "short"})
    assert out.exit_code == 2 and "密码至少" in out.output and "Traceback" not in out.output
    app.state.engine.dispose()
