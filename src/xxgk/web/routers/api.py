"""The JSON API: the same actions as the pages. Validation results have the shape of `xxgk validate --json`,
summaries that of `xxgk consolidate --json`. Sign in with POST /api/login; send the returned csrf_token as
the X-CSRF-Token header on every state-changing request."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from xxgk.web import access, audit, directory, service
from xxgk.web.deps import (
    CSRF,
    DB,
    Admin,
    Consolidator,
    CurrentAccount,
    NotSignedIn,
    SettingsDep,
    StoreDep,
    csrf_token,
    end_session,
    optional_account,
    start_session,
)
from xxgk.web.jobs import DONE, FAILED
from xxgk.web.models import ADMIN, Account, AuditEntry, Region, Submission, SummaryRun
from xxgk.web.routers import region as region_pages
from xxgk.web.routers import unit as unit_pages
from xxgk.web.routers.common import (
    account_row,
    action_error,
    ip_of,
    region_for,
    saved,
    submission_for,
    submission_json,
    summary_for,
    temp_dir,
    unit_for,
    validate_uploads,
    year_or_open,
)
from xxgk.web.routers.public import LOCKED, TooManyFailures, authenticate
from xxgk.web.uploads import Refused, safe_name

router = APIRouter(prefix="/api", tags=["api"])
MaybeAccount = Annotated[Account | None, Depends(optional_account)]


class Login(BaseModel):
    username: str
    password: str


class Notes(BaseModel):
    notes: dict[str, str]  # issue key ("rule|cells", see report issues) -> 说明


class Remark(BaseModel):
    remark: str


class ConsolidateRequest(BaseModel):
    mode: str = "levels"  # levels: own agencies + child regions' summaries; direct: every agency below
    year: int | None = None


class RegionIn(BaseModel):
    code: str
    name: str
    level: str  # province / city / county
    parent_id: int | None = None


class AccountIn(BaseModel):
    username: str
    password: str
    role: str  # agency / consolidator / admin
    display_name: str = ""
    unit_id: int | None = None
    region_id: int | None = None


class AccountUpdate(BaseModel):
    role: str  # agency (needs unit_id) / consolidator (needs region_id) / admin
    unit_id: int | None = None
    region_id: int | None = None


class PasswordReset(BaseModel):
    password: str


class YearIn(BaseModel):
    year: int
    form: str = "gb2021"
    deadline: dt.date | None = None
    is_open: bool = True
    review: bool = False


def me(account: Account) -> dict[str, Any]:
    return {"id": account.id, "username": account.username, "role": account.role, "unit_id": account.unit_id,
            "region_id": account.region_id, "display_name": account.display_name, "active": account.active}


@router.post("/validate", summary="在线校验：与 xxgk validate --json 相同")
def validate(settings: SettingsDep, account: MaybeAccount, files: list[UploadFile]) -> dict[str, Any]:
    """One or more multipart fields named `files`; nothing is kept."""
    if not settings.public_validate and account is None:
        raise NotSignedIn
    return {"files": [report for report, _ in validate_uploads(settings, files)]}


@router.post("/login", summary="登录")
def login(request: Request, db: DB, settings: SettingsDep, body: Login) -> Response:
    try:
        account = authenticate(db, body.username, body.password, ip_of(request))
    except TooManyFailures:
        return Response(json.dumps({"error": LOCKED, "code": "too_many_requests"}, ensure_ascii=False), 429, media_type="application/json")
    if account is None:
        audit.record(db, None, "login", body.username.strip()[:100], outcome=audit.REFUSED, ip=ip_of(request))
        db.commit()
        return Response(json.dumps({"error": "用户名或密码不正确。", "code": "bad_credentials"}, ensure_ascii=False), 401,
                        media_type="application/json")
    start_session(request, db, account, settings.session_hours)
    audit.record(db, account, "login", account.username, ip=ip_of(request))
    db.commit()
    payload = {"account": me(account), "csrf_token": csrf_token(request)}
    return Response(json.dumps(payload, ensure_ascii=False), media_type="application/json")


@router.post("/logout", dependencies=[CSRF], summary="退出")
def logout(request: Request, db: DB) -> dict[str, bool]:
    end_session(request, db)
    db.commit()
    return {"ok": True}


@router.get("/me", summary="当前账号")
def whoami(request: Request, account: CurrentAccount) -> dict[str, Any]:
    return {"account": me(account), "csrf_token": csrf_token(request)}


class PasswordChange(BaseModel):
    current: str
    new: str


@router.post("/me/password", dependencies=[CSRF], summary="修改本账号的密码（其他会话随之失效）")
def change_password(request: Request, db: DB, settings: SettingsDep, account: CurrentAccount,
                    body: PasswordChange) -> dict[str, Any]:
    try:
        directory.change_password(db, account, body.current, body.new)
    except service.ActionError as exc:
        raise action_error(exc) from exc
    start_session(request, db, account, settings.session_hours)
    db.commit()
    return {"account": me(account), "csrf_token": csrf_token(request)}


@router.get("/years", summary="报告年度")
def list_years(db: DB, account: CurrentAccount) -> list[dict[str, Any]]:
    from xxgk.web.routers.common import years

    return [{"year": y.year, "form": y.form, "deadline": y.deadline.isoformat() if y.deadline else None,
             "is_open": y.is_open, "review": y.review} for y in years(db)]


@router.get("/units/{unit_id}/template", summary="下载本单位的模板")
def template(settings: SettingsDep, db: DB, account: CurrentAccount, unit_id: int, year: int | None = None) -> Response:
    return unit_pages.build_unit_template(settings, db, unit_id, account, year)


@router.get("/units/{unit_id}/submissions", summary="本单位各版本")
def unit_submissions(db: DB, account: CurrentAccount, unit_id: int, year: int | None = None) -> list[dict[str, Any]]:
    unit = unit_for(db, account, unit_id)
    row = year_or_open(db, year)
    subs = db.scalars(select(Submission).where(Submission.unit_id == unit.id, Submission.report_year_id == row.id)
                      .order_by(Submission.version.desc())).all()
    return [submission_json(s) for s in subs]


@router.post("/units/{unit_id}/submissions", dependencies=[CSRF], summary="上传报表（到达即校验）")
def upload(request: Request, settings: SettingsDep, store: StoreDep, db: DB, account: CurrentAccount, unit_id: int,
           file: UploadFile, year: int | None = None) -> dict[str, Any]:
    unit = unit_for(db, account, unit_id)
    access.check(access.can_submit_for(account, unit), "upload", f"unit:{unit.id}")
    row = year_or_open(db, year)
    with temp_dir(settings) as folder:
        ((path, name),) = saved([file], folder)
        try:
            sub = service.submit(db, store, account, unit, row, path, safe_name(name), ip_of(request))
        except (Refused, service.ActionError) as exc:
            raise action_error(exc) from exc
    return submission_json(sub)


@router.get("/submissions/{sub_id}", summary="一次报送：状态、校验结果、说明")
def get_submission(db: DB, account: CurrentAccount, sub_id: int) -> dict[str, Any]:
    return submission_json(submission_for(db, account, sub_id))


@router.get("/submissions/{sub_id}/file", summary="下载报送的文件")
def get_submission_file(db: DB, store: StoreDep, account: CurrentAccount, sub_id: int) -> Response:
    return unit_pages.submission_file(db, store, account, sub_id)


@router.get("/submissions/{sub_id}/annotated", summary="下载标记副本（xxgk validate --annotate）")
def get_annotated(settings: SettingsDep, db: DB, store: StoreDep, account: CurrentAccount, sub_id: int) -> Response:
    return unit_pages.submission_annotated(settings, db, store, account, sub_id)


@router.post("/submissions/{sub_id}/notes", dependencies=[CSRF], summary="填写警告的说明")
def notes(request: Request, db: DB, account: CurrentAccount, sub_id: int, body: Notes) -> dict[str, Any]:
    sub = submission_for(db, account, sub_id)
    access.check(access.can_submit_for(account, sub.unit), "notes", f"submission:{sub.id}")
    try:
        return submission_json(service.save_notes(db, account, sub, body.notes, ip_of(request)))
    except service.ActionError as exc:
        raise action_error(exc) from exc


@router.post("/submissions/{sub_id}/return", dependencies=[CSRF], summary="退回（附退回意见）")
def return_(request: Request, db: DB, account: CurrentAccount, sub_id: int, body: Remark) -> dict[str, Any]:
    sub = submission_for(db, account, sub_id)
    access.check(access.can_review(db, account, sub.unit), "return", f"submission:{sub.id}")
    try:
        return submission_json(service.return_submission(db, account, sub, body.remark, ip_of(request)))
    except service.ActionError as exc:
        raise action_error(exc) from exc


@router.post("/submissions/{sub_id}/accept", dependencies=[CSRF], summary="接受（需审核的年度）")
def accept(request: Request, db: DB, account: CurrentAccount, sub_id: int) -> dict[str, Any]:
    sub = submission_for(db, account, sub_id)
    access.check(access.can_review(db, account, sub.unit), "accept", f"submission:{sub.id}")
    try:
        return submission_json(service.accept_submission(db, account, sub, ip_of(request)))
    except service.ActionError as exc:
        raise action_error(exc) from exc


@router.get("/regions/{region_id}/status", summary="报送情况")
def status(db: DB, account: Consolidator, region_id: int, year: int | None = None) -> dict[str, Any]:
    region = region_for(db, account, region_id)
    table = service.status_table(db, region, year_or_open(db, year))
    return {"region": {"id": region.id, "code": region.code, "name": region.name}, "year": table.year.year,
            "counts": table.counts, "summaries": table.summaries,
            "units": [{"unit_id": r.unit.id, "unit": r.unit.name, "uscc": r.unit.uscc, "kind": r.unit.kind,
                       "region": r.unit.region.name, "status": r.state, "versions": r.versions,
                       "submission_id": r.latest.id if r.latest else None,
                       "uploaded_at": r.latest.uploaded_at.isoformat() + "Z" if r.latest else None}
                      for r in table.rows]}


@router.post("/regions/{region_id}/accept-pending", dependencies=[CSRF], summary="接受全部待审报表")
def accept_pending(request: Request, db: DB, account: Consolidator, region_id: int, year: int | None = None) -> dict[str, int]:
    region = region_for(db, account, region_id)
    return {"accepted": service.accept_all_pending(db, account, region, year_or_open(db, year), ip_of(request))}


@router.get("/regions/{region_id}/download.zip", summary="下载全部报表（zip）")
def download_all(settings: SettingsDep, store: StoreDep, db: DB, account: Consolidator, region_id: int,
                 year: int | None = None) -> Response:
    return region_pages.download_all(settings, store, db, account, region_id, year)


@router.post("/regions/{region_id}/consolidate", dependencies=[CSRF], status_code=202,
             summary="汇总（后台任务）：返回任务状态；单位少时已完成，含 xxgk consolidate --json 的内容")
def consolidate(request: Request, response: Response, db: DB, account: Consolidator, region_id: int,
                body: ConsolidateRequest) -> dict[str, Any]:
    """202 while the job runs (poll status_url); 200 with the summary if a small region finished in the short
    wait, as the page goes straight to its summaries; a failure within that wait is 409 as before."""
    region, job, state = region_pages.start_consolidation(request, db, account, region_id, body.mode, body.year)
    result = job_json(db, region, job, state)
    if result["status"] == FAILED:
        raise action_error(service.ActionError(result["message"]))
    if result["status"] == DONE:
        response.status_code = 200
    return result


@router.get("/regions/{region_id}/jobs/{job}", summary="汇总任务状态：running / done / failed")
def consolidation_job(request: Request, db: DB, account: Consolidator, region_id: int, job: str) -> dict[str, Any]:
    region, state = region_pages.job_state(request, db, account, region_id, job)
    return job_json(db, region, job, state)


def job_json(db: Session, region: Region, job: str, state: dict[str, Any] | None) -> dict[str, Any]:
    """The job as the API shows it; when done, the summary's id, download URL and `xxgk consolidate --json`."""
    state = state or {"status": FAILED, "message": "汇总任务的状态无法读取。请重新汇总。"}
    out = {"job_id": job, "status_url": f"/api/regions/{region.id}/jobs/{job}", "status": state["status"],
           "message": state.get("message", ""), "region_id": region.id, "year": state.get("year"),
           "mode": state.get("mode"), "started_at": state.get("started_at"), "finished_at": state.get("finished_at")}
    run = db.get(SummaryRun, state["run_id"]) if state["status"] == DONE and state.get("run_id") else None
    if run is not None:
        out.update(summary_id=run.id, file=f"/api/summaries/{run.id}/file", **json.loads(run.account_json))
    return out


@router.get("/summaries/{run_id}/file", summary="下载汇总表")
def summary_file(db: DB, store: StoreDep, account: Consolidator, run_id: int) -> Response:
    return region_pages.summary_file(db, store, account, run_id)


@router.post("/summaries/{run_id}/submit", dependencies=[CSRF], summary="上报汇总表（成为上级所见的本地区报表）")
def submit_summary(request: Request, store: StoreDep, db: DB, account: Consolidator, run_id: int) -> dict[str, Any]:
    run = summary_for(db, account, run_id)
    access.check(account.region_id == run.region_id, "submit_summary", f"summary:{run.id}")
    try:
        return submission_json(service.submit_summary(db, store, account, run, ip_of(request)))
    except (service.ActionError, Refused) as exc:
        raise action_error(exc) from exc


@router.post("/admin/regions", dependencies=[CSRF], summary="添加地区")
def add_region(db: DB, account: Admin, body: RegionIn) -> dict[str, Any]:
    try:
        r = directory.add_region(db, account, body.code, body.name, body.level, body.parent_id)
    except service.ActionError as exc:
        raise action_error(exc) from exc
    return {"id": r.id, "code": r.code, "name": r.name, "level": r.level, "parent_id": r.parent_id}


@router.post("/admin/regions/{region_id}/roster", dependencies=[CSRF], summary="导入名册（.xlsx/.csv）")
def import_roster(settings: SettingsDep, db: DB, account: Admin, region_id: int, file: UploadFile) -> dict[str, Any]:
    region = region_for(db, account, region_id)
    with temp_dir(settings) as folder:
        ((path, _),) = saved([file], folder)
        try:
            added, updated, problems = directory.import_roster(db, account, region, path)
        except service.ActionError as exc:
            raise action_error(exc) from exc
    return {"added": added, "updated": updated, "problems": problems}


@router.post("/admin/accounts", dependencies=[CSRF], summary="添加账号")
def add_account(db: DB, account: Admin, body: AccountIn) -> dict[str, Any]:
    try:
        a = directory.add_account(db, account, body.username, body.password, body.role, body.display_name,
                                  body.unit_id, body.region_id)
    except service.ActionError as exc:
        raise action_error(exc) from exc
    return me(a)


@router.post("/admin/accounts/{account_id}", dependencies=[CSRF], summary="修改账号的角色和所属单位/地区")
def update_account(db: DB, account: Admin, account_id: int, body: AccountUpdate) -> dict[str, Any]:
    try:
        a = directory.update_account(db, account, account_row(db, account_id), body.role, body.unit_id, body.region_id)
    except service.ActionError as exc:
        raise action_error(exc) from exc
    return me(a)


@router.post("/admin/accounts/{account_id}/disable", dependencies=[CSRF], summary="停用账号（其登录立即失效）")
def disable_account(db: DB, account: Admin, account_id: int) -> dict[str, Any]:
    try:
        return me(directory.set_account_active(db, account, account_row(db, account_id), False))
    except service.ActionError as exc:
        raise action_error(exc) from exc


@router.post("/admin/accounts/{account_id}/enable", dependencies=[CSRF], summary="重新启用账号")
def enable_account(db: DB, account: Admin, account_id: int) -> dict[str, Any]:
    return me(directory.set_account_active(db, account, account_row(db, account_id), True))


@router.post("/admin/accounts/{account_id}/password", dependencies=[CSRF], summary="重设账号密码（其登录随之失效）")
def reset_password(db: DB, account: Admin, account_id: int, body: PasswordReset) -> dict[str, Any]:
    target = account_row(db, account_id)
    try:
        directory.reset_password(db, account, target, body.password)
    except service.ActionError as exc:
        raise action_error(exc) from exc
    return me(target)


@router.post("/admin/years", dependencies=[CSRF], summary="开放/关闭报告年度、截止日期")
def set_year(db: DB, account: Admin, body: YearIn) -> dict[str, Any]:
    try:
        y = directory.set_year(db, account, body.year, body.form, body.deadline, body.is_open, body.review)
    except service.ActionError as exc:
        raise action_error(exc) from exc
    return {"year": y.year, "form": y.form, "deadline": y.deadline.isoformat() if y.deadline else None,
            "is_open": y.is_open, "review": y.review}


@router.get("/regions", summary="本账号可见的地区")
def regions(db: DB, account: Consolidator) -> list[dict[str, Any]]:
    rows = db.scalars(select(Region).order_by(Region.code)).all()
    visible = None if account.role == ADMIN else \
        (access.subtree(db, account.region_id) if account.region_id is not None else set())
    return [{"id": r.id, "code": r.code, "name": r.name, "level": r.level, "parent_id": r.parent_id}
            for r in rows if visible is None or r.id in visible]


@router.get("/admin/accounts", summary="账号")
def accounts(db: DB, account: Admin) -> list[dict[str, Any]]:
    return [me(a) for a in db.scalars(select(Account).order_by(Account.id))]


@router.get("/admin/audit", summary="审计日志")
def audit_log(db: DB, account: Admin, limit: int = 200) -> list[dict[str, Any]]:
    rows = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(min(limit, 5000))).all()
    return [{"at": e.at.isoformat() + "Z", "username": e.username, "action": e.action, "target": e.target,
             "outcome": e.outcome, "detail": e.detail, "ip": e.ip} for e in rows]
