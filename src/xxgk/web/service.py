"""The portal's actions, shared by the pages and the JSON API: check, submit, explain, return, accept,
consolidate. Each action commits its database rows and its audit entry in one transaction."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import tempfile
import threading
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from xxgk.findings import ERROR, WARNING
from xxgk.identifiers import region_problem
from xxgk.labels import form_title
from xxgk.validate import UNREADABLE, FileReport, validate_files
from xxgk.web import audit, checks
from xxgk.web.access import subtree
from xxgk.web.cover import cover_issues
from xxgk.web.models import (
    ACCEPTED,
    ERRORS,
    NEEDS_NOTE,
    PENDING,
    RETURNED,
    UNIT_AGENCY,
    UNIT_SUMMARY,
    Account,
    Region,
    ReportYear,
    Submission,
    SummaryRun,
    Unit,
    now,
)
from xxgk.web.storage import Store
from xxgk.web.uploads import Refused, refuse_macros, safe_name


class ActionError(ValueError):
    """An action that cannot be done in the current state (Chinese message; answered with 409/422)."""


# ----------------------------------------------------------------------------- checking


def portal_issue(code: str, severity: str, message: str) -> dict[str, Any]:
    return {"code": code, "severity": severity, "message": message, "rule": None, "ids": [], "cells": [],
            "expected": None, "actual": None}


def issue_key(issue: dict[str, Any]) -> str:
    """What a 说明 is attached to: the rule (or code) and the cells of a warning."""
    return f"{issue.get('rule') or issue.get('code')}|{'、'.join(issue.get('cells') or [])}"


MODE_NAMES = {"levels": "逐级汇总", "direct": "直接汇总"}


def report_dict(report: FileReport, name: str) -> dict[str, Any]:
    """The file's entry of `xxgk validate --json`, named as uploaded."""
    out = report.to_dict()
    out["path"] = name
    return out


def check_workbook(path: Path, name: str, year: ReportYear | None = None, unit: Unit | None = None,
                   db: Session | None = None, previous: Path | None = None) -> dict[str, Any]:
    """Validate one stored upload; raises Refused for what the portal does not take (macros, unreadable).
    With a unit (and the database to know the other units), a cover naming another unit is an error.
    previous: the unit's accepted version of the year before (cross-year rules, year-over-year warnings)."""
    refuse_macros(name, path)
    with checks.slot():
        (report,) = validate_files([path], previous, same_agency=True)
    if report.status == UNREADABLE:
        raise Refused(f"“{name}”无法读取：{report.findings[0].message}")
    out = report_dict(report, name)
    if year is not None:
        out["issues"] += _year_issues(report, year)
    if unit is not None and db is not None:
        out["issues"] += cover_issues(db, report, unit)
    out["status"] = "errors" if any(i["severity"] == ERROR for i in out["issues"]) else \
        ("warnings" if out["issues"] else "ok")
    return out


def _year_issues(report: FileReport, year: ReportYear) -> list[dict[str, Any]]:
    out = []
    if report.form != year.form:
        out.append(portal_issue("portal.wrong_form", ERROR,
                                f"本文件是{form_title(report.form or '')}，{year.year} 年度应使用{form_title(year.form)}。"
                                "请下载本平台提供的模板重新填报。"))
    fill = report.fill
    got = fill.meta.get("meta.year", "").strip() if fill else ""
    if got and got.isdigit() and int(got) != year.year:
        out.append(portal_issue("portal.wrong_year", ERROR,
                                f"封面的报告年度为 {got}，本次报送的是 {year.year} 年度。请改正报告年度，或使用本年度的模板。"))
    return out


def decide_status(report: dict[str, Any], notes: dict[str, str], review: bool) -> str:
    issues = report["issues"]
    if any(i["severity"] == ERROR for i in issues):
        return ERRORS
    if any(i["severity"] == WARNING and not notes.get(issue_key(i), "").strip() for i in issues):
        return NEEDS_NOTE
    return PENDING if review else ACCEPTED


# ----------------------------------------------------------------------------- submitting


def previous_accepted(db: Session, store: Store, unit: Unit, year: ReportYear) -> Path | None:
    """The stored file of the unit's newest accepted version of the year before (submitted or imported)."""
    found = accepted_file(db, store, unit, year.year - 1)
    return found[0] if found is not None else None


def accepted_file(db: Session, store: Store, unit: Unit, year: int) -> tuple[Path, str] | None:
    """The stored file of the unit's newest accepted version of `year` and how to name it (年度, 版本, file name)."""
    row = db.scalar(select(ReportYear).where(ReportYear.year == year))
    if row is None:
        return None
    sub = db.scalar(select(Submission).where(Submission.unit_id == unit.id, Submission.report_year_id == row.id,
                                             Submission.status == ACCEPTED).order_by(Submission.version.desc()).limit(1))
    path = store.path(sub.sha256) if sub is not None else None
    if sub is None or path is None or not path.exists():
        return None
    return path, f"报送平台已接受的 {year} 年度第 {sub.version} 版 {sub.filename}"


def latest(db: Session, unit_id: int, year_id: int) -> Submission | None:
    return db.scalar(select(Submission).where(Submission.unit_id == unit_id, Submission.report_year_id == year_id)
                     .order_by(Submission.version.desc()).limit(1))


_SQLITE_WRITER = threading.Lock()


@contextlib.contextmanager
def one_writer(db: Session) -> Iterator[None]:
    """SQLite has one writer at a time; threads of this process queue here in order instead of polling the
    database lock (which starves some of them under load). PostgreSQL needs no such queue."""
    if db.get_bind().dialect.name != "sqlite":
        yield
        return
    with _SQLITE_WRITER:
        yield


def submit(db: Session, store: Store, account: Account, unit: Unit, year: ReportYear, path: Path, name: str,
           ip: str = "") -> Submission:
    """Check the upload, store the file (fsynced, renamed into place), then commit its row and audit entry."""
    if not year.is_open:
        raise ActionError(f"{year.year} 年度已停止报送。")
    try:
        report = check_workbook(path, name, year, unit, db, previous_accepted(db, store, unit, year))
    except Refused as exc:
        audit.record(db, account, "upload", f"unit:{unit.id} {unit.name}", outcome=audit.REFUSED,
                     detail=f"{name}：{exc}", ip=ip)
        db.commit()
        raise
    sha, size = store.put_file(path)
    for _ in range(10):  # two uploads of one unit at once: the loser of the version number retries
        with one_writer(db):
            sub = _add_version(db, account, unit, year, report, name, sha, size, ip)
        if sub is not None:
            return sub
    raise ActionError("同时上传的文件太多，请稍后重试。")


def _add_version(db: Session, account: Account, unit: Unit, year: ReportYear, report: dict[str, Any], name: str,
                 sha: str, size: int, ip: str) -> Submission | None:
    """The next version's row and its audit entry, committed together; None when another upload took the number."""
    prev = latest(db, unit.id, year.id)
    keys = {issue_key(i) for i in report["issues"] if i["severity"] == WARNING}
    notes = {k: v for k, v in earlier_notes(db, unit.id, year.id).items() if k in keys}
    sub = Submission(unit_id=unit.id, report_year_id=year.id, version=(prev.version if prev else 0) + 1,
                     filename=name, sha256=sha, size=size, uploaded_by=account.id,
                     status=decide_status(report, notes, year.review), report_json=json.dumps(report, ensure_ascii=False),
                     notes_json=json.dumps(notes, ensure_ascii=False))
    db.add(sub)
    audit.record(db, account, "upload", f"unit:{unit.id} {unit.name}",
                 detail=f"{name} 第 {sub.version} 版 {sub.status} 校验码 {sha}", ip=ip)
    try:
        db.commit()
        return sub
    except IntegrityError:
        db.rollback()
        return None


def earlier_notes(db: Session, unit_id: int, year_id: int) -> dict[str, str]:
    """The 说明 given on any earlier version, by finding (the newest wins): a new version carries them over."""
    rows = db.scalars(select(Submission.notes_json).where(Submission.unit_id == unit_id,
                                                          Submission.report_year_id == year_id)
                      .order_by(Submission.version))
    out: dict[str, str] = {}
    for text in rows:
        out.update(json.loads(text or "{}"))
    return out


def save_notes(db: Session, account: Account, sub: Submission, notes: dict[str, str], ip: str = "") -> Submission:
    """说明 for the warnings; a submission whose every warning is explained counts."""
    if sub.status in (ERRORS, RETURNED):
        raise ActionError("有错误或已退回的报表不能填写说明，请改正后重新上传。")
    if not _is_latest(db, sub):
        raise ActionError("只能为最新版本填写说明。")
    report = json.loads(sub.report_json)
    keys = {issue_key(i) for i in report["issues"] if i["severity"] == WARNING}
    merged = {**json.loads(sub.notes_json), **{k: v.strip()[:2000] for k, v in notes.items() if k in keys}}
    sub.notes_json = json.dumps({k: v for k, v in merged.items() if v}, ensure_ascii=False)
    if sub.status != ACCEPTED or decide_status(report, json.loads(sub.notes_json), False) != ACCEPTED:
        sub.status = decide_status(report, json.loads(sub.notes_json), sub.report_year.review)
    audit.record(db, account, "notes", f"submission:{sub.id}", detail=f"{len(merged)} 条说明 → {sub.status}", ip=ip)
    db.commit()
    return sub


def newest_versions(db: Session, year: ReportYear, unit_ids: Sequence[int]) -> dict[int, Submission]:
    """The newest version of each unit, in one query."""
    top = (select(Submission.unit_id, func.max(Submission.version).label("v"))
           .where(Submission.report_year_id == year.id, Submission.unit_id.in_(list(unit_ids)))
           .group_by(Submission.unit_id).subquery())
    rows = db.scalars(select(Submission).join(top, (Submission.unit_id == top.c.unit_id) & (Submission.version == top.c.v))
                      .where(Submission.report_year_id == year.id))
    return {s.unit_id: s for s in rows}


def _is_latest(db: Session, sub: Submission) -> bool:
    newest = latest(db, sub.unit_id, sub.report_year_id)
    return newest is not None and newest.id == sub.id


def return_submission(db: Session, account: Account, sub: Submission, remark: str, ip: str = "") -> Submission:
    if not remark.strip():
        raise ActionError("退回时请填写退回意见。")
    if not _is_latest(db, sub):
        raise ActionError("只能退回最新版本。")
    sub.status, sub.remark = RETURNED, remark.strip()[:2000]
    sub.reviewed_by, sub.reviewed_at = account.id, now()
    audit.record(db, account, "return", f"submission:{sub.id} unit:{sub.unit_id}", detail=sub.remark, ip=ip)
    db.commit()
    return sub


def accept_submission(db: Session, account: Account, sub: Submission, ip: str = "") -> Submission:
    if sub.status != PENDING or not _is_latest(db, sub):
        raise ActionError(f"只有最新版本的“{PENDING}”报表可以接受（当前：{sub.status}）。")
    sub.status, sub.reviewed_by, sub.reviewed_at = ACCEPTED, account.id, now()
    audit.record(db, account, "accept", f"submission:{sub.id} unit:{sub.unit_id}", ip=ip)
    db.commit()
    return sub


def accept_all_pending(db: Session, account: Account, region: Region, year: ReportYear, ip: str = "") -> int:
    """接受 every newest version waiting for review (待审) that this consolidator may review."""
    from xxgk.web.access import can_review

    units = scope_units(db, region)
    newest = newest_versions(db, year, [u.id for u in units])
    waiting = [s for u in units if (s := newest.get(u.id)) is not None and s.status == PENDING and can_review(db, account, u)]
    for sub in waiting:
        sub.status, sub.reviewed_by, sub.reviewed_at = ACCEPTED, account.id, now()
        audit.record(db, account, "accept", f"submission:{sub.id} unit:{sub.unit_id}", detail="全部接受", ip=ip)
    db.commit()
    return len(waiting)


# ----------------------------------------------------------------------------- status


@dataclass(frozen=True)
class RegionRef:
    id: int
    name: str


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    uscc: str
    kind: str
    region: RegionRef


@dataclass(frozen=True)
class LatestRef:
    """The newest version of a unit, without its findings (a status table of thousands stays light)."""

    id: int
    version: int
    status: str
    uploaded_at: dt.datetime
    remark: str
    sha256: str


@dataclass
class StatusRow:
    unit: UnitRef
    latest: LatestRef | None
    versions: int

    @property
    def state(self) -> str:
        return self.latest.status if self.latest else "未报"


@dataclass
class StatusTable:
    region: Region
    year: ReportYear
    rows: list[StatusRow]
    counts: dict[str, int] = field(default_factory=dict)  # the agencies (填报单位) in scope
    summaries: dict[str, int] = field(default_factory=dict)  # the child regions' summaries: 下级地区 and their states


def _scope(db: Session, region: Region, mode: str) -> Any:
    """The condition on units a region's consolidator deals with. all: every agency below it and the summaries
    of its child regions; direct: every agency below it; levels: its own agencies and the child summaries."""
    below = subtree(db, region.id)
    children = set(db.scalars(select(Region.id).where(Region.parent_id == region.id)))
    agencies_in = {region.id} if mode == "levels" else below
    return ((Unit.kind == UNIT_AGENCY) & Unit.region_id.in_(agencies_in)) | \
        ((Unit.kind == UNIT_SUMMARY) & Unit.region_id.in_(children if mode != "direct" else set()))


def scope_units(db: Session, region: Region, mode: str = "all") -> list[Unit]:
    q = select(Unit).where(_scope(db, region, mode)).options(joinedload(Unit.region))
    return list(db.scalars(q.order_by(Unit.kind, Unit.region_id, Unit.id)))


def status_table(db: Session, region: Region, year: ReportYear) -> StatusTable:
    """Every unit in scope with its newest version: three queries of plain columns, no ORM objects per row."""
    newest = (select(Submission.unit_id, func.max(Submission.version).label("v"), func.count().label("n"))
              .where(Submission.report_year_id == year.id).group_by(Submission.unit_id).subquery())
    latest_rows = db.execute(
        select(Submission.unit_id, Submission.id, Submission.version, Submission.status, Submission.uploaded_at,
               Submission.remark, Submission.sha256, newest.c.n)
        .join(newest, (Submission.unit_id == newest.c.unit_id) & (Submission.version == newest.c.v))
        .where(Submission.report_year_id == year.id))
    by_unit = {r[0]: (LatestRef(*r[1:7]), r[7]) for r in latest_rows}
    units = db.execute(select(Unit.id, Unit.name, Unit.uscc, Unit.kind, Region.id, Region.name)
                       .join(Region, Unit.region_id == Region.id).where(_scope(db, region, "all"))
                       .order_by(Unit.kind, Unit.region_id, Unit.id))
    regions: dict[int, RegionRef] = {}
    rows = []
    for uid, name, uscc, kind, rid, rname in units:
        ref = UnitRef(uid, name, uscc, kind, regions.setdefault(rid, RegionRef(rid, rname)))
        rows.append(StatusRow(ref, *by_unit.get(uid, (None, 0))))
    table = StatusTable(region, year, rows)
    table.counts = _state_counts([r.state for r in rows if r.unit.kind == UNIT_AGENCY])
    children = len(db.scalars(select(Region.id).where(Region.parent_id == region.id)).all())
    if children:  # a city's agencies and its counties' summaries are two different things to count
        reported = _state_counts([r.state for r in rows if r.unit.kind == UNIT_SUMMARY])
        table.summaries = {"下级地区": children, **{k: v for k, v in reported.items() if k != "应报"}}
        table.summaries["未报"] = children - reported["已报"]
    return table


def _state_counts(states: list[str]) -> dict[str, int]:
    return {"应报": len(states), "已报": sum(s != "未报" for s in states), "未报": states.count("未报"),
            "有错误": states.count(ERRORS), "待说明": states.count(NEEDS_NOTE), "待审": states.count(PENDING),
            "已退回": states.count(RETURNED), "已接受": states.count(ACCEPTED)}


# ----------------------------------------------------------------------------- consolidating


def region_summary_unit(db: Session, region: Region) -> Unit:
    unit = db.scalar(select(Unit).where(Unit.region_id == region.id, Unit.kind == UNIT_SUMMARY))
    if unit is None:
        unit = Unit(name=f"{region.name}（汇总）", uscc="", region_id=region.id, kind=UNIT_SUMMARY)
        db.add(unit)
        db.flush()
    return unit


def _inbox_name(unit: Unit, sub: Submission) -> str:
    return f"{unit.id:06d}-{safe_name(unit.name, 'unit')}.xlsx"


def _write_last_year(db: Session, store: Store, units: Sequence[Unit], year: ReportYear, folder: Path) -> Path | None:
    """The units' accepted versions of the year before (submitted or imported as history) in one folder: the
    summary's --previous (cross-year rules, year-over-year warnings, last year's 指标). None when none has one."""
    found = [(u, f) for u in units if (f := accepted_file(db, store, u, year.year - 1)) is not None]
    if not found:
        return None
    folder.mkdir()
    for unit, (path, _) in found:
        (folder / f"{unit.id:06d}-{safe_name(unit.name, 'unit')}.xlsx").write_bytes(path.read_bytes())
    return folder


def _write_roster(path: Path, units: Sequence[Unit], region: Region) -> Path:
    from xxgk.consolidate.roster import HEADERS

    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([labels[0] for labels in HEADERS.values()])
        out.writerows([u.name, u.uscc, region.code, u.parent_name] for u in units)
    return path


def consolidate(db: Session, store: Store, account: Account, region: Region, year: ReportYear, mode: str,
                ip: str = "") -> SummaryRun:
    """The summary workbook exactly as `xxgk consolidate` writes it, from the accepted latest versions; the
    agencies' 说明 go into its 校验结果 sheet."""
    from xxgk.consolidate import NothingConsolidated, Options, UsageError, collect, write_summary
    from xxgk.consolidate.account import account as account_json
    from xxgk.consolidate.options import Sender
    from xxgk.web.coverage import coverage

    if mode not in ("levels", "direct"):
        raise ActionError("汇总方式应为 levels（逐级）或 direct（直接汇总全部单位）。")
    units = scope_units(db, region, mode)
    roster_units = scope_units(db, region, "direct")
    newest = newest_versions(db, year, [u.id for u in units])
    picked = [(u, s) for u in units if (s := newest.get(u.id)) is not None and s.status == ACCEPTED]
    if not picked:
        raise ActionError("还没有已接受的报表，无法汇总。")
    name = safe_name(f"{region.name}{year.year}年度汇总.xlsx")
    with tempfile.TemporaryDirectory(prefix="xxgk-sum-") as tmp:
        inbox, sent = Path(tmp) / "inbox", {}
        inbox.mkdir()
        for unit, sub in picked:
            target = inbox / _inbox_name(unit, sub)
            target.write_bytes(store.path(sub.sha256).read_bytes())
            sent[target.name] = (unit, sub)
        last_year = _write_last_year(db, store, [u for u, _ in picked], year, Path(tmp) / "上年")
        options = Options(output=Path(tmp) / name, roster=_write_roster(Path(tmp) / "名册.csv", roster_units, region),
                          agency=f"{region.name}（汇总）", region=region.code if not region_problem(region.code) else None,
                          form=year.form, year=year.year, force=True, jobs=1, previous=last_year,
                          senders={f: Sender(u.name, u.uscc) for f, (u, _) in sent.items()})
        try:
            result = collect([inbox], options)
        except (NothingConsolidated, UsageError) as exc:
            raise ActionError(f"无法汇总：{exc}") from exc
        result.issues = with_portal_notes(result.issues, sent)
        write_summary(result, options.output, force=True)  # type: ignore[arg-type]
        sha, size = store.put_file(options.output)  # type: ignore[arg-type]
        summary_account = account_json(result, Path(name), True)
    summary_account["portal"] = coverage(db, region, year, mode, summary_account,
                                         {u.id: f for f, (u, _) in sent.items()})
    run = SummaryRun(region_id=region.id, report_year_id=year.id, mode=mode, filename=name, sha256=sha, size=size,
                     units=len(result.units), account_json=json.dumps(summary_account, ensure_ascii=False),
                     made_by=account.id)
    db.add(run)
    audit.record(db, account, "consolidate", f"region:{region.id} {region.name}",
                 detail=f"{MODE_NAMES.get(mode, mode)} {len(result.units)} 个单位 校验码 {sha}", ip=ip)
    db.commit()
    return run


def with_portal_notes(issues: list[Any], sent: dict[str, tuple[Unit, Submission]]) -> list[Any]:
    """The summary's 校验结果 rows with every 说明 given on the portal: on the row of its finding, or (a finding
    only the portal raises) on a row of its own."""
    from dataclasses import replace

    from xxgk.consolidate.model import Issue
    from xxgk.findings import Finding

    notes = {f: json.loads(sub.notes_json) for f, (_, sub) in sent.items()}
    out = [replace(i, note=notes.get(i.file, {}).get(issue_key(i.finding.to_dict()), i.note)) for i in issues]
    shown = {(i.file, issue_key(i.finding.to_dict())) for i in out}
    for f, (unit, sub) in sent.items():
        for found in json.loads(sub.report_json)["issues"]:
            key = issue_key(found)
            if notes[f].get(key) and (f, key) not in shown:
                shown.add((f, key))
                finding = Finding(found["code"], found["severity"], found["message"], found.get("rule"),
                                  tuple(found.get("ids") or ()), tuple(found.get("cells") or ()),
                                  found.get("expected"), found.get("actual"), found.get("title"))
                out.append(Issue(unit.name, unit.uscc, f, finding, note=notes[f][key]))
    return out


def submit_summary(db: Session, store: Store, account: Account, run: SummaryRun, ip: str = "") -> Submission:
    """上报: a region's summary becomes its submission to the level above."""
    region = db.get(Region, run.region_id)
    assert region is not None
    if region.parent_id is None:
        raise ActionError("本级没有上级，无需上报。")
    year = db.get(ReportYear, run.report_year_id)
    assert year is not None
    unit = region_summary_unit(db, region)
    with tempfile.TemporaryDirectory(prefix="xxgk-up-") as tmp:
        path = Path(tmp) / run.filename
        path.write_bytes(store.path(run.sha256).read_bytes())
        return submit(db, store, account, unit, year, path, run.filename, ip)


def download_all(db: Session, store: Store, region: Region, year: ReportYear, out: Path) -> Path:
    """Every unit's newest version in one zip (names made safe: no folders from user text)."""
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for row in status_table(db, region, year).rows:
            if row.latest is None:
                continue
            name = safe_name(f"{row.unit.name}-第{row.latest.version}版-{row.latest.status}.xlsx")
            while name in used:
                name = f"{row.unit.id}-{name}"
            used.add(name)
            zf.write(store.path(row.latest.sha256), name)
    return out
