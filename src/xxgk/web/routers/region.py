"""汇总单位 pages: the live status table, download all, 汇总, 上报 to the level above."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from xxgk.web import access, service
from xxgk.web.access import can_see_region
from xxgk.web.csvsafe import csv_bytes
from xxgk.web.deps import CSRF, DB, Consolidator, SettingsDep, StoreDep
from xxgk.web.jobs import DONE, FAILED, Jobs
from xxgk.web.models import Account, Region, SummaryRun
from xxgk.web.pages import beijing_text, render
from xxgk.web.routers.common import (
    action_error,
    home_region,
    ip_of,
    region_for,
    stored_file,
    summary_for,
    year_or_open,
    years,
)
from xxgk.web.uploads import Refused

router = APIRouter(include_in_schema=False)


@router.get("/region")
def my_region(db: DB, account: Consolidator) -> Response:
    return RedirectResponse(f"/regions/{home_region(db, account).id}", status_code=303)


@router.get("/regions/{region_id}")
def region_page(request: Request, db: DB, account: Consolidator, region_id: int, year: int | None = None,
                show: str = "") -> Response:
    region = region_for(db, account, region_id)
    row = year_or_open(db, year)
    table = service.status_table(db, region, row)
    rows = [r for r in table.rows if not show or r.state == show]
    children = db.scalars(select(Region).where(Region.parent_id == region.id).order_by(Region.code)).all()
    runs = db.scalars(select(SummaryRun).where(SummaryRun.region_id == region.id, SummaryRun.report_year_id == row.id)
                      .order_by(SummaryRun.id.desc()).limit(10)).all()
    parent = db.get(Region, region.parent_id) if region.parent_id else None
    return render(request, "region.html", account=account, region=region, year=row, years=years(db), table=table,
                  rows=rows, show=show, children=children, runs=runs,
                  parent=parent if parent is not None and can_see_region(db, account, parent) else None,
                  can_report=region.parent_id is not None and account.region_id == region.id)


@router.get("/regions/{region_id}/status.csv")
def status_csv(db: DB, account: Consolidator, region_id: int, year: int | None = None) -> Response:
    region = region_for(db, account, region_id)
    row = year_or_open(db, year)
    table = service.status_table(db, region, row)
    data = csv_bytes(["单位名称", "统一社会信用代码", "地区", "状态", "版本", "最后上传时间（北京时间）", "退回意见"],
                     [[r.unit.name, r.unit.uscc, r.unit.region.name, r.state, r.latest.version if r.latest else "",
                       beijing_text(r.latest.uploaded_at) if r.latest else "", r.latest.remark if r.latest else ""]
                      for r in table.rows])
    name = f"{region.name}{row.year}年度报送情况.csv"
    from urllib.parse import quote

    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/regions/{region_id}/download.zip")
def download_all(settings: SettingsDep, store: StoreDep, db: DB, account: Consolidator, region_id: int,
                 year: int | None = None) -> Response:
    region = region_for(db, account, region_id)
    row = year_or_open(db, year)
    folder = settings.data_dir / "tmp" / f"zip-{secrets.token_hex(6)}"
    folder.mkdir(parents=True)
    path = service.download_all(db, store, region, row, folder / "all.zip")
    return stored_file(path, f"{region.name}{row.year}年度全部报表.zip", "application/zip", cleanup=folder)


@router.post("/regions/{region_id}/consolidate", dependencies=[CSRF])
def consolidate(request: Request, db: DB, account: Consolidator, region_id: int,
                mode: Annotated[str, Form()] = "levels", year: Annotated[int | None, Form()] = None) -> Response:
    """Runs as a background job; a small region is done within the short wait and goes straight to its summaries."""
    region, job, _ = start_consolidation(request, db, account, region_id, mode, year)
    return RedirectResponse(f"/regions/{region.id}/jobs/{job}", status_code=303)


def start_consolidation(request: Request, db: Session, account: Account, region_id: int, mode: str,
                        year: int | None) -> tuple[Region, str, dict[str, Any] | None]:
    """Starts the job and waits the short while in which a small region finishes (shared with the API)."""
    region = region_for(db, account, region_id)
    row = year_or_open(db, year)
    if mode not in ("levels", "direct"):
        raise action_error(service.ActionError("汇总方式应为 levels（逐级）或 direct（直接汇总全部单位）。"))
    jobs: Jobs = request.app.state.jobs
    job = jobs.start(account, region, row, mode, ip_of(request))
    return region, job, jobs.wait(job, jobs.quick)


def job_state(request: Request, db: Session, account: Account, region_id: int, job: str) -> tuple[Region, dict[str, Any]]:
    """The job's state; another region's consolidator is refused (403, logged) like for the region itself."""
    region = region_for(db, account, region_id)
    state = request.app.state.jobs.state(job)
    if state is None or state["region_id"] != region.id:
        raise HTTPException(404, "没有这个汇总任务（可能已过期）。请回到报送情况页面重新汇总。")
    return region, state


@router.get("/regions/{region_id}/jobs/{job}")
def consolidation_job(request: Request, db: DB, account: Consolidator, region_id: int, job: str) -> Response:
    """While it runs the page refreshes itself every few seconds (a meta refresh: no JavaScript needed)."""
    region, state = job_state(request, db, account, region_id, job)
    if state["status"] == DONE:
        return RedirectResponse(f"/regions/{region.id}?year={state['year']}#summaries", status_code=303)
    if state["status"] == FAILED:
        raise action_error(service.ActionError(state["message"]))
    started = dt.datetime.fromisoformat(state["started_at"])
    elapsed = int((dt.datetime.now(dt.timezone.utc) - started).total_seconds())
    return render(request, "consolidating.html", account=account, region=region, state=state, elapsed=elapsed)


@router.post("/regions/{region_id}/accept-pending", dependencies=[CSRF])
def accept_pending(request: Request, db: DB, account: Consolidator, region_id: int,
                   year: Annotated[int | None, Form()] = None) -> Response:
    region = region_for(db, account, region_id)
    row = year_or_open(db, year)
    service.accept_all_pending(db, account, region, row, ip_of(request))
    return RedirectResponse(f"/regions/{region.id}?year={row.year}", status_code=303)


@router.get("/summaries/{run_id}/file")
def summary_file(db: DB, store: StoreDep, account: Consolidator, run_id: int) -> Response:
    run = summary_for(db, account, run_id)
    return stored_file(store.path(run.sha256), run.filename)


@router.get("/summaries/{run_id}")
def summary_page(request: Request, db: DB, account: Consolidator, run_id: int) -> Response:
    run = summary_for(db, account, run_id)
    return render(request, "summary.html", account=account, run=run, result=json.loads(run.account_json))


@router.post("/summaries/{run_id}/submit", dependencies=[CSRF])
def submit_summary(request: Request, store: StoreDep, db: DB, account: Consolidator, run_id: int) -> Response:
    run = summary_for(db, account, run_id)
    access.check(account.region_id == run.region_id, "submit_summary", f"summary:{run.id}")
    try:
        sub = service.submit_summary(db, store, account, run, ip_of(request))
    except (service.ActionError, Refused) as exc:
        raise action_error(exc) from exc
    return RedirectResponse(f"/submissions/{sub.id}", status_code=303)


def _indicator_view(db: Session, store: Any, account: Account, region_id: int, year: int | None) -> tuple[Region, Any, Any]:
    from xxgk.web.indicators import region_table

    region = region_for(db, account, region_id)
    row = year_or_open(db, year)
    return region, row, region_table(db, store, region, row)


@router.get("/regions/{region_id}/indicators")
def indicators_page(request: Request, db: DB, store: StoreDep, account: Consolidator, region_id: int,
                    year: int | None = None, sort: str = "") -> Response:
    """指标: a table per year (sorted by the indicator clicked), an inline SVG chart, a CSV download."""
    from xxgk.indicators import indicators
    from xxgk.web.indicators import chart, shown

    region, row, table = _indicator_view(db, store, account, region_id, year)
    defs = indicators(row.form)
    flags = {"red": "红色", "yellow": "黄色", "small": "样本偏少"}

    def entries(level: str) -> list[dict[str, Any]]:
        out = []
        for (agency, _file), group in table[table["level"] == level].groupby(["agency", "file"], sort=False):
            cells = {r["id"]: {"text": shown(r["value"], r["denominator"] == r["denominator"]), "flag": r["flag"],
                               "value": r["value"],
                               "previous": "" if r["previous"] != r["previous"] else shown(r["previous"], r["denominator"] == r["denominator"]),
                               "title": f"{flags.get(r['flag'], '')} {r['source']}".strip()}
                     for _, r in group.iterrows()}
            out.append({"agency": agency, "cells": cells})
        return out

    units = entries("单位")
    key = sort if sort in {d.id for d in defs} else ""
    if key:
        units.sort(key=lambda u: (u["cells"][key]["flag"] == "small" or u["cells"][key]["value"] != u["cells"][key]["value"],
                                  -(u["cells"][key]["value"] if u["cells"][key]["value"] == u["cells"][key]["value"] else 0)))
    chosen = key or "disclosed_rate"
    return render(request, "indicators.html", account=account, region=region, year=row, years=years(db), defs=defs,
                  units=units, regions=entries("地区"), chart=chart(table, chosen),
                  chart_name=next(d.name for d in defs if d.id == chosen))


@router.get("/regions/{region_id}/indicators.csv")
def indicators_csv(db: DB, store: StoreDep, account: Consolidator, region_id: int, year: int | None = None) -> Response:
    from urllib.parse import quote

    region, row, table = _indicator_view(db, store, account, region_id, year)
    head = ["层级", "单位/地区", "统一社会信用代码", "行政区划", "年度", "指标", "数值", "分子", "分母", "上年", "变化",
            "区内排名", "标记", "来源"]
    flags = {"red": "红色", "yellow": "黄色", "small": "样本偏少"}

    def cell(v: Any) -> Any:
        return "" if isinstance(v, float) and v != v else v

    data = csv_bytes(head, [[r["level"], r["agency"], r["uscc"], r["region"], r["year"], r["name"], cell(r["value"]),
                             cell(r["numerator"]), cell(r["denominator"]), cell(r["previous"]), cell(r["change"]),
                             cell(r["rank"]), flags.get(r["flag"], ""), r["source"]] for _, r in table.iterrows()])
    name = f"{region.name}{row.year}年度指标.csv"
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
