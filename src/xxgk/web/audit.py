"""The audit log: who uploaded, returned, accepted, consolidated what and when; every refused access."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xxgk.web.models import Account, AuditEntry

OK, DENIED, REFUSED = "ok", "denied", "refused"


def record(db: Session, account: Account | None, action: str, target: str = "", *, outcome: str = OK,
           detail: str = "", ip: str = "") -> AuditEntry:
    """Add an entry to the session (committed with the action it records)."""
    entry = AuditEntry(account_id=account.id if account else None, username=account.username if account else "",
                       action=action, target=target[:300], outcome=outcome, detail=detail, ip=ip[:64])
    db.add(entry)
    return entry
