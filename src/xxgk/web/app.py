"""The application factory: settings → database (migrated) → store → middlewares → routers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from xxgk.web import audit, checks
from xxgk.web.access import Forbidden
from xxgk.web.db import make_engine, migrate, session_factory
from xxgk.web.deps import NotSignedIn, client_ip, optional_account
from xxgk.web.jobs import Jobs
from xxgk.web.middleware import BodyLimit, SessionCookie
from xxgk.web.pages import templates
from xxgk.web.security import Cookies
from xxgk.web.settings import Settings, from_env, prepare
from xxgk.web.storage import Store
from xxgk.web.sweeper import Sweeper

HERE = Path(__file__).parent
DESCRIPTION = """政府信息公开工作年度报告 报送平台的 JSON 接口（页面调用的也是同样的操作）。

登录：`POST /api/login` 返回 `csrf_token`；之后的请求带上会话 Cookie，所有修改数据的请求带上请求头
`X-CSRF-Token`。校验结果与 `xxgk validate --json` 的格式相同，汇总结果与 `xxgk consolidate --json` 相同。

汇总在后台进行：`POST /api/regions/{region_id}/consolidate` 单位少时直接返回 200 和汇总结果，否则返回 202 和
`status_url`；反复 `GET` 该地址，直到 `status` 为 `done`（含 `summary_id`、`file`）或 `failed`（`message` 为原因）。"""


API_DOCS = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>xxgk 报送平台 · JSON 接口</title>
<link rel="stylesheet" href="/static/apidocs/swagger-ui.css">
<link rel="icon" href="/static/apidocs/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/static/apidocs/swagger-ui-bundle.js"></script>
<script src="/static/apidocs/init.js"></script>
</body></html>
"""


def create_app(settings: Settings) -> FastAPI:
    settings = prepare(settings)
    engine = make_engine(settings.db_url)
    migrate(engine, settings.data_dir)
    app = FastAPI(title="xxgk 报送平台", description=DESCRIPTION, version=_version(), docs_url=None, redoc_url=None)
    app.state.settings = settings
    checks.configure(settings.check_slots, settings.check_wait)
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.store = store = Store(settings.files_dir)
    app.state.jobs = Jobs(settings.data_dir / "jobs", app.state.sessions, store)
    app.state.sweeper = Sweeper(settings.data_dir, store.tmp)  # leftovers of crashes, finished jobs: now and hourly
    app.state.cookies = cookies = Cookies(settings.secret_key)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    from xxgk.web.routers import addin, admin, api, public, region, unit, wps

    for router in (public.router, unit.router, region.router, admin.router, api.router, addin.router, wps.router):
        app.include_router(router)
    _handlers(app)
    _api_docs(app)
    app.add_middleware(SessionCookie, cookies=cookies, secure=settings.secure_cookies,
                       max_age=settings.session_hours * 3600)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)  # outermost: the real client for all
    return app


def _settle_heap() -> None:
    """What start-up made lives as long as the process: collect start-up's garbage once, then move the rest
    (~137 000 objects: FastAPI, SQLAlchemy, the page templates) out of the garbage collector's sight
    (gc.freeze). A full collection, which every request in flight waits for, then walks only what came later:
    after the first add-in click 41 ms instead of 210 ms on this machine (bench/README.md)."""
    import gc

    gc.collect()
    gc.freeze()


def app_from_env() -> FastAPI:
    """For uvicorn/gunicorn workers: `uvicorn --factory xxgk.web.app:app_from_env` (settings from XXGK_*). A
    worker's app lives as long as its process: its heap is settled (tests' apps, made by create_app, are not)."""
    app = create_app(from_env())
    _settle_heap()
    return app


def _api_docs(app: FastAPI) -> None:
    """/docs with Swagger UI served from this package (static/apidocs): a government intranet reaches no CDN."""
    from fastapi.responses import HTMLResponse

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> Response:
        return HTMLResponse(API_DOCS)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:  # browsers ask for it on every page: no 404 in the log
        from fastapi.responses import FileResponse

        return FileResponse(HERE / "static" / "apidocs" / "favicon-32x32.png", media_type="image/png",
                            headers={"Cache-Control": "public, max-age=86400"})


def _version() -> str:
    from xxgk import __version__

    return __version__


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _exc: Exception) -> Response:
        if is_api(request):
            return JSONResponse({"error": "请先登录。", "code": "not_signed_in"}, status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Forbidden)
        with request.app.state.sessions() as db:
            account = optional_account(request, db)
            audit.record(db, account, exc.action, exc.target, outcome=audit.DENIED,
                         detail=f"{request.method} {request.url.path}", ip=client_ip(request))
            db.commit()
        return _error(request, 403, "无权访问：您的账号不能查看或修改这个单位或地区的报表。")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        names = {FIELD_NAMES.get(str(e["loc"][-1]), "") for e in exc.errors() if e.get("loc")} - {""}
        fields = "、".join(sorted(names))
        return _error(request, 422, f"请求缺少内容或内容有误（{fields or '提交的内容'}）。请检查后重新提交。")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return _error(request, exc.status_code, chinese_detail(exc.status_code, str(exc.detail)))


FIELD_NAMES = {"files": "文件", "file": "文件", "username": "用户名", "password": "密码", "current": "当前密码",
               "new": "新密码", "remark": "退回意见", "mode": "汇总方式", "year": "年度", "form": "表式",
               "deadline": "截止日期", "name": "名称", "code": "代码", "uscc": "统一社会信用代码", "role": "角色",
               "unit_id": "单位", "region_id": "地区", "account_id": "账号", "display_name": "名称",
               "parent_id": "上级地区", "level": "级别", "kind": "单位类型", "active": "状态", "csrf_token": "页面令牌"}
STATUS_TEXT = {
    400: "请求无法处理。请刷新页面后重试。", 401: "请先登录。", 403: "无权访问。",
    404: "页面或文件不存在。请检查地址，或从首页重新进入。", 405: "不支持这种访问方式。请从页面上的按钮或链接操作。",
    409: "操作无法完成。", 413: "提交的内容太大。", 422: "请求缺少内容或内容有误。请检查后重新提交。",
    429: "请求过于频繁，请稍后再试。", 503: "服务器正忙，请稍后再试。",
}
ERROR_CODES = {400: "bad_request", 401: "not_signed_in", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               409: "conflict", 413: "too_large", 422: "invalid", 429: "too_many_requests", 503: "busy"}
FIELD_TOO_LARGE = "表单中的某一项内容太大（超过 {kb} KB）。请检查是否选错了文件或粘贴了过长的文字。"


def chinese_detail(status: int, detail: str) -> str:
    """Our own messages are Chinese already; the framework's English ones (Not Found, Method Not Allowed,
    multipart limits such as "Field exceeded maximum size of 1024KB") are replaced by Chinese."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in detail):
        return detail
    size = re.search(r"maximum size of (\d+) ?KB", detail)
    if size:
        return FIELD_TOO_LARGE.format(kb=size.group(1))
    return STATUS_TEXT.get(status, "请求无法完成。请刷新页面后重试。")


def _error(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        return JSONResponse({"error": message, "code": ERROR_CODES.get(status, "error")}, status_code=status)
    context: dict[str, Any] = {"message": message, "status": status}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)

