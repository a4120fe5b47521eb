"""Approval workflows persisted step by step (``rules.status_workflow`` decides).

A decision updates the workflow row first: its version column makes two
decisions taken at the same moment collide, and the later one gets a conflict.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from db.models import School, Workflow, WorkflowStep
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from resolvers.status_common import StudentState
from rules.calendar import WorkingDayCalendar
from rules.errors import RuleViolation
from rules.status_workflow import (
    Decision,
    Role,
    Step,
    TimeLimit,
    TimeUnit,
    WorkflowState,
    decide,
    start_workflow,
    workflow_state,
)


class WorkflowKind(StrEnum):
    TRANSFER = "TRANSFER"
    SUSPENSION = "SUSPENSION"
    SUSPENSION_EXTENSION = "SUSPENSION_EXTENSION"
    RESUMPTION = "RESUMPTION"
    REENTRY = "REENTRY"
    GRADE_SKIP = "GRADE_SKIP"
    ARCHIVE_HANDOVER = "ARCHIVE_HANDOVER"


CANCELLED = "CANCELLED"


def pending_elsewhere(exc: IntegrityError) -> RuleViolation | None:
    """The unique index on open status workflows: one application at a time."""
    if "uq_workflows_one_open_status_change" not in str(exc.orig) and (
        "workflows.student_id" not in str(exc.orig)
    ):
        return None
    return RuleViolation(
        "STATUS_CHANGE_PENDING",
        "该学生已有正在办理的学籍异动申请，请待其办结后再申请。",
        field=["studentNumber"],
    )


def to_step(row: WorkflowStep) -> Step:
    limit = None
    if row.limit_amount is not None and row.limit_unit is not None:
        limit = TimeLimit(row.limit_amount, TimeUnit(row.limit_unit))
    return Step(
        name=row.name,
        owner_role=Role(row.owner_role),
        owner_unit=row.owner_unit,
        time_limit=limit,
        due_date=row.due_date,
        decision=Decision(row.decision) if row.decision else None,
        decided_on=row.decided_on,
        comment=row.comment or "",
    )


async def _school_ids(session: AsyncSession, steps: Collection[Step]) -> dict[str, int]:
    codes = {s.owner_unit for s in steps if s.owner_unit}
    if not codes:
        return {}
    rows = await session.execute(
        select(School.code, School.id).where(School.code.in_(codes))
    )
    return {str(row[0]): int(row[1]) for row in rows}


async def open_workflow(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    kind: WorkflowKind,
    state: StudentState,
    school_id: int | None,
    steps: tuple[Step, ...],
    payload: dict[str, Any],
    calendar: WorkingDayCalendar,
    client_request_id: str | None = None,
) -> tuple[Workflow, list[WorkflowStep]]:
    """A new pending workflow with its first step opened today."""
    started = start_workflow(steps, ctx.today, calendar)
    workflow = Workflow(
        student_id=state.student.id,
        school_id=school_id,
        kind=kind.value,
        state=WorkflowState.PENDING.value,
        payload=payload,
        created_by=ctx.principal.subject,
        created_at=ctx.now,
        opened_on=ctx.today,
        updated_at=ctx.now,
        client_request_id=client_request_id,
    )
    session.add(workflow)
    await session.flush()
    school_ids = await _school_ids(session, started)
    rows = [
        WorkflowStep(
            workflow_id=workflow.id,
            student_id=state.student.id,
            position=index,
            name=step.name,
            owner_role=step.owner_role.value,
            owner_unit=step.owner_unit,
            owner_school_id=school_ids.get(step.owner_unit),
            limit_amount=step.time_limit.amount if step.time_limit else None,
            limit_unit=step.time_limit.unit.value if step.time_limit else None,
            due_date=step.due_date,
        )
        for index, step in enumerate(started)
    ]
    session.add_all(rows)
    await session.flush()
    return workflow, rows


async def load_workflow(
    session: AsyncSession, workflow_id: int, kinds: Collection[WorkflowKind]
) -> tuple[Workflow, list[WorkflowStep]]:
    """A pending workflow of one of ``kinds`` and its steps in order."""
    workflow = await session.get(Workflow, workflow_id)
    if workflow is None or workflow.kind not in {k.value for k in kinds}:
        raise NotFound()
    if workflow.state != WorkflowState.PENDING.value:
        raise RuleViolation(
            "WORKFLOW_ALREADY_COMPLETE", "该申请已办结或已撤销，不能再作决定。"
        )
    rows = (
        await session.scalars(
            select(WorkflowStep)
            .where(WorkflowStep.workflow_id == workflow.id)
            .order_by(WorkflowStep.position)
        )
    ).all()
    return workflow, list(rows)


def _role(ctx: RequestContext) -> Role:
    try:
        return Role(ctx.principal.role.value)
    except ValueError:
        raise RuleViolation(
            "WORKFLOW_NOT_YOUR_STEP",
            "当前待办环节不属于您所在的单位和岗位。",
            field=["decision"],
        ) from None


async def replace_steps(
    session: AsyncSession,
    ctx: RequestContext,
    rows: list[WorkflowStep],
    steps: tuple[Step, ...],
) -> None:
    """Write ``steps`` back onto their rows (same order)."""
    school_ids = await _school_ids(session, steps)
    for row, step in zip(rows, steps, strict=True):
        if step.decision is not None and row.decision is None:
            row.decided_by, row.decided_at = ctx.principal.subject, ctx.now
        if row.owner_unit != step.owner_unit:
            row.owner_unit = step.owner_unit
            row.owner_school_id = school_ids.get(step.owner_unit)
        row.decision = step.decision.value if step.decision else None
        row.decided_on = step.decided_on
        row.due_date = step.due_date
        row.comment = step.comment or None


async def decide_step(
    session: AsyncSession,
    ctx: RequestContext,
    workflow: Workflow,
    rows: list[WorkflowStep],
    *,
    decision: Decision,
    comment: str,
    calendar: WorkingDayCalendar,
    steps: tuple[Step, ...] | None = None,
) -> tuple[Step, ...]:
    """Decide the open step the caller owns and save it. The workflow row is
    written first, alone, so that a concurrent decision fails on its version
    check before it writes anything else."""
    current = steps if steps is not None else tuple(to_step(r) for r in rows)
    unit = ctx.principal.school or ctx.principal.district or ""
    after = decide(
        current,
        role=_role(ctx),
        unit=unit,
        decision=decision,
        on=ctx.today,
        calendar=calendar,
        comment=comment,
    )
    touch(workflow, ctx)
    outcome = workflow_state(after)
    if outcome is not WorkflowState.PENDING:
        workflow.state = outcome.value
        workflow.closed_at = ctx.now
    await session.flush()
    await replace_steps(session, ctx, rows, after)
    await session.flush()
    return after


async def close_workflow(
    session: AsyncSession, ctx: RequestContext, workflow: Workflow, state: str
) -> None:
    workflow.state = state
    workflow.closed_at = ctx.now
    touch(workflow, ctx)
    await session.flush()


def touch(workflow: Workflow, ctx: RequestContext) -> None:
    """Make the next flush update the workflow row (and so check and bump its
    version) even when no column value changes."""
    workflow.updated_at = ctx.now
    flag_modified(workflow, "updated_at")


def with_payload(workflow: Workflow, **values: Any) -> None:
    """Add keys to the JSON payload (assigned anew so that the change is seen)."""
    workflow.payload = {**workflow.payload, **values}


async def cancel_pending(
    session: AsyncSession, ctx: RequestContext, student_id: int, why: str
) -> list[int]:
    """Close the student's open applications when the student leaves the roll
    (death, dropout, other leaving): nothing is left to decide on them."""
    rows = (
        await session.scalars(
            select(Workflow).where(
                Workflow.student_id == student_id, Workflow.state == "PENDING"
            )
        )
    ).all()
    for workflow in rows:
        with_payload(workflow, closedBecause=why)
        await close_workflow(session, ctx, workflow, CANCELLED)
    return [w.id for w in rows]
