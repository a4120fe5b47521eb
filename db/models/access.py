"""Written approvals (第三十七条), the audit chain and repeatable mutations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class Approval(Base):
    """A written approval (书面批准) to give records to an outside party."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_number: Mapped[str] = mapped_column(String(64), unique=True)
    authority: Mapped[str] = mapped_column(String(100))
    approver: Mapped[str] = mapped_column(String(50))
    requesting_party: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(500))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))


class ApprovalStudent(Base):
    __tablename__ = "approval_students"
    __table_args__ = (UniqueConstraint("approval_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)


class AuditEvent(Base):
    """An append-only, hash-chained audit record.

    ``digest`` is SHA-256 over the previous digest and this row's canonical
    content, so a changed, removed or inserted row breaks the chain.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    principal: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    student_id: Mapped[int | None] = mapped_column(Integer, index=True)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    approval_number: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(32))
    prev_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64), unique=True)


class MutationReceipt(Base):
    """The first answer to a mutation, returned again for a repeated request id."""

    __tablename__ = "mutation_receipts"
    __table_args__ = (UniqueConstraint("principal", "mutation", "client_request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(64))
    mutation: Mapped[str] = mapped_column(String(60))
    client_request_id: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
