"""What every status change shares: the student as the rules see it, the log,
enrolment episodes and placements, and workflows persisted step by step.

The status of a student changes only in ``apply_change``, through
``rules.status.transition``, and every change appends a ``StatusChange``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from db.models import (
    District,
    Enrolment,
    Placement,
    School,
    SchoolClass,
    StatusChange,
    Student,
)
from resolvers.context import RequestContext
from resolvers.errors import Conflict, NotFound
from rules.access import Role
from rules.calendar import SchoolKind, school_year_of
from rules.errors import RuleViolation
from rules.status import ChangeCategory, StudentStatus, transition
from rules.status_transfer import SchoolInfo


@dataclass
class StudentState:
    """A student as a status change needs it: the row, its district, and the
    active episode with its school and open placement (if any)."""

    student: Student
    district: District
    enrolment: Enrolment | None
    school: School | None
    placement: Placement | None

    @property
    def status(self) -> StudentStatus:
        return StudentStatus(self.student.status)

    @property
    def grade(self) -> int | None:
        return self.placement.grade if self.placement else None


def school_kind(school: School) -> SchoolKind:
    return SchoolKind(school.kind.lower())


def school_info(school: School, district_code: str) -> SchoolInfo:
    return SchoolInfo(
        code=school.code,
        kind=school_kind(school),
        district_code=district_code,
        is_public=school.ownership == "PUBLIC",
        is_urban=school.locale == "URBAN",
    )


async def load_student(session: AsyncSession, number: str) -> StudentState:
    """By 学籍号 (current number); not found is the client's error."""
    student = await session.scalar(
        select(Student).where(Student.student_number == number.strip().upper())
    )
    if student is None:
        raise NotFound()
    return await student_state(session, student)


async def student_state(session: AsyncSession, student: Student) -> StudentState:
    district = await session.get_one(District, student.district_id)
    enrolment = await session.scalar(
        select(Enrolment).where(
            Enrolment.student_id == student.id, Enrolment.exit_date.is_(None)
        )
    )
    school = placement = None
    if enrolment is not None:
        school = await session.get_one(School, enrolment.school_id)
        placement = await session.scalar(
            select(Placement).where(
                Placement.enrolment_id == enrolment.id, Placement.end_date.is_(None)
            )
        )
    return StudentState(student, district, enrolment, school, placement)


def require_scope(ctx: RequestContext, state: StudentState) -> None:
    """School staff act on their own students, district officers on the
    district's; anyone else finds no such student."""
    principal = ctx.principal
    if principal.role is Role.DISTRICT_OFFICER:
        if principal.district == state.district.code:
            return
        raise NotFound()
    if state.school is not None and state.school.code == principal.school:
        return
    raise NotFound()


async def school_by_code(session: AsyncSession, code: str) -> School | None:
    return await session.scalar(select(School).where(School.code == code.strip()))


async def district_code_of(session: AsyncSession, school: School) -> str:
    district = await session.get_one(District, school.district_id)
    return district.code


async def apply_change(
    session: AsyncSession,
    ctx: RequestContext,
    state: StudentState,
    category: ChangeCategory,
    *,
    effective: dt.date,
    requested_by: str | None = None,
    decided: bool = True,
    workflow_id: int | None = None,
    enrolment_id: int | None = None,
    reason: str | None = None,
    documents: list[str] | None = None,
    note: str | None = None,
    details: dict[str, Any] | None = None,
) -> StatusChange:
    """Move the student's status by ``category`` and log the change: asked for
    by ``requested_by`` (the caller by default) and decided by the caller
    unless ``decided`` is false (an application).

    The status is compared and set in one statement: a change racing another
    on the same student finds the status moved and gets a conflict."""
    before = state.status
    after = transition(before, category)
    result = await session.execute(
        update(Student)
        .where(Student.id == state.student.id, Student.status == before.value)
        .values(status=after.value)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise Conflict()
    set_committed_value(state.student, "status", after.value)
    decided_by = ctx.principal.subject if decided else None
    change = StatusChange(
        student_id=state.student.id,
        enrolment_id=enrolment_id or (state.enrolment.id if state.enrolment else None),
        workflow_id=workflow_id,
        category=category.value,
        reason=reason,
        effective_date=effective,
        from_status=before.value,
        to_status=after.value,
        requested_by=requested_by or ctx.principal.subject,
        decided_by=decided_by,
        documents=list(documents or []),
        note=note,
        details=details or {},
        recorded_at=ctx.now,
    )
    session.add(change)
    await session.flush()
    return change


async def close_episode(
    session: AsyncSession, state: StudentState, exit_date: dt.date, reason: str
) -> Enrolment:
    """End the active episode on ``exit_date`` (its last day) with its placement."""
    enrolment = state.enrolment
    if enrolment is None:
        raise RuleViolation("NO_ACTIVE_ENROLMENT", "该学生当前没有在读的学籍记录。")
    if exit_date < enrolment.entry_date:
        raise RuleViolation(
            "EFFECTIVE_DATE_BEFORE_ENTRY",
            f"生效日期不能早于本次入学日期{enrolment.entry_date}。",
            field=["effectiveDate"],
        )
    close_placement(state, exit_date)
    enrolment.exit_date = exit_date
    enrolment.exit_reason = reason
    await session.flush()
    state.enrolment, state.school = None, None
    return enrolment


def close_placement(state: StudentState, last_day: dt.date) -> Placement | None:
    """End the open placement on ``last_day`` (not before the day it began)."""
    placement = state.placement
    if placement is None:
        return None
    placement.end_date = max(last_day, placement.start_date)
    state.placement = None
    return placement


async def open_episode(
    session: AsyncSession,
    state: StudentState,
    school: School,
    entry: dt.date,
    reason: str,
    klass: SchoolClass | None,
) -> Enrolment:
    """Open the new active episode (the old one must be closed: the unique index
    allows one active episode per student) and its first placement."""
    enrolment = Enrolment(
        student_id=state.student.id,
        school_id=school.id,
        entry_date=entry,
        entry_reason=reason,
    )
    session.add(enrolment)
    await session.flush()
    state.enrolment, state.school = enrolment, school
    if klass is not None:
        await open_placement(session, state, klass, entry)
    return enrolment


async def open_placement(
    session: AsyncSession, state: StudentState, klass: SchoolClass, start: dt.date
) -> Placement:
    if state.enrolment is None:
        raise RuleViolation("NO_ACTIVE_ENROLMENT", "该学生当前没有在读的学籍记录。")
    placement = Placement(
        enrolment_id=state.enrolment.id,
        student_id=state.student.id,
        class_id=klass.id,
        grade=klass.grade,
        start_date=start,
    )
    session.add(placement)
    await session.flush()
    state.placement = placement
    return placement


async def school_class_for(
    session: AsyncSession,
    state: StudentState,
    class_id: int,
    on: dt.date,
    *,
    field: str,
) -> SchoolClass:
    """The class a student moves to at the student's own school, in its grade."""
    if state.school is None:
        raise NotFound()
    klass = await session.get(SchoolClass, class_id)
    if klass is None:
        raise RuleViolation(
            "CLASS_NOT_AT_SCHOOL", "所选班级不属于该学校。", field=[field]
        )
    return await class_at(session, class_id, state.school, on, klass.grade)


async def class_at(
    session: AsyncSession, class_id: int, school: School, on: dt.date, grade: int
) -> SchoolClass:
    """A class of ``school`` in the school year of ``on`` and in ``grade``."""
    klass = await session.get(SchoolClass, class_id)
    if klass is None or klass.school_id != school.id:
        raise RuleViolation(
            "CLASS_NOT_AT_SCHOOL", "所选班级不属于该学校。", field=["classId"]
        )
    if klass.school_year != school_year_of(on):
        raise RuleViolation(
            "CLASS_WRONG_SCHOOL_YEAR",
            f"所选班级不属于{school_year_of(on)}学年。",
            field=["classId"],
        )
    if klass.grade != grade:
        raise RuleViolation(
            "CLASS_GRADE_MISMATCH",
            f"所选班级为{klass.grade}年级，应为{grade}年级。",
            field=["classId"],
        )
    return klass


async def last_placement(
    session: AsyncSession, state: StudentState
) -> Placement | None:
    """The open placement, or the latest one of the active episode (a suspended
    student has none open: 第二十一条, on no class roll while suspended)."""
    if state.placement is not None or state.enrolment is None:
        return state.placement
    found: Placement | None = await session.scalar(
        select(Placement)
        .where(Placement.enrolment_id == state.enrolment.id)
        .order_by(Placement.start_date.desc(), Placement.id.desc())
        .limit(1)
    )
    return found


async def current_grade(session: AsyncSession, state: StudentState) -> int:
    placement = await last_placement(session, state)
    if placement is None:
        raise RuleViolation(
            "NO_CLASS_PLACEMENT", "该学生尚未编入年级和班级。", field=["studentNumber"]
        )
    return placement.grade


async def last_school(session: AsyncSession, state: StudentState) -> School | None:
    """The school of the active episode, or of the latest one that ended."""
    if state.school is not None:
        return state.school
    latest = await session.scalar(
        select(Enrolment)
        .where(Enrolment.student_id == state.student.id)
        .order_by(Enrolment.entry_date.desc(), Enrolment.id.desc())
        .limit(1)
    )
    return await session.get(School, latest.school_id) if latest else None


async def require_last_school(
    session: AsyncSession, ctx: RequestContext, state: StudentState
) -> School | None:
    """Like ``require_scope``, but a school also acts for a student whose last
    episode there has ended (a dropout, a student who left)."""
    school = await last_school(session, state)
    if ctx.principal.role is Role.DISTRICT_OFFICER:
        require_scope(ctx, state)
    elif school is None or school.code != ctx.principal.school:
        raise NotFound()
    return school


async def next_entry_day(
    session: AsyncSession, student_id: int, today: dt.date
) -> dt.date:
    """Today, or the day after the last episode ended if that is later: two
    episodes never cover the same day."""
    last = await session.scalar(
        select(Enrolment.exit_date)
        .where(Enrolment.student_id == student_id, Enrolment.exit_date.is_not(None))
        .order_by(Enrolment.exit_date.desc())
        .limit(1)
    )
    if last is None or last < today:
        return today
    return last + dt.timedelta(days=1)
