"""The add-ins' click through the portal (addin/PROTOCOL.md): 校验 and 清除标记 on the book JSON that xlwings' VBA
client or the WPS add-in posts; the answer is xlwings actions. Errors are Chinese plain text (the VBA client
shows the body as it is). Bounded: 2 MiB per request, counted as it streams in, and a few check slots
(XXGK_ADDIN_SLOTS, default 2 per core); a click waits a few seconds for a free slot, then is answered 503."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from xxgk.addin.remote import BadPayload, click

router = APIRouter(prefix="/addin", include_in_schema=False)
log = logging.getLogger(__name__)

MAX_BODY = 2 * 2**20
TOO_LARGE = "工作簿内容太大（上限 2 MB）。年报模板通常不到 100 KB：请检查是否在模板之外加了很多内容。"
BUSY = "报送平台正忙，请稍后再试（几秒钟后再点一次）。"
NOT_JSON = "请求不是 JSON 格式的工作簿内容。请用信息公开年报加载项或 WPS 加载项发送。"
NEEDS_TOKEN = "本平台已关闭无需账号的在线校验：请在加载项设置中填写本单位的接口令牌（在报送平台本单位页面生成）。"
FAULT = "报送平台处理时出错，这不是您的操作错误。请把这段文字截图发给信息技术人员。"


def default_slots() -> int:
    return int(os.environ.get("XXGK_ADDIN_SLOTS", "0") or 0) or 2 * (os.cpu_count() or 1)


class Slots:
    """At most `n` clicks run at once; the next wait up to `wait` seconds for a slot (a click takes tens of
    milliseconds), at most `queue` of them; beyond that a click is answered 503 at once."""

    def __init__(self, n: int, wait: float = 5.0, queue: int = 200) -> None:
        self.n, self.wait, self.queue = n, wait, queue
        self.waiting = 0
        self._sem = asyncio.Semaphore(n)

    async def take(self) -> bool:
        if self.waiting >= self.queue:
            return False
        self.waiting += 1
        try:
            await asyncio.wait_for(self._sem.acquire(), self.wait)
            return True
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1

    def give(self) -> None:
        self._sem.release()


def _slots(request: Request) -> Slots:
    state = request.app.state
    if not hasattr(state, "addin_slots"):
        state.addin_slots = Slots(default_slots())
    return state.addin_slots


def text(message: str, status: int, **headers: str) -> Response:
    return Response(message, status, media_type="text/plain; charset=utf-8", headers=headers or None)


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes | None:
    """The body, or None past `limit` bytes (whatever Content-Length claims; reading stops there)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, seen = [], 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _allowed(request: Request) -> bool:
    return bool(request.app.state.settings.public_validate)


async def _run(request: Request, button: str) -> Response:
    if not _allowed(request):
        return text(NEEDS_TOKEN, 401)
    body = await read_body(request)
    if body is None:
        return text(TOO_LARGE, 413)
    try:
        payload: Any = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return text(NOT_JSON, 400)
    slots = _slots(request)
    if not await slots.take():
        return text(BUSY, 503, **{"Retry-After": "2"})
    try:
        result = await run_in_threadpool(click, button, payload)
    except BadPayload as exc:
        return text(str(exc), 400)
    except Exception:
        log.exception("add-in %s failed", button)
        return text(FAULT, 500)
    finally:
        slots.give()
    return Response(json.dumps(result, ensure_ascii=False), media_type="application/json")


@router.post("/validate")
async def validate(request: Request) -> Response:
    return await _run(request, "validate")


@router.post("/clear")
async def clear(request: Request) -> Response:
    return await _run(request, "clear")
