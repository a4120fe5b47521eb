"""The optimistic lock on workflows: a decision taken on a version someone else
has changed meanwhile fails, and the mutation answers with a conflict."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm.exc import StaleDataError

from db.engine import begin_write
from resolvers.context import RequestContext
from resolvers.errors import Conflict
from resolvers.mutations import Done, perform
from resolvers.status_flow import WorkflowKind, decide_step, load_workflow
from rules.access import Principal, Role
from rules.calendar import WorkingDayCalendar
from rules.status_workflow import Decision
from schema.status_payloads import pk_of
from tests.conftest import Hub
from tests.resolvers.test_status_support import (
    SCHOOL_A,
    SCHOOL_B,
    TRANSFER_DOCS,
    leader,
    mutate,
    pick_student,
    registrar,
    set_clock,
)

KINDS = (WorkflowKind.TRANSFER,)


def _context(hub: Hub, principal: Principal) -> RequestContext:
    return RequestContext(
        principal=principal,
        sessionmaker=hub.state.sessionmaker,
        crypto=hub.state.crypto,
        request_id="test",
        now=hub.state.clock(),
    )


async def _pending(hub: Hub) -> int:
    set_clock(hub, dt.date(2026, 10, 12))
    student = await pick_student(hub, SCHOOL_A, 3)
    given = {
        "studentNumber": student.student_number,
        "receivingSchoolCode": SCHOOL_B,
        "reason": "FAMILY_MOVE",
        "documents": TRANSFER_DOCS,
    }
    applied = await mutate(hub, "applyTransfer", registrar(SCHOOL_B), given)
    return pk_of(applied["workflow"]["id"], "Workflow")


async def _decide(hub: Hub, ctx: RequestContext, session: object, pk: int) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    workflow, rows = await load_workflow(session, pk, KINDS)
    await decide_step(
        session,
        ctx,
        workflow,
        rows,
        decision=Decision.APPROVE,
        comment="",
        calendar=WorkingDayCalendar.bundled(),
    )


async def test_stale_decision_fails_version_check(demo: Hub) -> None:
    pk = await _pending(demo)
    first = _context(demo, leader(SCHOOL_B, 1))
    second = _context(demo, leader(SCHOOL_B, 2))
    calendar = WorkingDayCalendar.bundled()
    async with demo.state.sessionmaker() as stale:
        workflow, rows = await load_workflow(stale, pk, KINDS)
        await stale.commit()  # keeps the objects as read (version 1)
        async with demo.state.sessionmaker() as fresh:
            await begin_write(fresh)
            await _decide(demo, first, fresh, pk)
            await fresh.commit()
        await begin_write(stale)
        with pytest.raises(StaleDataError):
            await decide_step(
                stale,
                second,
                workflow,
                rows,
                decision=Decision.APPROVE,
                comment="",
                calendar=calendar,
            )


async def test_stale_decision_answers_conflict(demo: Hub) -> None:
    pk = await _pending(demo)
    ctx = _context(demo, leader(SCHOOL_B, 2))
    async with demo.state.sessionmaker() as stale:
        workflow, rows = await load_workflow(stale, pk, KINDS)
        await stale.commit()
    async with demo.state.sessionmaker() as fresh:
        await begin_write(fresh)
        await _decide(demo, _context(demo, leader(SCHOOL_B, 1)), fresh, pk)
        await fresh.commit()

    async def action(session: object) -> Done:
        from sqlalchemy.ext.asyncio import AsyncSession

        assert isinstance(session, AsyncSession)
        merged = await session.merge(workflow, load=False)
        steps = [await session.merge(r, load=False) for r in rows]
        await decide_step(
            session,
            ctx,
            merged,
            steps,
            decision=Decision.APPROVE,
            comment="",
            calendar=WorkingDayCalendar.bundled(),
        )
        return Done({"workflowId": pk, "changeIds": []})

    with pytest.raises(Conflict):
        await perform(ctx, "decideTransferStep", action, roles={Role.SCHOOL_LEADER})
