"""A zip bomb whose headers lie, sent to `xxgk serve` as users run it (issue 12 §1): anonymous 在线校验 and an
agency upload, several at once. The server is refused every one with the honest bomb's Chinese reason and grows
by at most 300 MB, because each check counts what it inflates and only a few checks run at once."""

from __future__ import annotations

import concurrent.futures
import os
import threading
from pathlib import Path

import httpx
import pytest
from fastapi import HTTPException

from bomb_support import lying_bomb
from xxgk.web.demo import PASSWORD, workbook

from .server import ROOT, Server
from .test_crash import _seed

ANONYMOUS = int(os.environ.get("XXGK_TEST_BOMBS", "6"))  # in parallel, plus 2 agency uploads
LIMIT = 300 * 2**20


def _rss(pid: int) -> int:
    """Resident bytes of `pid` and its children (workers)."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = [int(k) for t in Path(f"/proc/{pid}/task").iterdir()
                for k in (t / "children").read_text().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in _children(k)]


class Peak(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, _rss(self.pid))
            self.done.wait(0.01)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_parallel_lying_bombs_grow_the_server_by_at_most_300_mb(tmp_path: Path) -> None:
    settings, site = _seed(tmp_path / "data")
    unit, agency = site.units[site.counties[0].id][0]
    bomb = lying_bomb(ROOT / "workbook" / "信息公开年报模板_2021.xlsx", tmp_path / "年报.xlsx").read_bytes()
    good = workbook(tmp_path / "good.xlsx", agency).read_bytes()
    server = Server(settings.data_dir).start()
    assert server.proc is not None
    try:
        with httpx.Client(base_url=server.url, timeout=120) as c:
            r = c.post("/api/validate", files={"files": ("good.xlsx", good)})  # warm: imports and caches loaded
            assert r.status_code == 200, r.text
            token = c.post("/api/login", json={"username": site.unit_account(unit), "password": PASSWORD}
                           ).json()["csrf_token"]
            cookies = dict(c.cookies)
        base = _rss(server.proc.pid)
        peak = Peak(server.proc.pid)
        peak.start()

        def anonymous(_i: int) -> tuple[int, str]:
            with httpx.Client(base_url=server.url, timeout=120) as one:
                r = one.post("/api/validate", files={"files": ("年报.xlsx", bomb)})
                if r.status_code != 200:
                    return r.status_code, r.json()["error"]
                return 200, r.json()["files"][0]["issues"][0]["message"]

        def agency_upload(_i: int) -> tuple[int, str]:
            with httpx.Client(base_url=server.url, timeout=120, cookies=cookies) as one:
                r = one.post(f"/api/units/{unit.id}/submissions", files={"file": ("年报.xlsx", bomb)},
                             headers={"X-CSRF-Token": token})
                return r.status_code, r.json()["error"]

        with concurrent.futures.ThreadPoolExecutor(ANONYMOUS + 2) as pool:
            jobs = [pool.submit(anonymous, i) for i in range(ANONYMOUS)]
            jobs += [pool.submit(agency_upload, i) for i in range(2)]
            answers = [j.result() for j in jobs]
        peak.done.set()
        peak.join()
        growth = peak.peak - base
        print(f"{ANONYMOUS} anonymous + 2 agency lying bombs at once: server grew by {growth / 2**20:.0f} MB")
        assert growth <= LIMIT, f"server grew by {growth / 2**20:.0f} MB"
        for status, message in answers:
            assert (status in (200, 422) and "疑似“压缩炸弹”，已拒绝读取" in message) or (status == 503 and "服务器正忙" in message), (status, message)
        with httpx.Client(base_url=server.url, timeout=60, cookies=cookies) as c:
            assert c.get(f"/api/units/{unit.id}/submissions").json() == []
    finally:
        server.stop()


def test_checks_beyond_the_slots_wait_then_get_503_in_chinese() -> None:
    from xxgk.web.checks import BUSY, Gate

    gate = Gate(1, 0.05)
    with gate.slot(), pytest.raises(HTTPException) as caught, gate.slot():
        pass
    assert caught.value.status_code == 503 and caught.value.detail == BUSY and "服务器正忙" in BUSY
    with gate.slot():  # the slot is free again
        pass


def test_busy_server_answers_503_in_chinese(portal, tmp_path: Path) -> None:
    """All slots taken for longer than the wait: 在线校验 gets 503 and the Chinese message, as JSON and as a page."""
    from xxgk.web import checks

    _unit, agency = portal.units(1)[0]
    book = portal.book("busy.xlsx", agency)
    checks.configure(1, 0.05)
    try:
        with checks.slot():
            r = portal.client().http.post("/api/validate", files={"files": ("a.xlsx", book.read_bytes())})
        assert r.status_code == 503 and r.json()["error"] == checks.BUSY
        r = portal.client().http.post("/api/validate", files={"files": ("a.xlsx", book.read_bytes())})
        assert r.status_code == 200  # the slot is free again
    finally:
        checks.configure(2, 15.0)
