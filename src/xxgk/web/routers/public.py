"""Pages without an account: home, health check, sign in/out, 在线校验."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from xxgk.web import audit
from xxgk.web.deps import (
    CSRF,
    DB,
    CurrentAccount,
    NotSignedIn,
    SettingsDep,
    end_session,
    optional_account,
    start_session,
)
from xxgk.web.models import ADMIN, AGENCY, Account, AuditEntry, now
from xxgk.web.pages import render
from xxgk.web.routers.common import ip_of, validate_uploads
from xxgk.web.security import DUMMY_HASH, verify_password

router = APIRouter()
LOCKED = "登录失败次数过多，请 15 分钟后再试，或请管理员核对账号。"
MaybeAccount = Annotated[Account | None, Depends(optional_account)]


def home_of(account: Account) -> str:
    if account.role == AGENCY:
        return f"/units/{account.unit_id}"
    return "/admin" if account.role == ADMIN else "/region"


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/", include_in_schema=False)
def index(request: Request, account: MaybeAccount, settings: SettingsDep) -> Response:
    if account is not None:
        return RedirectResponse(home_of(account), status_code=303)
    return render(request, "index.html", account=None, public_validate=settings.public_validate)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, account: MaybeAccount, next: str = "") -> Response:
    return render(request, "login.html", account=account, next=next, error="")


def safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else ""


MAX_FAILURES, FAILURE_WINDOW = 10, dt.timedelta(minutes=15)  # per address and user name
MAX_ADDRESS_FAILURES = 30  # per address, whatever the names: a spray across many names is slowed too


class TooManyFailures(Exception):
    """Too many wrong passwords from this address lately (for this user name, or in all): answered 429 whatever
    the password. Nobody is locked out from another address, so no one can lock a name out for everyone."""


def _failures(db: DB, ip: str, username: str | None = None) -> int:
    q = select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "login", AuditEntry.outcome == audit.REFUSED, AuditEntry.ip == ip[:64],
        AuditEntry.at > now() - FAILURE_WINDOW)
    if username is not None:
        q = q.where(AuditEntry.target == username)
    return db.scalar(q) or 0


def authenticate(db: DB, username: str, password: str, ip: str) -> Account | None:
    """The account when the password is right; raises TooManyFailures after MAX_FAILURES recent failures for
    this name from this address, or MAX_ADDRESS_FAILURES from this address in all."""
    name = username.strip()[:100]
    if _failures(db, ip, name) >= MAX_FAILURES or _failures(db, ip) >= MAX_ADDRESS_FAILURES:
        raise TooManyFailures
    account = db.scalar(select(Account).where(Account.username == username.strip()))
    ok = verify_password(account.password_hash if account else DUMMY_HASH, password)
    return account if ok and account is not None and account.active else None


@router.post("/login", include_in_schema=False, dependencies=[CSRF])
def login(request: Request, db: DB, settings: SettingsDep, username: Annotated[str, Form()],
          password: Annotated[str, Form()], next: Annotated[str, Form()] = "") -> Response:
    try:
        account = authenticate(db, username, password, ip_of(request))
    except TooManyFailures:
        return render(request, "login.html", status_code=429, account=None, next=next, error=LOCKED)
    if account is None:
        audit.record(db, None, "login", username.strip()[:100], outcome=audit.REFUSED, ip=ip_of(request))
        db.commit()
        return render(request, "login.html", status_code=401, account=None, next=next,
                      error="用户名或密码不正确。")
    start_session(request, db, account, settings.session_hours)
    audit.record(db, account, "login", account.username, ip=ip_of(request))
    db.commit()
    return RedirectResponse(safe_next(next) or home_of(account), status_code=303)


@router.post("/logout", include_in_schema=False, dependencies=[CSRF])
def logout(request: Request, db: DB) -> Response:
    end_session(request, db)
    db.commit()
    return RedirectResponse("/", status_code=303)


@router.get("/validate", include_in_schema=False)
def validate_page(request: Request, account: MaybeAccount, settings: SettingsDep) -> Response:
    if not settings.public_validate and account is None:
        raise NotSignedIn
    return render(request, "validate.html", account=account, results=None)


@router.post("/validate", include_in_schema=False, dependencies=[CSRF])
def validate_post(request: Request, account: MaybeAccount, settings: SettingsDep,
                  files: list[UploadFile]) -> Response:
    if not settings.public_validate and account is None:
        raise NotSignedIn
    return render(request, "validate.html", account=account, results=validate_uploads(settings, files, annotate=True))


@router.get("/account/password", include_in_schema=False)
def password_page(request: Request, account: CurrentAccount) -> Response:
    return render(request, "password.html", account=account, error="")


@router.post("/account/password", include_in_schema=False, dependencies=[CSRF])
def password_change(request: Request, db: DB, settings: SettingsDep, account: CurrentAccount,
                    current: Annotated[str, Form()], new: Annotated[str, Form()]) -> Response:
    from xxgk.web.directory import change_password
    from xxgk.web.service import ActionError

    try:
        change_password(db, account, current, new)
    except ActionError as exc:
        return render(request, "password.html", status_code=409, account=account, error=str(exc))
    start_session(request, db, account, settings.session_hours)  # this browser stays signed in, with a new id
    db.commit()
    return RedirectResponse(home_of(account), status_code=303)
