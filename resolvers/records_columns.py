"""Between the national form (``rules.records.BasicInfo``) and the record tables.

Shared by the single-record mutations and the cohort import, so that both store a
record the same way: the same columns, the same ID-number hash, the same limits,
the same school and class checks.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper

from db.crypto import FieldCrypto
from db.models import (
    District,
    Enrolment,
    Guardian,
    Placement,
    School,
    SchoolClass,
    Student,
)
from rules.errors import RuleViolation
from rules.identity import RESIDENT_ID
from rules.record_review import record_deadline
from rules.records import FORM, RECORD_ARTICLE, BasicInfo, camel
from rules.records import Guardian as GuardianInfo

NEW_ENTRY = "NEW_ENTRY"
MERGER_ARTICLE = "第十二条"

# BasicInfo attribute -> Student column, where the record keeps the item.
STUDENT_COLUMNS: Mapping[str, str] = {
    "name": "name",
    "name_pinyin": "name_pinyin",
    "former_name": "former_name",
    "sex": "sex",
    "birth_date": "birth_date",
    "birth_place": "birthplace_code",
    "native_place": "native_place_code",
    "ethnicity": "ethnicity",
    "nationality": "nationality",
    "id_type": "id_doc_type",
    "hmt_overseas": "overseas_status",
    "political_status": "political_status",
    "health_status": "health_status",
    "id_expiry": "id_expiry",
    "household_place": "household_place_code",
    "household_type": "household_type",
    "special_talent": "talent",
    "secondary_number": "secondary_number",
    "current_address": "current_address",
    "mailing_address": "mailing_address",
    "home_address": "home_address",
    "phone": "phone",
    "postcode": "postcode",
    "email": "email",
    "homepage": "homepage",
    "only_child": "only_child",
    "had_preschool": "had_preschool",
    "left_behind": "left_behind",
    "migrant_child": "migrant_child",
    "orphan": "orphan",
    "martyr_child": "martyr_child",
    "inclusive_class": "inclusive_class",
    "disability_type": "disability_type",
    "government_place": "government_place",
    "needs_aid": "needs_aid",
    "receives_subsidy": "receives_subsidy",
    "commute_distance_km": "commute_km",
    "commute_mode": "commute_mode",
    "needs_school_bus": "needs_school_bus",
    "attendance_proof_filed": "attendance_proof_filed",
}
# Items 20-27 that belong to the enrolment episode rather than the person.
ENROLMENT_COLUMNS = (
    "entry_date",
    "entry_route",
    "attendance_mode",
    "student_source",
    "class_number",
)
GUARDIAN_COLUMNS: Mapping[str, str] = {
    "name": "name",
    "relation": "relation",
    "relation_note": "relation_note",
    "ethnicity": "ethnicity",
    "employer": "employer",
    "current_address": "address",
    "household_place": "household_place_code",
    "phone": "phone",
    "is_guardian": "is_guardian",
    "id_type": "id_doc_type",
    "position": "job_title",
}
# Columns that are NOT NULL with a form default ("0" = 非随班就读 / 无残疾).
_DEFAULTS = {
    "inclusive_class": "0",
    "disability_type": "0",
    "attendance_proof_filed": False,
}


def id_digest(
    crypto: FieldCrypto, id_type: str | None, number: str | None
) -> str | None:
    """The keyed hash that makes one person one record (第十一条).

    A resident ID number is hashed bare (as every writer of the table does); other
    documents carry their type, so a passport number never meets an ID number.
    """
    if number is None:
        return None
    key = number if id_type in (None, RESIDENT_ID) else f"{id_type}:{number}"
    return crypto.lookup_hash(key)


def sealed_text(crypto: FieldCrypto, value: str | None) -> str | None:
    """An ID number as it may appear in a change log: ciphertext, base64."""
    if value is None:
        return None
    return "enc:" + base64.b64encode(crypto.encrypt(value)).decode()


def student_values(info: BasicInfo) -> dict[str, Any]:
    """Student columns of a normalised record (the ID number is added apart)."""
    values = {column: getattr(info, attr) for attr, column in STUDENT_COLUMNS.items()}
    for attr, default in _DEFAULTS.items():
        column = STUDENT_COLUMNS[attr]
        if values[column] is None:
            values[column] = default
    if values["name_pinyin"] is not None:
        # Stored lower-case so that search folds case alike on both engines (C16).
        values["name_pinyin"] = values["name_pinyin"].lower()
    return values


def guardian_values(
    guardian: GuardianInfo, position: int, crypto: FieldCrypto
) -> dict[str, Any]:
    values = {col: getattr(guardian, attr) for attr, col in GUARDIAN_COLUMNS.items()}
    if values["is_guardian"] is None:
        values["is_guardian"] = True
    number = guardian.id_number
    values["position"] = position
    values["id_number_cipher"] = crypto.encrypt(number) if number else None
    values["id_number_hash"] = id_digest(crypto, guardian.id_type, number)
    return values


def enrolment_values(info: BasicInfo, school_id: int) -> dict[str, Any]:
    """A new episode; the record is due one month after entry (第十条)."""
    values = {attr: getattr(info, attr) for attr in ENROLMENT_COLUMNS}
    entry: date = info.entry_date  # type: ignore[assignment]  # required item
    values.update(
        school_id=school_id,
        entry_reason=NEW_ENTRY,
        record_due=record_deadline(entry),
    )
    return values


def placement_start(entry_date: date, klass: SchoolClass) -> date:
    """A placement starts on entry, or on 1 September of the class's school year
    when the student entered before it (DOMAIN §10)."""
    return max(entry_date, date(klass.school_year, 9, 1))


def basic_info_of(
    student: Student,
    enrolment: Enrolment | None,
    placement: Placement | None,
    klass: SchoolClass | None,
    guardians: Sequence[Guardian],
    crypto: FieldCrypto,
) -> BasicInfo:
    """The record as the national form sees it, read back from the tables."""
    values: dict[str, Any] = {
        attr: getattr(student, column) for attr, column in STUDENT_COLUMNS.items()
    }
    if student.id_number_cipher is not None:
        values["id_number"] = crypto.decrypt(student.id_number_cipher)
    if enrolment is not None:
        values.update({attr: getattr(enrolment, attr) for attr in ENROLMENT_COLUMNS})
    if placement is not None:
        values["grade"] = placement.grade
    if klass is not None:
        values["class_name"] = klass.name
    values["guardians"] = tuple(_guardian_info(g, crypto) for g in guardians)
    return BasicInfo(**values)


def _guardian_info(row: Guardian, crypto: FieldCrypto) -> GuardianInfo:
    values = {attr: getattr(row, col) for attr, col in GUARDIAN_COLUMNS.items()}
    if row.id_number_cipher is not None:
        values["id_number"] = crypto.decrypt(row.id_number_cipher)
    return GuardianInfo(**values)


def _limits(mapper: Mapper[Any], columns: Mapping[str, str]) -> dict[str, int]:
    limits = {}
    for attr, column in columns.items():
        kind = mapper.columns[column].type
        if isinstance(kind, String) and kind.length is not None:
            limits[attr] = kind.length
    return limits


_STUDENT_LIMITS = _limits(Student.__mapper__, STUDENT_COLUMNS)
_GUARDIAN_LIMITS = _limits(Guardian.__mapper__, GUARDIAN_COLUMNS)
_ENROLMENT_LIMITS = _limits(
    Enrolment.__mapper__, {attr: attr for attr in ENROLMENT_COLUMNS}
)


def length_faults(info: BasicInfo) -> list[RuleViolation]:
    """Texts longer than the record keeps (the form sets no lengths; the columns
    do, and a database refusal would come too late to name the field)."""
    faults = _too_long(info, {**_STUDENT_LIMITS, **_ENROLMENT_LIMITS}, ())
    for index, guardian in enumerate(info.guardians):
        faults += _too_long(guardian, _GUARDIAN_LIMITS, ("guardians", str(index)))
    return faults


def _too_long(
    record: BasicInfo | GuardianInfo, limits: Mapping[str, int], prefix: tuple[str, ...]
) -> list[RuleViolation]:
    faults = []
    for attr, limit in limits.items():
        value = getattr(record, attr)
        if isinstance(value, str) and len(value) > limit:
            faults.append(
                RuleViolation(
                    "TEXT_TOO_LONG",
                    f"该项不得超过{limit}个字符。",
                    article=FORM,
                    field=[*prefix, camel(attr)],
                )
            )
    return faults


def not_found(field: str = "studentNumber") -> RuleViolation:
    return RuleViolation(
        "STUDENT_NOT_FOUND",
        "本校（本区）没有该学籍号的在读学生。",
        article="第十一条",
        field=[field],
    )


async def caller_school(session: AsyncSession, code: str | None) -> School:
    """The school a registrar's token names; a closed school writes no records."""
    school = await session.scalar(select(School).where(School.code == code))
    if school is None:
        raise RuleViolation(
            "SCHOOL_NOT_FOUND", "登录账号所属学校不存在。", article=RECORD_ARTICLE
        )
    if school.closed_on is not None:
        raise RuleViolation(
            "SCHOOL_CLOSED",
            "学校已撤销或并入其他学校，不能再办理学籍。",
            article=MERGER_ARTICLE,
        )
    return school


async def district_code(session: AsyncSession, district_id: int) -> str:
    code = await session.scalar(select(District.code).where(District.id == district_id))
    return str(code)


async def find_class(
    session: AsyncSession, school_id: int, class_pk: int | None
) -> SchoolClass | None:
    if class_pk is None:
        return None
    stmt = select(SchoolClass).where(
        SchoolClass.id == class_pk, SchoolClass.school_id == school_id
    )
    return await session.scalar(stmt)


def placement_faults(
    klass: SchoolClass | None, class_pk: int | None, grade: int | None
) -> list[RuleViolation]:
    """The class must be the caller's school's, in the grade given (items 22–23)."""
    if class_pk is None:
        return [
            RuleViolation(
                "REQUIRED_FIELD_MISSING",
                "班级为必填项。",
                article=RECORD_ARTICLE,
                field=["classId"],
            )
        ]
    if klass is None:
        message = "本校没有该班级。"
        return [
            RuleViolation("CLASS_NOT_FOUND", message, article=FORM, field=["classId"])
        ]
    if grade is not None and grade != klass.grade:
        message = f"年级与班级不符（该班为{klass.grade}年级）。"
        return [
            RuleViolation(
                "GRADE_CLASS_MISMATCH", message, article=FORM, field=["grade"]
            )
        ]
    return []


_DERIVED = (["birthDate"], ["sex"])


def without_derived_gaps(
    faults: list[RuleViolation], info: BasicInfo
) -> list[RuleViolation]:
    """Drops "birth date / sex missing" where they were left to a resident ID
    number that is itself at fault: the ID number's fault says it all."""
    if info.id_type != RESIDENT_ID or info.id_number is None:
        return faults
    if not any(f.field == ["idNumber"] for f in faults):
        return faults
    return [
        f
        for f in faults
        if not (f.code == "REQUIRED_FIELD_MISSING" and f.field in _DERIVED)
    ]
