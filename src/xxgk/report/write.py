"""`xxgk report`: a workbook → the publishable report (docx or html, optionally PDF); refuses a workbook with errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xxgk.findings import ERROR, Finding

FORMATS = (".docx", ".html", ".htm")


class ReportRefused(Exception):
    """The workbook cannot or should not be published as it is (the message says why, in Chinese)."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


@dataclass
class Written:
    paths: list[Path]
    errors: list[Finding] = field(default_factory=list)  # published anyway (--force)
    narrative: bool = True  # the workbook had a 报告正文 sheet


def write_report(workbook: Path, output: Path, *, pdf: bool = False, force: bool = False) -> Written:
    from xxgk.report.content import read_narrative, report_content
    from xxgk.validate import validate_files

    if output.suffix.lower() not in FORMATS:
        raise ReportRefused(f"输出文件“{output.name}”的扩展名应为 .docx 或 .html。")
    if pdf and output.suffix.lower() != ".docx":
        raise ReportRefused("--pdf 需要 Word 输出（-o 报告.docx），PDF 由该 Word 文件转换。")
    existing = [p for p in (output, *([output.with_suffix(".pdf")] if pdf else [])) if p.exists()]
    if existing and not force:  # a report is often edited after it is generated: never replaced unasked
        names = "、".join(f"“{p.name}”" for p in existing)
        raise ReportRefused(f"输出文件{names}已存在，未生成（以免覆盖修改过的报告）。如需覆盖，请加 --force，或换一个文件名。")
    (report,) = validate_files([workbook])
    if report.fill is None:
        raise ReportRefused(f"无法读取“{workbook.name}”：{report.findings[0].message}")
    errors = [f for f in report.findings if f.severity == ERROR]
    if errors and not force:
        raise ReportRefused(f"“{workbook.name}”有 {len(errors)} 个错误，未生成报告。请先改正（或加 --force 照样生成）：",
                            errors)
    if output.suffix.lower() == ".docx":
        try:
            import docx  # noqa: F401  (python-docx, the import extra)
        except ImportError:
            raise ReportRefused("生成 Word 报告需要 python-docx，请安装：pip install \"xxgk[import]\"") from None
    narrative = read_narrative(workbook)
    content = report_content(report.fill, narrative or {})
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".docx":
        from xxgk.report.docx import write_docx

        paths = [write_docx(content, output)]
        if pdf:
            from xxgk.libreoffice import export_pdf

            paths.append(export_pdf(output, output.with_suffix(".pdf")))
    else:
        from xxgk.report.html import write_html

        paths = [write_html(content, output)]
    return Written(paths, errors, narrative is not None)
