"""Re-entry on the same record (第十一条, case C05) and the L/J → G upgrade (第十条).

A student who left and comes back keeps the person row and the number: a new
enrolment episode opens beside the closed ones, never a second record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Enrolment, Placement, StatusChange, Student, StudentNumber
from resolvers.context import RequestContext
from resolvers.records_columns import (
    caller_school,
    find_class,
    id_digest,
    not_found,
    placement_faults,
    placement_start,
    sealed_text,
)
from resolvers.records_identity import (
    already_enrolled,
    check_not_duplicate,
    replace_number,
)
from resolvers.records_write import record_change, student_at_school
from rules.codes import check_code
from rules.errors import RuleViolation, RuleViolations
from rules.identity import (
    RESIDENT_ID,
    id_mismatches,
    parse_id_number,
    upgrade_student_number,
)
from rules.status import ChangeCategory, StudentStatus, transition

REENTRY = "REENTRY"
# The change a return is, by the status the student left with.
_RETURN_CHANGE = {
    StudentStatus.LEFT_OTHER: ChangeCategory.REENTRY,
    StudentStatus.DROPPED_OUT: ChangeCategory.DROPOUT_RETURN,
    StudentStatus.TRANSFERRED_OUT: ChangeCategory.RETURN_FROM_ABROAD,
}


@dataclass(frozen=True)
class Reentry:
    """Who comes back, when, and into which class of the caller's school."""

    student_number: str
    entry_date: date
    grade: int | None
    class_pk: int | None
    entry_route: str | None = None
    attendance_mode: str | None = None


async def student_in_district(
    session: AsyncSession, number: str, district_id: int
) -> Student:
    """The student with this number (current or earlier) anywhere in the district."""
    normalized = number.strip().upper()
    earlier = select(StudentNumber.student_id).where(StudentNumber.number == normalized)
    stmt = (
        select(Student)
        .where(
            or_(Student.student_number == normalized, Student.id.in_(earlier)),
            Student.district_id == district_id,
        )
        .with_for_update()
    )
    student = await session.scalar(stmt)
    if student is None:
        raise not_found()
    return student


def _code_faults(request: Reentry) -> list[RuleViolation]:
    faults = []
    for table, value, field in (
        ("entry_route", request.entry_route, "entryRoute"),
        ("attendance_mode", request.attendance_mode, "attendanceMode"),
    ):
        if value is None:
            continue
        try:
            check_code(table, value, [field])
        except RuleViolation as fault:
            faults.append(fault)
    return faults


def _return_change(student: Student) -> tuple[ChangeCategory, StudentStatus]:
    """The change a return is, and the status after it (refused from 死亡 etc.)."""
    status = StudentStatus(student.status)
    change = _RETURN_CHANGE.get(status, ChangeCategory.REENTRY)
    try:
        return change, transition(status, change)
    except RuleViolation as fault:
        raise RuleViolation(
            fault.code, fault.message, article="第十一条", field=["studentNumber"]
        ) from None


async def reenrol_student(
    session: AsyncSession, ctx: RequestContext, request: Reentry
) -> Student:
    """Open a new episode at the caller's school for a student who left (C05).

    The person row and the 学籍号 stay; the closed episodes stay as they were.
    Limitation: the district's approval of 第二十六条 (applyReentry) is not asked
    for here; this is the registrar's own registration of a returning student.
    """
    school = await caller_school(session, ctx.principal.school)
    student = await student_in_district(
        session, request.student_number, school.district_id
    )
    episodes = list(
        await session.scalars(
            select(Enrolment)
            .where(Enrolment.student_id == student.id)
            .order_by(Enrolment.entry_date)
        )
    )
    active = next((e for e in episodes if e.exit_date is None), None)
    if active is not None:
        raise already_enrolled(active.school_id, school.id)
    change, status = _return_change(student)

    klass = await find_class(session, school.id, request.class_pk)
    faults = placement_faults(klass, request.class_pk, request.grade)
    faults += _code_faults(request)
    last_exit = max((e.exit_date for e in episodes if e.exit_date), default=None)
    if last_exit is not None and request.entry_date <= last_exit:
        message = f"重新入学日期应晚于上次离校日期（{last_exit.isoformat()}）。"
        faults.append(
            RuleViolation(
                "ENTRY_BEFORE_EXIT", message, article="第十一条", field=["entryDate"]
            )
        )
    if faults or klass is None:
        raise RuleViolations(faults)

    # What the registrar leaves out is taken from the last episode.
    last = episodes[-1] if episodes else Enrolment()
    enrolment = Enrolment(
        student_id=student.id,
        school_id=school.id,
        entry_date=request.entry_date,
        entry_reason=REENTRY,
        entry_route=request.entry_route or last.entry_route,
        attendance_mode=request.attendance_mode or last.attendance_mode,
        student_source=last.student_source,
    )
    session.add(enrolment)
    await session.flush()
    session.add(
        Placement(
            enrolment_id=enrolment.id,
            student_id=student.id,
            class_id=klass.id,
            grade=klass.grade,
            start_date=placement_start(request.entry_date, klass),
        )
    )
    session.add(
        StatusChange(
            student_id=student.id,
            enrolment_id=enrolment.id,
            category=change.value,
            effective_date=request.entry_date,
            from_status=student.status,
            to_status=status.value,
            requested_by=ctx.principal.subject,
            decided_by=ctx.principal.subject,
            note=f"重新入学：{school.name}",
        )
    )
    student.status = status.value
    session.add(record_change(student.id, REENTRY, ctx, note=school.code))
    return student


async def upgrade_number(
    session: AsyncSession,
    ctx: RequestContext,
    number: str,
    id_number: str,
    *,
    population_check_passed: bool,
) -> Student:
    """Replace an L or J number by the G number of the student's new ID number.

    第十条 and DOMAIN §1.1: J → G once there is an ID number, L → G after the
    population check; the old number stays searchable. The ID number must agree
    with the recorded birth date and sex, and belong to no one else (第十一条).
    """
    school = await caller_school(session, ctx.principal.school)
    student, _ = await student_at_school(session, number, school.id)
    resident = parse_id_number(id_number, today=ctx.today)
    faults = id_mismatches(
        resident,
        birth_date=student.birth_date,
        sex=student.sex,
        birth_date_field=["idNumber"],
        sex_field=["idNumber"],
    )
    if faults:
        raise RuleViolations(faults)
    new_number = upgrade_student_number(
        student.student_number,
        resident,
        population_check_passed=population_check_passed,
    )
    digest = id_digest(ctx.crypto, RESIDENT_ID, resident.number)
    await check_not_duplicate(session, digest, school_id=school.id, exclude=student.id)

    old_cipher = student.id_number_cipher
    old_number = student.student_number
    student.id_doc_type = RESIDENT_ID
    student.id_number_hash = digest
    student.id_number_cipher = ctx.crypto.encrypt(resident.number)
    await replace_number(session, student, new_number, ctx.now)
    entry = record_change(student.id, "NUMBER_UPGRADE", ctx)
    old_id = ctx.crypto.decrypt(old_cipher) if old_cipher is not None else None
    entry.changes = {
        "studentNumber": [
            sealed_text(ctx.crypto, old_number),
            sealed_text(ctx.crypto, new_number),
        ],
        "idNumber": [
            sealed_text(ctx.crypto, old_id),
            sealed_text(ctx.crypto, resident.number),
        ],
    }
    session.add(entry)
    return student
