"""Read many submission files at once: the .xls / .ods / .et among them are converted in one LibreOffice start
(xxgk.convert.converted_many) instead of one start per file, then every file is read like any .xlsx.

One logic for `xxgk validate` and `xxgk consolidate`: a file that cannot be read becomes a finding, never an
exception, and the findings are the same whether the conversions ran together or one by one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from xxgk.container import inspect_file
from xxgk.findings import ERROR, Finding, finding
from xxgk.reader import Fill, Unreadable, read_converted, read_fill

__all__ = ["Read", "read_many"]


@dataclass
class Read:
    path: Path
    fill: Fill | None = None
    failure: Finding | None = None  # file.unreadable: why there is no fill
    workbook: Path | None = None  # the .xlsx actually read: a converted copy lasts until read_many's block ends


@contextlib.contextmanager
def read_many(paths: Sequence[Path], *, together: bool = True) -> Iterator[list[Read]]:
    """One Read per path, in order. `together=False` converts one file per LibreOffice start (for comparison)."""
    from xxgk.convert import converted_many

    paths = [Path(p) for p in paths]
    checks = [inspect_file(p) for p in paths]
    old = [i for i, c in enumerate(checks) if c.convertible]
    with converted_many([(paths[i], checks[i]) for i in old], together=together) as outcomes:
        converted = dict(zip(old, outcomes, strict=True))
        reads = []
        for i, (path, check) in enumerate(zip(paths, checks, strict=True)):
            read = Read(path)
            outcome = converted.get(i)
            try:
                read.fill = read_fill(path, check) if outcome is None else read_converted(path, check, outcome)
                read.workbook = path if outcome is None else getattr(outcome, "path", None)
            except Unreadable as exc:
                read.failure = exc.finding
            except Exception as exc:  # a reader bug must not stop the others: the file is reported instead
                read.failure = finding("file.unreadable", ERROR, reason=f"文件无法读取（{type(exc).__name__}: {exc}）")
            reads.append(read)
        yield reads
