"""Units' API tokens: made with `secrets`, shown once, kept as their SHA-256 (a token is 256 random bits, so a
fast hash is enough and lets every request find its row by the hash), revocable."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from xxgk.web import audit
from xxgk.web.models import Account, ApiToken, Unit, now

PREFIX = "xxgk_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create(db: Session, account: Account, unit: Unit, ip: str = "") -> str:
    """A new token for `unit` (the clear text, to show once); committed with its audit entry."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(unit_id=unit.id, account_id=account.id, token_hash=digest(token), hint=token[:9])
    db.add(row)
    audit.record(db, account, "token_create", f"unit:{unit.id} {unit.name}", detail=row.hint, ip=ip)
    db.commit()
    return token


def revoke(db: Session, account: Account, row: ApiToken, ip: str = "") -> None:
    if row.revoked_at is None:
        row.revoked_at = now()
        audit.record(db, account, "token_revoke", f"unit:{row.unit_id}", detail=row.hint, ip=ip)
        db.commit()


def of_unit(db: Session, unit_id: int) -> Sequence[ApiToken]:
    return db.scalars(select(ApiToken).where(ApiToken.unit_id == unit_id).order_by(ApiToken.id.desc())).all()


def from_header(value: str | None) -> str:
    """The token of an Authorization header: `Bearer <token>` or the bare token (xlwings sends AUTH as is)."""
    text = (value or "").strip()
    if text[:7].lower() == "bearer ":
        text = text[7:].strip()
    return text


def lookup(db: Session, token: str) -> ApiToken | None:
    """The live token row (not revoked, its creator still active), or None."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or row.revoked_at is not None or not row.account.active:
        return None
    return row
