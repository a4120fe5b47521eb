"""The nightly sync's bookkeeping: runs, per-source watermarks, quarantine.

A ``SyncRun`` is written when a run starts and updated in the same transaction as
each page it saves, so its counts always match what was committed. The watermark
of a source moves only when a run of it completes (``SyncWatermark``). Records
that fail a check are kept with their reason and raw payload for review
(``QuarantinedRecord``). ``LookupRequest`` remembers each request the hub sent to
an outside system about one student, under the idempotency key it used.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    # Stopped from outside (cancelled or killed) before it could finish.
    INTERRUPTED = "INTERRUPTED"


class SyncRun(Base):
    """One run of one source: when, how far, how many, and what went wrong."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(12), default=RunStatus.RUNNING.value)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The watermark the run started from and the one its last saved page reached.
    since: Mapped[str | None] = mapped_column(String(64))
    reached: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    upserted: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    # [{"kind": ..., "message": ..., "at": ...}], at most a few dozen.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class SyncWatermark(Base):
    """Where the next incremental run of a source starts."""

    __tablename__ = "sync_watermarks"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    watermark: Mapped[str | None] = mapped_column(String(64))
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuarantinedRecord(Base):
    """An outside record set aside by a check, with its reason, for review.

    A record the source identifies is kept once (the latest attempt); it is marked
    resolved when a later version of it imports.
    """

    __tablename__ = "quarantined_records"
    __table_args__ = (UniqueConstraint("source", "source_record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    source_record_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(48))
    detail: Mapped[str | None] = mapped_column(String(500))
    payload: Mapped[Any] = mapped_column(JSON, nullable=True)
    quarantined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LookupRequest(Base):
    """A request sent to an outside system about one student (its ID number).

    The idempotency key is fixed before the request is sent, so a retry or a
    rerun after a crash sends the same key and the system can deduplicate.
    """

    __tablename__ = "lookup_requests"
    __table_args__ = (UniqueConstraint("system", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(String(32))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    request_id: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
