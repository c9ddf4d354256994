"""The add-ins' click through the portal (addin/PROTOCOL.md): 校验 and 清除标记 on the book JSON that xlwings' VBA
client or the WPS add-in posts; the answer is xlwings actions. Errors are Chinese plain text (the VBA client
shows the body as it is). Bounded: 2 MiB per request, counted as it streams in, and a few check slots
(XXGK_ADDIN_SLOTS, default 2 per core); a click waits a few seconds for a free slot, then is answered 503."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from xxgk.addin.previous import LastYear
from xxgk.addin.remote import PROTOCOL, BadPayload, click
from xxgk.reader import Fill
from xxgk.validate import match_previous
from xxgk.web import access, service, tokens
from xxgk.web.deps import client_ip
from xxgk.web.models import ApiToken, Unit, now

router = APIRouter(prefix="/addin", include_in_schema=False)
log = logging.getLogger(__name__)

MAX_BODY = 2 * 2**20
TOO_LARGE = "工作簿内容太大（上限 2 MB）。年报模板通常不到 100 KB：请检查是否在模板之外加了很多内容。"
BUSY = "报送平台正忙，请稍后再试（几秒钟后再点一次）。"
NOT_JSON = "请求不是 JSON 格式的工作簿内容。请用信息公开年报加载项或 WPS 加载项发送。"
NEEDS_TOKEN = "本平台已关闭无需账号的在线校验：请在加载项设置中填写本单位的接口令牌（在报送平台本单位页面生成）。"
BAD_TOKEN = "上报需要本单位的接口令牌：令牌无效或已停用。请在报送平台本单位页面生成新令牌，填入加载项设置。"
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


# The WPS add-in installed offline runs from the user's jsaddons folder, not from this portal: its clicks are
# cross-origin. Any origin may post (no cookies are read here: the token is an explicit header, as in any client).
CORS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type, Authorization",
             "Access-Control-Max-Age": "600"}


def text(message: str, status: int, **headers: str) -> Response:
    return Response(message, status, media_type="text/plain; charset=utf-8", headers={**CORS, **headers})


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


def _token(request: Request) -> ApiToken | None:
    with request.app.state.sessions() as db:
        row = tokens.lookup(db, tokens.from_header(request.headers.get("authorization")))
        if row is not None:
            row.last_used_at = now()
            db.commit()
            db.expunge(row)
        return row


async def _run(request: Request, button: str) -> Response:
    token = await run_in_threadpool(_token, request)
    if button == "submit" and token is None:
        return text(BAD_TOKEN, 401)
    if token is None and not request.app.state.settings.public_validate:
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
        if button == "submit" and token is not None:
            result = await run_in_threadpool(submit, request, token, payload)
        else:
            last_year = portal_previous(request, token) if token is not None and button == "validate" else None
            result = await run_in_threadpool(click, button, payload, last_year)
    except BadPayload as exc:
        return text(str(exc), 400)
    except Refusal as exc:
        return text(str(exc), exc.status)
    except Exception:
        log.exception("add-in %s failed", button)
        return text(FAULT, 500)
    finally:
        slots.give()
    return Response(json.dumps(result, ensure_ascii=False), media_type="application/json", headers=CORS)


@router.options("/{button}")
async def preflight(button: str) -> Response:
    if button not in ("validate", "clear", "submit"):
        return text("没有这个接口。", 404)
    return Response(status_code=204, headers=PREFLIGHT)


@router.post("/validate")
async def validate(request: Request) -> Response:
    return await _run(request, "validate")


@router.post("/clear")
async def clear(request: Request) -> Response:
    return await _run(request, "clear")


@router.post("/submit")
async def submit_(request: Request) -> Response:
    return await _run(request, "submit")


class Refusal(Exception):
    """The click cannot be done for this unit (Chinese message, HTTP status)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def submit(request: Request, token: ApiToken, payload: Any) -> dict[str, Any]:
    """上报: the open book becomes the token's unit's next version for the open year; then the same marks as 校验,
    the message box saying what became of the version."""
    import secrets
    import shutil

    from xxgk.addin import buttons, remote
    from xxgk.reader import Unreadable
    from xxgk.web.models import Account
    from xxgk.web.routers.common import year_or_open
    from xxgk.web.uploads import Refused, safe_name

    settings, store = request.app.state.settings, request.app.state.store
    book = remote.book(payload)
    name = safe_name(str(payload.get("book", {}).get("name") or ""), "报表.xlsx")
    name = name if name.lower().endswith(".xlsx") else f"{Path(name).stem}.xlsx"
    folder = settings.data_dir / "tmp" / f"addin-{secrets.token_hex(6)}"
    try:
        with request.app.state.sessions() as db:
            account, unit = db.get(Account, token.account_id), db.get(Unit, token.unit_id)
            if account is None or unit is None or not access.can_submit_for(account, unit):
                raise Refusal("这个令牌的账号不能为本单位上报。请在报送平台本单位页面重新生成令牌。", 403)
            try:
                year = year_or_open(db, None)
            except HTTPException as exc:
                raise Refusal(str(exc.detail), 403) from None
            try:
                path = remote.book_file(book, folder / name)
            except Unreadable as exc:
                book.app.alert(f"无法上报这个工作簿：{exc.finding.message}", title=buttons.TITLE, buttons="ok",
                               mode="critical")
                return {"actions": book.json()["actions"], "xxgk": {"protocol": PROTOCOL}}
            try:
                sub = service.submit(db, store, account, unit, year, path, name, client_ip(request))
            except (Refused, service.ActionError) as exc:
                raise Refusal(f"未上报：{exc}", 409) from None
            verdict = {"unit": unit.name, "year": year.year, "version": sub.version, "status": sub.status}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    buttons.validate(book=book, previous=portal_previous(request, token))
    actions = book.json()["actions"]
    said = f"已上报：{verdict['unit']} {verdict['year']} 年度第 {verdict['version']} 版，状态：{verdict['status']}。"
    if actions and actions[-1]["func"] == "alert":
        actions[-1]["args"][0] = f"{said}\n\n{actions[-1]['args'][0]}"
    return {"actions": actions, "xxgk": {"protocol": PROTOCOL, "submission": verdict}}


def portal_previous(request: Request, token: ApiToken) -> Callable[[Fill], LastYear]:
    """校验 with a unit's token compares with that unit's accepted version of the year before the book's year
    (submitted or imported as history, as an upload is compared); none accepted: no comparison."""
    from xxgk.validate import read_all

    def of(fill: Fill) -> LastYear:
        year = str(fill.meta.get("meta.year", "")).strip()
        if not year.isdigit():
            return LastYear()
        with request.app.state.sessions() as db:
            unit = db.get(Unit, token.unit_id)
            found = service.accepted_file(db, request.app.state.store, unit, int(year) - 1) if unit else None
        if found is None:
            return LastYear()
        path, label = found
        (read,) = read_all([path])
        if not isinstance(read, Fill):
            return LastYear()
        match, note = match_previous(fill, [read], same_agency=True)
        return LastYear(match, [note] if note is not None else [], label)

    return of
