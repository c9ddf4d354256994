"""Nothing is lost: killing the server (SIGKILL) in the middle of uploads leaves each submission whole or
absent — every database row has its stored file with the right sha256, nothing half-written is listed."""

from __future__ import annotations

import hashlib
import socket
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from xxgk.web.db import make_engine, migrate, session_factory
from xxgk.web.demo import PASSWORD, seed, workbook
from xxgk.web.models import Submission
from xxgk.web.settings import Settings, prepare
from xxgk.web.storage import Store

from .pg import postgres_url
from .server import Server


def _seed(data, database_url: str = ""):
    settings = prepare(Settings(data, database_url=database_url))
    engine = make_engine(settings.db_url)
    migrate(engine, settings.data_dir)
    with session_factory(engine)() as db:
        site = seed(db, per_county=2, city_agencies=1)
        db.expunge_all()
    engine.dispose()
    return settings, site


def _login(url: str, username: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=url, timeout=60)
    r = c.post("/api/login", json={"username": username, "password": PASSWORD})
    r.raise_for_status()
    return c, r.json()["csrf_token"]


def _rows(settings):
    engine = make_engine(settings.db_url)
    with session_factory(engine)() as db:
        rows = db.scalars(select(Submission)).all()
    engine.dispose()
    return rows


def _consistent(settings) -> list[Submission]:
    store = Store(settings.files_dir)
    rows = _rows(settings)
    for row in rows:
        data = store.path(row.sha256).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.sha256 and len(data) == row.size
    return rows


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "xxgkboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), boundary


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_during_slow_upload_then_restart(tmp_path, backend, request):
    url = postgres_url(request, tmp_path) if backend == "postgresql" else ""
    settings, site = _seed(tmp_path / "data", url)
    unit, agency = site.units[site.counties[0].id][0]
    book = workbook(tmp_path / "a.xlsx", agency).read_bytes()
    server = Server(settings.data_dir, None, *(["--database-url", url] if url else [])).start()
    try:
        client, token = _login(server.url, site.unit_account(unit))
        done = client.post(f"/api/units/{unit.id}/submissions", files={"file": ("完整.xlsx", book)},
                           headers={"X-CSRF-Token": token})
        assert done.status_code == 200
        body, boundary = _multipart("slow.xlsx", book)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        head = (f"POST /api/units/{unit.id}/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n"
                f"X-CSRF-Token: {token}\r\nCookie: {cookie}\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(head)
            for i in range(0, len(body) // 2, 4096):  # a slow client: half the body, in chunks
                sock.sendall(body[i:i + 4096])
                time.sleep(0.005)
            server.kill()
        server.start()
        rows = _consistent(settings)
        assert [r.filename for r in rows] == ["完整.xlsx"]
        client, token = _login(server.url, site.unit_account(unit))  # the portal works after the crash
        again = client.post(f"/api/units/{unit.id}/submissions", files={"file": ("再次.xlsx", book)},
                            headers={"X-CSRF-Token": token})
        assert again.status_code == 200 and again.json()["version"] == 2
        client.close()
    finally:
        server.stop()


def test_kill_at_random_moments_of_many_uploads(tmp_path):
    settings, site = _seed(tmp_path / "data")
    pairs = site.units[site.counties[0].id] + site.units[site.counties[1].id]
    books = {u.id: workbook(tmp_path / f"{u.id}.xlsx", a, seed=u.id).read_bytes() for u, a in pairs}
    server = Server(settings.data_dir).start()
    answered: list[int] = []
    try:
        for round_, delay in enumerate((0.4, 0.9, 1.7), 1):
            clients = {u.id: _login(server.url, site.unit_account(u)) for u, _ in pairs}
            stop = threading.Event()

            def upload_loop(unit_id: int, clients=clients, stop=stop) -> None:
                c, token = clients[unit_id]
                while not stop.is_set():
                    try:
                        r = c.post(f"/api/units/{unit_id}/submissions", headers={"X-CSRF-Token": token},
                                   files={"file": (f"{unit_id}.xlsx", books[unit_id])})
                    except httpx.HTTPError:
                        return
                    if r.status_code == 200:
                        answered.append(r.json()["id"])

            threads = [threading.Thread(target=upload_loop, args=(u.id,)) for u, _ in pairs]
            for t in threads:
                t.start()
            time.sleep(delay)
            server.kill()
            stop.set()
            for t in threads:
                t.join()
            server.start()
            rows = _consistent(settings)
            ids = {r.id for r in rows}
            assert set(answered) <= ids  # every answered upload is there
            # at most one unanswered upload per client and kill: committed, then the answer was lost
            assert len(ids) - len(answered) <= len(pairs) * round_
            for unit_id in books:
                versions = sorted(r.version for r in rows if r.unit_id == unit_id)
                assert versions == list(range(1, len(versions) + 1))  # no gap, no duplicate
    finally:
        server.stop()
    assert answered
