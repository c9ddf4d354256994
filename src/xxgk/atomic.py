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
