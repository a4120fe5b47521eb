"""Grade skip (第三十一条) in the database: one episode, a new dated placement.

The old placement ends the day before the skip and the new one starts on it,
so the student stays one enrolment, listed once on any roster (case C08).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Student
from resolvers import status_common as common
from resolvers.calendar import school_calendar, working_day_calendar
from resolvers.context import RequestContext
from resolvers.mutations import Done
from resolvers.status_flow import (
    WorkflowKind,
    decide_step,
    load_workflow,
    open_workflow,
)
from rules import status_skip as rk
from rules.errors import RuleViolation
from rules.status import ChangeCategory
from rules.status_workflow import Decision, WorkflowState


@dataclass(frozen=True)
class GradeSkipApplication:
    student_number: str
    to_class_id: int
    effective: dt.date
    approval_number: str | None = None
    note: str | None = None
    client_request_id: str | None = None


async def apply_grade_skip(
    session: AsyncSession, ctx: RequestContext, app: GradeSkipApplication
) -> Done:
    """第三十一条: the family applies, the school agrees, the district approves."""
    state = await common.load_student(session, app.student_number)
    common.require_scope(ctx, state)
    if state.school is None or state.placement is None:
        raise RuleViolation(
            "NO_CLASS_PLACEMENT", "该学生尚未编入年级和班级。", field=["studentNumber"]
        )
    klass = await common.school_class_for(
        session, state, app.to_class_id, app.effective, field="toClassId"
    )
    schools = await school_calendar(session, state.district.id, state.district.code)
    rk.check_grade_skip(
        rk.GradeSkipContext(
            status=state.status,
            on=app.effective,
            current_grade=state.placement.grade,
            target_grade=klass.grade,
            school_kind=common.school_kind(state.school),
            school_year=schools.year_of(app.effective),
        )
    )
    payload = {
        "toClassId": klass.id,
        "fromClassId": state.placement.class_id,
        "fromGrade": state.placement.grade,
        "toGrade": klass.grade,
        "effective": app.effective.isoformat(),
        "approvalNumber": app.approval_number,
        "note": app.note,
    }
    workflow, _ = await open_workflow(
        session,
        ctx,
        kind=WorkflowKind.GRADE_SKIP,
        state=state,
        school_id=state.school.id,
        steps=rk.grade_skip_steps(state.school.code, state.district.code),
        payload=payload,
        calendar=await working_day_calendar(session),
        client_request_id=app.client_request_id,
    )
    result = {"workflowId": workflow.id, "changeIds": []}
    return Done(result, student_id=state.student.id)


def _completion(grade: int, on: dt.date) -> str:
    year, month = rk.expected_stage_completion(grade, on)
    return f"{year:04d}-{month:02d}"


async def decide_grade_skip(
    session: AsyncSession,
    ctx: RequestContext,
    workflow_id: int,
    decision: Decision,
    comment: str,
) -> Done:
    """The school's consent, then the district's approval; approval moves the
    placement on the effective date (the stage now ends a year earlier)."""
    kinds = (WorkflowKind.GRADE_SKIP,)
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
    effective = dt.date.fromisoformat(payload["effective"])
    klass = await common.school_class_for(
        session, state, int(payload["toClassId"]), effective, field="toClassId"
    )
    before = int(payload["fromGrade"])
    change = await common.apply_change(
        session,
        ctx,
        state,
        ChangeCategory.GRADE_SKIP,
        effective=effective,
        requested_by=workflow.created_by,
        workflow_id=workflow.id,
        documents=[payload["approvalNumber"]] if payload.get("approvalNumber") else [],
        note=payload.get("note"),
        details={
            **{k: payload[k] for k in ("fromClassId", "toClassId", "fromGrade")},
            "toGrade": klass.grade,
            "completionBefore": _completion(before, effective),
            "completionAfter": _completion(klass.grade, effective),
        },
    )
    common.close_placement(state, effective - dt.timedelta(days=1))
    await session.flush()
    await common.open_placement(session, state, klass, effective)
    return Done(
        {"workflowId": workflow.id, "changeIds": [change.id]},
        student_id=state.student.id,
        fields=["status", "grade"],
    )
