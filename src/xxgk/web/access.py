"""Who may see and change what: an agency its own unit; a consolidator its region's subtree; admin all."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xxgk.web.models import ADMIN, AGENCY, CONSOLIDATOR, UNIT_SUMMARY, Account, Region, Unit


class Forbidden(Exception):
    """The account may not do this; logged in the audit log and answered with 403."""

    def __init__(self, action: str, target: str) -> None:
        super().__init__(f"{action} {target}")
        self.action, self.target = action, target


def subtree(db: Session, region_id: int) -> set[int]:
    """The region and every region below it."""
    children: dict[int | None, list[int]] = {}
    for rid, parent in db.execute(select(Region.id, Region.parent_id)):
        children.setdefault(parent, []).append(rid)
    out, todo = set(), [region_id]
    while todo:
        rid = todo.pop()
        if rid not in out:
            out.add(rid)
            todo += children.get(rid, [])
    return out


def can_see_unit(db: Session, account: Account, unit: Unit) -> bool:
    if account.role == ADMIN:
        return True
    if account.role == AGENCY:
        return account.unit_id == unit.id
    return account.role == CONSOLIDATOR and account.region_id is not None and \
        unit.region_id in subtree(db, account.region_id)


def can_submit_for(account: Account, unit: Unit) -> bool:
    """Agencies upload for their own unit; a consolidator reports its own region's summary upward."""
    if account.role == AGENCY:
        return account.unit_id == unit.id
    return account.role == CONSOLIDATOR and unit.kind == UNIT_SUMMARY and unit.region_id == account.region_id


def can_review(db: Session, account: Account, unit: Unit) -> bool:
    """退回/接受: a consolidator above the unit (a region's own summary is reviewed by the level above)."""
    if account.role == ADMIN:
        return True
    if account.role != CONSOLIDATOR or account.region_id is None:
        return False
    own = subtree(db, account.region_id)
    if unit.kind == UNIT_SUMMARY:
        return unit.region_id in own and unit.region_id != account.region_id
    return unit.region_id in own


def can_see_region(db: Session, account: Account, region: Region) -> bool:
    if account.role == ADMIN:
        return True
    return account.role == CONSOLIDATOR and account.region_id is not None and \
        region.id in subtree(db, account.region_id)


def check(allowed: bool, action: str, target: str) -> None:
    if not allowed:
        raise Forbidden(action, target)
