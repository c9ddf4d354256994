"""Who a consolidation summed and who it left out, in the portal's own terms: the counts are those of the status
page (报送情况) at the moment of the consolidation, and every agency not summed is named with the reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xxgk.web.models import ACCEPTED, UNIT_AGENCY, UNIT_SUMMARY, Region, ReportYear
from xxgk.web.service import StatusRow, status_table

NOT_REPORTED = "未报"


def coverage(db: Session, region: Region, year: ReportYear, mode: str, account: dict[str, Any],
             sent: dict[int, str]) -> dict[str, Any]:
    """account: the consolidation's account (xxgk consolidate --json); sent: unit id -> the file it was sent as.
    Returns 应报/已报/未报 exactly as the status page counts them, the number summed, and the agencies left out."""
    table = status_table(db, region, year)
    usccs = {u["uscc"] for u in account["accepted"] if u.get("uscc")}
    names = {u["agency"] for u in account["accepted"]}
    inputs = {f["file"]: f for f in account["inputs"]}
    summaries = {r.unit.region.id: r for r in table.rows if r.unit.kind == UNIT_SUMMARY}
    regions = {rid: (parent, name) for rid, parent, name in db.execute(select(Region.id, Region.parent_id, Region.name))}
    parents = {rid: parent for rid, (parent, _) in regions.items()}
    agencies = [r for r in table.rows if r.unit.kind == UNIT_AGENCY]
    left = []
    for r in agencies:
        if (r.unit.uscc and r.unit.uscc in usccs) or r.unit.name in names:
            continue
        child = _child_below(r.unit.region.id, region.id, parents) if mode == "levels" else None
        via = (regions[child][1], summaries.get(child)) if child is not None else None
        why = _reason(r, via, inputs.get(sent.get(r.unit.id, "")))
        left.append({"agency": r.unit.name, "uscc": r.unit.uscc, "region": r.unit.region.name, "state": r.state,
                     "reason": why})
    return {"expected": table.counts["应报"], "reported": table.counts["已报"], "summed": len(agencies) - len(left),
            "missing": table.counts[NOT_REPORTED], "left_out": left}


def _child_below(region_id: int, top: int, parents: dict[int, int | None]) -> int | None:
    """The child region of `top` that region_id lies in (None: region_id is `top` itself)."""
    while region_id != top:
        parent = parents.get(region_id)
        if parent is None:
            return None
        if parent == top:
            return region_id
        region_id = parent
    return None


def _reason(row: StatusRow, via: tuple[str, StatusRow | None] | None, sent: dict[str, Any] | None) -> str:
    """via: (the child region, its summary's row) when the agency counts through that region's summary (逐级)."""
    if row.latest is None:
        return "未上传报表"
    if row.state != ACCEPTED:
        return f"最新版本（第 {row.latest.version} 版）{row.state}，尚未接受"
    if via is not None:
        where, summary = via
        if summary is None or summary.latest is None:
            return f"{where}尚未上报汇总表"
        if summary.state != ACCEPTED:
            return f"{where}上报的汇总表{summary.state}，尚未接受"
        return f"不在{where}上报的汇总表中（请{where}重新汇总后上报）"
    if sent is not None and sent.get("reason"):
        return f"汇总时未计入：{sent['reason']}"
    return "汇总时未计入"
