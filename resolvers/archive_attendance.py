"""Attendance (考勤, 第三十四条): marks per school day, summaries per student and
class, and the records the suspension and dropout rules read (第二十、二十四条).

A mark's day is the date in Asia/Shanghai of the instant it was taken
(``rules.attendance.school_day``), whatever the server's zone (case C16).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from db.models import AttendanceMark, Enrolment, Placement, School, Student
from db.models.org import SchoolClass
from resolvers.archive import find_target, in_scope
from resolvers.context import RequestContext
from rules.access import Role
from rules.attendance import (
    AttendanceKind,
    AttendanceRecord,
    AttendanceSummary,
    class_summary,
    class_totals,
    school_day,
    student_summary,
)
from rules.errors import RuleViolation

ARTICLE = "第三十四条"
# The two marks one day may carry together.
_PAIR = frozenset({AttendanceKind.LATE, AttendanceKind.EARLY_LEAVE})


def _refusal(code: str, message: str, field: str = "at") -> RuleViolation:
    return RuleViolation(code, message, article=ARTICLE, field=[field])


async def record_attendance(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    student_number: str,
    at: datetime,
    kind: AttendanceKind,
    note: str | None = None,
) -> AttendanceMark:
    """Mark one student for the school day of ``at`` (第三十四条).

    A second mark of the same day replaces the first, except that 迟到 and 早退
    are kept together. The day must lie in an enrolment at the caller's school;
    a head teacher marks only days the student sat in their class.
    """
    day = school_day(at)
    # Limitation: a mark on a weekend or holiday is not refused; that needs the
    # district's term and working-day tables consulted here (resolvers.calendar).
    if at > ctx.now:
        raise _refusal("ATTENDANCE_IN_FUTURE", "不能登记尚未到来的考勤。")
    target = await find_target(session, ctx, student_number)
    if target.student.status == "SUSPENDED":
        raise _refusal("ATTENDANCE_DURING_SUSPENSION", "休学期间不记考勤。")
    episode, class_id = await _sitting(session, ctx, target.student.id, day)
    if ctx.principal.role is Role.HEAD_TEACHER and class_id != ctx.principal.class_id:
        raise _refusal("ATTENDANCE_OTHER_CLASS", "当天该学生不在本班。")

    stmt = select(AttendanceMark).where(
        AttendanceMark.student_id == target.student.id, AttendanceMark.day == day
    )
    row = (await session.scalars(stmt)).first()
    if row is None:
        row = AttendanceMark(student_id=target.student.id, day=day, kind=kind.value)
        session.add(row)
    elif _pairs_with(row, kind):
        row.also_kind = kind.value
    else:
        row.kind, row.also_kind = kind.value, None
    row.at = at
    row.school_id = episode.school_id
    row.class_id = class_id
    row.note = note
    row.entered_by = ctx.principal.subject
    row.entered_at = ctx.now
    await session.flush()
    return row


def _pairs_with(row: AttendanceMark, kind: AttendanceKind) -> bool:
    first = AttendanceKind(row.kind)
    return row.also_kind is None and {first, kind} == _PAIR


async def _sitting(
    session: AsyncSession, ctx: RequestContext, student_id: int, day: date
) -> tuple[Enrolment, int | None]:
    """The caller's school's episode covering ``day`` and the class that day."""
    stmt = (
        select(Enrolment, Placement.class_id)
        .join(School, School.id == Enrolment.school_id)
        .outerjoin(
            Placement,
            and_(
                Placement.enrolment_id == Enrolment.id,
                Placement.start_date <= day,
                or_(Placement.end_date.is_(None), Placement.end_date >= day),
            ),
        )
        .where(Enrolment.student_id == student_id, _covers(day))
        .where(School.id == _caller_school(ctx))
    )
    found = (await session.execute(stmt)).first()
    if found is None:
        raise _refusal("ATTENDANCE_NOT_ENROLLED", "该日学生不在本校就读。")
    return found[0], found[1]


def _covers(day: date) -> ColumnElement[bool]:
    return and_(
        Enrolment.entry_date <= day,
        or_(Enrolment.exit_date.is_(None), Enrolment.exit_date >= day),
    )


def _caller_school(ctx: RequestContext) -> ColumnElement[int]:
    principal = ctx.principal
    if principal.class_id is not None:
        return (
            select(SchoolClass.school_id)
            .where(SchoolClass.id == principal.class_id)
            .scalar_subquery()
        )
    return select(School.id).where(School.code == principal.school).scalar_subquery()


def concurrent_mark(error: IntegrityError) -> RuleViolation | None:
    """Two desks marking the same student and day at once: the later retries."""
    if "attendance_marks" not in str(error.orig):
        return None
    return _refusal(
        "ATTENDANCE_CONCURRENT_MARK", "该学生当天的考勤正被他人登记，请刷新后重试。"
    )


def to_records(marks: Iterable[AttendanceMark]) -> list[AttendanceRecord]:
    """Stored marks as the attendance rules read them (two for late + early)."""
    records = []
    for mark in marks:
        for kind in (mark.kind, mark.also_kind):
            if kind is not None:
                records.append(
                    AttendanceRecord(
                        str(mark.student_id), mark.day, AttendanceKind(kind)
                    )
                )
    return records


async def attendance_records(
    session: AsyncSession, student_ids: Sequence[int], start: date, end: date
) -> list[AttendanceRecord]:
    """Marks of some students over ``start``–``end``, for the status rules."""
    stmt = select(AttendanceMark).where(
        AttendanceMark.student_id.in_(student_ids),
        AttendanceMark.day >= start,
        AttendanceMark.day <= end,
    )
    return to_records((await session.scalars(stmt)).all())


@dataclass(frozen=True)
class Window:
    """Which marks a view asks for: school days and, optionally, instants."""

    start: date | None = None
    end: date | None = None
    at_from: datetime | None = None
    at_to: datetime | None = None

    def where(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(AttendanceMark.day >= self.start)
        if self.end is not None:
            conditions.append(AttendanceMark.day <= self.end)
        if self.at_from is not None:
            conditions.append(AttendanceMark.at >= self.at_from)
        if self.at_to is not None:
            conditions.append(AttendanceMark.at <= self.at_to)
        return conditions


def marks_loader(
    window: Window,
) -> Callable[[RequestContext], DataLoader[int, list[AttendanceMark]]]:
    """A per-request loader of each student's marks within ``window``."""

    def factory(ctx: RequestContext) -> DataLoader[int, list[AttendanceMark]]:
        async def load(keys: list[int]) -> list[list[AttendanceMark]]:
            stmt = (
                select(AttendanceMark)
                .where(AttendanceMark.student_id.in_(keys), *window.where())
                .order_by(AttendanceMark.day)
            )
            groups: dict[int, list[AttendanceMark]] = {key: [] for key in keys}
            for row in await ctx.scalars(stmt):
                groups[row.student_id].append(row)
            return [groups[key] for key in keys]

        return DataLoader(load_fn=load)

    return factory


async def student_marks(
    ctx: RequestContext, student_id: int, window: Window
) -> list[AttendanceMark]:
    name = f"archive.attendance:{window!r}"
    marks: list[AttendanceMark] = await ctx.loader(name, marks_loader(window)).load(
        student_id
    )
    return marks


async def summary_of(
    ctx: RequestContext, student_id: int, start: date, end: date
) -> AttendanceSummary:
    marks = await student_marks(ctx, student_id, Window(start, end))
    return student_summary(to_records(marks), str(student_id), start, end)


@dataclass(frozen=True)
class ClassAttendance:
    school_class: SchoolClass
    students: list[tuple[Student, AttendanceSummary]]
    totals: AttendanceSummary


async def class_attendance(
    ctx: RequestContext, class_id: int, start: date, end: date
) -> ClassAttendance | None:
    """Each student's marks in a class over a range (第三十四条).

    A mark belongs to the class the student sat in that day, so marks from
    before a grade skip stay with the old class (case C08). Students are those
    in the caller's scope who sat in the class or were placed there in the range.
    """
    klass = await ctx.scalars(select(SchoolClass).where(SchoolClass.id == class_id))
    if not klass:
        return None
    placed = select(Placement.student_id).where(
        Placement.class_id == class_id,
        Placement.start_date <= end,
        or_(Placement.end_date.is_(None), Placement.end_date >= start),
    )
    marked = select(AttendanceMark.student_id).where(
        AttendanceMark.class_id == class_id,
        AttendanceMark.day >= start,
        AttendanceMark.day <= end,
    )
    stmt = (
        select(Student)
        .where(or_(Student.id.in_(placed), Student.id.in_(marked)), in_scope(ctx))
        .order_by(Student.id)
    )
    students = list(await ctx.scalars(stmt))
    if not students:
        return None
    marks = await ctx.scalars(
        select(AttendanceMark).where(
            AttendanceMark.class_id == class_id,
            AttendanceMark.day >= start,
            AttendanceMark.day <= end,
            AttendanceMark.student_id.in_([s.id for s in students]),
        )
    )
    summaries = class_summary(
        to_records(marks), [str(s.id) for s in students], start, end
    )
    rows = [(s, summaries[str(s.id)]) for s in students]
    return ClassAttendance(klass[0], rows, class_totals(summaries.values()))
