"""Results as pandas DataFrames: what xlwings writes to a range in one call and what analysts expect.

    from xxgk.frames import findings_frame, detail_frame
    findings_frame(validate_files([Path("收件箱")]))   # one row per finding
    detail_frame(collect([Path("收件箱")], Options()))  # one row per summed agency

pandas is imported inside the functions, never at module level: `xxgk validate` and an add-in click do not
pay for it. The plain row builders (`finding_row`, FINDING_COLUMNS) need no pandas and serve the
worksheet functions as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xxgk.findings import Finding

if TYPE_CHECKING:
    import pandas as pd

    from xxgk.consolidate.result import Consolidation
    from xxgk.validate import FileReport

FINDING_COLUMNS = ("file", "agency", "severity", "code", "rule", "cells", "expected", "actual", "message")
SEVERITY_ZH = {"error": "错误", "warning": "警告"}
CELL_SEPARATOR = "、"


def cells_text(found: Finding) -> str:
    return CELL_SEPARATOR.join(found.cells)


def finding_row(report: FileReport, found: Finding) -> tuple[Any, ...]:
    """One finding as the values of FINDING_COLUMNS."""
    return (str(report.path), report.agency, found.severity, found.code, found.rule or "", cells_text(found),
            found.expected, found.actual, found.message)


def findings_frame(reports: Sequence[FileReport]) -> pd.DataFrame:
    """One row per finding of every report, in report order; columns FINDING_COLUMNS.

    `expected`/`actual` are numbers (NaN where a finding has none, e.g. a blank cover field); severity is
    the machine value (error / warning), SEVERITY_ZH has the Chinese text."""
    import pandas as pd

    rows = [finding_row(r, f) for r in reports for f in r.findings]
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    for column in ("expected", "actual"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def detail_frame(result: Consolidation, *, labels: bool = False) -> pd.DataFrame:
    """The consolidation's per-agency detail (the 单位明细 sheet): one row per summed agency, in order.

    Columns: the cover fields, status, file and via (the sub-summaries it came through), then one column
    per cell id with the agency's numbers (computed cells as reported). labels=True uses the Chinese column
    headers of the 单位明细 sheet instead of the machine keys."""
    import pandas as pd

    from xxgk.consolidate import sheets as sh

    columns = sh.unit_columns(result.spec)
    first_cell = len(columns) - len(result.spec.cells)
    text_keys = [c.key for c in columns[:first_cell]]
    unit_fields = {sh.UNIT_STATUS: "status", sh.UNIT_FILE: "file", sh.UNIT_VIA: "via"}
    text = {key: [getattr(u, unit_fields[key]) if key in unit_fields else u.meta.get(key, "") for u in result.units]
            for key in text_keys}
    numbers = pd.DataFrame(result.matrix, columns=list(result.spec.cells))
    frame = pd.concat([pd.DataFrame(text, columns=text_keys), numbers], axis=1)
    if labels:
        frame.columns = pd.Index([c.label for c in columns])
    return frame


def indicators_frame(inputs: Sequence[Any], previous: Sequence[Any] | Any = None) -> pd.DataFrame:
    """Indicators for analysts: one row per unit (and per region, level 地区) and indicator.

    inputs: workbook paths or folders, or already read fills (xxgk.reader.Fill); several years may be mixed
    (last year's value comes from the same inputs); previous: a path, or fills, of last year's reports.
    Columns xxgk.indicators.COLUMNS: level, file, agency, uscc, region, year, id, name (Chinese), value,
    numerator, denominator, previous, change, flag (red/yellow/small or ""), rank (within region and year;
    NaN for 样本偏少), units, source (which cells of which file)."""
    from pathlib import Path

    from xxgk.indicators.collect import fills_table
    from xxgk.reader import Fill
    from xxgk.validate import expand_paths, load_previous, read_all

    def fills_of(items: Sequence[Any]) -> list[Fill]:
        paths = [Path(i) for i in items if not isinstance(i, Fill)]
        read = [r for r in read_all(expand_paths(paths)) if isinstance(r, Fill)] if paths else []
        return [i for i in items if isinstance(i, Fill)] + read

    if previous is None:
        last: list[Fill] = []
    elif isinstance(previous, (str, Path)):
        last = load_previous(Path(previous))
    else:
        last = fills_of(previous)
    return fills_table(fills_of(inputs), last)
