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

    def fills(subs: dict[int, Submission]) -> tuple[list[Fill], list[str]]:
        paths = [(store.path(s.sha256), f"{s.unit.name}（{s.filename}）") for s in subs.values()]
        paths = [(p, n) for p, n in paths if Path(p).exists()]
        got = read_all([p for p, _ in paths])
        pairs = [(g, n) for g, (_, n) in zip(got, paths, strict=True) if isinstance(g, Fill)]
        return [g for g, _ in pairs], [n for _, n in pairs]

    this, names = fills(_accepted(db, year, units))
    previous, _ = fills(_accepted(db, last, units))
    return fills_table(this, previous, names=names)


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
