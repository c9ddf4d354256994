"""The report's tables as the importer reads them, written to a workbook in a scratch folder and validated."""

from __future__ import annotations

import tempfile
from pathlib import Path

from xxgk.findings import Finding
from xxgk.reportcheck.document import Document


def table_findings(doc: Document) -> list[Finding]:
    """The importer's findings, then the validation's (the same as `xxgk import` reports); never guessed values."""
    if doc.reading is None:
        return [doc.unreadable] if doc.unreadable else []
    findings = list(doc.reading.findings)
    if doc.reading.form is None:
        return findings
    from xxgk.importer.workbook import write_workbook
    from xxgk.validate import validate_files

    with tempfile.TemporaryDirectory(prefix="xxgk-check-") as scratch:
        book = write_workbook(doc.reading, doc.source, Path(scratch) / "report.xlsx")
        (report,) = validate_files([book])
    return findings + list(report.findings)
