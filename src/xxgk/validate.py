"""Validate workbooks: read each file, check all readable ones together, report per file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xxgk.engine import check_all
from xxgk.findings import ERROR, WARNING, Counted, Finding, finding
from xxgk.hints import Hint
from xxgk.identity import agency_key, normalize_name
from xxgk.inbox import scan, skip_reason
from xxgk.reader import Fill
from xxgk.readmany import read_many

OK, WARNINGS, ERRORS, UNREADABLE, SKIPPED = "ok", "warnings", "errors", "unreadable", "skipped"


@dataclass
class FileReport(Counted):
    path: Path
    status: str
    findings: list[Finding] = field(default_factory=list)
    fill: Fill | None = None
    hints: list[Hint] = field(default_factory=list)  # the cells that would repair the broken rules (xxgk.hints)
    reason: str = ""  # why a skipped file is not a report
    name: str = ""  # the name to show: relative to the folder given, so 甲/报表.xlsx and 乙/报表.xlsx differ

    @property
    def shown_name(self) -> str:
        return self.name or self.path.name

    @property
    def form(self) -> str | None:
        return self.fill.form if self.fill else None

    @property
    def agency(self) -> str:
        return self.fill.agency if self.fill else ""

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "form": self.form, "agency": self.agency, "status": self.status,
                "reason": self.reason or None, "hints": [h.to_dict() for h in self.hints],
                "issues": [f.to_dict() for f in self.findings]}


def status_of(findings: Sequence[Finding]) -> str:
    if any(f.severity == ERROR for f in findings):
        return ERRORS
    return WARNINGS if findings else OK


def read_all(paths: Sequence[Path]) -> list[Fill | FileReport]:
    """Per path, the fill or a report saying why not: skipped (not a report at all, as consolidate lists it) or
    unreadable. The .xls/.ods/.et among them are converted in one LibreOffice start (xxgk.readmany)."""
    with read_many(paths) as reads:
        return [r.fill if r.fill is not None else _not_read(r.path, r.failure) for r in reads]


def _not_read(path: Path, failure: Finding | None) -> FileReport:
    reason = skip_reason(path)
    if reason is not None:
        return FileReport(path, SKIPPED, reason=reason)
    return FileReport(path, UNREADABLE, [failure] if failure else [])


def expand_paths(paths: Sequence[Path], exclude: Sequence[Path] = ()) -> list[Path]:
    """Files as given; a folder stands for every file in it and its subfolders (inbox.scan, as consolidate)."""
    return [p for p, _ in scan(paths, exclude, missing_ok=True)]


class PreviousUnusable(Exception):
    """--previous names nothing that can be read: the cross-year checks the user asked for cannot run."""


def load_previous(path: Path) -> list[Fill]:
    reads = read_all(expand_paths([path]))
    fills = [r for r in reads if isinstance(r, Fill)]
    if not fills:
        reasons = "；".join(f"{r.path.name}：{r.findings[0].message if r.findings else r.reason}"
                           for r in reads if isinstance(r, FileReport))
        raise PreviousUnusable(f"上年报告“{path}”无法使用：{reasons or '其中没有工作簿'}")
    return fills


def match_previous(fill: Fill, previous: Sequence[Fill], *, same_agency: bool = False
                   ) -> tuple[Fill | None, Finding | None]:
    """Last year's report of the same agency (by USCC, else by name), if it is of the year before.
    same_agency: the caller knows the one previous report is this agency's (the portal's last accepted version,
    perhaps imported from a published report whose name is written differently)."""
    if same_agency and len(previous) == 1:
        return _of_year_before(fill, previous[0])
    key = agency_key(fill.agency, fill.meta.get("meta.uscc", ""))
    name = normalize_name(fill.agency)
    match = next((p for p in previous if key and agency_key(p.agency, p.meta.get("meta.uscc", "")) == key), None)
    match = match or next((p for p in previous if name and normalize_name(p.agency) == name), None)
    if match is None:
        return None, finding("previous.no_match", WARNING, agency=fill.agency or "（未填单位）",
                             files="、".join(p.path.name for p in previous[:3]))
    return _of_year_before(fill, match)


def _of_year_before(fill: Fill, match: Fill) -> tuple[Fill | None, Finding | None]:
    year, last = fill.meta.get("meta.year", ""), match.meta.get("meta.year", "")
    if year.isdigit() and last.isdigit() and int(last) != int(year) - 1:
        return None, finding("previous.wrong_year", WARNING, path=match.path.name, last=last, year=year)
    return match, None


def validate_files(paths: Sequence[Path], previous: Path | None = None, *, same_agency: bool = False
                   ) -> list[FileReport]:
    """One report per path (folders expanded), in order; unreadable files never stop the others.
    Raises PreviousUnusable when `previous` holds no readable workbook."""
    items = scan(paths, [previous] if previous is not None else [], missing_ok=True)
    got = read_all([p for p, _ in items])
    fills = [g for g in got if isinstance(g, Fill)]
    last_year = load_previous(previous) if previous is not None else []
    matched = [match_previous(f, last_year, same_agency=same_agency) for f in fills] if last_year else []
    checked = check_all(fills, [m for m, _ in matched] if matched else None)
    notes = {id(f): [n] for f, (_, n) in zip(fills, matched, strict=False) if n is not None}  # none without --previous
    by_fill = {id(f): fs + notes.get(id(f), []) for f, fs in zip(fills, checked.findings, strict=True)}
    hints = {id(f): hs for f, hs in zip(fills, checked.hints, strict=True)}
    reports = [g if isinstance(g, FileReport) else FileReport(g.path, status_of(by_fill[id(g)]), by_fill[id(g)], g,
                                                              hints[id(g)]) for g in got]
    for report, (_, name) in zip(reports, items, strict=True):
        report.name = name
    return reports
