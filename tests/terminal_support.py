"""Run the CLI with stderr on a pseudo-terminal, as staff see it in a console (progress bars and all)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys


def stderr_on_a_terminal(args: list[str], env: dict[str, str], program: list[str] | None = None) -> str:
    """Run `program` (default `python -m xxgk`) with `args`; assert it succeeds; return what reached the
    terminal."""
    command = [*(program or [sys.executable, "-m", "xxgk"]), *args]
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                              env=env, timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout
    finally:
        os.close(slave)
    os.set_blocking(master, False)
    chunks = []
    try:
        while chunk := os.read(master, 65536):
            chunks.append(chunk)
    except (BlockingIOError, OSError):
        pass
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")
