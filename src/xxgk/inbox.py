"""Which files are submissions: every file under the inputs is listed, and a file that is not a report at all
(an Office lock file, a macOS companion file, a PDF or a text note) is skipped with the reason why.

One logic for `xxgk validate` and `xxgk consolidate`, so both account for the same files the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from xxgk.container import inspect_file

__all__ = ["WORKBOOK_SUFFIXES", "InputError", "scan", "skip_reason"]

# A file with one of these endings that cannot be read is 无法读取 (the sender must fix it); any other
# unreadable file (.pdf, .docx, .txt …) is 已跳过.
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".xlt", ".et", ".ett",
                               ".ods", ".ots", ".csv"})
SKIP_KINDS = ("lock_file", "hidden")


class InputError(ValueError):
    """An input path does not exist (a usage error)."""


def scan(inputs: Sequence[Path], exclude: Iterable[Path] = (), *, missing_ok: bool = False) -> list[tuple[Path, str]]:
    """Every file under the inputs (folders recursively, sorted) with the name to show for it; the excluded
    paths (the output, the roster, last year's data: files or folders) are left out. Nothing is left out for
    its name: a file starting with "." is not hidden on Windows. A missing input raises InputError, or is
    listed as given with missing_ok (the reader then reports it)."""
    skip = {p.resolve() for p in exclude}
    seen: set[Path] = set()
    out: list[tuple[Path, str]] = []
    for given in inputs:
        given = Path(given)
        if given.is_dir():
            found = sorted((p for p in given.rglob("*") if p.is_file() or p.is_symlink()),
                           key=lambda p: p.relative_to(given).as_posix())
            items = [(p, p.relative_to(given).as_posix()) for p in found]
        elif given.exists() or given.is_symlink() or missing_ok:
            items = [(given, given.name)]
        else:
            raise InputError(f"找不到输入文件或文件夹：{given}")
        for path, name in items:
            real = path.resolve()
            if real in seen or real in skip or any(parent in skip for parent in real.parents):
                continue
            seen.add(real)
            out.append((path, name))
    return out


def skip_reason(path: Path) -> str | None:
    """For a file the reader could not read: why it is not a submission at all (to list it as skipped, with
    no finding), or None when it is a broken or unsuitable workbook the sender must fix."""
    check = inspect_file(path)
    foreign = path.suffix.lower() not in WORKBOOK_SUFFIXES and check.kind in ("not_workbook", "empty")
    return check.reason if check.kind in SKIP_KINDS or foreign else None
