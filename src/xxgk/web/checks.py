"""How many workbook checks one server process runs at once.

Every check inflates and parses whole workbooks: a few at a time keep the server's memory bounded however many
uploads arrive together (在线校验 without an account is open to anyone).  The rest wait their turn for a few
seconds, then get 503 with a Chinese message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from fastapi import HTTPException

BUSY = "服务器正忙：同时校验的文件较多，请稍候一分钟再重新提交。"


class Gate:
    def __init__(self, slots: int, wait: float) -> None:
        self.slots, self.wait = slots, wait
        self._free = threading.BoundedSemaphore(slots)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """One check at a time per slot; 503 (BUSY) when none frees up within `wait` seconds."""
        if not self._free.acquire(timeout=self.wait):
            raise HTTPException(503, BUSY)
        try:
            yield
        finally:
            self._free.release()


_gate = Gate(2, 15.0)


def configure(slots: int, wait: float) -> None:
    """Set by create_app from the settings (XXGK_CHECK_SLOTS, XXGK_CHECK_WAIT)."""
    global _gate
    if (slots, wait) != (_gate.slots, _gate.wait):
        _gate = Gate(max(slots, 1), wait)


def slot() -> AbstractContextManager[None]:
    """A turn to check workbooks in this process (see Gate.slot)."""
    return _gate.slot()
