"""Leftovers cleaned at start-up and every hour: what crashed uploads left (files/tmp/*.part, tmp/up-*), job
files of finished consolidations (DATA/jobs) and their half-written temp files. Never a stored file a row points
to: those live in files/<sha>/, which is never swept."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from pathlib import Path

from xxgk.web.storage import sweep

EVERY = 3600.0  # seconds between sweeps
KEEP_JOBS = 24 * 3600.0  # a finished job's file is kept this long (a page refresh still finds its summary)
log = logging.getLogger(__name__)


def sweep_jobs(folder: Path, older_than: float = KEEP_JOBS) -> int:
    """Remove job files of finished (or died) consolidations older than `older_than` seconds, and temp files
    of interrupted writes older than an hour. A running job's file stays. Returns how many were removed."""
    from xxgk.web.jobs import RUNNING, STALE

    removed = 0
    for path in folder.glob("*") if folder.is_dir() else ():
        try:
            age = time.time() - path.lstat().st_mtime
            if path.name.startswith(".") and path.suffix == ".tmp":
                gone = age > 3600
            elif path.suffix == ".json":
                state = json.loads(path.read_text(encoding="utf-8"))
                running = state.get("status") == RUNNING and age < STALE.total_seconds()
                gone = not running and age > older_than
            else:
                gone = False
            if gone:
                path.unlink()
                removed += 1
        except (OSError, ValueError, AttributeError):
            continue
    return removed


def sweep_all(data_dir: Path, files_tmp: Path) -> int:
    return sweep(files_tmp) + sweep(data_dir / "tmp") + sweep_jobs(data_dir / "jobs")


class Sweeper:
    """Runs sweep_all now and then every `every` seconds in a daemon thread, until stop()."""

    def __init__(self, data_dir: Path, files_tmp: Path, every: float = EVERY) -> None:
        self.data_dir, self.files_tmp, self.every = data_dir, files_tmp, every
        self._stop = threading.Event()
        self.runs = 0
        self.last = sweep_all(data_dir, files_tmp)
        self._thread = threading.Thread(target=self._loop, name="xxgk-sweeper", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.last = sweep_all(self.data_dir, self.files_tmp)
                self.runs += 1
            except Exception:  # a sweep must never take the server down
                log.exception("sweeping leftovers failed at %s", dt.datetime.now(dt.timezone.utc).isoformat())

    def stop(self, wait: float = 5.0) -> None:
        """Ask the thread to end and wait for a sweep under way to finish (its count included)."""
        self._stop.set()
        self._thread.join(wait)
