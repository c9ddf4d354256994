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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from xxgk.container import ContainerCheck, extension_clause
from xxgk.findings import MESSAGES
from xxgk.libreoffice import CONVERT_TIMEOUT, SofficeFailed, SofficeMissing, SofficeTimeout, convert, convert_many

__all__ = ["FORMAT_NAMES", "ConversionFailed", "Converted", "converted_many", "converted_xlsx", "describe"]

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
    with tempfile.TemporaryDirectory(prefix="xxgk-converted-") as tmp:
        yield _convert_one(Path(path), check, Path(tmp), CONVERT_TIMEOUT if timeout is None else timeout)


@contextlib.contextmanager
def converted_many(items: Sequence[tuple[Path, ContainerCheck]], timeout: float | None = None, *,
                   together: bool = True) -> Iterator[list[Converted | ConversionFailed]]:
    """``converted_xlsx`` for many files with one LibreOffice start for all (a start costs one to three seconds):
    per item, in order, the converted .xlsx (removed on exit) or the ConversionFailed saying why not.

    Files go to LibreOffice BATCH_SIZE at a time; a batch may take `timeout` (one file's limit) plus
    BATCH_SECONDS_PER_FILE per file. A file the batch did not convert (LibreOffice could not open it, or the time
    ran out) is converted again on its own, with the full limit, so its verdict and message are exactly those of
    a conversion one by one. together=False: one LibreOffice start per file (what the batch is measured and
    tested against)."""
    timeout = CONVERT_TIMEOUT if timeout is None else timeout
    out: list[Converted | ConversionFailed | None] = [None] * len(items)
    with tempfile.TemporaryDirectory(prefix="xxgk-converted-") as tmp:
        base = Path(tmp)
        for i, (path, check) in enumerate(items):
            out[i] = _too_large(Path(path), check)
        batch = [i for i in range(len(items)) if out[i] is None]
        groups = [batch[k:k + BATCH_SIZE] for k in range(0, len(batch), BATCH_SIZE)] if together else []
        for k, group in enumerate(g for g in groups if len(g) > 1):
            _batch(items, group, base / f"batch{k}", timeout, out)
        for i, (path, check) in enumerate(items):
            if out[i] is None:
                try:
                    out[i] = _convert_one(Path(path), check, base / f"one{i}", timeout)
                except ConversionFailed as exc:
                    out[i] = exc
        done = [o for o in out if o is not None]
        assert len(done) == len(items)
        yield done


BATCH_SIZE = 50  # files per LibreOffice start: bounds the command line (32,767 characters on Windows)
# A conversion in a running LibreOffice takes 0.1-0.6 s (measured at load 6). A batch that runs out of time
# loses nothing: the files it did not get to are converted one by one, each with the full limit.
BATCH_SECONDS_PER_FILE = 3.0


def _batch(items: Sequence[tuple[Path, ContainerCheck]], batch: list[int], out_dir: Path, timeout: float,
           out: list[Converted | ConversionFailed | None]) -> None:
    """Convert items[i] for i in batch in one LibreOffice start; out[i] set for each file converted."""
    start = time.monotonic()
    try:
        written = convert_many([Path(items[i][0]) for i in batch], out_dir,
                               timeout=timeout + BATCH_SECONDS_PER_FILE * len(batch))
    except (SofficeMissing, OSError):  # each file's own attempt then says what is wrong with it
        written = [None] * len(batch)
    share = (time.monotonic() - start) / len(batch)
    for i, xlsx in zip(batch, written, strict=True):
        if xlsx is not None:
            out[i] = Converted(xlsx, describe(Path(items[i][0]), items[i][1]), share)


def _too_large(path: Path, check: ContainerCheck) -> ConversionFailed | None:
    try:
        size = path.stat().st_size
    except OSError:  # gone since it was inspected: the conversion says so
        return None
    if size <= MAX_BYTES:
        return None
    return ConversionFailed(MESSAGES["convert.too_large"].format(what=describe(path, check),
                                                                 size=f"{size / 2**20:.0f} MB",
                                                                 limit=f"{MAX_BYTES // 2**20} MB"))


def _convert_one(path: Path, check: ContainerCheck, out_dir: Path, timeout: float) -> Converted:
    what = describe(path, check)
    too_large = _too_large(path, check)
    if too_large is not None:
        raise too_large
    start = time.monotonic()
    try:
        out = convert(path, out_dir, timeout=timeout)
    except SofficeMissing:
        raise ConversionFailed(MESSAGES["convert.no_soffice"].format(what=what)) from None
    except SofficeTimeout:
        raise ConversionFailed(MESSAGES["convert.timeout"].format(what=what, seconds=f"{timeout:g}")) from None
    except (SofficeFailed, OSError):
        native = check.kind == "et" and check.content == ".et"
        code = "convert.native_et" if native else "convert.failed"
        raise ConversionFailed(MESSAGES[code].format(what=what)) from None
    return Converted(out, what, time.monotonic() - start)
