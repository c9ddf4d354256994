"""Benchmark the portal's 汇总 of one large region: N agencies (default 2,000), each with an accepted
submission of its own generated workbook (bench/generate.py), consolidated by `xxgk.web.service.consolidate`
(what the background job runs), against the baseline measured in the same run: `xxgk consolidate` on the same
files in one folder (the library's collect + write_summary, in this process). No timing is asserted.

    .venv/bin/python bench/bench_portal_consolidate.py [--units 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from generate import PLACE, REGION, iter_generate
from sqlalchemy import insert, select

from xxgk.samples import agencies
from xxgk.web import directory, service
from xxgk.web.db import make_engine, migrate, session_factory
from xxgk.web.demo import seed
from xxgk.web.models import ACCEPTED, Account, Submission, Unit
from xxgk.web.settings import Settings, prepare
from xxgk.web.storage import Store


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=2000)
    n = ap.parse_args().units
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-sum-") as tmp:
        books = Path(tmp) / "books"
        paths = [p for p, _ in iter_generate(books, n, 1)]
        settings = prepare(Settings(Path(tmp) / "data"))
        engine = make_engine(settings.db_url)
        migrate(engine, settings.data_dir)
        with session_factory(engine)() as db:
            site = seed(db, per_county=1, city_agencies=1)
            region = directory.add_region(db, None, "330283", PLACE, "county", site.city.id)
            db.execute(insert(Unit), [{"name": a.name, "uscc": a.uscc, "region_id": region.id, "kind": "agency",
                                       "parent_name": ""} for a in agencies(PLACE, REGION, n, seed=1)])
            store = Store(settings.files_dir)
            ids = db.scalars(select(Unit.id).where(Unit.region_id == region.id).order_by(Unit.id)).all()
            report = json.dumps({"path": "", "form": "gb2021", "agency": "", "status": "ok", "issues": []})
            rows = []
            for uid, path in zip(ids, paths, strict=True):
                sha, size = store.put_file(path)
                rows.append({"unit_id": uid, "report_year_id": site.year.id, "version": 1, "filename": path.name,
                             "sha256": sha, "size": size, "status": ACCEPTED, "report_json": report,
                             "notes_json": "{}", "remark": ""})
            db.execute(insert(Submission), rows)
            db.commit()
            admin = db.scalar(select(Account).where(Account.username == "admin"))
            assert admin is not None
            t = time.perf_counter()
            run = service.consolidate(db, store, admin, region, site.year, "levels")
            portal = time.perf_counter() - t
        engine.dispose()
        from xxgk.consolidate import Options, collect, write_summary

        t = time.perf_counter()
        result = collect([books], Options(output=Path(tmp) / "cli.xlsx", force=True, jobs=1))
        write_summary(result, Path(tmp) / "cli.xlsx", force=True)
        baseline = time.perf_counter() - t
    print(f"{n} units: portal 汇总 {portal:.1f} s ({run.units} summed); baseline xxgk consolidate on the same files "
          f"{baseline:.1f} s; ratio portal/baseline {portal / baseline:.2f}")
    print("goal: the page never waits for it (background job, bench/README.md); the ratio shows the portal's overhead")
    return 0


if __name__ == "__main__":
    sys.exit(main())
