"""汇总 in the background: a region of 2,000 units takes ~16 s here (bench/README.md), too long for a request
behind a reverse proxy. The job runs in a thread of the worker that took the request; its state is a small JSON
file in DATA/jobs/ (written atomically), so a page refresh answered by any worker sees it. The summary itself is
stored content-addressed and recorded as a SummaryRun, exactly as before."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from xxgk.web import service
from xxgk.web.models import Account, Region, ReportYear
from xxgk.web.storage import Store

RUNNING, DONE, FAILED = "running", "done", "failed"
STALE = dt.timedelta(hours=2)  # a job still "running" this long died with its worker (restart, kill)
log = logging.getLogger(__name__)


class Jobs:
    def __init__(self, folder: Path, sessions: Callable[[], Session], store: Store, quick: float = 3.0) -> None:
        self.folder, self.sessions, self.store = folder, sessions, store
        self.quick = quick  # the request waits this long, so a small region's page shows the summary at once
        folder.mkdir(parents=True, exist_ok=True)

    def start(self, account: Account, region: Region, year: ReportYear, mode: str, ip: str = "") -> str:
        job = secrets.token_hex(8)
        self._write(job, {"id": job, "status": RUNNING, "region_id": region.id, "year": year.year, "mode": mode,
                          "account_id": account.id, "started_at": _now(), "run_id": None, "message": ""})
        args = (job, account.id, region.id, year.id, mode, ip)
        threading.Thread(target=self._run, args=args, name=f"xxgk-consolidate-{job}", daemon=True).start()
        return job

    def wait(self, job: str, seconds: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + seconds
        state = self.state(job)
        while state is not None and state["status"] == RUNNING and time.monotonic() < deadline:
            time.sleep(0.1)
            state = self.state(job)
        return state

    def state(self, job: str) -> dict[str, Any] | None:
        if not job.isalnum():
            return None
        try:
            state: dict[str, Any] = json.loads((self.folder / f"{job}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        started = dt.datetime.fromisoformat(state["started_at"])
        if state["status"] == RUNNING and dt.datetime.now(dt.timezone.utc) - started > STALE:
            state.update(status=FAILED, message="汇总没有完成（服务曾重启或中断）。请重新汇总。")
        return state

    def _run(self, job: str, account_id: int, region_id: int, year_id: int, mode: str, ip: str) -> None:
        state = self.state(job) or {}
        try:
            with self.sessions() as db:
                account, region, year = db.get(Account, account_id), db.get(Region, region_id), db.get(ReportYear, year_id)
                assert account is not None and region is not None and year is not None
                run = service.consolidate(db, self.store, account, region, year, mode, ip)
                state.update(status=DONE, run_id=run.id)
        except service.ActionError as exc:
            state.update(status=FAILED, message=str(exc))
        except Exception:  # the page must say so instead of refreshing forever
            log.exception("consolidation job %s failed", job)
            state.update(status=FAILED, message="汇总时发生内部错误，已记录在服务日志中。请稍后重试或联系管理员。")
        state["finished_at"] = _now()
        self._write(job, state)

    def _write(self, job: str, state: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{job}-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False)
        os.replace(tmp, self.folder / f"{job}.json")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()
