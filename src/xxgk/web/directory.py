"""管理: regions, units (imported from the 名册 file), accounts and roles, report years."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xxgk.labels import form_title
from xxgk.web import audit
from xxgk.web.models import ADMIN, AGENCY, CONSOLIDATOR, LEVELS, ROLES, UNIT_AGENCY, Account, Region, ReportYear, Unit
from xxgk.web.security import hash_password
from xxgk.web.service import ActionError

MIN_PASSWORD = 8


def add_region(db: Session, actor: Account | None, code: str, name: str, level: str, parent_id: int | None) -> Region:
    code, name = code.strip(), name.strip()
    if level not in LEVELS:
        raise ActionError(f"地区级别应为：{'、'.join(LEVELS.values())}。")
    if not code or not name:
        raise ActionError("请填写地区代码和名称。")
    if parent_id is not None and db.get(Region, parent_id) is None:
        raise ActionError("上级地区不存在。")
    region = Region(code=code, name=name, level=level, parent_id=parent_id)
    db.add(region)
    audit.record(db, actor, "add_region", f"{code} {name}")
    _commit(db, f"地区代码 {code} 已存在。")
    return region


def import_roster(db: Session, actor: Account | None, region: Region, path: Path) -> tuple[int, int, list[str]]:
    """Units from a 名册 (xxgk.consolidate.roster reading): added, updated (matched by USCC, else name), problems."""
    from xxgk.consolidate.roster import RosterError, read_roster
    from xxgk.identity import clean_uscc, normalize_name

    try:
        roster = read_roster(path)
    except RosterError as exc:
        raise ActionError(str(exc)) from exc
    existing = db.scalars(select(Unit).where(Unit.region_id == region.id, Unit.kind == UNIT_AGENCY)).all()
    by_code = {clean_uscc(u.uscc): u for u in existing if clean_uscc(u.uscc)}
    by_name = {normalize_name(u.name): u for u in existing}
    added = updated = 0
    for e in roster.entries:
        unit = by_code.get(clean_uscc(e.uscc)) or by_name.get(normalize_name(e.name))
        if unit is None:
            db.add(Unit(name=e.name, uscc=e.uscc, region_id=region.id, kind=UNIT_AGENCY, parent_name=e.parent))
            added += 1
        else:
            unit.name, unit.uscc, unit.parent_name = e.name, e.uscc or unit.uscc, e.parent or unit.parent_name
            updated += 1
    audit.record(db, actor, "import_roster", f"region:{region.id} {region.name}", detail=f"新增 {added}，更新 {updated}")
    db.commit()
    return added, updated, list(roster.problems)


def add_unit(db: Session, actor: Account | None, region_id: int, name: str, uscc: str = "") -> Unit:
    if not name.strip() or db.get(Region, region_id) is None:
        raise ActionError("请填写单位名称并选择地区。")
    unit = Unit(name=name.strip(), uscc=uscc.strip(), region_id=region_id, kind=UNIT_AGENCY)
    db.add(unit)
    audit.record(db, actor, "add_unit", name)
    db.commit()
    return unit


def add_account(db: Session, actor: Account | None, username: str, password: str, role: str, display_name: str = "",
                unit_id: int | None = None, region_id: int | None = None) -> Account:
    username = username.strip()
    if not username or len(password) < MIN_PASSWORD:
        raise ActionError(f"请填写用户名；密码至少 {MIN_PASSWORD} 位。")
    _check_role(db, role, unit_id, region_id)
    account = Account(username=username, password_hash=hash_password(password), display_name=display_name.strip(),
                      role=role, unit_id=unit_id if role == AGENCY else None,
                      region_id=region_id if role == CONSOLIDATOR else None)
    db.add(account)
    audit.record(db, actor, "add_account", username, detail=ROLES.get(role, role))
    _commit(db, f"用户名 {username} 已存在。")
    return account


def update_account(db: Session, actor: Account | None, account: Account, role: str, unit_id: int | None = None,
                   region_id: int | None = None) -> Account:
    """A new role with its unit (agency) or region (consolidator); the last enabled admin keeps its role."""
    _check_role(db, role, unit_id, region_id)
    if role != ADMIN:
        _keep_an_admin(db, account)
    before = _placement(account)
    account.role = role
    account.unit_id = unit_id if role == AGENCY else None
    account.region_id = region_id if role == CONSOLIDATOR else None
    db.flush()
    db.refresh(account)
    audit.record(db, actor, "update_account", account.username, detail=f"{before} → {_placement(account)}")
    db.commit()
    return account


def set_account_active(db: Session, actor: Account | None, account: Account, active: bool) -> Account:
    """Disabling ends the account's sessions at once (and it cannot sign in); the last enabled admin stays."""
    from sqlalchemy import delete

    from xxgk.web.models import LoginSession

    if not active:
        _keep_an_admin(db, account)
        db.execute(delete(LoginSession).where(LoginSession.account_id == account.id))
    account.active = active
    audit.record(db, actor, "enable_account" if active else "disable_account", account.username)
    db.commit()
    return account


def _check_role(db: Session, role: str, unit_id: int | None, region_id: int | None) -> None:
    if role not in (AGENCY, CONSOLIDATOR, ADMIN):
        raise ActionError("角色无效。")
    if role == AGENCY and (unit_id is None or db.get(Unit, unit_id) is None):
        raise ActionError("填报单位账号须选择所属单位。")
    if role == CONSOLIDATOR and (region_id is None or db.get(Region, region_id) is None):
        raise ActionError("汇总单位账号须选择所辖地区。")


def _keep_an_admin(db: Session, account: Account) -> None:
    """Refuses when `account` is the only enabled admin (nobody could manage the portal afterwards)."""
    from sqlalchemy import func

    if account.role != ADMIN or not account.active:
        return
    others = db.scalar(select(func.count()).select_from(Account).where(
        Account.role == ADMIN, Account.active.is_(True), Account.id != account.id))
    if not others:
        raise ActionError("这是最后一个启用的管理员账号，不能停用或改为其他角色。请先为另一账号设置管理员角色。")


def _placement(account: Account) -> str:
    where = account.unit.name if account.unit else (account.region.name if account.region else "")
    return f"{ROLES.get(account.role, account.role)}{' ' + where if where else ''}"


def change_password(db: Session, account: Account, current: str, new: str) -> None:
    """The account's own password; every other session of the account ends (a stolen session stops working)."""
    from sqlalchemy import delete

    from xxgk.web.models import LoginSession
    from xxgk.web.security import verify_password

    if not verify_password(account.password_hash, current):
        raise ActionError("当前密码不正确。")
    if len(new) < MIN_PASSWORD or new == current:
        raise ActionError(f"新密码至少 {MIN_PASSWORD} 位，且不能与当前密码相同。")
    account.password_hash = hash_password(new)
    db.execute(delete(LoginSession).where(LoginSession.account_id == account.id))
    audit.record(db, account, "change_password", account.username)
    db.commit()


def reset_password(db: Session, actor: Account | None, account: Account, new: str) -> None:
    """IT staff set a forgotten password (xxgk portal-admin or the 管理 page); the account's sessions end."""
    from sqlalchemy import delete

    from xxgk.web.models import LoginSession

    if len(new) < MIN_PASSWORD:
        raise ActionError(f"密码至少 {MIN_PASSWORD} 位。")
    account.password_hash = hash_password(new)
    db.execute(delete(LoginSession).where(LoginSession.account_id == account.id))
    audit.record(db, actor, "reset_password", account.username)
    db.commit()


def set_year(db: Session, actor: Account | None, year: int, form: str, deadline: dt.date | None, is_open: bool,
             review: bool = False) -> ReportYear:
    from xxgk.extensions import form_keys
    from xxgk.spec import load_spec

    if form not in form_keys():
        raise ActionError(f"表式应为：{'、'.join(form_title(f) for f in form_keys())}。")
    lo, hi = load_spec(form).years
    if not lo <= year <= hi:
        raise ActionError(f"{form_title(form)}适用于 {lo}–{hi} 年度。")
    row = db.scalar(select(ReportYear).where(ReportYear.year == year))
    if row is None:
        row = ReportYear(year=year, form=form)
        db.add(row)
    row.form, row.deadline, row.is_open, row.review = form, deadline, is_open, review
    audit.record(db, actor, "set_year", str(year), detail=f"{form_title(form)} 截止 {deadline or '未定'} {'开放' if is_open else '关闭'}")
    db.commit()
    return row


def _commit(db: Session, duplicate: str) -> None:
    try:
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        raise ActionError(duplicate) from exc
