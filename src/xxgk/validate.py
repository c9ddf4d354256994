"""Validate workbooks: read each file, check all readable ones together, report per file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xxgk.engine import check_fills
from xxgk.findings import ERROR, WARNING, Finding, finding
from xxgk.reader import Fill, Unreadable, read_fill

OK, WARNINGS, ERRORS, UNREADABLE = "ok", "warnings", "errors", "unreadable"


@dataclass
class FileReport:
    path: Path
    status: str
    findings: list[Finding] = field(default_factory=list)
    fill: Fill | None = None

    @property
    def form(self) -> str | None:
        return self.fill.form if self.fill else None

    @property
    def agency(self) -> str:
        return self.fill.agency if self.fill else ""

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "form": self.form, "agency": self.agency, "status": self.status,
                "issues": [f.to_dict() for f in self.findings]}


def status_of(findings: Sequence[Finding]) -> str:
    if any(f.severity == ERROR for f in findings):
        return ERRORS
    return WARNINGS if findings else OK


def try_read(path: Path) -> Fill | FileReport:
    try:
        return read_fill(path)
    except Unreadable as exc:
        return FileReport(path, UNREADABLE, [exc.finding])


def _previous(path: Path | None) -> tuple[Fill | None, Finding | None]:
    if path is None:
        return None, None
    got = try_read(path)
    if isinstance(got, FileReport):
        return None, finding("previous.missing", WARNING, path=path.name, reason=got.findings[0].message)
    return got, None


def validate_files(paths: Sequence[Path], previous: Path | None = None) -> list[FileReport]:
    """One report per path, in order; unreadable files never stop the others."""
    got = [try_read(Path(p)) for p in paths]
    fills = [g for g in got if isinstance(g, Fill)]
    prev_fill, prev_problem = _previous(previous)
    found, _ = check_fills(fills, [prev_fill] * len(fills) if prev_fill else None)
    by_fill = {id(f): fs for f, fs in zip(fills, found, strict=True)}
    reports = []
    for g in got:
        if isinstance(g, FileReport):
            reports.append(g)
            continue
        fs = by_fill[id(g)] + ([prev_problem] if prev_problem else [])
        reports.append(FileReport(g.path, status_of(fs), fs, g))
    return reports
