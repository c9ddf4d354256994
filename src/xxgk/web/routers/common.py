"""Helpers the routers share: loading rows with access checks, the open year, uploads to temp folders."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from xxgk.web import access, checks
from xxgk.web.models import Account, Region, ReportYear, Submission, SummaryRun, Unit
from xxgk.web.service import ActionError, report_dict
from xxgk.web.settings import Settings
from xxgk.web.uploads import Refused, safe_name, save_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unit_for(db: Session, account: Account, unit_id: int) -> Unit:
    unit = db.get(Unit, unit_id)
    if unit is None or not access.can_see_unit(db, account, unit):
        raise access.Forbidden("view_unit", f"unit:{unit_id}")  # unknown ids look the same as others' ids
    return unit


def submission_for(db: Session, account: Account, sub_id: int) -> Submission:
    sub = db.get(Submission, sub_id)
    if sub is None or not access.can_see_unit(db, account, sub.unit):
        raise access.Forbidden("view_submission", f"submission:{sub_id}")
    return sub


def region_for(db: Session, account: Account, region_id: int) -> Region:
    region = db.get(Region, region_id)
    if region is None or not access.can_see_region(db, account, region):
        raise access.Forbidden("view_region", f"region:{region_id}")
    return region


def summary_for(db: Session, account: Account, run_id: int) -> SummaryRun:
    run = db.get(SummaryRun, run_id)
    region = db.get(Region, run.region_id) if run else None
    if run is None or region is None or not access.can_see_region(db, account, region):
        raise access.Forbidden("view_summary", f"summary:{run_id}")
    return run


def account_row(db: Session, account_id: int) -> Account:
    """An account for the 管理 actions (admins only reach them, so an unknown id is simply 404)."""
    row = db.get(Account, account_id)
    if row is None:
        raise HTTPException(404, "账号不存在。")
    return row


def home_region(db: Session, account: Account) -> Region:
    if account.region_id is not None:
        region = db.get(Region, account.region_id)
        if region is not None:
            return region
    region = db.scalar(select(Region).where(Region.parent_id.is_(None)).order_by(Region.id))
    if region is None:
        raise HTTPException(404, "还没有设置地区。请管理员在“管理”页面添加地区和单位。")
    return region


def year_or_open(db: Session, year: int | None) -> ReportYear:
    """The year asked for, else the newest open one, else the newest."""
    q = select(ReportYear)
    row = db.scalar(q.where(ReportYear.year == year)) if year else \
        db.scalar(q.order_by(ReportYear.is_open.desc(), ReportYear.year.desc()).limit(1))
    if row is not None:
        return row
    have = years(db)
    if year and have:
        listed = "、".join(f"{y.year}（{'开放报送' if y.is_open else '已停止报送'}）" for y in have)
        raise HTTPException(404, f"平台上没有 {year} 年度。现有年度：{listed}。")
    raise HTTPException(404, "还没有开放报送的年度。请管理员在“管理”页面开放报告年度。")


def years(db: Session) -> Sequence[ReportYear]:
    return db.scalars(select(ReportYear).order_by(ReportYear.year.desc())).all()


@contextlib.contextmanager
def temp_dir(settings: Settings) -> Iterator[Path]:
    root = settings.data_dir / "tmp"
    root.mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="up-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def saved(files: Sequence[UploadFile], folder: Path) -> list[tuple[Path, str]]:
    """Each upload in its own subfolder under its safe name: (path, name as uploaded)."""
    out = []
    for i, f in enumerate(files):
        name = safe_name(f.filename)
        out.append((save_upload(f.file, folder / str(i), name), name))
    return out


MAX_ANNOTATED = 10  # annotated copies inlined in one 在线校验 page


def validate_uploads(settings: Settings, files: Sequence[UploadFile], annotate: bool = False) -> list[tuple[dict[str, Any], str]]:
    """在线校验: `xxgk validate --json` entries (named as uploaded; fix hints included), with the annotated copy
    as a data: link when asked for. Nothing is kept."""
    from xxgk.validate import validate_files
    from xxgk.web.annotated import annotated_copy, annotated_name, as_data_uri

    if not files:
        raise HTTPException(422, "请选择要校验的工作簿。")
    if len(files) > settings.max_files:
        raise HTTPException(413, f"一次最多校验 {settings.max_files} 个文件。")
    with temp_dir(settings) as folder:
        pairs = saved(files, folder)
        with checks.slot():
            reports = validate_files([p for p, _ in pairs])
            out = []
            for i, (r, (path, name)) in enumerate(zip(reports, pairs, strict=True)):
                wanted = annotate and bool(r.findings) and i < MAX_ANNOTATED  # nothing to mark: no copy offered
                copy = annotated_copy(r, path.with_name(annotated_name(name))) if wanted else None
                out.append((report_dict(r, name), as_data_uri(copy)))
        return out


def action_error(exc: Exception) -> HTTPException:
    if isinstance(exc, Refused):
        return HTTPException(422, str(exc))
    assert isinstance(exc, ActionError)
    return HTTPException(409, str(exc))


def stored_file(path: Path, name: str, media_type: str = XLSX, cleanup: Path | None = None) -> FileResponse:
    task = BackgroundTask(shutil.rmtree, cleanup, ignore_errors=True) if cleanup else None
    return FileResponse(path, media_type=media_type, filename=safe_name(name), background=task)


def submission_json(sub: Submission) -> dict[str, Any]:
    return {"id": sub.id, "unit_id": sub.unit_id, "unit": sub.unit.name, "year": sub.report_year.year,
            "version": sub.version, "filename": sub.filename, "sha256": sub.sha256, "size": sub.size,
            "uploaded_at": sub.uploaded_at.isoformat() + "Z", "status": sub.status, "remark": sub.remark,
            "report": json.loads(sub.report_json), "notes": json.loads(sub.notes_json)}


def ip_of(request: Request) -> str:
    return request.client.host if request.client else ""
