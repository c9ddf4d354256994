"""Does an upload's cover name the unit it is uploaded for? A submission always belongs to the unit it was
uploaded for; a cover that names another unit of the portal (by its credit code, or by its name when the cover
has no code), another code, another kind of report or another region is an error that no 说明 clears."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xxgk.findings import ERROR
from xxgk.identifiers import region_problem
from xxgk.identity import clean_uscc, normalize_name
from xxgk.validate import FileReport
from xxgk.web.models import UNIT_AGENCY, UNIT_SUMMARY, Unit

AGENCY, USCC, KIND, REGION = "meta.agency", "meta.uscc", "meta.kind", "meta.region"
KIND_NAMES = {UNIT_AGENCY: "单位", UNIT_SUMMARY: "汇总"}


def issue(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "severity": ERROR, "message": message, "rule": None, "ids": [], "cells": [],
            "expected": None, "actual": None}


def cover_issues(db: Session, report: FileReport, unit: Unit) -> list[dict[str, Any]]:
    """The errors of a cover that does not name `unit` (empty when it does, or the file has no readable cover)."""
    fill = report.fill
    if fill is None:
        return []
    meta = fill.meta
    name, code = meta.get(AGENCY, "").strip(), clean_uscc(meta.get(USCC, ""))
    out = []
    if unit.kind == UNIT_AGENCY:
        other = _other_unit(db, unit, name, code)
        if other is not None:
            out.append(issue("portal.other_unit", _other_message(unit, other, name, code)))
        elif code and clean_uscc(unit.uscc) and code != clean_uscc(unit.uscc):
            out.append(issue("portal.uscc_mismatch",
                             f"封面的统一社会信用代码 {code} 与“{unit.name}”登记的 {unit.uscc} 不一致，不能报送。"
                             "请改正封面的统一社会信用代码后重新上传；如登记的代码有误，请联系汇总单位更正。"))
    kind = meta.get(KIND, "").strip()
    if kind and kind != KIND_NAMES.get(unit.kind, kind):
        out.append(issue("portal.wrong_kind", f"封面的报表类型为“{kind}”，“{unit.name}”应报送“{KIND_NAMES[unit.kind]}”"
                                              "类型的报表。请改正封面的报表类型后重新上传。"))
    region, own = meta.get(REGION, "").strip(), unit.region.code
    if region and not region_problem(region) and not region_problem(own) and region != own and unit.kind == UNIT_AGENCY:
        out.append(issue("portal.other_region", f"封面的行政区划代码 {region} 与“{unit.name}”所在的"
                                                f"{unit.region.name}（{own}）不一致。请改正封面的行政区划代码后重新上传。"))
    return out


def _other_unit(db: Session, unit: Unit, name: str, code: str) -> Unit | None:
    """Another unit of the portal the cover names: by code when it has one, else by name."""
    if code:
        if code == clean_uscc(unit.uscc):
            return None
        found = db.scalars(select(Unit).where(Unit.id != unit.id, Unit.uscc != "")).all()
        return next((u for u in found if clean_uscc(u.uscc) == code), None)
    norm = normalize_name(name)
    if not norm or norm == normalize_name(unit.name):
        return None
    found = db.scalars(select(Unit).where(Unit.id != unit.id, Unit.kind == UNIT_AGENCY)).all()
    return next((u for u in found if normalize_name(u.name) == norm), None)


def _other_message(unit: Unit, other: Unit, name: str, code: str) -> str:
    claimed = f"“{other.name}”（{other.uscc}）" if other.uscc else f"“{other.name}”"
    how = f"统一社会信用代码 {code}" if code else f"单位名称“{name}”"
    return (f"本文件封面的{how}是{claimed}的，本账号报送的是“{unit.name}”的报表，不能报送。"
            f"请核对是否选错了文件：上传“{unit.name}”自己的报表，或改正封面后重新上传。")
