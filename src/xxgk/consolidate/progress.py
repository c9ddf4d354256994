"""A progress bar on a terminal; silent in --json mode, under CI, or when stderr is not a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def wanted(as_json: bool) -> bool:
    return not as_json and not os.environ.get("CI") and sys.stderr.isatty()


@contextmanager
def progress_bar(enabled: bool, label: str = "读取工作簿") -> Iterator[Callable[[int, int], None] | None]:
    """Yields an on_progress(done, total) callback, or None when no bar is wanted."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
