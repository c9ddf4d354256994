"""管理 pages: regions and units (名册 import), accounts and roles, report years and deadlines, audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from xxgk.web import directory
from xxgk.web.deps import CSRF, DB, Admin, SettingsDep, StoreDep
from xxgk.web.models import ROLES, Account, AuditEntry, Region, ReportYear, Unit
from xxgk.web.pages import render
from xxgk.web.routers.common import account_row, region_for, saved, temp_dir
from xxgk.web.service import ActionError

router = APIRouter(include_in_schema=False)


def _back(message: str = "") -> Response:
    from urllib.parse import quote

    return RedirectResponse("/admin" + (f"?msg={quote(message)}" if message else ""), status_code=303)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


@router.get("/admin")
def admin_page(request: Request, db: DB, account: Admin, msg: str = "") -> Response:
    regions = db.scalars(select(Region).order_by(Region.code)).all()
    unit_counts = dict(db.execute(select(Unit.region_id, func.count()).group_by(Unit.region_id)).all())
    units = db.scalars(select(Unit).order_by(Unit.id).limit(500)).all()
    accounts = db.scalars(select(Account).order_by(Account.id)).all()
    report_years = db.scalars(select(ReportYear).order_by(ReportYear.year.desc())).all()
    log = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(100)).all()
    from xxgk.extensions import form_keys

    return render(request, "admin.html", account=account, regions=regions, unit_counts=unit_counts, units=units,
                  accounts=accounts, report_years=report_years, log=log, msg=msg, forms=form_keys(),
                  unit_total=sum(unit_counts.values()))


@router.post("/admin/regions", dependencies=[CSRF])
def add_region(db: DB, account: Admin, code: Annotated[str, Form()], name: Annotated[str, Form()],
               level: Annotated[str, Form()], parent_id: Annotated[str, Form()] = "") -> Response:
    try:
        directory.add_region(db, account, code, name, level, _int(parent_id))
    except ActionError as exc:
        return _back(str(exc))
    return _back(f"已添加地区：{name}")


@router.post("/admin/units/import", dependencies=[CSRF])
def import_units(db: DB, account: Admin, settings: SettingsDep, region_id: Annotated[int, Form()],
                 file: UploadFile) -> Response:
    region = region_for(db, account, region_id)
    with temp_dir(settings) as folder:
        ((path, _),) = saved([file], folder)
        try:
            added, updated, problems = directory.import_roster(db, account, region, path)
        except ActionError as exc:
            return _back(str(exc))
    return _back(f"名册已导入：新增 {added} 个单位，更新 {updated} 个。" + "".join(problems[:5]))


@router.post("/admin/units", dependencies=[CSRF])
def add_unit(db: DB, account: Admin, region_id: Annotated[int, Form()], name: Annotated[str, Form()],
             uscc: Annotated[str, Form()] = "") -> Response:
    try:
        directory.add_unit(db, account, region_id, name, uscc)
    except ActionError as exc:
        return _back(str(exc))
    return _back(f"已添加单位：{name}")


@router.post("/admin/accounts", dependencies=[CSRF])
def add_account(db: DB, account: Admin, username: Annotated[str, Form()], password: Annotated[str, Form()],
                role: Annotated[str, Form()], display_name: Annotated[str, Form()] = "",
                unit_id: Annotated[str, Form()] = "", region_id: Annotated[str, Form()] = "") -> Response:
    try:
        directory.add_account(db, account, username, password, role, display_name, _int(unit_id), _int(region_id))
    except ActionError as exc:
        return _back(str(exc))
    return _back(f"已添加账号：{username}")


@router.post("/admin/accounts/role", dependencies=[CSRF])  # the account is picked in the form (no JavaScript)
def update_account(db: DB, account: Admin, account_id: Annotated[int, Form()], role: Annotated[str, Form()],
                   unit_id: Annotated[str, Form()] = "", region_id: Annotated[str, Form()] = "") -> Response:
    target = account_row(db, account_id)
    try:
        directory.update_account(db, account, target, role, _int(unit_id), _int(region_id))
    except ActionError as exc:
        return _back(str(exc))
    return _back(f"账号 {target.username} 已改为：{ROLES[target.role]}")


@router.post("/admin/accounts/{account_id}/active", dependencies=[CSRF])
def set_account_active(db: DB, account: Admin, account_id: int, active: Annotated[str, Form()] = "") -> Response:
    target = account_row(db, account_id)
    try:
        directory.set_account_active(db, account, target, bool(active))
    except ActionError as exc:
        return _back(str(exc))
    return _back(f"账号 {target.username} 已{'启用' if target.active else '停用'}。")


@router.post("/admin/accounts/{account_id}/password", dependencies=[CSRF])
def reset_password(db: DB, account: Admin, account_id: int, password: Annotated[str, Form()]) -> Response:
    target = account_row(db, account_id)
    try:
        directory.reset_password(db, account, target, password)
    except ActionError as exc:
        return _back(str(exc))
    return _back(f"账号 {target.username} 的密码已重设，其登录已失效。")


@router.post("/admin/years", dependencies=[CSRF])
def set_year(db: DB, account: Admin, year: Annotated[int, Form()], form: Annotated[str, Form()],
             deadline: Annotated[str, Form()] = "", is_open: Annotated[str, Form()] = "",
             review: Annotated[str, Form()] = "") -> Response:
    try:
        day = dt.date.fromisoformat(deadline) if deadline.strip() else None
        directory.set_year(db, account, year, form, day, bool(is_open), bool(review))
    except ValueError as exc:
        return _back(str(exc) if isinstance(exc, ActionError) else "截止日期应为 2025-01-31 的格式。")
    return _back(f"{year} 年度已保存。")



@router.post("/admin/history", dependencies=[CSRF])
def import_history(request: Request, db: DB, account: Admin, settings: SettingsDep,
                   files: list[UploadFile]) -> Response:
    """导入往年年报, step 1: import the uploaded reports and show each proposed match for confirmation."""
    from xxgk.web import history
    from xxgk.web.uploads import Refused

    history.sweep(settings.data_dir)
    with temp_dir(settings) as folder:
        try:
            token, rows = history.stage(db, settings.data_dir, saved(files, folder))
        except Refused as exc:
            return _back(str(exc))
    units = db.scalars(select(Unit).order_by(Unit.name)).all()
    return render(request, "history.html", account=account, token=token, rows=rows, units=units)


@router.post("/admin/history/confirm", dependencies=[CSRF])
async def confirm_history(request: Request, db: DB, account: Admin, settings: SettingsDep,
                          store: StoreDep) -> Response:
    """导入往年年报, step 2: store the confirmed matches as accepted versions of their year."""
    from xxgk.web import history
    from xxgk.web.deps import client_ip

    form = await request.form()
    chosen = {int(k[5:]): int(str(v)) for k, v in form.items()
              if k.startswith("unit_") and k[5:].isdigit() and str(v).isdigit() and form.get(f"take_{k[5:]}")}
    try:
        stored = history.confirm(db, store, account, settings.data_dir, str(form.get("token", "")), chosen,
                                 client_ip(request))
    except ActionError as exc:
        return _back(str(exc))
    return _back(f"已保存 {len(stored)} 份往年年报（已接受）。" if stored else "没有保存任何报告。")
