"""Deciding transfers (第十六条): each party's step, completion, cancellation.

Completion closes the old episode on the effective date and opens the new one
the day after in the same transaction, so that the student has exactly one
active episode at every instant; rejection and cancellation put it all back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import School, Student, Workflow, WorkflowStep
from resolvers import status_common as common
from resolvers.calendar import working_day_calendar
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from resolvers.mutations import Done
from resolvers.status_flow import (
    CANCELLED,
    WorkflowKind,
    close_workflow,
    decide_step,
    load_workflow,
    open_workflow,
    to_step,
    with_payload,
)
from resolvers.status_transfer import RECEIVING, facts_for, raise_all, refusals_for
from rules import status_transfer as rt
from rules.access import Role
from rules.calendar import WorkingDayCalendar
from rules.errors import RuleViolation
from rules.status import ChangeCategory, StudentStatus
from rules.status_workflow import Decision, Step, WorkflowState, next_step


@dataclass(frozen=True)
class TransferDecision:
    workflow_id: int
    decision: Decision
    comment: str = ""
    assigned_school_code: str | None = None
    class_id: int | None = None
    effective_date: dt.date | None = None


async def decide_transfer(
    session: AsyncSession, ctx: RequestContext, choice: TransferDecision
) -> Done:
    """The open step the caller owns (第十六条); on the district's step of a
    第十五条 transfer the district names the school. Rejection puts the student
    back; the last approval completes the transfer."""
    kinds = (WorkflowKind.TRANSFER, WorkflowKind.ARCHIVE_HANDOVER)
    workflow, rows = await load_workflow(session, choice.workflow_id, kinds)
    calendar = await working_day_calendar(session)
    if workflow.kind == WorkflowKind.ARCHIVE_HANDOVER.value:
        return await _archive_handed_over(session, ctx, workflow, rows, choice)
    student = await session.get_one(Student, workflow.student_id)
    state = await common.student_state(session, student)
    steps = tuple(to_step(r) for r in rows)
    if choice.decision is Decision.APPROVE:
        steps = await _before_approval(session, ctx, workflow, state, steps, choice)
    after = await decide_step(
        session,
        ctx,
        workflow,
        rows,
        decision=choice.decision,
        comment=choice.comment,
        calendar=calendar,
        steps=steps,
    )
    outcome = workflow.state
    changes: list[int] = []
    if outcome == WorkflowState.REJECTED.value:
        change = await common.apply_change(
            session,
            ctx,
            state,
            ChangeCategory.TRANSFER_CANCEL,
            effective=ctx.today,
            requested_by=workflow.created_by,
            workflow_id=workflow.id,
            note=choice.comment or None,
            details={"rejectedBy": _rejecting(after)},
        )
        changes.append(change.id)
    elif outcome == WorkflowState.APPROVED.value:
        effective = _effective(choice.effective_date, workflow, ctx.today)
        changes += await _complete(session, ctx, workflow, state, effective)
        await _open_handover(session, ctx, workflow, state, calendar)
    return Done(
        {"workflowId": workflow.id, "changeIds": changes},
        student_id=state.student.id,
        fields=["status"] if changes else [],
    )


def _rejecting(steps: tuple[Step, ...]) -> str:
    return next(s.name for s in steps if s.decision is Decision.REJECT)


async def _before_approval(
    session: AsyncSession,
    ctx: RequestContext,
    workflow: Workflow,
    state: common.StudentState,
    steps: tuple[Step, ...],
    choice: TransferDecision,
) -> tuple[Step, ...]:
    """Name the school (第十五条) or the class the student joins."""
    current = next_step(steps)
    if current is None:
        return steps
    if choice.assigned_school_code is not None:
        steps = await _assign(session, ctx, workflow, state, steps, choice)
    elif current.name == RECEIVING and workflow.payload.get("receivingClassId") is None:
        school = await common.school_by_code(session, current.owner_unit)
        if school is not None and school.code == ctx.principal.school:
            await _choose_class(session, ctx, workflow, state, school, choice)
    return steps


async def _assign(
    session: AsyncSession,
    ctx: RequestContext,
    workflow: Workflow,
    state: common.StudentState,
    steps: tuple[Step, ...],
    choice: TransferDecision,
) -> tuple[Step, ...]:
    code = (choice.assigned_school_code or "").strip()
    school = await common.school_by_code(session, code)
    if school is None or school.district_id != state.district.id:
        raise RuleViolation(
            "SCHOOL_NOT_FOUND", "本区没有该学校。", field=["assignedSchoolCode"]
        )
    steps = rt.assign_receiving_school(steps, code)
    if state.school is None:
        raise RuleViolation("NO_ACTIVE_ENROLMENT", "该学生当前没有在读的学籍记录。")
    sending = common.school_info(state.school, state.district.code)
    receiving = common.school_info(school, state.district.code)
    applied_on = workflow.opened_on or ctx.today
    before = StudentStatus(workflow.payload["statusBefore"])
    facts = await facts_for(session, state, applied_on, before)
    raise_all(refusals_for(facts, sending, receiving, workflow.payload))
    with_payload(workflow, receivingSchoolCode=code)
    return steps


async def _choose_class(
    session: AsyncSession,
    ctx: RequestContext,
    workflow: Workflow,
    state: common.StudentState,
    school: School,
    choice: TransferDecision,
) -> None:
    if choice.class_id is None:
        raise RuleViolation(
            "TRANSFER_CLASS_REQUIRED",
            "转入学校同意接收时须指定编入的班级。",
            article="第十六条",
            field=["classId"],
        )
    grade = await common.current_grade(session, state)
    entry = (choice.effective_date or ctx.today) + dt.timedelta(days=1)
    klass = await common.class_at(session, choice.class_id, school, entry, grade)
    with_payload(workflow, receivingClassId=klass.id)


def _effective(given: dt.date | None, workflow: Workflow, today: dt.date) -> dt.date:
    """The last day at the old school: today, or a day since the application."""
    effective = given or today
    opened = workflow.opened_on or today
    if not opened <= effective <= today:
        raise RuleViolation(
            "TRANSFER_EFFECTIVE_DATE_INVALID",
            f"转学生效日期（在原校的最后一天）应在{opened}至{today}之间。",
            article="第十六条",
            field=["effectiveDate"],
        )
    return effective


async def _complete(
    session: AsyncSession,
    ctx: RequestContext,
    workflow: Workflow,
    state: common.StudentState,
    effective: dt.date,
) -> list[int]:
    """Move the record: out of the old episode on ``effective``, into the new
    school the day after (籍随人走, 第十七条), or kept at the original school
    (第十八条)."""
    payload = workflow.payload
    common_args: dict[str, Any] = {
        "requested_by": workflow.created_by,
        "workflow_id": workflow.id,
        "reason": payload.get("reason"),
    }
    target = payload.get("receivingSchoolCode")
    school = await common.school_by_code(session, target) if target else None
    if school is not None and payload.get("keepRecordAtOriginal"):
        kept = await common.apply_change(
            session,
            ctx,
            state,
            ChangeCategory.TRANSFER_IN,
            effective=effective + dt.timedelta(days=1),
            details={"recordKeptAt": payload["sendingSchoolCode"], "attends": target},
            **common_args,
        )
        return [kept.id]
    details = {"fromSchool": payload["sendingSchoolCode"], "toSchool": target}
    grade = await common.current_grade(session, state)
    if school is None:
        details["toSchoolName"] = payload.get("receivingSchoolName")
    out = await common.apply_change(
        session,
        ctx,
        state,
        ChangeCategory.TRANSFER_OUT,
        effective=effective,
        details=details,
        **common_args,
    )
    await common.close_episode(session, state, effective, "TRANSFER_OUT")
    if school is None:
        return [out.id]
    entry = effective + dt.timedelta(days=1)
    class_id = payload.get("receivingClassId")
    klass = None
    if class_id is not None:
        klass = await common.class_at(session, int(class_id), school, entry, grade)
    enrolment = await common.open_episode(
        session, state, school, entry, "TRANSFER_IN", klass
    )
    came = await common.apply_change(
        session,
        ctx,
        state,
        ChangeCategory.TRANSFER_IN,
        effective=entry,
        enrolment_id=enrolment.id,
        details=details,
        **common_args,
    )
    return [out.id, came.id]


async def _open_handover(
    session: AsyncSession,
    ctx: RequestContext,
    workflow: Workflow,
    state: common.StudentState,
    calendar: WorkingDayCalendar,
) -> None:
    """第十六条: the sending school hands the archive over within one month."""
    sending = str(workflow.payload["sendingSchoolCode"])
    school = await common.school_by_code(session, sending)
    await open_workflow(
        session,
        ctx,
        kind=WorkflowKind.ARCHIVE_HANDOVER,
        state=state,
        school_id=school.id if school else None,
        steps=(rt.archive_handover_step(sending),),
        payload={"transferWorkflowId": workflow.id, **_receiving_of(workflow)},
        calendar=calendar,
    )


def _receiving_of(workflow: Workflow) -> dict[str, Any]:
    keys = ("sendingSchoolCode", "receivingSchoolCode", "receivingSchoolName")
    return {k: workflow.payload.get(k) for k in keys}


async def _archive_handed_over(
    session: AsyncSession,
    ctx: RequestContext,
    workflow: Workflow,
    rows: list[WorkflowStep],
    choice: TransferDecision,
) -> Done:
    if choice.decision is not Decision.APPROVE:
        raise RuleViolation(
            "ARCHIVE_HANDOVER_CANNOT_REJECT",
            "档案移交只能确认办结，不能驳回。",
            article="第十六条",
            field=["decision"],
        )
    calendar = await working_day_calendar(session)
    await decide_step(
        session,
        ctx,
        workflow,
        rows,
        decision=choice.decision,
        comment=choice.comment,
        calendar=calendar,
    )
    return Done({"workflowId": workflow.id, "changeIds": []})


async def cancel_transfer(
    session: AsyncSession, ctx: RequestContext, workflow_id: int, comment: str
) -> Done:
    """Withdraw a pending transfer: the student is back as before the application
    (the episode never moved while the transfer was pending)."""
    workflow, rows = await load_workflow(session, workflow_id, (WorkflowKind.TRANSFER,))
    student = await session.get_one(Student, workflow.student_id)
    state = await common.student_state(session, student)
    _check_canceller(ctx, state, workflow, rows)
    await close_workflow(session, ctx, workflow, CANCELLED)
    change = await common.apply_change(
        session,
        ctx,
        state,
        ChangeCategory.TRANSFER_CANCEL,
        effective=ctx.today,
        requested_by=ctx.principal.subject,
        workflow_id=workflow.id,
        note=comment or None,
    )
    return Done(
        {"workflowId": workflow.id, "changeIds": [change.id]},
        student_id=state.student.id,
        fields=["status"],
    )


def _check_canceller(
    ctx: RequestContext,
    state: common.StudentState,
    workflow: Workflow,
    rows: list[WorkflowStep],
) -> None:
    """The applicant, the district, or a school that is a party may cancel."""
    principal = ctx.principal
    if principal.subject == workflow.created_by:
        return
    if principal.role is Role.DISTRICT_OFFICER:
        common.require_scope(ctx, state)
        return
    parties = {r.owner_unit for r in rows} | {workflow.payload.get("sendingSchoolCode")}
    if principal.school is not None and principal.school in parties:
        return
    raise NotFound()
