"""Indicators of many units and years at once, vectorised: per unit and per region (summed counts, not
averaged rates), last year's value and the change, rank within the region, red/yellow/样本偏少 flags, and
where each value comes from (file and cells)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from xxgk.indicators.definitions import RED, SMALL, YELLOW, Indicator, Terms

if TYPE_CHECKING:
    import pandas as pd

UNIT, REGION = "单位", "地区"
META = ("file", "agency", "uscc", "region", "year", "key")
COLUMNS = ("level", "file", "agency", "uscc", "region", "year", "id", "name", "value", "numerator", "denominator",
           "previous", "change", "flag", "rank", "units", "source")
Where = Callable[[int, Indicator], str]  # (row, indicator) -> its formula over the cells of that row's file


def _sum(columns: Mapping[str, np.ndarray], terms: Terms, n: int) -> np.ndarray:
    out = np.zeros(n)
    for sign, cid in terms:
        col = columns.get(cid)
        out = out + (np.full(n, np.nan) if col is None else sign * np.asarray(col, dtype=float))
    return out


def _flags(ind: Indicator, value: np.ndarray, den: np.ndarray) -> np.ndarray:
    flag = np.full(len(value), "", dtype=object)
    with np.errstate(invalid="ignore"):
        for name, thr in ((YELLOW, ind.yellow), (RED, ind.red)):
            if thr is not None:
                hit = (value > thr.above) if thr.above is not None else (value < thr.below)
                flag[np.asarray(hit, dtype=bool)] = name
        if ind.is_rate:
            flag[np.asarray(~(den >= ind.min_sample), dtype=bool)] = SMALL
    return flag


def _ratio(num: np.ndarray, den: np.ndarray | None) -> np.ndarray:
    if den is None:
        return num
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _with_previous(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """previous: the value of the same `by` (unit key or region) in the year before; change: value − previous."""
    last = frame.loc[frame[by] != "", [by, "year", "value"]].drop_duplicates([by, "year"])
    last = last.assign(year=last["year"] + 1).rename(columns={"value": "previous"})
    out = frame.merge(last, on=[by, "year"], how="left")
    out["change"] = out["value"] - out["previous"]
    return out


def _ranked(frame: pd.DataFrame) -> pd.Series:
    rankable = frame["value"].where(frame["flag"] != SMALL)
    return rankable.groupby([frame["region"], frame["year"]]).rank(ascending=False, method="min")


def indicator_table(meta: pd.DataFrame, columns: Mapping[str, np.ndarray], defs: Sequence[Indicator], *,
                    shown: np.ndarray | None = None, where: Where | None = None) -> pd.DataFrame:
    """The long table (COLUMNS): per shown unit and per region, one row per indicator.

    meta: one row per report with META columns (key: agency identity, "" when unknown); columns: cell id →
    numbers aligned with meta; shown: which reports to list (the others are only last year's); where: the
    cells of a row's file, for the source column (else the cell ids)."""
    import pandas as pd

    n = len(meta)
    shown = np.ones(n, dtype=bool) if shown is None else shown
    base = meta.reset_index(drop=True)
    units, regions = [], []
    for ind in defs:
        num = _sum(columns, ind.numerator, n)
        den = _sum(columns, ind.denominator, n) if ind.is_rate else None
        value = _ratio(num, den)
        den_col = den if den is not None else np.full(n, np.nan)
        part = base.assign(id=ind.id, name=ind.name, numerator=num, denominator=den_col, value=value,
                           flag=_flags(ind, value, den_col), _shown=shown)
        part = _with_previous(part, "key")
        part["rank"] = _ranked(part.where(part["_shown"]))
        part["source"] = _sources(part, ind, where)
        units.append(part)
        regions.append(_region_rows(part, ind))
    if not defs:
        return pd.DataFrame(columns=list(COLUMNS))
    unit_rows = pd.concat(units, ignore_index=True)
    region_rows = pd.concat(regions, ignore_index=True)
    unit_rows = unit_rows[unit_rows["_shown"]].assign(level=UNIT, units=1)
    region_rows = region_rows[region_rows["_shown"]].assign(level=REGION)
    return pd.concat([unit_rows, region_rows], ignore_index=True)[list(COLUMNS)]


def _sources(part: pd.DataFrame, ind: Indicator, where: Where | None) -> pd.Series:
    import pandas as pd

    if where is None:
        return part["file"] + "：" + ind.formula()
    shown = part["_shown"].to_numpy()
    return pd.Series([f"{f}：{where(i, ind)}" if shown[i] else "" for i, f in enumerate(part["file"])],
                     index=part.index)


def _region_rows(part: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    grouped = part[part["region"] != ""].groupby(["region", "year"], sort=True)
    agg = grouped.agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"), units=("file", "size"),
                      _shown=("_shown", "any")).reset_index()
    if not ind.is_rate:
        agg["denominator"] = np.nan
    den = agg["denominator"].to_numpy() if ind.is_rate else None
    value = _ratio(agg["numerator"].to_numpy(), den)
    agg = agg.assign(id=ind.id, name=ind.name, value=value, flag=_flags(ind, value, agg["denominator"].to_numpy()),
                     file="", agency=agg["region"], uscc="", key="", rank=np.nan)
    agg["source"] = "由 " + agg["units"].astype(str) + " 个单位的计数相加：" + ind.formula()
    return _with_previous(agg, "region")
