"""Benchmark the click through the 报送平台 (addin/PROTOCOL.md): `xxgk serve` in a subprocess, payloads shaped
as xlwings' VBA client sends them (tests/xlwings_payload.py), a workbook with findings.

  1. the template's payload size (empty template, standard payload and with our clients' "xxgk" key);
  2. server time for one click: the button on xw.Book(json=…) in this process (remote.click, best and median of
     20; and the median CPU time of 200, the request's JSON parsed and the answer's written: what 50 concurrent
     clicks share, less sensitive to other load on the machine than wall time), against the baseline measured
     in the same run: `validate_files` of the same workbook (the library's check of a file); and the loopback
     round trip of POST /addin/validate (median of 20);
  3. 50 concurrent clicks (httpx async, all started at once), 3 rounds: p50/p95/max latency, any non-200.

No timing is asserted; the goals are printed with the figures.

    .venv/bin/python bench/bench_addin_server.py [--clients 50] [--rounds 3] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_portal import percentile, start_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from xlwings_payload import vba_payload  # noqa: E402
from xxgk.addin.remote import click  # noqa: E402
from xxgk.samples import agencies, sample_fills  # noqa: E402
from xxgk.spec import load_spec  # noqa: E402
from xxgk.template import build_template  # noqa: E402
from xxgk.validate import validate_files  # noqa: E402


def books(folder: Path) -> tuple[Path, Path]:
    spec = load_spec("gb2021")
    values = dict(next(iter(sample_fills(spec, agencies("压测县", "330281", 2, seed=3), 2024, seed=5)))[1])
    values["requests.forward.natural"] = int(values.get("requests.forward.natural", 0)) + 3  # type: ignore[call-overload]
    return build_template(spec, folder / "空.xlsx"), build_template(spec, folder / "单位.xlsx", values=values)


def timed(fn, n: int = 20, clock=time.perf_counter) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        t = clock()
        fn()
        out.append(clock() - t)
    return out


async def concurrent(url: str, body: bytes, clients: int) -> tuple[list[float], list[int]]:
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients)) as c:
        async def one() -> tuple[float, int]:
            t = time.perf_counter()
            r = await c.post(url + "/addin/validate", content=body, headers={"Content-Type": "application/json"})
            return time.perf_counter() - t, r.status_code

        got = await asyncio.gather(*(one() for _ in range(clients)))
    return [t for t, _ in got], [s for _, s in got]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-addin-") as tmp:
        empty, filled = books(Path(tmp))
        size = {k: len(json.dumps(vba_payload(empty, extras=k), ensure_ascii=False).encode()) for k in (False, True)}
        print(f"template payload: standard {size[False] / 1000:.1f} KB, with xxgk key {size[True] / 1000:.1f} KB "
              f"(goal ≤ 100 KB: {'ok' if max(size.values()) <= 100_000 else 'MISSED'})")
        payload = vba_payload(filled, extras=True)
        body = json.dumps(payload, ensure_ascii=False).encode()
        click("validate", copy.deepcopy(payload))  # warm: spec, compiled rules
        base = timed(lambda: validate_files([filled]))
        server = timed(lambda: click("validate", copy.deepcopy(payload)))
        cpu = timed(lambda: json.dumps(click("validate", json.loads(body)), ensure_ascii=False), 200, time.process_time)
        print(f"one click in the server process: best {min(server) * 1000:.1f} ms, median "
              f"{statistics.median(server) * 1000:.1f} ms; CPU time with the request's JSON parsed and the answer's "
              f"written: median {statistics.median(cpu) * 1000:.1f} ms (200 clicks); baseline validate_files of the file: median "
              f"{statistics.median(base) * 1000:.1f} ms (ratio {statistics.median(server) / statistics.median(base):.2f}); "
              f"goal ≤ 150 ms: {'ok' if statistics.median(server) <= 0.15 else 'MISSED'}")
        proc, url = start_server(Path(tmp) / "data", args.workers, "")
        try:
            with httpx.Client(timeout=30) as c:
                c.post(url + "/addin/validate", content=body, headers={"Content-Type": "application/json"})
                trip = timed(lambda: c.post(url + "/addin/validate", content=body,
                                            headers={"Content-Type": "application/json"}).raise_for_status())
            print(f"POST /addin/validate round trip (loopback, sequential): median {statistics.median(trip) * 1000:.1f} ms")
            for r in range(args.rounds):
                times, codes = asyncio.run(concurrent(url, body, args.clients))
                bad = [s for s in codes if s != 200]
                print(f"round {r + 1}: {args.clients} concurrent clicks: p50 {percentile(times, 50) * 1000:.0f} ms, "
                      f"p95 {percentile(times, 95) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; non-200: {len(bad)} "
                      f"(goal p95 ≤ 1 s: {'ok' if percentile(times, 95) <= 1 and not bad else 'MISSED'})")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
