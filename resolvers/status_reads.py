"""Reading status changes: the log, workflows, dated rosters and headcounts.

Rosters and headcounts are dated: a student counts on a day when an episode and
a placement both cover it, so a transfer's last day is on the old school's
roster (case C06) and a skipped grade counts from the skip on (case C08).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from db.models import (
    Enrolment,
    Placement,
    School,
    SchoolClass,
    StatusChange,
    Student,
    Workflow,
    WorkflowStep,
)
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, NotFound
from resolvers.records import StudentView, grant_holds
from resolvers.scope import (
    current_at_school,
    district_id_of,
    relation_for,
    school_id_of,
    student_scope,
)
from rules.access import Role
from rules.status import StudentStatus

SCHOOL_STAFF = (Role.REGISTRAR, Role.SCHOOL_LEADER)


def _covers(start: Any, end: Any, on: dt.date) -> ColumnElement[bool]:
    return and_(start <= on, or_(end.is_(None), end >= on))


def _scope(ctx: RequestContext) -> ColumnElement[bool]:
    return student_scope(ctx.principal, ctx.today, grant_holds=grant_holds(ctx))


async def class_roster(
    ctx: RequestContext, class_id: int, on: dt.date
) -> list[StudentView]:
    """The class on ``on``: students placed in it that day, once each."""
    is_current = current_at_school(ctx.principal, ctx.today).label("is_current")
    stmt = (
        select(Student, Enrolment, Placement, is_current)
        .join(Placement, Placement.student_id == Student.id)
        .join(Enrolment, Enrolment.id == Placement.enrolment_id)
        .where(
            Placement.class_id == class_id,
            _covers(Placement.start_date, Placement.end_date, on),
            _covers(Enrolment.entry_date, Enrolment.exit_date, on),
            _scope(ctx),
        )
        .order_by(Student.id)
    )
    rows: Sequence[Any] = (await ctx.execute(stmt)).all()
    return [
        StudentView(student, enrolment, placement, relation_for(ctx.principal, cur))
        for student, enrolment, placement, cur in rows
    ]


async def grade_headcount(
    ctx: RequestContext, school_code: str, on: dt.date
) -> dict[int, int]:
    """Students per grade at a school on ``on`` (dated placements)."""
    stmt = (
        select(Placement.grade, Placement.student_id)
        .join(Enrolment, Enrolment.id == Placement.enrolment_id)
        .join(Student, Student.id == Placement.student_id)
        .where(
            Enrolment.school_id == school_id_of(school_code),
            _covers(Placement.start_date, Placement.end_date, on),
            _covers(Enrolment.entry_date, Enrolment.exit_date, on),
            _scope(ctx),
        )
    )
    rows: Sequence[Any] = (await ctx.execute(stmt)).all()
    counts = Counter(grade for grade, _ in {(g, s) for g, s in rows})
    return dict(sorted(counts.items()))


async def student_in_scope(ctx: RequestContext, number: str) -> Student:
    stmt = select(Student).where(
        Student.student_number == number.strip().upper(), _scope(ctx)
    )
    rows = await ctx.scalars(stmt)
    if not rows:
        raise NotFound()
    found: Student = rows[0]
    return found


async def status_log(ctx: RequestContext, student_id: int) -> list[StatusChange]:
    stmt = (
        select(StatusChange)
        .where(StatusChange.student_id == student_id)
        .order_by(StatusChange.id)
    )
    return list(await ctx.scalars(stmt))


async def status_seen_by(ctx: RequestContext, student: Student) -> StudentStatus:
    """The status as the caller's school knows it. A school the student has
    left reads the status its last episode ended with (case C06: the former
    school sees TRANSFERRED_OUT even after the student studies elsewhere)."""
    current = StudentStatus(student.status)
    school = ctx.principal.school
    if ctx.principal.role not in SCHOOL_STAFF or school is None:
        return current
    ours = await ctx.scalars(
        select(Enrolment)
        .join(School, School.id == Enrolment.school_id)
        .where(Enrolment.student_id == student.id, School.code == school)
        .order_by(Enrolment.entry_date.desc(), Enrolment.id.desc())
        .limit(1)
    )
    if not ours or ours[0].exit_date is None:
        return current
    last = ours[0]
    entries = await ctx.scalars(
        select(StatusChange.to_status)
        .where(StatusChange.enrolment_id == last.id)
        .order_by(StatusChange.id.desc())
        .limit(1)
    )
    return StudentStatus(entries[0]) if entries else current


def workflow_scope(ctx: RequestContext) -> ColumnElement[bool]:
    """Workflows the caller deals with: the district's, or those naming the
    caller's school (as the school concerned or as a party)."""
    principal = ctx.principal
    if principal.role is Role.DISTRICT_OFFICER:
        district = district_id_of(principal.district)
        students = select(Student.id).where(Student.district_id == district)
        return Workflow.student_id.in_(students)
    if principal.role in SCHOOL_STAFF and principal.school is not None:
        school = school_id_of(principal.school)
        parties = select(WorkflowStep.workflow_id).where(
            WorkflowStep.owner_school_id == school
        )
        return or_(Workflow.school_id == school, Workflow.id.in_(parties))
    raise Forbidden()


async def workflows(
    ctx: RequestContext,
    *,
    student_id: int | None = None,
    pending_only: bool = True,
    workflow_id: int | None = None,
) -> list[Workflow]:
    stmt = select(Workflow).where(workflow_scope(ctx)).order_by(Workflow.id)
    if student_id is not None:
        stmt = stmt.where(Workflow.student_id == student_id)
    if workflow_id is not None:
        stmt = stmt.where(Workflow.id == workflow_id)
    if pending_only:
        stmt = stmt.where(Workflow.state == "PENDING")
    return list(await ctx.scalars(stmt.limit(500)))


async def steps_of(
    ctx: RequestContext, workflow_ids: Sequence[int]
) -> list[WorkflowStep]:
    if not workflow_ids:
        return []
    stmt = (
        select(WorkflowStep)
        .where(WorkflowStep.workflow_id.in_(workflow_ids))
        .order_by(WorkflowStep.workflow_id, WorkflowStep.position)
    )
    return list(await ctx.scalars(stmt))


async def classes_of(ctx: RequestContext, class_id: int) -> SchoolClass | None:
    rows = await ctx.scalars(select(SchoolClass).where(SchoolClass.id == class_id))
    return rows[0] if rows else None
