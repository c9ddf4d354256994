"""The portal's tables (SQLAlchemy 2). Schema changes go through a migration in migrations/versions/."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Roles
AGENCY, CONSOLIDATOR, ADMIN = "agency", "consolidator", "admin"
ROLES = {AGENCY: "填报单位", CONSOLIDATOR: "汇总单位", ADMIN: "管理员"}
# Region levels
LEVELS = {"province": "省", "city": "市", "county": "县"}
# Unit kinds: an agency reports its own numbers; a region's summary unit carries the region's summary upward
UNIT_AGENCY, UNIT_SUMMARY = "agency", "summary"
# Submission statuses
PENDING, ERRORS, NEEDS_NOTE, ACCEPTED, RETURNED = "待审", "有错误", "待说明", "已接受", "已退回"
STATUSES = (PENDING, ERRORS, NEEDS_NOTE, ACCEPTED, RETURNED)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    pass


class Region(Base):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    parent: Mapped[Region | None] = relationship(remote_side="Region.id")


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    uscc: Mapped[str] = mapped_column(String(18), default="")
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=UNIT_AGENCY)
    parent_name: Mapped[str] = mapped_column(String(300), default="")  # 上级主管单位 from the roster
    region: Mapped[Region] = relationship()


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    unit: Mapped[Unit | None] = relationship()
    region: Mapped[Region | None] = relationship()


class LoginSession(Base):
    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's session id
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ReportYear(Base):
    __tablename__ = "report_years"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    form: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    review: Mapped[bool] = mapped_column(Boolean, default=False)  # clean submissions wait for 接受


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("unit_id", "report_year_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    report_year_id: Mapped[int] = mapped_column(ForeignKey("report_years.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, index=True)
    status: Mapped[str] = mapped_column(String(8))
    report_json: Mapped[str] = mapped_column(Text)  # the file's `xxgk validate --json` entry
    notes_json: Mapped[str] = mapped_column(Text, default="{}")  # 说明 per warning key
    remark: Mapped[str] = mapped_column(Text, default="")  # 退回 remark
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    unit: Mapped[Unit] = relationship()
    report_year: Mapped[ReportYear] = relationship()


class SummaryRun(Base):
    """A summary workbook made by a consolidator (stored like the submissions)."""

    __tablename__ = "summaries"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    report_year_id: Mapped[int] = mapped_column(ForeignKey("report_years.id"))
    mode: Mapped[str] = mapped_column(String(16))  # levels / direct
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(Integer)
    account_json: Mapped[str] = mapped_column(Text)  # the `xxgk consolidate --json` account
    made_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    made_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, index=True)
    account_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="ok")  # ok / denied / refused
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(64), default="")


class ApiToken(Base):
    """A unit's token for the add-ins' 上报 (and their clicks while 在线校验 is off); only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # who created it: uploads are theirs
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # the first characters, to tell tokens apart on the page
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    unit: Mapped[Unit] = relationship()
    account: Mapped[Account] = relationship()
