"""Import one report or many: read (by format), interpret, write the workbook, validate it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xxgk.findings import ERROR, Finding, count
from xxgk.importer.core import read_source
from xxgk.importer.messages import import_finding
from xxgk.importer.model import Reading, Source

SUFFIXES = {".txt": "text", ".text": "text", ".md": "text", ".html": "html", ".htm": "html", ".shtml": "html",
            ".docx": "docx", ".pdf": "pdf"}
MAX_BYTES = 100 * 2**20  # published reports are a few MB; far larger files are refused before parsing
MAX_DOCX_UNPACKED = 200 * 2**20
MISSING_EXTRA = "本程序缺少读取该格式所需的组件 {module}，请安装：pip install \"xxgk[import]\""


@dataclass
class ImportResult:
    source: Path
    output: Path | None = None
    kind: str = ""
    reading: Reading | None = None
    findings: list[Finding] = field(default_factory=list)  # the importer's, then the validation's
    seconds: float = 0.0

    @property
    def form(self) -> str | None:
        return self.reading.form if self.reading else None

    @property
    def agency(self) -> str:
        return str(self.reading.cover.get("meta.agency", "")) if self.reading else ""

    @property
    def status(self) -> str:
        if self.output is None:
            return "kept" if any(f.code == "import.exists" for f in self.findings) else "failed"
        return "errors" if count(self.findings, ERROR) else ("warnings" if self.findings else "ok")

    def to_dict(self) -> dict[str, Any]:
        reading = self.reading
        return {
            "source": str(self.source), "output": str(self.output) if self.output else None, "format": self.kind,
            "form": self.form, "status": self.status, "seconds": round(self.seconds, 3),
            "cover": {k: str(v) for k, v in reading.cover.items()} if reading else {},
            "sections": [{"heading": s, "published": p, "text": t} for s, p, t in reading.sections] if reading else [],
            "values": [imp.to_dict() for imp in reading.cells.values()] if reading else [],
            "issues": [f.to_dict() for f in self.findings],
        }


def expand_inputs(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a folder stands for the reports in it and its subfolders (hidden files left out)."""
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                          and not p.name.startswith((".", "~$")))
        else:
            out.append(path)
    return out


def read_report(path: Path) -> Source:
    """Read a report with the front end of its format; a Source with a finding when it cannot be read."""
    kind = SUFFIXES.get(path.suffix.lower())
    name = path.name
    if kind is None:
        return Source(path, "", unreadable=import_finding(
            "import.unreadable", name=name, reason=f"不支持“{path.suffix or '无扩展名'}”格式（支持 .txt .html .docx .pdf）"))
    try:
        size = path.stat().st_size
    except OSError as exc:
        from xxgk.usage_errors import os_reason

        return Source(path, kind, unreadable=import_finding("import.unreadable", name=name, reason=os_reason(exc)))
    if size > MAX_BYTES:
        return Source(path, kind, unreadable=import_finding("import.too_large", name=name, size=_mb(size), limit=_mb(MAX_BYTES)))
    wrong = _wrong_content(path, kind)
    if wrong:
        return Source(path, kind, unreadable=import_finding("import.unreadable", name=name, reason=wrong))
    try:
        return _read(path, kind)
    except ImportError as exc:
        return Source(path, kind, unreadable=import_finding("import.unreadable", name=name, reason=MISSING_EXTRA.format(
            module=exc.name or exc)))
    except Exception as exc:  # a broken file of any kind: a finding, never a traceback
        from xxgk.importer.pdf import NoTextLayer

        if isinstance(exc, NoTextLayer):
            return Source(path, kind, unreadable=import_finding("import.ocr", name=name))
        reason = (str(exc) if isinstance(exc, ValueError) and str(exc)
                  else "文件设置了打开密码（已加密），请取消密码后再导入" if "Password" in type(exc).__name__
                  else f"文件已损坏或格式不符（{type(exc).__name__}）")
        return Source(path, kind, unreadable=import_finding("import.unreadable", name=name, reason=reason))


_SNIFF_BYTES = 1024  # a PDF's %PDF may follow some junk within its first 1024 bytes


def _wrong_content(path: Path, kind: str) -> str | None:
    """Why the file's content cannot be what its extension says (empty, a web page saved as .pdf, a .doc…)."""
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        return "文件是空的（0 字节或只有空白），可能是下载或复制失败，请重新获取原文"
    low = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    html = low.startswith((b"<!doctype html", b"<html", b"<meta", b"<head", b"<body")) or b"<html" in low
    if kind == "pdf" and b"%PDF" not in head:
        return ("文件内容是网页（HTML），不是 PDF（网站下载常见此情况）。若这就是报告网页，请把扩展名改为 .html 后再导入，"
                "否则请重新下载 PDF 原文" if html else "不是 PDF 文件（文件开头没有 %PDF 标记），可能已损坏或下载不完整")
    if kind == "docx" and not head.startswith(b"PK"):
        if html:
            return "文件内容是网页（HTML），不是 Word 文档。请把扩展名改为 .html 后再导入"
        if head.startswith(bytes.fromhex("D0CF11E0A1B11AE1")):
            return "这是旧版 Word 文档（.doc）或其他 Office 97-2003 文件，请在 Word/WPS 中“另存为” .docx 后再导入"
        return "不是 Word 文档（.docx），可能已损坏或下载不完整"
    return None


def _read(path: Path, kind: str) -> Source:
    if kind == "text":
        from xxgk.importer.text import read_text

        return read_text(path)
    if kind == "html":
        from xxgk.importer.html import read_html

        return read_html(path)
    if kind == "docx":
        from xxgk.container import inspect_file
        from xxgk.importer.docx import read_docx

        # Counts what every member really inflates to (and scans XML heads for a DTD) before python-docx reads it.
        check = inspect_file(path, max_uncompressed=MAX_DOCX_UNPACKED)
        if check.kind == "zip_bomb":
            raise ValueError("疑似“压缩炸弹”（解压后过大或成员过多），已拒绝读取")
        if check.kind == "xml_bomb":
            raise ValueError("内部含有 DTD/实体声明，疑似“XML 炸弹”，已拒绝读取")
        if not check.ok and "Word" not in (check.reason or ""):
            raise ValueError("不是有效的 Word 文档（.docx），可能已损坏或下载不完整")
        return read_docx(path)
    from xxgk.importer.pdf import read_pdf

    return read_pdf(path)


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def import_file(path: Path, out_dir: Path, *, name: str | None = None, force: bool = False) -> ImportResult:
    """One report → one workbook in `out_dir`; an existing workbook is replaced only when `force`."""
    start = time.perf_counter()
    target = Path(out_dir) / (name or f"{Path(path).stem}.xlsx")
    if target.exists() and not force:
        result = ImportResult(Path(path), kind=SUFFIXES.get(Path(path).suffix.lower(), ""))
        result.findings.append(import_finding("import.exists", name=Path(path).name, output=target))
        return result
    source = read_report(Path(path))
    result = ImportResult(Path(path), kind=source.kind)
    if source.unreadable is not None:
        result.findings.append(source.unreadable)
    else:
        try:
            result.reading = read_source(source)
            result.findings += result.reading.findings
            if result.reading.form is not None:
                _write_and_validate(result, source, target)
        except OSError:
            raise  # the output folder: the same for every report, said once by the CLI
        except Exception as exc:  # a report no test foresaw: that report fails, the others are imported
            if os.environ.get("XXGK_DEBUG"):
                raise
            result.output = None
            result.findings.append(import_finding("import.internal", name=Path(path).name,
                                                  reason=f"{type(exc).__name__}：{exc}"[:200]))
    result.seconds = time.perf_counter() - start
    return result


def _write_and_validate(result: ImportResult, source: Source, target: Path) -> None:
    from xxgk.importer.workbook import write_workbook
    from xxgk.validate import validate_files

    assert result.reading is not None
    result.output = write_workbook(result.reading, source, target)
    (report,) = validate_files([result.output])
    result.findings += report.findings


def import_files(paths: Sequence[Path], out_dir: Path,
                 on_done: Callable[[ImportResult, int, int], None] | None = None, *,
                 force: bool = False) -> list[ImportResult]:
    files = expand_inputs(paths)
    names = _output_names(files)
    results = []
    for n, path in enumerate(files, 1):
        result = import_file(path, out_dir, name=names[n - 1], force=force)
        results.append(result)
        if on_done:
            on_done(result, n, len(files))
    return results


def _output_names(files: Sequence[Path]) -> list[str]:
    """One workbook per report, named after it; reports of the same name in several formats are told apart by
    the format, the same name in several folders by the folder (else a number): no report overwrites another."""
    stems = [f.stem for f in files]
    names = [f.stem if stems.count(f.stem) == 1 else f"{f.stem}_{f.suffix.lstrip('.').lower()}" for f in files]
    names = [n if names.count(n) == 1 else f"{f.parent.name}_{n}" for f, n in zip(files, names, strict=True)]
    taken: set[str] = set()
    out = []
    for name in names:
        unique, n = name, 1
        while unique.casefold() in taken:
            n += 1
            unique = f"{name}_{n}"
        taken.add(unique.casefold())
        out.append(f"{unique}.xlsx")
    return out
