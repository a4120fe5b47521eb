"""Re-entry after 其他离校 (第二十六条): same person, same number, a new episode
at the original school."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import SchoolClass, Student
from resolvers import status_common as common
from resolvers.calendar import working_day_calendar
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from resolvers.mutations import Done
from resolvers.status_flow import (
    WorkflowKind,
    decide_step,
    load_workflow,
    open_workflow,
)
from resolvers.status_leaving import schooling_months
from rules import status_leaving as rl
from rules.errors import RuleViolation
from rules.status import ChangeCategory
from rules.status_workflow import Decision, WorkflowState


async def apply_reentry(
    session: AsyncSession,
    ctx: RequestContext,
    student_number: str,
    school_code: str | None,
    note: str | None,
) -> Done:
    """第二十六条: the guardian applies to the education bureau of the district
    of the 户籍; the district agrees on entering the application, and the
    original school then takes the student (``decide_reentry``)."""
    state = await common.load_student(session, student_number)
    original = await common.last_school(session, state)
    if original is None:
        raise NotFound()
    placed = school_code.strip() if school_code else original.code
    district = ctx.principal.district or ""
    rl.check_reentry(
        rl.ReentryContext(
            status=state.status,
            on=ctx.today,
            birth_date=state.student.birth_date,
            schooling_months=await schooling_months(session, state.student, ctx.today),
            household_district=(
                state.student.household_place_code or state.district.code
            )[:6],
            applied_district=district,
            original_school_code=original.code,
            placed_school_code=placed,
        )
    )
    calendar = await working_day_calendar(session)
    workflow, rows = await open_workflow(
        session,
        ctx,
        kind=WorkflowKind.REENTRY,
        state=state,
        school_id=original.id,
        steps=rl.reentry_steps(district, original.code),
        payload={"schoolCode": original.code, "note": note},
        calendar=calendar,
    )
    await decide_step(
        session,
        ctx,
        workflow,
        rows,
        decision=Decision.APPROVE,
        comment=note or "",
        calendar=calendar,
    )
    return Done(
        {"workflowId": workflow.id, "changeIds": []}, student_id=state.student.id
    )


async def decide_reentry(
    session: AsyncSession,
    ctx: RequestContext,
    workflow_id: int,
    decision: Decision,
    comment: str,
    class_id: int | None,
) -> Done:
    """The original school takes the student back into a class of its choice."""
    workflow, rows = await load_workflow(session, workflow_id, (WorkflowKind.REENTRY,))
    student = await session.get_one(Student, workflow.student_id)
    state = await common.student_state(session, student)
    calendar = await working_day_calendar(session)
    school = await common.school_by_code(session, str(workflow.payload["schoolCode"]))
    if school is None:
        raise NotFound()
    klass = None
    if decision is Decision.APPROVE:
        if class_id is None:
            raise RuleViolation(
                "REENTRY_CLASS_REQUIRED",
                "接收学校须指定编入的班级。",
                article="第二十六条",
                field=["classId"],
            )
        found = await session.get(SchoolClass, class_id)
        grade = found.grade if found else 0
        klass = await common.class_at(session, class_id, school, ctx.today, grade)
    await decide_step(
        session,
        ctx,
        workflow,
        rows,
        decision=decision,
        comment=comment,
        calendar=calendar,
    )
    if workflow.state != WorkflowState.APPROVED.value or klass is None:
        return Done({"workflowId": workflow.id, "changeIds": []})
    entry = await common.next_entry_day(session, state.student.id, ctx.today)
    enrolment = await common.open_episode(
        session, state, school, entry, "REENTRY", klass
    )
    change = await common.apply_change(
        session,
        ctx,
        state,
        ChangeCategory.REENTRY,
        effective=entry,
        requested_by=workflow.created_by,
        workflow_id=workflow.id,
        enrolment_id=enrolment.id,
        note=workflow.payload.get("note"),
        details={"schoolCode": school.code, "classId": klass.id},
    )
    return Done(
        {"workflowId": workflow.id, "changeIds": [change.id]},
        student_id=state.student.id,
        fields=["status"],
    )
