"""`xxgk indicators`: the thin CLI over read_table / write_indicators."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from xxgk.indicators.compute import REGION, UNIT

if TYPE_CHECKING:
    import pandas as pd

ITEM_KEYS = ("id", "name", "value", "numerator", "denominator", "previous", "flag", "change", "rank", "source")


def _json_value(v: Any) -> Any:
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else round(v, 6)
    if hasattr(v, "item"):
        return _json_value(v.item())
    return v if v != "" else None


def _json_column(column: pd.Series) -> list[Any]:
    """A column as JSON values, at once: NaN and "" → null, whole floats → int, other floats rounded to 6 places."""
    values = column.to_numpy()
    if values.dtype.kind == "f":
        whole = np.isfinite(values) & (np.mod(values, 1) == 0) & (np.abs(values) < 2**53)
        rounded = np.round(values, 6).tolist()
        ints = np.where(whole, values, 0).astype(np.int64).tolist()
        return [None if v != v else i if w else v for v, i, w in zip(rounded, ints, whole.tolist(), strict=True)]
    return [_json_value(v) for v in values.tolist()]


def as_json(table: pd.DataFrame) -> dict[str, Any]:
    """Per unit (and per region) the items {"id", "name", "value", "numerator", "denominator", "previous", "flag", …}."""
    out: dict[str, Any] = {"units": [], "regions": []}
    heads = ("file", "agency", "uscc", "region", "year")
    for level, key in ((UNIT, "units"), (REGION, "regions")):
        rows = table[table["level"] == level]
        columns = {k: _json_column(rows[k]) for k in (*heads, *ITEM_KEYS)}
        entries: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
        for n in range(len(rows)):  # one pass over plain lists, not iterrows: 500,000 rows in seconds
            ident = (columns["file"][n], columns["agency"][n], columns["year"][n])
            entry = entries.get(ident)
            if entry is None:
                entry = entries[ident] = {h: columns[h][n] for h in heads} | {"items": []}
            entry["items"].append({k: columns[k][n] for k in ITEM_KEYS})
        out[key] = list(entries.values())
    return out


def run(inputs: Sequence[Path], previous: Path | None, output: Path | None, force: bool, want_json: bool) -> int:
    from xxgk.indicators.collect import read_table
    from xxgk.indicators.workbook import write_indicators
    from xxgk.validate import PreviousUnusable

    if output is None and not want_json:
        click.echo("错误：请用 -o 指定输出的指标工作簿（.xlsx），或加 --json 输出到屏幕。", err=True)
        return 2
    if output is not None and output.suffix.lower() != ".xlsx":
        click.echo(f"错误：输出文件“{output.name}”应为 .xlsx 工作簿。", err=True)
        return 2
    if output is not None and output.exists() and not force:
        click.echo(f"错误：输出文件“{output}”已存在。请换一个文件名，或加 --force 覆盖。", err=True)
        return 2
    try:
        table, unread = read_table(list(inputs), previous)
    except PreviousUnusable as exc:
        click.echo(f"错误：{str(exc).rstrip('。')}。请检查 --previous。", err=True)
        return 2
    if table.empty:
        click.echo("错误：没有读到任何年报工作簿（.xlsx），无法计算指标。请检查路径。", err=True)
        return 2
    if output is not None:
        write_indicators(table, output)
    if want_json:
        click.echo(json.dumps(as_json(table), ensure_ascii=False, indent=2))
    else:
        units = table.loc[table["level"] == UNIT, "file"].nunique()
        click.echo(f"已计算 {units} 个单位的指标，写入：{output}")
    for name in unread:
        click.echo(f"注意：{name} 无法读取，未计入。", err=True)
    return 0
