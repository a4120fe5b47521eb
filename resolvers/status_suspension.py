"""Suspension, its extension and resumption (第二十至二十三条) in the database.

A suspended student keeps the episode (休学期间，保留学籍) but leaves the class:
the open placement ends the day before the suspension, and resumption opens a
new one in the grade the student left (第二十二条).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AttendanceMark, StatusChange, Student
from resolvers import status_common as common
from resolvers.calendar import school_calendar, school_days, working_day_calendar
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from resolvers.mutations import Done
from resolvers.status_flow import (
    WorkflowKind,
    decide_step,
    load_workflow,
    open_workflow,
)
from rules import status_suspension as rs
from rules.attendance import (
    AttendanceKind,
    AttendanceRecord,
    SickLeaveTotals,
    sick_leave_totals,
)
from rules.errors import RuleViolation
from rules.status import ChangeCategory, ChangeReason
from rules.status_workflow import Decision, Step, WorkflowState

# Sick leave counts over the year before the suspension starts (第二十条).
SICK_LEAVE_WINDOW = dt.timedelta(days=365)
_KINDS = frozenset(k.value for k in AttendanceKind)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class SuspensionApplication:
    student_number: str
    reason: ChangeReason
    start: dt.date
    months: int = rs.DEFAULT_SUSPENSION_MONTHS
    certificate: rs.MedicalCertificate | None = None
    rest_periods: tuple[Period, ...] = ()
    documents: tuple[str, ...] = ()
    note: str | None = None
    client_request_id: str | None = None


async def school_student(
    session: AsyncSession, ctx: RequestContext, number: str
) -> common.StudentState:
    state = await common.load_student(session, number)
    common.require_scope(ctx, state)
    return state


async def _sick_leave(
    session: AsyncSession,
    state: common.StudentState,
    start: dt.date,
    rest: tuple[Period, ...],
) -> SickLeaveTotals:
    """第二十条 from the attendance kept (病假 marks) and, where days are not on
    record, the rest periods the certificate states."""
    first = min([start - SICK_LEAVE_WINDOW, *(p.start for p in rest)])
    last = max([start, *(p.end for p in rest)])
    workdays = await working_day_calendar(session)
    schools = await school_calendar(session, state.district.id, state.district.code)
    days = school_days(workdays, schools, first, last)
    key = str(state.student.id)
    marks = await session.scalars(
        select(AttendanceMark).where(
            AttendanceMark.student_id == state.student.id,
            AttendanceMark.day >= first,
            AttendanceMark.day <= last,
        )
    )
    records = [
        AttendanceRecord(key, m.day, AttendanceKind(kind))
        for m in marks
        for kind in (m.kind, m.also_kind)
        if kind in _KINDS
    ]
    records += [
        AttendanceRecord(key, day, AttendanceKind.SICK_LEAVE)
        for period in rest
        for day in days
        if period.start <= day <= period.end
    ]
    return sick_leave_totals(records, key, school_days=days)


async def apply_suspension(
    session: AsyncSession, ctx: RequestContext, app: SuspensionApplication
) -> Done:
    """第二十、二十一条: the guardian's written application, entered by the school;
    the school reviews and the district approves (``decide_suspension``)."""
    state = await school_student(session, ctx, app.student_number)
    if state.school is None:
        raise NotFound()
    grade = await common.current_grade(session, state)
    schools = await school_calendar(session, state.district.id, state.district.code)
    earlier = await session.scalar(
        select(func.count(StatusChange.id)).where(
            StatusChange.student_id == state.student.id,
            StatusChange.category == ChangeCategory.SUSPEND.value,
        )
    )
    period = rs.check_suspension(
        rs.SuspensionContext(
            status=state.status,
            start=app.start,
            grade=grade,
            school_kind=common.school_kind(state.school),
            school_year=schools.year_of(app.start),
            reason=app.reason,
            sick_leave=await _sick_leave(session, state, app.start, app.rest_periods),
            certificate=app.certificate,
            earlier_applications=int(earlier or 0),
            months=app.months,
        )
    )
    payload = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "reason": app.reason.value,
        "gradeOnLeaving": grade,
        "documents": list(app.documents),
        "note": app.note,
    }
    steps = rs.suspension_steps(state.school.code, state.district.code)
    return await open_change_workflow(
        session,
        ctx,
        state,
        WorkflowKind.SUSPENSION,
        steps,
        payload,
        app.client_request_id,
    )


async def open_change_workflow(
    session: AsyncSession,
    ctx: RequestContext,
    state: common.StudentState,
    kind: WorkflowKind,
    steps: tuple[Step, ...],
    payload: Mapping[str, object],
    client_request_id: str | None = None,
) -> Done:
    school_id = state.school.id if state.school else None
    workflow, _ = await open_workflow(
        session,
        ctx,
        kind=kind,
        state=state,
        school_id=school_id,
        steps=steps,
        payload=dict(payload),
        calendar=await working_day_calendar(session),
        client_request_id=client_request_id,
    )
    return Done(
        {"workflowId": workflow.id, "changeIds": []}, student_id=state.student.id
    )


@dataclass(frozen=True)
class CurrentSuspension:
    start: dt.date
    end: dt.date
    reason: str | None
    grade_on_leaving: int | None


async def current_suspension(
    session: AsyncSession, student_id: int
) -> CurrentSuspension | None:
    """The unbroken suspension running now, read from the log: the last
    suspension and any extensions after it."""
    rows = (
        await session.scalars(
            select(StatusChange)
            .where(
                StatusChange.student_id == student_id,
                StatusChange.category.in_(
                    [
                        ChangeCategory.SUSPEND.value,
                        ChangeCategory.SUSPENSION_EXTEND.value,
                    ]
                ),
            )
            .order_by(StatusChange.id)
        )
    ).all()
    starts = [
        i for i, r in enumerate(rows) if r.category == ChangeCategory.SUSPEND.value
    ]
    if not starts:
        return None
    first = rows[starts[-1]]
    ends = [dt.date.fromisoformat(r.details["end"]) for r in rows[starts[-1] :]]
    grade = first.details.get("gradeOnLeaving")
    return CurrentSuspension(
        start=dt.date.fromisoformat(first.details["start"]),
        end=max(ends),
        reason=first.reason,
        grade_on_leaving=int(grade) if grade is not None else None,
    )


async def running_suspension(
    session: AsyncSession, state: common.StudentState
) -> CurrentSuspension:
    found = await current_suspension(session, state.student.id)
    if found is None:
        raise RuleViolation(
            "SUSPENSION_NOT_FOUND", "没有找到该学生的休学记录。", article="第二十一条"
        )
    return found


async def apply_suspension_extension(
    session: AsyncSession,
    ctx: RequestContext,
    student_number: str,
    new_end: dt.date,
    note: str | None,
) -> Done:
    """第二十一条: an extension, at most two unbroken years in all."""
    state = await school_student(session, ctx, student_number)
    if state.school is None:
        raise NotFound()
    running = await running_suspension(session, state)
    period = rs.check_suspension_extension(
        rs.ExtensionContext(
            status=state.status,
            continuous_start=running.start,
            current_end=running.end,
            new_end=new_end,
        )
    )
    payload = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "previousEnd": running.end.isoformat(),
        "note": note,
    }
    steps = rs.suspension_steps(state.school.code, state.district.code)
    return await open_change_workflow(
        session, ctx, state, WorkflowKind.SUSPENSION_EXTENSION, steps, payload
    )


async def decide_suspension(
    session: AsyncSession,
    ctx: RequestContext,
    workflow_id: int,
    decision: Decision,
    comment: str,
) -> Done:
    """School review, then district approval (第二十条); approval suspends the
    student (or extends the suspension) and takes the student off the class."""
    kinds = (WorkflowKind.SUSPENSION, WorkflowKind.SUSPENSION_EXTENSION)
    workflow, rows = await load_workflow(session, workflow_id, kinds)
    student = await session.get_one(Student, workflow.student_id)
    state = await common.student_state(session, student)
    calendar = await working_day_calendar(session)
    await decide_step(
        session,
        ctx,
        workflow,
        rows,
        decision=decision,
        comment=comment,
        calendar=calendar,
    )
    if workflow.state != WorkflowState.APPROVED.value:
        return Done({"workflowId": workflow.id, "changeIds": []})
    payload = workflow.payload
    start, end = payload["start"], payload["end"]
    if workflow.kind == WorkflowKind.SUSPENSION.value:
        begins = dt.date.fromisoformat(start)
        change = await common.apply_change(
            session,
            ctx,
            state,
            ChangeCategory.SUSPEND,
            effective=begins,
            requested_by=workflow.created_by,
            workflow_id=workflow.id,
            reason=payload["reason"],
            documents=list(payload.get("documents", [])),
            note=payload.get("note"),
            details={
                "start": start,
                "end": end,
                "gradeOnLeaving": payload["gradeOnLeaving"],
            },
        )
        common.close_placement(state, begins - dt.timedelta(days=1))
    else:
        previous = dt.date.fromisoformat(payload["previousEnd"])
        change = await common.apply_change(
            session,
            ctx,
            state,
            ChangeCategory.SUSPENSION_EXTEND,
            effective=previous + dt.timedelta(days=1),
            requested_by=workflow.created_by,
            workflow_id=workflow.id,
            note=payload.get("note"),
            details={"start": start, "end": end},
        )
    await session.flush()
    return Done(
        {"workflowId": workflow.id, "changeIds": [change.id]},
        student_id=state.student.id,
        fields=["status"],
    )
