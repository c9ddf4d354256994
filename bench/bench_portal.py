"""Benchmark the 报送平台 on loopback: `xxgk serve` in a subprocess (SQLite in a fresh data folder).

  1. 500 uploads from 50 concurrent clients (httpx async; each client is one agency and uploads 10
     different workbooks, so versions 1..10): no error, no lost or duplicated submission — the database
     rows and the stored files are counted against what was sent; p50/p95 latency, next to the baseline
     measured in the same run: validating one workbook in this process (the floor of an upload);
  2. the status page of a region with 5,000 units (each with a submission) as its consolidator sees it:
     best and median of 7 renders, with the JSON status of the same region, against a GET /healthz round
     trip.

No timing is asserted; the goals are printed with the figures.

    .venv/bin/python bench/bench_portal.py [--uploads 500] [--clients 50] [--units 5000] [--workers 1]
                                           [--database-url postgresql://user@127.0.0.1:5432/empty_db]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import httpx
from sqlalchemy import func, insert, select

from xxgk.validate import validate_files
from xxgk.web import directory
from xxgk.web.db import make_engine, migrate, session_factory
from xxgk.web.demo import PASSWORD, seed
from xxgk.web.models import ACCEPTED, AGENCY, CONSOLIDATOR, Submission, Unit
from xxgk.web.settings import Settings, prepare
from xxgk.web.storage import Store

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def prepare_data(data: Path, clients: int, big: int, sample: Path, database_url: str) -> dict[str, object]:
    """Demo site + a county of `clients` agencies with accounts + a county of `big` units with submissions."""
    settings = prepare(Settings(data, database_url=database_url))
    engine = make_engine(settings.db_url)
    migrate(engine, settings.data_dir)
    with session_factory(engine)() as db:
        site = seed(db, per_county=2, city_agencies=1)
        load = directory.add_region(db, None, "330281", "压测县", "county", site.city.id)
        units = [directory.add_unit(db, None, load.id, f"压测单位{i:03d}") for i in range(clients)]
        for u in units:
            directory.add_account(db, None, f"load{u.id}", PASSWORD, AGENCY, u.name, u.id)
        large = directory.add_region(db, None, "330282", "大县", "county", site.city.id)
        directory.add_account(db, None, "daxian", PASSWORD, CONSOLIDATOR, "大县", None, large.id)
        db.execute(insert(Unit), [{"name": f"大县单位{i:05d}", "uscc": "", "region_id": large.id, "kind": "agency",
                                   "parent_name": ""} for i in range(big)])
        sha, size = Store(settings.files_dir).put_file(sample)
        report = json.dumps({"path": sample.name, "form": "gb2021", "agency": "", "status": "ok", "issues": []})
        big_ids = db.scalars(select(Unit.id).where(Unit.region_id == large.id)).all()
        db.execute(insert(Submission), [{"unit_id": uid, "report_year_id": site.year.id, "version": 1,
                                         "filename": sample.name, "sha256": sha, "size": size, "status": ACCEPTED,
                                         "report_json": report, "notes_json": "{}", "remark": ""}
                                        for uid in big_ids])
        db.commit()
        out = {"units": [u.id for u in units], "large": large.id, "db_url": settings.db_url, "files": settings.files_dir}
    engine.dispose()
    return out


async def sign_in(url: str, unit_id: int) -> tuple[httpx.AsyncClient, str]:
    c = httpx.AsyncClient(base_url=url, timeout=120)
    r = await c.post("/api/login", json={"username": f"load{unit_id}", "password": PASSWORD})
    return c, r.json()["csrf_token"]


async def client_run(client: tuple[httpx.AsyncClient, str], unit_id: int, books: list[Path], latencies: list[float],
                     errors: list[str], sent: dict[int, list[str]]) -> None:
    c, token = client
    try:
        for book in books:
            data = book.read_bytes()
            t0 = time.perf_counter()
            r = await c.post(f"/api/units/{unit_id}/submissions", files={"file": (book.name, data)},
                             headers={"X-CSRF-Token": token})
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text[:200]}")
            sent.setdefault(unit_id, []).append(hashlib.sha256(data).hexdigest())
    finally:
        await c.aclose()


def start_server(data: Path, workers: int, database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = common_free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "XXGK_DATABASE_URL": database_url}
    proc = subprocess.Popen([sys.executable, "-m", "xxgk", "serve", "--data", str(data), "--port", str(port),
                             "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def common_free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_counts(info: dict[str, object], sent: dict[int, list[str]]) -> tuple[int, int, int, bool]:
    engine = make_engine(str(info["db_url"]))
    with session_factory(engine)() as db:
        rows = db.execute(select(Submission.unit_id, Submission.version, Submission.sha256)
                          .where(Submission.unit_id.in_(list(sent)))).all()
        dupes = db.scalar(select(func.count()).select_from(
            select(Submission.unit_id, Submission.version).where(Submission.unit_id.in_(list(sent)))
            .group_by(Submission.unit_id, Submission.version).having(func.count() > 1).subquery()))
    engine.dispose()
    store = Store(Path(str(info["files"])))
    expected = sorted(h for hs in sent.values() for h in hs)
    got = sorted(r.sha256 for r in rows)
    stored_ok = all(store.has(h) for h in set(expected))
    versions_ok = all(sorted(v for u, v, _ in rows if u == uid) == list(range(1, len(hs) + 1)) for uid, hs in sent.items())
    return len(rows), len(set(got)), dupes or 0, got == expected and stored_ok and versions_ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uploads", type=int, default=500)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--renders", type=int, default=7)
    ap.add_argument("--database-url", default="", help="an empty PostgreSQL database (default: SQLite in a temp folder)")
    args = ap.parse_args()
    per_client = args.uploads // args.clients
    books = sorted(common.cached_folder(args.clients * per_client, 1).glob("*.xlsx"))[: args.clients * per_client]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {len(books)} distinct workbooks")

    t0 = time.perf_counter()
    validate_files([books[0]])
    baseline = min(_time(lambda: validate_files([books[0]])) for _ in range(5))
    print(f"baseline: validate_files on one workbook in this process: {baseline * 1000:.0f} ms "
          f"(first call {(time.perf_counter() - t0) * 1000:.0f} ms incl. warm-up)")

    with tempfile.TemporaryDirectory(prefix="xxgk-bench-portal-") as tmp:
        data = Path(tmp) / "data"
        t0 = time.perf_counter()
        info = prepare_data(data, args.clients, args.units, books[0], args.database_url)
        print(f"seeded in {time.perf_counter() - t0:.1f} s ({args.clients} agency accounts, {args.units} units)")
        proc, url = start_server(data, args.workers, args.database_url)
        print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}")
        try:
            latencies: list[float] = []
            errors: list[str] = []
            sent: dict[int, list[str]] = {}
            units = list(info["units"])  # type: ignore[call-overload]
            wall = 0.0

            async def run_all() -> None:  # all clients sign in first (argon2 is slow on purpose), then upload at once
                nonlocal wall
                clients = await asyncio.gather(*(sign_in(url, uid) for uid in units))
                t0 = time.perf_counter()
                await asyncio.gather(*(client_run(clients[i], uid, books[i * per_client:(i + 1) * per_client], latencies,
                                                  errors, sent) for i, uid in enumerate(units)))
                wall = time.perf_counter() - t0

            asyncio.run(run_all())
            rows, distinct, dupes, exact = check_counts(info, sent)
            n = len(latencies)
            p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
            print(f"\n1. {n} uploads from {len(units)} concurrent clients, {args.workers} worker(s): {wall:.1f} s wall, "
                  f"{n / wall:.1f} uploads/s")
            print(f"   errors: {len(errors)}{' — ' + errors[0] if errors else ''}")
            print(f"   database rows {rows} (sent {n}), distinct files {distinct}, duplicated versions {dupes}, "
                  f"rows = files sent and stored: {'yes' if exact else 'NO'}")
            print(f"   latency p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; "
                  f"p50 = {p50 / baseline:.1f}× the in-process validation of one workbook")
            goal = not errors and exact and rows == n
            print(f"   goal (no error, nothing lost or duplicated): {'met' if goal else 'NOT met'}")

            c = httpx.Client(base_url=url, timeout=60)
            c.post("/api/login", json={"username": "daxian", "password": PASSWORD}).raise_for_status()
            health = statistics.median(_time(lambda: c.get("/healthz")) for _ in range(20))
            page_times, api_times = [], []
            for _ in range(args.renders):
                t = time.perf_counter()
                r = c.get(f"/regions/{info['large']}")
                page_times.append(time.perf_counter() - t)
                assert r.status_code == 200 and r.text.count("<tr>") >= args.units, r.status_code
                t = time.perf_counter()
                j = c.get(f"/api/regions/{info['large']}/status")
                api_times.append(time.perf_counter() - t)
                assert len(j.json()["units"]) == args.units
            best, med = min(page_times), statistics.median(page_times)
            print(f"\n2. status page of a region with {args.units} units: best {best * 1000:.0f} ms, median "
                  f"{med * 1000:.0f} ms ({len(r.content) / 2**20:.1f} MB HTML); JSON status median "
                  f"{statistics.median(api_times) * 1000:.0f} ms; GET /healthz round trip {health * 1000:.1f} ms "
                  f"(page = {med / health:.0f}× a round trip)")
            print(f"   goal (under 1 s): {'met' if med < 1 else 'NOT met'}")
        finally:
            proc.terminate()
            proc.wait()
    return 0


def _time(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    sys.exit(main())
