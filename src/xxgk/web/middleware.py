"""Two small ASGI middlewares: the upload size limit (streamed, 413) and the session cookie."""

from __future__ import annotations

import html
import json
from typing import Any

from xxgk.web.security import COOKIE, Cookies, new_session_id

Scope = dict[str, Any]
Message = dict[str, Any]

TOO_LARGE = "上传的文件太大（上限 {mb} MB）。请检查是否选错了文件；年报工作簿通常不到 1 MB。"


class BodyLimit:
    """Counts the request body as it streams in; past the limit the request ends with 413, whatever the
    application was doing with the body (it never gets more than the limit)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        api = scope.get("path", "").startswith("/api/")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send, api)
            return
        seen, over, started = 0, False, False

        async def counting_receive() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over and not started:
                started = True
                await self._refuse(send, api)
                return
            if over:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._refuse(send, api)

    async def _refuse(self, send: Any, api: bool) -> None:
        message = TOO_LARGE.format(mb=self.limit // 2**20 or 1)
        if api:
            body, kind = json.dumps({"error": message, "code": "too_large"}, ensure_ascii=False).encode(), b"application/json; charset=utf-8"
        else:
            body = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>文件太大</title>'
                    f'<link rel="stylesheet" href="/static/style.css"><main><h1>文件太大</h1>'
                    f'<p class="alert bad">{html.escape(message)}</p><p><a href="/">返回首页</a>（或用浏览器的“后退”回到上一页）</p>'
                    f'</main></html>').encode()
            kind = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", kind),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
                                *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": body})


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")  # Swagger UI sets style attributes
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),  # no inline script or style on any page
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),  # pages show other units' data: not for shared caches or the back button
]


class SessionCookie:
    """Puts the (verified) session id in scope["state"]["sid"], a fresh anonymous one when there is none;
    sets the cookie when the id is new or was rotated (scope["state"]["new_sid"]) or cleared. The cookie is
    Secure when configured so, or when the request came over HTTPS (the scheme the trusted proxy forwarded)."""

    def __init__(self, app: Any, cookies: Cookies, secure: bool, max_age: int) -> None:
        self.app, self.cookies, self.secure, self.max_age = app, cookies, secure, max_age

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        sid = self.cookies.unsign(_cookie(scope, COOKIE))
        if sid is None:
            sid = new_session_id()
            state["new_sid"] = sid
        state["sid"] = sid
        secure = self.secure or scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {k.lower() for k, _ in headers}
                if scope["path"].startswith("/static/"):
                    present.add(b"cache-control")  # the style sheet may be cached
                if scope["path"] == "/docs":
                    headers.append((b"content-security-policy", DOCS_CSP.encode()))
                    present.add(b"content-security-policy")
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            if message["type"] == "http.response.start" and state.get("new_sid"):
                value = self.cookies.sign(state["new_sid"])
                flags = f"; Path=/; HttpOnly; SameSite=Lax; Max-Age={self.max_age}" + ("; Secure" if secure else "")
                message.setdefault("headers", []).append((b"set-cookie", f"{COOKIE}={value}{flags}".encode()))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None
