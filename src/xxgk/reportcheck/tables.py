"""The report's tables as the importer reads them, written to a workbook in a scratch folder and validated
(against last year's tables when last year's report of the same unit is known: yoy.jump, yoy.unchanged)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from xxgk.findings import Finding
from xxgk.reportcheck.document import Document


def table_findings(doc: Document, previous: Document | None = None) -> list[Finding]:
    """The importer's findings, then the validation's (the same as `xxgk import` reports); never guessed values."""
    if doc.reading is None:
        return [doc.unreadable] if doc.unreadable else []
    findings = list(doc.reading.findings)
    if doc.reading.form is None:
        return findings
    from xxgk.importer.workbook import write_workbook
    from xxgk.validate import PreviousUnusable, validate_files

    with tempfile.TemporaryDirectory(prefix="xxgk-check-") as scratch:
        book = write_workbook(doc.reading, doc.source, Path(scratch) / "report.xlsx")
        last = _workbook(previous, Path(scratch) / "previous.xlsx") if previous else None
        try:
            (report,) = validate_files([book], last, same_agency=True)
        except PreviousUnusable:
            (report,) = validate_files([book])
    if previous is None or last is None:
        return findings + list(report.findings)
    return findings + [_named(f, last.name, previous.path.name) for f in report.findings]


def _named(f: Finding, scratch: str, name: str) -> Finding:
    """Messages name last year's report as the user gave it, not its scratch workbook."""
    return replace(f, message=f.message.replace(scratch, name)) if scratch in f.message else f


def _workbook(doc: Document, path: Path) -> Path | None:
    from xxgk.importer.workbook import write_workbook

    if doc.reading is None or doc.reading.form is None:
        return None
    return write_workbook(doc.reading, doc.source, path)
