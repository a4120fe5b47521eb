"""Resumption after suspension (第二十二、二十三条) in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Student
from resolvers import status_common as common
from resolvers.calendar import working_day_calendar
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from resolvers.mutations import Done
from resolvers.status_flow import WorkflowKind, decide_step, load_workflow
from resolvers.status_suspension import (
    open_change_workflow,
    running_suspension,
    school_student,
)
from rules import status_suspension as rs
from rules.status import ChangeCategory, ChangeReason
from rules.status_workflow import Decision, WorkflowState


@dataclass(frozen=True)
class ResumptionApplication:
    student_number: str
    class_id: int
    effective: dt.date
    certificate: rs.MedicalCertificate | None = None
    note: str | None = None


async def apply_resumption(
    session: AsyncSession, ctx: RequestContext, app: ResumptionApplication
) -> Done:
    """第二十三条: a written request (after illness, a city-level hospital's
    certificate) to resume in the grade left (第二十二条)."""
    state = await school_student(session, ctx, app.student_number)
    if state.school is None:
        raise NotFound()
    running = await running_suspension(session, state)
    klass = await common.school_class_for(
        session, state, app.class_id, app.effective, field="classId"
    )
    left = running.grade_on_leaving or await common.current_grade(session, state)
    reason = running.reason
    illness = reason is not None and reason in {r.value for r in ChangeReason}
    rs.check_resumption(
        rs.ResumptionContext(
            status=state.status,
            grade_on_leaving=left,
            resume_grade=klass.grade,
            school_kind=common.school_kind(state.school),
            for_illness=illness and ChangeReason(str(reason)).is_illness,
            certificate=app.certificate,
        )
    )
    payload = {
        "classId": klass.id,
        "effective": app.effective.isoformat(),
        "note": app.note,
    }
    steps = rs.resumption_steps(state.school.code, state.district.code)
    return await open_change_workflow(
        session, ctx, state, WorkflowKind.RESUMPTION, steps, payload
    )


async def decide_resumption(
    session: AsyncSession,
    ctx: RequestContext,
    workflow_id: int,
    decision: Decision,
    comment: str,
) -> Done:
    """The school and the district both agree (第二十三条); the student is back
    on the class roll from the effective date."""
    workflow, rows = await load_workflow(
        session, workflow_id, (WorkflowKind.RESUMPTION,)
    )
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
    effective = dt.date.fromisoformat(workflow.payload["effective"])
    klass = await common.school_class_for(
        session, state, int(workflow.payload["classId"]), effective, field="classId"
    )
    change = await common.apply_change(
        session,
        ctx,
        state,
        ChangeCategory.RESUME,
        effective=effective,
        requested_by=workflow.created_by,
        workflow_id=workflow.id,
        note=workflow.payload.get("note"),
        details={"classId": klass.id, "grade": klass.grade},
    )
    await common.open_placement(session, state, klass, effective)
    return Done(
        {"workflowId": workflow.id, "changeIds": [change.id]},
        student_id=state.student.id,
        fields=["status"],
    )
