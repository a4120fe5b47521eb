"""Status changes (学籍异动): the append-only log and the approval workflows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow

# Workflow kinds that change a student's status; at most one of them is open per
# student at a time (a second application waits until the first is decided).
STATUS_WORKFLOW_KINDS = (
    "TRANSFER",
    "SUSPENSION",
    "SUSPENSION_EXTENSION",
    "RESUMPTION",
    "REENTRY",
    "GRADE_SKIP",
)
_OPEN_STATUS_WORKFLOW = text(
    "state = 'PENDING' AND kind IN ("
    + ", ".join(f"'{k}'" for k in STATUS_WORKFLOW_KINDS)
    + ")"
)


class StatusChange(Base):
    """One entry of the append-only status-change log (archive category 1).

    ``details`` keeps what the change carried beyond the columns: schools and
    classes moved between, suspension end, grades of a skip, the deadline a
    death record was due by.
    """

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"))
    workflow_id: Mapped[int | None] = mapped_column(ForeignKey("workflows.id"))
    category: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(32))
    effective_date: Mapped[date] = mapped_column(Date)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    documents: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Workflow(Base):
    """A change that needs approvals: transfer, suspension, grade skip, deferral..."""

    __tablename__ = "workflows"
    __table_args__ = (
        UniqueConstraint("created_by", "client_request_id"),
        Index(
            "uq_workflows_one_open_status_change",
            "student_id",
            unique=True,
            sqlite_where=_OPEN_STATUS_WORKFLOW,
            postgresql_where=_OPEN_STATUS_WORKFLOW,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("students.id"), index=True
    )
    # The school the change is about (the sending school of a transfer), for
    # the district's views by school.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12), default="PENDING")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_request_id: Mapped[str | None] = mapped_column(String(64))
    # Optimistic lock: two schools deciding at once, one gets a conflict.
    version: Mapped[int] = mapped_column(Integer, default=1)

    # SQLAlchemy reads this declarative hook once, when mapping the class.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class WorkflowStep(Base):
    """One owner's decision within a workflow, with its deadline.

    ``name`` is the party (``RECEIVING_SCHOOL``, ``DISTRICT`` ...), ``owner_unit``
    its school or district code; the time limit is kept so that the due date of
    a step opened later is counted the same way (``rules.status_workflow``).
    """

    __tablename__ = "workflow_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("students.id"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(24), default="")
    owner_role: Mapped[str] = mapped_column(String(20))
    owner_unit: Mapped[str] = mapped_column(String(10), default="")
    owner_school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    limit_amount: Mapped[int | None] = mapped_column(Integer)
    limit_unit: Mapped[str | None] = mapped_column(String(16))
    due_date: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(String(500))
