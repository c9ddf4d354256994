"""`xxgk indicators`: the thin CLI over read_table / write_indicators."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

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


def as_json(table: pd.DataFrame) -> dict[str, Any]:
    """Per unit (and per region) the items {"id", "name", "value", "numerator", "denominator", "previous", "flag", …}."""
    out: dict[str, Any] = {"units": [], "regions": []}
    for level, key in ((UNIT, "units"), (REGION, "regions")):
        rows = table[table["level"] == level]
        for (_, _, _), group in rows.groupby(["file", "agency", "year"], sort=False):
            first = group.iloc[0]
            entry = {"file": first["file"] or None, "agency": first["agency"], "uscc": first["uscc"] or None,
                     "region": first["region"] or None, "year": _json_value(first["year"]),
                     "items": [{k: _json_value(r[k]) for k in ITEM_KEYS} for _, r in group.iterrows()]}
            out[key].append(entry)
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
