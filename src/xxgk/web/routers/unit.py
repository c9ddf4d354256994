"""填报单位 pages: the unit's page (template, upload, versions), one submission (findings, 说明, review)."""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from xxgk.web import access, service, tokens
from xxgk.web.deps import CSRF, DB, CurrentAccount, SettingsDep, StoreDep
from xxgk.web.indicators import unit_rows
from xxgk.web.models import ApiToken, Region, ReportYear, Submission
from xxgk.web.pages import render
from xxgk.web.routers.common import (
    action_error,
    ip_of,
    stored_file,
    submission_for,
    temp_dir,
    unit_for,
    year_or_open,
    years,
)
from xxgk.web.settings import Settings
from xxgk.web.uploads import Refused, safe_name

router = APIRouter(include_in_schema=False)


def template_values(unit_name: str, uscc: str, region_code: str, year: int, form: str) -> dict[str, object]:
    """Cover fields the portal knows, by field type (no hard-coded ids): name, code, region, year."""
    from xxgk.spec import load_spec

    spec = load_spec(form)
    by_type = {"uscc": uscc, "region": region_code, "year": year}
    out: dict[str, object] = {f.id: by_type[f.type] for f in spec.cover.fields if by_type.get(f.type)}
    out[spec.cover.fields[0].id] = unit_name
    return out


def build_unit_template(settings: Settings, db: DB, unit_id: int, account: CurrentAccount, year: int | None):
    from xxgk.spec import load_spec
    from xxgk.template import build_template

    unit = unit_for(db, account, unit_id)
    row = year_or_open(db, year)
    region = db.get(Region, unit.region_id)
    folder = settings.data_dir / "tmp" / f"tpl-{unit.id}-{secrets.token_hex(6)}"
    name = safe_name(f"{row.year}年度政府信息公开工作年度报告-{unit.name}.xlsx")
    path = build_template(load_spec(row.form), folder / "t.xlsx",
                          values=template_values(unit.name, unit.uscc, region.code if region else "", row.year, row.form))
    return stored_file(path, name, cleanup=folder)


def unit_years(db: Session, unit_id: int, current: ReportYear) -> list[ReportYear]:
    """The years a unit switches between: the open ones, the closed ones where it has an accepted version
    (read-only), and the one shown; newest first."""
    accepted = set(db.scalars(select(Submission.report_year_id).where(Submission.unit_id == unit_id,
                                                                      Submission.status == service.ACCEPTED)))
    return [y for y in years(db) if y.is_open or y.id in accepted or y.id == current.id]


@router.get("/units/{unit_id}")
def unit_page(request: Request, db: DB, account: CurrentAccount, unit_id: int, year: int | None = None) -> Response:
    return _unit_page(request, db, account, unit_id, year)


def _unit_page(request: Request, db: DB, account: CurrentAccount, unit_id: int, year: int | None,
               new_token: str = "") -> Response:
    unit = unit_for(db, account, unit_id)
    row = year_or_open(db, year)
    versions = db.scalars(select(Submission).where(Submission.unit_id == unit.id, Submission.report_year_id == row.id)
                          .order_by(Submission.version.desc())).all()
    can_submit = access.can_submit_for(account, unit)
    own, this_label, last_label = unit_rows(db, request.app.state.store, unit, row)
    return render(request, "unit.html", account=account, unit=unit, year=row, years=unit_years(db, unit.id, row),
                  versions=versions,
                  can_submit=can_submit, error=request.query_params.get("error", ""),
                  api_tokens=tokens.of_unit(db, unit.id) if can_submit else [], new_token=new_token,
                  own=own, this_label=this_label, last_label=last_label)


@router.post("/units/{unit_id}/tokens", dependencies=[CSRF])
def create_token(request: Request, db: DB, account: CurrentAccount, unit_id: int) -> Response:
    """A new API token for the add-ins' 上报, shown on this page once (only its hash is kept)."""
    unit = unit_for(db, account, unit_id)
    access.check(access.can_submit_for(account, unit), "token_create", f"unit:{unit.id}")
    token = tokens.create(db, account, unit, ip_of(request))
    return _unit_page(request, db, account, unit.id, None, new_token=token)


@router.post("/units/{unit_id}/tokens/{token_id}/revoke", dependencies=[CSRF])
def revoke_token(request: Request, db: DB, account: CurrentAccount, unit_id: int, token_id: int) -> Response:
    unit = unit_for(db, account, unit_id)
    access.check(access.can_submit_for(account, unit), "token_revoke", f"unit:{unit.id}")
    row = db.get(ApiToken, token_id)
    if row is None or row.unit_id != unit.id:
        raise HTTPException(404, "没有这个令牌。")
    tokens.revoke(db, account, row, ip_of(request))
    return RedirectResponse(f"/units/{unit.id}#api-tokens", status_code=303)


@router.get("/units/{unit_id}/template")
def unit_template(settings: SettingsDep, db: DB, account: CurrentAccount, unit_id: int, year: int | None = None) -> Response:
    return build_unit_template(settings, db, unit_id, account, year)


@router.post("/units/{unit_id}/upload", dependencies=[CSRF])
def upload(request: Request, settings: SettingsDep, store: StoreDep, db: DB, account: CurrentAccount, unit_id: int,
           file: UploadFile, year: Annotated[int | None, Form()] = None) -> Response:
    unit = unit_for(db, account, unit_id)
    access.check(access.can_submit_for(account, unit), "upload", f"unit:{unit.id}")
    row = year_or_open(db, year)
    name = safe_name(file.filename)
    with temp_dir(settings) as folder:
        path = folder / name
        with open(path, "wb") as out:
            while chunk := file.file.read(1 << 16):
                out.write(chunk)
        try:
            sub = service.submit(db, store, account, unit, row, path, name, ip_of(request))
        except (Refused, service.ActionError) as exc:
            return render(request, "error.html", status_code=action_error(exc).status_code, account=account,
                          message=str(exc), back=f"/units/{unit.id}")
    return RedirectResponse(f"/submissions/{sub.id}", status_code=303)


@router.get("/submissions/{sub_id}")
def submission_page(request: Request, db: DB, account: CurrentAccount, sub_id: int) -> Response:
    sub = submission_for(db, account, sub_id)
    report = json.loads(sub.report_json)
    notes = json.loads(sub.notes_json)
    issues = [dict(i, key=service.issue_key(i), note=notes.get(service.issue_key(i), "")) for i in report["issues"]]
    newest = service.latest(db, sub.unit_id, sub.report_year_id)
    return render(request, "submission.html", account=account, sub=sub, issues=issues, hints=report.get("hints") or [],
                  is_latest=newest is not None and newest.id == sub.id, saved=request.query_params.get("saved") == "1",
                  can_note=access.can_submit_for(account, sub.unit), can_review=access.can_review(db, account, sub.unit))


@router.get("/submissions/{sub_id}/file")
def submission_file(db: DB, store: StoreDep, account: CurrentAccount, sub_id: int) -> Response:
    sub = submission_for(db, account, sub_id)
    return stored_file(store.path(sub.sha256), f"{Path(sub.filename).stem}-第{sub.version}版.xlsx")


@router.get("/submissions/{sub_id}/annotated")
def submission_annotated(settings: SettingsDep, db: DB, store: StoreDep, account: CurrentAccount, sub_id: int) -> Response:
    """The stored version with its problems marked (made now, from the stored file; nothing kept)."""
    from xxgk.validate import validate_files
    from xxgk.web.annotated import annotated_copy, annotated_name

    sub = submission_for(db, account, sub_id)
    folder = settings.data_dir / "tmp" / f"ann-{secrets.token_hex(6)}"
    folder.mkdir(parents=True)
    source = folder / safe_name(sub.filename)
    source.write_bytes(store.path(sub.sha256).read_bytes())
    (report,) = validate_files([source])
    copy = annotated_copy(report, folder / annotated_name(source.name))
    if copy is None:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(409, "这个文件无法生成标记副本，请按页面上的校验结果改正。")
    return stored_file(copy, annotated_name(f"{Path(sub.filename).stem}-第{sub.version}版.xlsx"), cleanup=folder)


@router.post("/submissions/{sub_id}/notes", dependencies=[CSRF])
async def notes(request: Request, db: DB, account: CurrentAccount, sub_id: int) -> Response:
    sub = submission_for(db, account, sub_id)
    access.check(access.can_submit_for(account, sub.unit), "notes", f"submission:{sub.id}")
    form = await request.form()
    given = {str(k)[len("note::"):]: str(v) for k, v in form.multi_items() if str(k).startswith("note::")}
    try:
        service.save_notes(db, account, sub, given, ip_of(request))
    except service.ActionError as exc:
        raise action_error(exc) from exc
    return RedirectResponse(f"/submissions/{sub.id}?saved=1", status_code=303)


@router.post("/submissions/{sub_id}/return", dependencies=[CSRF])
def return_(request: Request, db: DB, account: CurrentAccount, sub_id: int, remark: Annotated[str, Form()] = "") -> Response:
    sub = submission_for(db, account, sub_id)
    access.check(access.can_review(db, account, sub.unit), "return", f"submission:{sub.id}")
    try:
        service.return_submission(db, account, sub, remark, ip_of(request))
    except service.ActionError as exc:
        raise action_error(exc) from exc
    return RedirectResponse(f"/submissions/{sub.id}", status_code=303)


@router.post("/submissions/{sub_id}/accept", dependencies=[CSRF])
def accept(request: Request, db: DB, account: CurrentAccount, sub_id: int) -> Response:
    sub = submission_for(db, account, sub_id)
    access.check(access.can_review(db, account, sub.unit), "accept", f"submission:{sub.id}")
    try:
        service.accept_submission(db, account, sub, ip_of(request))
    except service.ActionError as exc:
        raise action_error(exc) from exc
    return RedirectResponse(f"/submissions/{sub.id}", status_code=303)
