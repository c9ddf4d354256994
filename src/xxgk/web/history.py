"""Past years' published reports as history (管理 → 导入往年年报): upload reports (PDF/docx/html/txt, or a zip of
them) → `xxgk import` makes a workbook of each → each is matched to a unit by credit code, else by name → the
administrator confirms (or corrects) each match → stored as accepted versions of their year, so the first
year on the portal already has a last year to compare with (xxgk.yoy, cross-year rules).

Staging keeps the imported workbooks in data_dir/history/<token>/ between the two steps (a manifest lists them);
the token is random hex and checked as such, so no path comes from the form.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xxgk.identity import clean_uscc, normalize_name
from xxgk.web import audit
from xxgk.web.models import ACCEPTED, Account, ReportYear, Submission, Unit, now
from xxgk.web.service import ActionError, check_workbook, latest, one_writer
from xxgk.web.storage import Store
from xxgk.web.uploads import Refused, safe_name

REPORT_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".txt")
MAX_ZIP_MEMBERS = 500
MAX_ZIP_BYTES = 500 * 2**20  # real bytes written, counted while unpacking
_TOKEN = re.compile(r"[0-9a-f]{32}")


@dataclass
class Candidate:
    """One imported report waiting for confirmation."""

    source: str  # the report's name as uploaded
    workbook: str  # file name inside the staging folder ("" when the import failed)
    agency: str
    uscc: str
    year: int | None
    form: str
    unit_id: int | None  # the proposed match
    matched_by: str  # 统一社会信用代码 / 单位名称 / ""
    problem: str = ""  # why it cannot be stored (import failed, no year)


def staging_root(data_dir: Path) -> Path:
    return data_dir / "history"


def staging_folder(data_dir: Path, token: str) -> Path:
    if not _TOKEN.fullmatch(token or ""):
        raise ActionError("导入批次无效或已过期，请重新上传。")
    folder = staging_root(data_dir) / token
    if not (folder / "manifest.json").exists():
        raise ActionError("导入批次无效或已过期，请重新上传。")
    return folder


def unpack(path: Path, folder: Path) -> list[Path]:
    """The reports of one upload: itself, or the reports inside a zip (bounded in members and real bytes)."""
    if path.suffix.lower() != ".zip":
        return [path] if path.suffix.lower() in REPORT_SUFFIXES else []
    out: list[Path] = []
    written = 0
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) > MAX_ZIP_MEMBERS:
                raise Refused(f"压缩包“{path.name}”中有 {len(members)} 个文件，超过上限 {MAX_ZIP_MEMBERS}。请分批上传。")
            for k, m in enumerate(members):
                name = safe_name(_member_name(m), default="")
                if not name.lower().endswith(REPORT_SUFFIXES) or name.startswith("."):
                    continue
                target = folder / f"z{k}" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(m) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 16):
                        written += len(chunk)
                        if written > MAX_ZIP_BYTES:
                            raise Refused(f"压缩包“{path.name}”解压后超过 {MAX_ZIP_BYTES // 2**20} MB。请分批上传。")
                        dst.write(chunk)
                out.append(target)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        raise Refused(f"压缩包“{path.name}”无法打开（{type(exc).__name__}），可能已损坏或加密。") from exc
    return out


def _member_name(m: zipfile.ZipInfo) -> str:
    """Zip member names written by Windows tools are often GBK without the UTF-8 flag."""
    if m.flag_bits & 0x800:
        return m.filename
    try:
        return m.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return m.filename


def match_unit(units: list[Unit], agency: str, uscc: str) -> tuple[Unit | None, str]:
    code = clean_uscc(uscc)
    if code:
        hit = next((u for u in units if clean_uscc(u.uscc) == code), None)
        if hit is not None:
            return hit, "统一社会信用代码"
    name = normalize_name(agency)
    hit = next((u for u in units if name and normalize_name(u.name) == name), None)
    return (hit, "单位名称") if hit is not None else (None, "")


def stage(db: Session, data_dir: Path, uploads: list[tuple[Path, str]]) -> tuple[str, list[Candidate]]:
    """Import the uploaded reports into a new staging folder; the token and one candidate per report."""
    from xxgk.importer.run import import_files
    from xxgk.reader import Fill
    from xxgk.validate import read_all

    token = secrets.token_hex(16)
    folder = staging_root(data_dir) / token
    (folder / "in").mkdir(parents=True)
    reports = [r for path, _ in uploads for r in unpack(path, folder / "in")]
    if not reports:
        shutil.rmtree(folder, ignore_errors=True)
        raise Refused("没有找到可导入的年报（.pdf .docx .html .txt，或其压缩包 .zip）。")
    results = import_files(reports, folder / "out")
    units = list(db.scalars(select(Unit).order_by(Unit.id)).all())
    out = []
    for r in results:
        if r.output is None:
            reason = next((f.message for f in r.findings), "无法识别其中的表格。")
            out.append(Candidate(r.source.name, "", "", "", None, "", None, "", f"未能导入：{reason}"))
            continue
        fill = next((g for g in read_all([r.output]) if isinstance(g, Fill)), None)
        meta = fill.meta if fill is not None else {}
        year_text = str(meta.get("meta.year", "")).strip()
        unit, how = match_unit(units, meta.get("meta.agency", ""), meta.get("meta.uscc", ""))
        out.append(Candidate(r.source.name, r.output.name, meta.get("meta.agency", ""), meta.get("meta.uscc", ""),
                             int(year_text) if year_text.isdigit() else None, r.form or "",
                             unit.id if unit else None, how,
                             "" if year_text.isdigit() else "报告中没有识别出报告年度。"))
    (folder / "manifest.json").write_text(json.dumps([asdict(c) for c in out], ensure_ascii=False), encoding="utf-8")
    return token, out


def candidates(data_dir: Path, token: str) -> list[Candidate]:
    folder = staging_folder(data_dir, token)
    return [Candidate(**c) for c in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))]


def _year_row(db: Session, year: int, form: str) -> ReportYear:
    """The report year, created closed (past years are history, not open for submission)."""
    from xxgk.spec import form_for_year

    row = db.scalar(select(ReportYear).where(ReportYear.year == year))
    if row is None:
        row = ReportYear(year=year, form=form_for_year(year) if not form else form.partition("+")[0],
                         is_open=False, review=False)
        db.add(row)
        db.flush()
    return row


def confirm(db: Session, store: Store, account: Account, data_dir: Path, token: str,
            chosen: dict[int, int], ip: str = "") -> list[Submission]:
    """Store the confirmed candidates (index → unit id) as accepted versions of their year; clears the batch."""
    folder = staging_folder(data_dir, token)
    found = candidates(data_dir, token)
    stored = []
    for index, unit_id in sorted(chosen.items()):
        if not 0 <= index < len(found):
            continue
        c = found[index]
        unit = db.get(Unit, unit_id)
        if c.problem or not c.workbook or c.year is None or unit is None:
            continue
        path = folder / "out" / c.workbook
        with one_writer(db):
            year = _year_row(db, c.year, c.form)
            report = check_workbook(path, c.source, year, unit)
            sha, size = store.put_file(path)
            prev = latest(db, unit.id, year.id)
            sub = Submission(unit_id=unit.id, report_year_id=year.id, version=(prev.version if prev else 0) + 1,
                             filename=c.workbook, sha256=sha, size=size, uploaded_by=account.id, status=ACCEPTED,
                             report_json=json.dumps(report, ensure_ascii=False), notes_json="{}",
                             remark=f"由已发布的年报导入：{c.source}", reviewed_by=account.id,
                             reviewed_at=now())
            db.add(sub)
            audit.record(db, account, "history_import", f"unit:{unit.id} {unit.name}",
                         detail=f"{c.source} → {c.year} 年度 v{sub.version} sha256={sha}", ip=ip)
            db.commit()
        stored.append(sub)
    shutil.rmtree(folder, ignore_errors=True)
    return stored


def sweep(data_dir: Path, older_than: float = 24 * 3600) -> None:
    """Forget batches nobody confirmed within a day."""
    import time

    root = staging_root(data_dir)
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.is_dir() and time.time() - folder.stat().st_mtime > older_than:
            shutil.rmtree(folder, ignore_errors=True)
