"""Leaving the roll and coming back: death (第二十二条), dropout (第二十四条),
other leaving (第二十五条) and re-entry (第二十六条).

Leaving closes the active episode; re-entry opens a new one at the original
school for the same person under the same number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AttendanceMark, Enrolment, Student
from resolvers import status_common as common
from resolvers.calendar import school_calendar, school_days, working_day_calendar
from resolvers.context import RequestContext
from resolvers.mutations import Done
from resolvers.status_flow import cancel_pending
from resolvers.status_suspension import current_suspension
from rules import status_leaving as rl
from rules.attendance import AbsenceRun, AttendanceKind, AttendanceRecord
from rules.errors import RuleViolation
from rules.status import ChangeCategory, ChangeReason, StudentStatus

DROPOUT_WINDOW = dt.timedelta(days=365)
STUDY_CERTIFICATE = "义务教育阶段学业证明"


@dataclass(frozen=True)
class DeathRecord:
    student_number: str
    date_of_death: dt.date
    learned_on: dt.date
    reason: ChangeReason | None = None
    documents: tuple[str, ...] = ()
    note: str | None = None


def _done(state: common.StudentState, change_id: int) -> Done:
    return Done(
        {"workflowId": None, "changeIds": [change_id]},
        student_id=state.student.id,
        fields=["status"],
    )


async def record_death(
    session: AsyncSession, ctx: RequestContext, record: DeathRecord
) -> Done:
    """第二十二条: the record is cancelled on proof, within 10 working days of the
    school learning of the death; a late entry is marked overdue."""
    state = await common.load_student(session, record.student_number)
    await common.require_last_school(session, ctx, state)
    rl.check_death_record(
        rl.DeathContext(
            status=state.status,
            date_of_death=record.date_of_death,
            recorded_on=ctx.today,
            has_proof=bool(record.documents),
        )
    )
    if record.reason is not None and not record.reason.is_death:
        raise RuleViolation(
            "DEATH_REASON_INVALID",
            "请选择死亡原因类的异动原因。",
            article="第二十二条",
            field=["reason"],
        )
    calendar = await working_day_calendar(session)
    due = rl.death_cancellation_due(record.learned_on, calendar)
    details = {
        "learnedOn": record.learned_on.isoformat(),
        "dueBy": due.isoformat(),
        "overdue": ctx.today > due,
    }
    change = await common.apply_change(
        session,
        ctx,
        state,
        ChangeCategory.DEATH,
        effective=record.date_of_death,
        reason=record.reason.value if record.reason else None,
        documents=list(record.documents),
        note=record.note,
        details=details,
    )
    await cancel_pending(session, ctx, state.student.id, ChangeCategory.DEATH.value)
    if state.enrolment is not None:
        exit_on = max(record.date_of_death, state.enrolment.entry_date)
        await common.close_episode(session, state, exit_on, "DEATH")
    return _done(state, change.id)


async def _records(
    session: AsyncSession, student_id: int, first: dt.date, last: dt.date
) -> list[AttendanceRecord]:
    key = str(student_id)
    marks = await session.scalars(
        select(AttendanceMark).where(
            AttendanceMark.student_id == student_id,
            AttendanceMark.day >= first,
            AttendanceMark.day <= last,
        )
    )
    kinds = {k.value for k in AttendanceKind}
    return [
        AttendanceRecord(key, m.day, AttendanceKind(kind))
        for m in marks
        for kind in (m.kind, m.also_kind)
        if kind in kinds
    ]


async def dropout_run(
    session: AsyncSession, state: common.StudentState, today: dt.date
) -> AbsenceRun:
    """The month of truancy that makes the student a dropout (第二十四条)."""
    first = today - DROPOUT_WINDOW
    workdays = await working_day_calendar(session)
    schools = await school_calendar(session, state.district.id, state.district.code)
    return rl.check_dropout_report(
        status=state.status,
        records=await _records(session, state.student.id, first, today),
        student_id=str(state.student.id),
        school_days=school_days(workdays, schools, first, today),
    )


async def report_dropout(
    session: AsyncSession, ctx: RequestContext, student_number: str, note: str | None
) -> Done:
    """第二十四条 and the 辍学学生报告制度: a month absent without reason is
    reported; the student leaves the roll on the day of the report."""
    state = await common.load_student(session, student_number)
    common.require_scope(ctx, state)
    run = await dropout_run(session, state, ctx.today)
    change = await common.apply_change(
        session,
        ctx,
        state,
        ChangeCategory.DROPOUT,
        effective=run.start,
        note=note,
        details={
            "truantFrom": run.start.isoformat(),
            "truantTo": run.end.isoformat(),
            "schoolDays": run.school_days,
        },
    )
    await cancel_pending(session, ctx, state.student.id, ChangeCategory.DROPOUT.value)
    await common.close_episode(session, state, ctx.today, "DROPOUT")
    return _done(state, change.id)


@dataclass(frozen=True)
class OtherLeaving:
    student_number: str
    ground: rl.OtherLeavingGround
    reported_to_district: bool
    left_on: dt.date | None = None
    reason_given: bool = False
    reachable: bool = False
    note: str | None = None


async def record_other_leaving(
    session: AsyncSession, ctx: RequestContext, leaving: OtherLeaving
) -> Done:
    """第二十五条: 其他离校 after the case went to the district; the school then
    issues a study certificate for the schooling completed."""
    state = await common.load_student(session, leaving.student_number)
    school = await common.require_last_school(session, ctx, state)
    suspension = await current_suspension(session, state.student.id)
    suspended = state.status is StudentStatus.SUSPENDED and suspension is not None
    rl.check_other_leaving(
        rl.OtherLeavingContext(
            status=state.status,
            ground=leaving.ground,
            on=ctx.today,
            birth_date=state.student.birth_date,
            reported_to_district=leaving.reported_to_district,
            left_on=leaving.left_on,
            reason_given=leaving.reason_given,
            reachable=leaving.reachable,
            suspension_start=suspension.start if suspended and suspension else None,
            suspension_end=suspension.end if suspended and suspension else None,
        )
    )
    placement = await common.last_placement(session, state)
    details: dict[str, object] = {
        "ground": leaving.ground.value,
        "certificate": STUDY_CERTIFICATE,
        "certificateSchool": school.code if school else None,
        "grade": placement.grade if placement else None,
    }
    change = await common.apply_change(
        session,
        ctx,
        state,
        ChangeCategory.OTHER_LEAVING,
        effective=leaving.left_on or ctx.today,
        reason=leaving.ground.value,
        note=leaving.note,
        details=details,
    )
    why = ChangeCategory.OTHER_LEAVING.value
    await cancel_pending(session, ctx, state.student.id, why)
    if state.enrolment is not None:
        await common.close_episode(session, state, ctx.today, "OTHER_LEAVING")
    return _done(state, change.id)


async def schooling_months(
    session: AsyncSession, student: Student, today: dt.date
) -> int:
    """Months of compulsory education received: the episodes' spans added up.

    Limitation: suspended time inside an episode is counted as schooling."""
    rows = await session.scalars(
        select(Enrolment).where(Enrolment.student_id == student.id)
    )
    days = sum(((e.exit_date or today) - e.entry_date).days + 1 for e in rows)
    return days * 12 // 365
