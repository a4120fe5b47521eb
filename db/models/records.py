"""Students, guardians, student numbers, enrolment episodes and placements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, SealedString, UTCDateTime, utcnow


class Student(Base):
    """One person, one record, one number (第十、十一条).

    The ID number is kept only as AES-GCM ciphertext plus a keyed hash, which is
    unique: the database itself refuses a second record of the same person.
    """

    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 学籍号, sealed: a G number contains the ID number (第十条).
    student_number: Mapped[str] = mapped_column(SealedString, unique=True)
    number_kind: Mapped[str] = mapped_column(String(1))  # G, L or J
    record_state: Mapped[str] = mapped_column(String(12), default="DRAFT")
    status: Mapped[str] = mapped_column(String(20), default="STUDYING")
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)

    name: Mapped[str] = mapped_column(String(50))
    # Lower-cased pinyin, so that search folds case alike on both engines (C16).
    name_pinyin: Mapped[str | None] = mapped_column(String(100), index=True)
    former_name: Mapped[str | None] = mapped_column(String(50))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    birthplace_code: Mapped[str | None] = mapped_column(String(12))
    native_place_code: Mapped[str | None] = mapped_column(String(12))
    ethnicity: Mapped[str] = mapped_column(String(2))
    nationality: Mapped[str] = mapped_column(String(3))
    id_doc_type: Mapped[str] = mapped_column(String(1))
    id_number_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    overseas_status: Mapped[str] = mapped_column(String(2), default="00")
    political_status: Mapped[str | None] = mapped_column(String(2))
    health_status: Mapped[str] = mapped_column(String(2), default="10")
    household_place_code: Mapped[str | None] = mapped_column(String(12))
    household_type: Mapped[str | None] = mapped_column(String(2))
    household_address: Mapped[str | None] = mapped_column(String(200))
    talent: Mapped[str | None] = mapped_column(String(100))
    id_expiry: Mapped[date | None] = mapped_column(Date)  # 身份证件有效期
    secondary_number: Mapped[str | None] = mapped_column(String(30))  # 学籍辅号
    homepage: Mapped[str | None] = mapped_column(String(200))
    # 身份证件类型 Z without a number: the school keeps a signed 就读证明.
    attendance_proof_filed: Mapped[bool] = mapped_column(Boolean, default=False)

    current_address: Mapped[str | None] = mapped_column(String(200))
    mailing_address: Mapped[str | None] = mapped_column(String(200))
    home_address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(6))
    email: Mapped[str | None] = mapped_column(String(100))

    only_child: Mapped[bool | None] = mapped_column(Boolean)
    had_preschool: Mapped[bool | None] = mapped_column(Boolean)
    left_behind: Mapped[str | None] = mapped_column(String(1))
    migrant_child: Mapped[bool | None] = mapped_column(Boolean)
    orphan: Mapped[bool | None] = mapped_column(Boolean)
    martyr_child: Mapped[bool | None] = mapped_column(Boolean)
    inclusive_class: Mapped[str] = mapped_column(String(1), default="0")
    disability_type: Mapped[str] = mapped_column(String(1), default="0")
    government_place: Mapped[bool | None] = mapped_column(Boolean)
    needs_aid: Mapped[bool | None] = mapped_column(Boolean)
    receives_subsidy: Mapped[bool | None] = mapped_column(Boolean)
    commute_km: Mapped[float | None] = mapped_column(Numeric(6, 2, asdecimal=False))
    commute_mode: Mapped[str | None] = mapped_column(String(1))
    needs_school_bus: Mapped[bool | None] = mapped_column(Boolean)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(String(500))


class StudentNumber(Base):
    """Every number a student has carried; an upgraded L or J stays searchable."""

    __tablename__ = "student_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    number: Mapped[str] = mapped_column(SealedString, unique=True)
    kind: Mapped[str] = mapped_column(String(1))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Guardian(Base):
    __tablename__ = "guardians"
    __table_args__ = (UniqueConstraint("student_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1 or 2
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str] = mapped_column(String(2))
    relation_note: Mapped[str | None] = mapped_column(String(50))
    ethnicity: Mapped[str | None] = mapped_column(String(2))
    employer: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    household_place_code: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(20))
    is_guardian: Mapped[bool] = mapped_column(Boolean, default=True)
    id_doc_type: Mapped[str | None] = mapped_column(String(1))
    id_number_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    job_title: Mapped[str | None] = mapped_column(String(50))


class Enrolment(Base):
    """A dated episode at one school, never overwritten.

    ``exit_date`` null means active; a partial unique index keeps at most one
    active episode per student on SQLite and PostgreSQL alike.
    """

    __tablename__ = "enrolments"
    __table_args__ = (
        Index(
            "uq_enrolments_one_active",
            "student_id",
            unique=True,
            sqlite_where=text("exit_date IS NULL"),
            postgresql_where=text("exit_date IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    entry_date: Mapped[date] = mapped_column(Date)
    exit_date: Mapped[date | None] = mapped_column(Date)
    entry_reason: Mapped[str] = mapped_column(String(20))
    exit_reason: Mapped[str | None] = mapped_column(String(20))
    entry_route: Mapped[str | None] = mapped_column(String(2))  # 入学方式
    attendance_mode: Mapped[str | None] = mapped_column(String(1))  # 就读方式
    student_source: Mapped[str | None] = mapped_column(String(1))
    class_number: Mapped[str | None] = mapped_column(String(10))  # 班内学号
    record_due: Mapped[date | None] = mapped_column(Date)  # 第十条: one month


class Placement(Base):
    """Grade and class within an episode, dated; a grade skip adds one."""

    __tablename__ = "placements"
    __table_args__ = (
        Index(
            "uq_placements_one_open",
            "enrolment_id",
            unique=True,
            sqlite_where=text("end_date IS NULL"),
            postgresql_where=text("end_date IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    grade: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class RecordChange(Base):
    """One change to a record: its basic information or its review (archive
    category 1, 学籍基础信息及信息变动情况, 第十一条). Append-only.

    ``changes`` maps a GraphQL field name to ``[old, new]``; ID numbers appear
    only as ciphertext (base64, prefixed ``enc:``).
    """

    __tablename__ = "record_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(String(500))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
