"""Write an output file atomically: to a temporary name next to it, then one rename over the target."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside `path` to write; when the block succeeds it replaces `path` in one step
    (no reader sees half a file), and whatever happens it does not stay behind."""
    tmp = path.with_name(f".xxgk-{uuid.uuid4().hex[:12]}{suffix}")  # short: the final name may be near the limit
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def new_folder(path: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `path` (absent or empty) to fill; when the block succeeds it becomes `path`
    in one rename, and whatever happens the temporary folder does not stay behind."""
    import shutil

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".xxgk-{uuid.uuid4().hex[:12]}.part")
    tmp.mkdir()
    try:
        yield tmp
        if path.is_dir():
            path.rmdir()  # empty: checked by the caller; a folder with content is never replaced
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
