"""The district's deadline views: status changes due or overdue by school
(第十六条, 10 working days per party; archive handover in one month), the
entry duties of 第三十六条, and dropouts not reported (第三十八条（四）)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from db.models import (
    AttendanceMark,
    District,
    Enrolment,
    Placement,
    School,
    Student,
    Workflow,
    WorkflowStep,
)
from db.models.status import STATUS_WORKFLOW_KINDS
from resolvers.calendar import school_calendar, school_days, working_day_calendar
from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from resolvers.scope import district_id_of
from resolvers.status_reads import workflow_scope
from rules import status_deadlines as rd
from rules.access import Role
from rules.attendance import (
    AbsenceRun,
    AttendanceKind,
    AttendanceRecord,
    dropout_streak,
)
from rules.calendar import WorkingDayCalendar, school_year_of
from rules.errors import RuleViolation
from rules.status import StudentStatus

DROPOUT_WINDOW = dt.timedelta(days=365)


@dataclass(frozen=True)
class DueStep:
    workflow: Workflow
    step: WorkflowStep
    student: Student
    overdue: bool


@dataclass(frozen=True)
class SchoolDue:
    school: School | None
    steps: list[DueStep]


async def due_changes(
    ctx: RequestContext, *, school_code: str | None, overdue_only: bool
) -> list[SchoolDue]:
    """Open steps with a due date, grouped by the school the change is about."""
    stmt = (
        select(WorkflowStep, Workflow, Student, School)
        .join(Workflow, Workflow.id == WorkflowStep.workflow_id)
        .join(Student, Student.id == Workflow.student_id)
        .outerjoin(School, School.id == Workflow.school_id)
        .where(
            Workflow.state == "PENDING",
            WorkflowStep.decision.is_(None),
            WorkflowStep.due_date.is_not(None),
            workflow_scope(ctx),
        )
        .order_by(WorkflowStep.due_date, WorkflowStep.id)
    )
    if school_code is not None:
        stmt = stmt.where(School.code == school_code)
    if overdue_only:
        stmt = stmt.where(WorkflowStep.due_date < ctx.today)
    groups: dict[int | None, SchoolDue] = {}
    rows: Sequence[Any] = (await ctx.execute(stmt)).all()
    for step, workflow, student, school in rows:
        key = school.id if school else None
        group = groups.setdefault(key, SchoolDue(school, []))
        overdue = step.due_date is not None and step.due_date < ctx.today
        group.steps.append(DueStep(workflow, step, student, overdue))
    return sorted(groups.values(), key=lambda g: g.school.code if g.school else "")


@dataclass(frozen=True)
class TermDuty:
    """One 第三十六条 duty: ``due`` is None where the working days of the year
    it falls in are not loaded (``problem`` says which)."""

    duty: str
    unit: str
    term_start: dt.date
    due: dt.date | None
    pending: int
    problem: RuleViolation | None

    def is_overdue(self, today: dt.date) -> bool:
        return self.due is not None and today > self.due and self.pending > 0


def _require_district(ctx: RequestContext) -> str:
    if ctx.principal.role is not Role.DISTRICT_OFFICER or not ctx.principal.district:
        raise Forbidden()
    return ctx.principal.district


async def term_duties(ctx: RequestContext, start_year: int) -> list[TermDuty]:
    """第三十六条 for one school year: new students within 30 days of the first
    term, each term's changes within 30 working days, with what is still open."""
    district = _require_district(ctx)
    found = await ctx.scalars(select(District.id).where(District.code == district))
    if not found:
        return []
    async with ctx.reading() as session:
        workdays = await working_day_calendar(session)
        schools = await school_calendar(session, found[0], district)
    year = schools.year_of(dt.date(start_year, 9, 1))
    intake_due = rd.new_student_intake_due(year.first_term.start)
    duties = [
        TermDuty(
            "NEW_STUDENT_INTAKE",
            "CALENDAR_DAYS",
            year.first_term.start,
            intake_due,
            await _unverified_new_students(ctx, district, year.first_term.start),
            None,
        )
    ]
    for name, term in (
        ("FIRST_TERM_CHANGES", year.first_term),
        ("SECOND_TERM_CHANGES", year.second_term),
    ):
        due, problem = _change_due(term.start, workdays)
        pending = await _open_changes(ctx, term.start, due or term.end)
        duties.append(TermDuty(name, "WORKING_DAYS", term.start, due, pending, problem))
    return duties


def _change_due(
    start: dt.date, workdays: WorkingDayCalendar
) -> tuple[dt.date | None, RuleViolation | None]:
    try:
        return rd.status_change_entry_due(start, workdays), None
    except RuleViolation as refusal:
        return None, refusal


async def _unverified_new_students(
    ctx: RequestContext, district: str, first_day: dt.date
) -> int:
    """Students who began grade 1 or 7 this school year with records not yet
    verified."""
    year_start = dt.date(school_year_of(first_day), 9, 1)
    stmt = (
        select(Student.id)
        .join(Placement, Placement.student_id == Student.id)
        .where(
            Student.district_id == district_id_of(district),
            Placement.grade.in_((1, 7)),
            Placement.start_date >= year_start,
            Student.record_state != "VERIFIED",
        )
        .distinct()
    )
    return len(await ctx.scalars(stmt))


async def _open_changes(ctx: RequestContext, start: dt.date, end: dt.date) -> int:
    stmt = select(Workflow.id).where(
        workflow_scope(ctx),
        Workflow.state == "PENDING",
        Workflow.kind.in_(STATUS_WORKFLOW_KINDS),
        Workflow.opened_on >= start,
        Workflow.opened_on <= end,
    )
    return len(await ctx.scalars(stmt))


@dataclass(frozen=True)
class UnreportedDropout:
    student: Student
    school: School
    run: AbsenceRun


async def unreported_dropouts(ctx: RequestContext) -> list[UnreportedDropout]:
    """Students still on the roll whose attendance shows a month of truancy
    (第二十四条) that no one reported (第三十八条（四））."""
    district = _require_district(ctx)
    first = ctx.today - DROPOUT_WINDOW
    stmt = (
        select(Student, School, AttendanceMark.day, AttendanceMark.kind)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .join(School, School.id == Enrolment.school_id)
        .join(AttendanceMark, AttendanceMark.student_id == Student.id)
        .where(
            Student.district_id == district_id_of(district),
            Student.status == StudentStatus.STUDYING.value,
            Enrolment.exit_date.is_(None),
            AttendanceMark.kind == AttendanceKind.TRUANT.value,
            AttendanceMark.day >= first,
        )
    )
    rows: Sequence[Any] = (await ctx.execute(stmt)).all()
    if not rows:
        return []
    by_student: dict[int, list[AttendanceRecord]] = defaultdict(list)
    found: dict[int, tuple[Student, School]] = {}
    for student, school, day, _kind in rows:
        found[student.id] = (student, school)
        key = str(student.id)
        by_student[student.id].append(AttendanceRecord(key, day, AttendanceKind.TRUANT))
    async with ctx.reading() as session:
        workdays = await working_day_calendar(session)
        district_pk = next(iter(found.values()))[0].district_id
        schools = await school_calendar(session, district_pk, district)
    days = school_days(workdays, schools, first, ctx.today)
    listed = []
    for student_id, records in sorted(by_student.items()):
        run = dropout_streak(records, str(student_id), school_days=days)
        if run is not None:
            student, school = found[student_id]
            listed.append(UnreportedDropout(student, school, run))
    return listed
