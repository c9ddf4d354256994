"""Content-addressed, immutable file store: files/ab/cd/<sha256>.

A file is written to a temp path, fsynced and renamed into place before the database row that names it is
committed: a file without a row is harmless garbage, a row without a file never happens.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 16


class Store:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put_stream(self, stream: BinaryIO) -> tuple[str, int]:
        """Store what the stream holds; returns (sha256, size). Idempotent: same content, same path."""
        return self._put(iter(lambda: stream.read(CHUNK), b""))

    def put_file(self, path: Path) -> tuple[str, int]:
        with open(path, "rb") as fh:
            return self.put_stream(fh)

    def _put(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        tmp = self.tmp / f"{secrets.token_hex(8)}.part"
        try:
            with open(tmp, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.exists():
                return sha, size
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, 0o444)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
            return sha, size
        finally:
            tmp.unlink(missing_ok=True)

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()


def sweep(folder: Path, older_than: float = 3600) -> int:
    """Remove what crashed uploads left in a temp folder (entries older than `older_than` seconds: younger
    ones may belong to an upload another worker is receiving). Returns how many were removed."""
    import shutil
    import time

    removed = 0
    for entry in folder.iterdir() if folder.is_dir() else ():
        try:
            if time.time() - entry.lstat().st_mtime < older_than:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
