"""The student archive of 第十一条 and school life (第二十七至三十四条).

Every entry carries its provenance: entered at the desk (``entered_by``,
``entered_at``), or pulled from an outside system (``source``,
``source_record_id``, ``sync_run_id``, ``fetched_at``; unique per source record, so
that a sync upserts instead of doubling). Every table carries ``student_id``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Fixed, UTCDateTime, utcnow


class Entered:
    """Provenance of an entry made at the desk."""

    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Sourced:
    """Provenance of an entry made at the desk or pulled by the sync.

    ``withdrawn_at`` marks a record the source deleted (a tombstone): it stays for
    the history and leaves the archive views.
    """

    entered_by: Mapped[str | None] = mapped_column(String(64))
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(String(32))
    source_record_id: Mapped[str | None] = mapped_column(String(64))
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id"))
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _sourced_args() -> tuple[Any, ...]:
    return (
        UniqueConstraint("source", "source_record_id"),
        CheckConstraint(
            "entered_by IS NOT NULL OR (source IS NOT NULL "
            "AND source_record_id IS NOT NULL)",
            name="provenance",
        ),
    )


def _student() -> Mapped[int]:
    return mapped_column(ForeignKey("students.id"), index=True)


class ProofDocument(Sourced, Base):
    """学籍信息证明材料 (第十一条（二）): 户籍证明, 转学申请, 休学申请 ..."""

    __tablename__ = "proof_documents"
    __table_args__ = _sourced_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    # HOUSEHOLD_PROOF, TRANSFER_APPLICATION, SUSPENSION_APPLICATION, OTHER.
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(100))
    document_number: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[date | None] = mapped_column(Date)
    household_number: Mapped[str | None] = mapped_column(String(32))
    head_name: Mapped[str | None] = mapped_column(String(50))
    relation_to_head: Mapped[str | None] = mapped_column(String(20))
    registered_address: Mapped[str | None] = mapped_column(String(200))
    division_code: Mapped[str | None] = mapped_column(String(12))
    household_type: Mapped[str | None] = mapped_column(String(2))
    move_in_date: Mapped[date | None] = mapped_column(Date)
    # The person as the household register records them, for the registrar's
    # comparison with the record (name, birth date, sex).
    person_name: Mapped[str | None] = mapped_column(String(50))
    person_birth_date: Mapped[date | None] = mapped_column(Date)
    person_sex: Mapped[str | None] = mapped_column(String(1))
    note: Mapped[str | None] = mapped_column(String(500))


class Evaluation(Entered, Base):
    """One dimension of one term's 综合素质评价 (第二十七、二十八条)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("student_id", "school_year", "term", "dimension"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    school_year: Mapped[int] = mapped_column(Integer)
    term: Mapped[int] = mapped_column(Integer)
    framework: Mapped[str] = mapped_column(String(20))
    dimension: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(2000))
    level: Mapped[str | None] = mapped_column(String(20))


class HealthCheck(Sourced, Base):
    """健康体检 (第十一条（四）)."""

    __tablename__ = "health_checks"
    __table_args__ = _sourced_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    examined_on: Mapped[date] = mapped_column(Date)
    height_cm: Mapped[Decimal | None] = mapped_column(Fixed)
    weight_kg: Mapped[Decimal | None] = mapped_column(Fixed)
    vision_left: Mapped[Decimal | None] = mapped_column(Fixed)
    vision_right: Mapped[Decimal | None] = mapped_column(Fixed)
    health_status: Mapped[str | None] = mapped_column(String(2))
    findings: Mapped[list[str]] = mapped_column(JSON, default=list)
    institution: Mapped[str | None] = mapped_column(String(100))


class FitnessTest(Sourced, Base):
    """One year's 国家学生体质健康标准 test (第十一条（四）)."""

    __tablename__ = "fitness_tests"
    __table_args__ = _sourced_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    school_year: Mapped[int] = mapped_column(Integer)
    grade: Mapped[int] = mapped_column(Integer)
    tested_on: Mapped[date] = mapped_column(Date)
    is_retest: Mapped[bool] = mapped_column(Boolean, default=False)
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    height_cm: Mapped[Decimal | None] = mapped_column(Fixed)
    weight_kg: Mapped[Decimal | None] = mapped_column(Fixed)
    bmi: Mapped[Decimal | None] = mapped_column(Fixed)
    bmi_category: Mapped[str | None] = mapped_column(String(12))
    # Item -> score points of the standard's tables; raw measurements as pulled.
    item_scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    bonus_points: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    raw_items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    standard_score: Mapped[Decimal | None] = mapped_column(Fixed)
    bonus: Mapped[Decimal | None] = mapped_column(Fixed)
    total: Mapped[Decimal | None] = mapped_column(Fixed)
    band: Mapped[str | None] = mapped_column(String(12))


class VaccinationDose(Sourced, Base):
    """One immunization event (预防接种, 第十一条（四）).

    ``vaccine`` is a product key of ``rules/data/vaccines.json``, or null when the
    source named a vaccine that needs mapping by hand. Whether a dose counts is
    decided by ``rules.vaccination`` when read, never stored.
    """

    __tablename__ = "vaccination_doses"
    __table_args__ = _sourced_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    vaccine: Mapped[str | None] = mapped_column(String(40))
    vaccine_text: Mapped[str | None] = mapped_column(String(100))
    suggested_vaccine: Mapped[str | None] = mapped_column(String(40))
    needs_manual_mapping: Mapped[bool] = mapped_column(Boolean, default=False)
    series: Mapped[str | None] = mapped_column(String(40))
    dose_number: Mapped[int | None] = mapped_column(Integer)
    # [{"series": ..., "doseNumber": ..., "seriesDoses": ...}] as the source states.
    protocol: Mapped[list[Any]] = mapped_column(JSON, default=list)
    occurred_on: Mapped[date | None] = mapped_column(Date)
    precision: Mapped[str | None] = mapped_column(String(10))  # year .. datetime
    occurrence_text: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="completed")
    status_reason: Mapped[str | None] = mapped_column(String(100))
    is_subpotent: Mapped[bool] = mapped_column(Boolean, default=False)
    primary_source: Mapped[bool | None] = mapped_column(Boolean)


class Award(Sourced, Base):
    """获奖信息 (第十一条（五）, 第二十九条), with the review a title needs."""

    __tablename__ = "awards"
    __table_args__ = _sourced_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    form: Mapped[str | None] = mapped_column(String(24))
    title: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(12))
    body: Mapped[str | None] = mapped_column(String(100))  # awarding body
    awarded_on: Mapped[date] = mapped_column(Date)
    democratic_review_on: Mapped[date | None] = mapped_column(Date)
    council_approved_on: Mapped[date | None] = mapped_column(Date)
    posted_on: Mapped[date | None] = mapped_column(Date)


class Sanction(Entered, Base):
    """A disciplinary sanction (第三十条); revoked ones leave the personal file."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    decided_on: Mapped[date] = mapped_column(Date)
    peer_review_on: Mapped[date | None] = mapped_column(Date)
    school_approved_on: Mapped[date | None] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AttendanceMark(Entered, Base):
    """考勤 (第三十四条): one row per student and school day (Asia/Shanghai).

    ``also_kind`` holds the second mark of a day that is both late and left
    early; any other repeat replaces the day's mark.
    """

    __tablename__ = "attendance_marks"
    __table_args__ = (UniqueConstraint("student_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    also_kind: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    # The class the student sat in that day (a later skip does not move it).
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(200))


class CourseResult(Entered, Base):
    """学业成绩 (第十一条（七）, 第三十二条): a score or a pass level."""

    __tablename__ = "course_results"
    __table_args__ = (
        UniqueConstraint("student_id", "course", "school_year", "term", "attempt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    course: Mapped[str] = mapped_column(String(40))
    school_year: Mapped[int] = mapped_column(Integer)
    term: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[Decimal | None] = mapped_column(Fixed)
    level: Mapped[str | None] = mapped_column(String(8))


class GraduationCertificate(Entered, Base):
    """毕业证书 (第三十二条): one per student; numbers unique in school and year."""

    __tablename__ = "graduation_certificates"
    __table_args__ = (
        UniqueConstraint("student_id"),
        UniqueConstraint("school_id", "year", "sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    stage: Mapped[str] = mapped_column(String(8))  # PRIMARY or JUNIOR
    grade: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    stamped_on: Mapped[date | None] = mapped_column(Date)
    stamped_by: Mapped[str | None] = mapped_column(String(64))
    stamped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CertificateProof(Entered, Base):
    """A sealed proof for a lost certificate, never a reissue (第三十二条)."""

    __tablename__ = "certificate_proofs"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("graduation_certificates.id"), index=True
    )
    issued_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    school_sealed: Mapped[bool] = mapped_column(Boolean, default=True)
    district_confirmed_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by: Mapped[str | None] = mapped_column(String(64))


class AidGrant(Entered, Base):
    """享受资助信息 (第十一条（六）): 两免一补 and the nutrition programme."""

    __tablename__ = "aid_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _student()
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str | None] = mapped_column(String(100))
    for_date: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(12))
    amount: Mapped[Decimal | None] = mapped_column(Fixed)
    stage: Mapped[str | None] = mapped_column(String(8))
    boarding: Mapped[bool] = mapped_column(Boolean, default=False)
    meal_days: Mapped[int | None] = mapped_column(Integer)
    hardship_recognized: Mapped[bool] = mapped_column(Boolean, default=False)
    granted_on: Mapped[date | None] = mapped_column(Date)
