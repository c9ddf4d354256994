"""The annotated copy (`xxgk validate --annotate`): the workbook with a 校验结果 sheet and its problem cells
marked, made on demand by the library and never kept."""

from __future__ import annotations

import base64
from pathlib import Path

from xxgk.validate import FileReport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def annotated_name(name: str) -> str:
    return f"{Path(name).stem}-校验标记.xlsx"


def annotated_copy(report: FileReport, out: Path) -> Path | None:
    """Write the annotated copy of a validated file to `out`; None when the library cannot make one."""
    from xxgk.annotate.file_book import AnnotateError
    from xxgk.annotate.run import annotate_file, annotation_problem

    if report.fill is None or annotation_problem(report.path, out):
        return None
    try:
        return annotate_file(report.path, out, report.fill, report.findings, report.hints)
    except (AnnotateError, OSError, ValueError):
        return None


def as_data_uri(path: Path | None) -> str:
    """A download link that needs nothing kept on the server ("" when there is no copy)."""
    if path is None:
        return ""
    return f"data:{XLSX};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
