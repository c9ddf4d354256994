"""Dependencies injected into the routes: settings, database session, file store, account, CSRF check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy import delete
from sqlalchemy.orm import Session

from xxgk.web import audit
from xxgk.web.access import Forbidden
from xxgk.web.models import ADMIN, CONSOLIDATOR, Account, LoginSession, now
from xxgk.web.security import CSRF_FIELD, CSRF_HEADER, Cookies, new_session_id, session_key
from xxgk.web.settings import Settings
from xxgk.web.storage import Store


class NotSignedIn(Exception):
    """No valid session: pages redirect to the login page, the API answers 401."""


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]


def get_cookies(request: Request) -> Cookies:
    return request.app.state.cookies


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as db:
        yield db


DB = Annotated[Session, Depends(get_db)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def optional_account(request: Request, db: DB) -> Account | None:
    row = db.get(LoginSession, session_key(request.state.sid))
    if row is None or row.expires_at < now():
        return None
    account = db.get(Account, row.account_id)
    return account if account is not None and account.active else None


def current_account(account: Annotated[Account | None, Depends(optional_account)]) -> Account:
    if account is None:
        raise NotSignedIn
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]


def start_session(request: Request, db: Session, account: Account, hours: int) -> str:
    """Signing in: the old session id (which an attacker may have planted) is dropped, a new one issued."""
    db.execute(delete(LoginSession).where(LoginSession.id == session_key(request.state.sid)))
    db.execute(delete(LoginSession).where(LoginSession.expires_at < now()))
    sid = new_session_id()
    db.add(LoginSession(id=session_key(sid), account_id=account.id, expires_at=now() + dt.timedelta(hours=hours)))
    request.state.sid = request.state.new_sid = sid
    return sid


def end_session(request: Request, db: Session) -> None:
    db.execute(delete(LoginSession).where(LoginSession.id == session_key(request.state.sid)))
    request.state.sid = request.state.new_sid = new_session_id()


def csrf_token(request: Request) -> str:
    return get_cookies(request).csrf_token(request.state.sid)


async def check_csrf(request: Request, db: DB) -> None:
    """Every state-changing request carries the token: a form field, or the X-CSRF-Token header (API)."""
    token = request.headers.get(CSRF_HEADER) or None
    if token is None and request.headers.get("content-type", "").startswith(("multipart/", "application/x-www")):
        token = str((await request.form()).get(CSRF_FIELD) or "")
    if not get_cookies(request).csrf_ok(request.state.sid, token):
        audit.record(db, None, "csrf", request.url.path, outcome=audit.DENIED, ip=client_ip(request))
        db.commit()
        raise HTTPException(403, "页面已过期或请求来源不明（CSRF 校验失败）。请刷新页面后重试。")


CSRF = Depends(check_csrf)


def require_role(*roles: str):
    def dependency(account: CurrentAccount, request: Request) -> Account:
        if account.role not in roles:
            raise Forbidden(f"role:{'/'.join(roles)}", request.url.path)
        return account

    return dependency


Consolidator = Annotated[Account, Depends(require_role(CONSOLIDATOR, ADMIN))]
Admin = Annotated[Account, Depends(require_role(ADMIN))]
