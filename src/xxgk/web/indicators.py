"""The 汇总单位's 指标 page: the spec's indicators of the accepted reports in a region, this year and last year."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xxgk.web.models import ACCEPTED, Region, ReportYear, Submission, Unit
from xxgk.web.service import scope_units
from xxgk.web.storage import Store

if TYPE_CHECKING:
    import pandas as pd

CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 640, 18, 220


def _accepted(db: Session, year: ReportYear | None, units: list[Unit]) -> dict[int, Submission]:
    if year is None or not units:
        return {}
    top = (select(Submission.unit_id, func.max(Submission.version).label("v"))
           .where(Submission.report_year_id == year.id, Submission.status == ACCEPTED,
                  Submission.unit_id.in_([u.id for u in units])).group_by(Submission.unit_id).subquery())
    rows = db.scalars(select(Submission).join(top, (Submission.unit_id == top.c.unit_id) & (Submission.version == top.c.v))
                      .where(Submission.report_year_id == year.id))
    return {s.unit_id: s for s in rows}


def region_table(db: Session, store: Store, region: Region, year: ReportYear) -> pd.DataFrame:
    """The indicator table (xxgk.indicators.COLUMNS) of the region's accepted reports of `year`, last year's
    accepted reports giving `previous`."""
    from xxgk.indicators.collect import fills_table
    from xxgk.reader import Fill
    from xxgk.validate import read_all

    units = [u for u in scope_units(db, region) if u.kind == "agency"] or scope_units(db, region)
    last = db.scalar(select(ReportYear).where(ReportYear.year == year.year - 1))

    def fills(subs: dict[int, Submission]) -> tuple[list[Fill], list[str], list[str]]:
        paths = [(store.path(s.sha256), f"{s.unit.name}（{s.filename}）", f"unit:{s.unit_id}") for s in subs.values()]
        paths = [(p, n, k) for p, n, k in paths if Path(p).exists()]
        got = read_all([p for p, _, _ in paths])
        kept = [(g, n, k) for g, (_, n, k) in zip(got, paths, strict=True) if isinstance(g, Fill)]
        return [g for g, _, _ in kept], [n for _, n, _ in kept], [k for _, _, k in kept]

    this, names, keys = fills(_accepted(db, year, units))
    previous, _, last_keys = fills(_accepted(db, last, units))
    return fills_table(this, previous, names=names, keys=keys + last_keys)


@dataclass
class Bar:
    label: str
    value: float
    flag: str
    y: int
    width: float


def chart(table: pd.DataFrame, indicator: str) -> dict[str, Any]:
    """An inline SVG bar chart (no JavaScript) of one indicator over the units that are graded."""
    rows = table[(table["level"] == "单位") & (table["id"] == indicator) & (table["flag"] != "small")]
    rows = rows[rows["value"].notna()].sort_values("value", ascending=False)
    top = max([float(v) for v in rows["value"]] + [1e-9])
    rate = rows["denominator"].notna().any()
    bars = [Bar(str(r["agency"]), float(r["value"]), str(r["flag"]), k * (BAR_HEIGHT + 6),
                (CHART_WIDTH - LABEL_WIDTH - 70) * (float(r["value"]) / (1.0 if rate else top)))
            for k, (_, r) in enumerate(rows.iterrows())]
    return {"bars": bars, "height": max(len(bars), 1) * (BAR_HEIGHT + 6), "width": CHART_WIDTH,
            "label_width": LABEL_WIDTH, "bar_height": BAR_HEIGHT, "rate": bool(rate)}


def shown(value: Any, rate: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.1%}" if rate else f"{value:,.0f}"


@dataclass
class OwnRow:
    """One line of a unit's own indicators on its page."""

    name: str
    value: str
    previous: str
    change: str
    flag: str  # red / yellow / small / ""
    flag_name: str
    source: str


def _read(path: Path | None) -> Any:
    from xxgk.reader import Fill
    from xxgk.validate import read_all

    if path is None or not Path(path).exists():
        return None
    (got,) = read_all([path])
    return got if isinstance(got, Fill) else None


def _change(value: Any, rate: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:+.1f} 个百分点" if rate else f"{value:+,.0f}"


def unit_rows(db: Session, store: Store, unit: Unit, year: ReportYear) -> tuple[list[OwnRow], str, str]:
    """The unit's own indicators: its newest version of `year` beside its accepted version of the year before;
    with which versions they are (empty when there is none)."""
    from xxgk.indicators import FLAG_NAMES
    from xxgk.indicators.collect import fills_table
    from xxgk.web.service import accepted_file, latest

    newest = latest(db, unit.id, year.id)
    this = _read(store.path(newest.sha256)) if newest is not None else None
    before = accepted_file(db, store, unit, year.year - 1)
    last = _read(before[0]) if before is not None else None
    shown_fill, previous = (this, [last] if last is not None else []) if this is not None else (last, [])
    if shown_fill is None:
        return [], "", ""
    table = fills_table([shown_fill], previous, keys=["unit"] * (1 + len(previous)))
    table = table[table["level"] == "单位"]
    rows = []
    for _, r in table.iterrows():
        rate = r["denominator"] == r["denominator"]
        now, prev = (r["value"], r["previous"]) if this is not None else (float("nan"), r["value"])
        rows.append(OwnRow(str(r["name"]), shown(now, rate), shown(prev, rate),
                           _change(r["change"] if this is not None else None, rate),
                           str(r["flag"]) if this is not None else "",
                           FLAG_NAMES.get(str(r["flag"]), "") if this is not None else "", str(r["source"])))
    this_label = f"第 {newest.version} 版（{newest.status}）" if this is not None and newest is not None else ""
    return rows, this_label, before[1] if last is not None and before is not None else ""
