"""Turn a submission in another spreadsheet format (.xls, .ods, WPS .et) into a temporary .xlsx.

Offices still save Excel 97-2003 or OpenDocument copies of the template; LibreOffice headless converts
them back with the defined names and document properties the reader needs. The conversion runs on a
private copy with a throw-away LibreOffice profile (xxgk.libreoffice.convert: macros off, time limit);
the .xlsx lives in a temporary folder that is removed when the caller is done with it. Nothing is cached.

Which kinds convert (LibreOffice 7.4, checked by tests/test_formats.py): .xls (BIFF8); .ods; an .et that
is really a BIFF8 .xls (what WPS writes for "Excel 97-2003 兼容" and most .et files seen), an .xlsx or an
.ods under the .et extension (an .xlsx zip is read directly, no conversion). WPS's own native .et
container (no BIFF "Workbook" stream) is not understood by LibreOffice: the message says so.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from xxgk.container import ContainerCheck, extension_clause
from xxgk.findings import MESSAGES
from xxgk.libreoffice import CONVERT_TIMEOUT, SofficeFailed, SofficeMissing, SofficeTimeout, convert

__all__ = ["FORMAT_NAMES", "ConversionFailed", "Converted", "converted_xlsx", "describe"]

FORMAT_NAMES = {
    "xls": "旧版 Excel 97-2003 工作簿 (.xls)",
    "ods": "开放文档格式 (OpenDocument) 电子表格 (.ods)",
    "et": "WPS 表格文件 (.et)",
}


MAX_BYTES = 64 * 2**20  # a filled template is about 100 KB as .xls: anything this large is not a report


class ConversionFailed(Exception):
    """LibreOffice is missing, could not open the file or ran out of time; the message is for the submitter."""


@dataclass(frozen=True)
class Converted:
    path: Path  # the temporary .xlsx
    what: str  # the original format, in Chinese
    seconds: float


_USUAL_SUFFIXES = {"xls": (".xls", ".xlt"), "ods": (".ods", ".ots"), "et": (".et", ".ett")}


def describe(path: Path, check: ContainerCheck) -> str:
    """What the file is, naming the extension when it hides the real format: 本文件是… / 扩展名是 .et，但本文件实为…"""
    name = FORMAT_NAMES[check.kind]
    if check.kind == "et" and check.content == ".xls":
        name = "WPS 表格文件 (.et，内部为 Excel 97-2003 格式)"
    ext = Path(path).suffix.lower()
    if ext in _USUAL_SUFFIXES[check.kind] or (check.kind == "xls" and ext in (".et", ".ett")):
        return f"本文件是{name}"
    return f"{extension_clause(path)}，但本文件实为{name}"


@contextlib.contextmanager
def converted_xlsx(path: Path, check: ContainerCheck, timeout: float | None = None) -> Iterator[Converted]:
    """Yield an .xlsx converted from `path` (a kind inspect_file calls convertible); removed on exit.
    Raises ConversionFailed with a Chinese sentence naming the format and exactly what went wrong."""
    what = describe(path, check)
    timeout = CONVERT_TIMEOUT if timeout is None else timeout
    size = Path(path).stat().st_size
    if size > MAX_BYTES:
        raise ConversionFailed(MESSAGES["convert.too_large"].format(what=what, size=f"{size / 2**20:.0f} MB",
                                                                    limit=f"{MAX_BYTES // 2**20} MB"))
    with tempfile.TemporaryDirectory(prefix="xxgk-converted-") as tmp:
        start = time.monotonic()
        try:
            out = convert(path, Path(tmp), timeout=timeout)
        except SofficeMissing:
            raise ConversionFailed(MESSAGES["convert.no_soffice"].format(what=what)) from None
        except SofficeTimeout:
            raise ConversionFailed(MESSAGES["convert.timeout"].format(what=what, seconds=f"{timeout:g}")) from None
        except (SofficeFailed, OSError):
            native = check.kind == "et" and check.content == ".et"
            code = "convert.native_et" if native else "convert.failed"
            raise ConversionFailed(MESSAGES[code].format(what=what)) from None
        yield Converted(out, what, time.monotonic() - start)

