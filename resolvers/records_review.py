"""The record's review (第十、十一条) and the list of records past their month.

The school collects, reviews and reports (``submit``); the district office
verifies or returns with reasons. Each step is logged (archive category 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import District, Enrolment, Placement, Student
from resolvers.context import SHANGHAI, RequestContext
from resolvers.records import StudentView
from resolvers.records_columns import caller_school
from resolvers.records_episodes import student_in_district
from resolvers.records_write import (
    load_record,
    record_change,
    record_faults,
)
from resolvers.scope import relation_for, school_id_of, student_scope
from rules.errors import RuleViolation, RuleViolations
from rules.record_review import (
    RecordAction,
    RecordState,
    is_record_overdue,
    next_record_state,
)
from rules.records import (
    REVIEW_ARTICLE,
)

MAX_REASON = 500


async def submit_record(
    session: AsyncSession, ctx: RequestContext, number: str
) -> Student:
    """初审后上报 (第十条): the record is checked whole once more, then reported."""
    school = await caller_school(session, ctx.principal.school)
    stored = await load_record(session, ctx, number, school.id)
    student = stored.student
    state = next_record_state(RecordState(student.record_state), RecordAction.SUBMIT)
    faults = record_faults(stored.info, today=ctx.today, school=school)
    if faults:
        raise RuleViolations(faults)
    student.record_state = state.value
    student.submitted_at = ctx.now
    late = _submitted_late(stored.enrolment, ctx.today)
    note = "超过入学后一个月的建档期限上报" if late else None
    session.add(record_change(student.id, "SUBMIT", ctx, note=note))
    return student


def _submitted_late(enrolment: Enrolment, on: date) -> bool:
    if enrolment.record_due is None:
        return False
    return is_record_overdue(enrolment.entry_date, submitted_on=on, today=on)


async def _district_student(
    session: AsyncSession, ctx: RequestContext, number: str
) -> Student:
    code = ctx.principal.district
    district_id = await session.scalar(select(District.id).where(District.code == code))
    if district_id is None:
        raise RuleViolation(
            "DISTRICT_NOT_FOUND", "登录账号所属区县不存在。", article=REVIEW_ARTICLE
        )
    return await student_in_district(session, number, district_id)


async def verify_record(
    session: AsyncSession, ctx: RequestContext, number: str, comment: str | None
) -> Student:
    """核准 (第十一条): only a reported record is verified."""
    student = await _district_student(session, ctx, number)
    state = next_record_state(RecordState(student.record_state), RecordAction.VERIFY)
    student.record_state = state.value
    student.verified_at = ctx.now
    student.return_reason = None
    session.add(record_change(student.id, "VERIFY", ctx, note=comment))
    return student


async def return_record(
    session: AsyncSession, ctx: RequestContext, number: str, reasons: Sequence[str]
) -> Student:
    """退回 (第十一条) with the reasons the school must fix; they stay on record."""
    clean = [r.strip() for r in reasons if r.strip()]
    if not clean:
        raise RuleViolation(
            "RETURN_REASON_REQUIRED",
            "退回学籍须写明原因。",
            article=REVIEW_ARTICLE,
            field=["reasons"],
        )
    text = "；".join(clean)
    if len(text) > MAX_REASON:
        message = f"退回原因合计不得超过{MAX_REASON}个字符。"
        raise RuleViolation(
            "TEXT_TOO_LONG", message, article=REVIEW_ARTICLE, field=["reasons"]
        )
    student = await _district_student(session, ctx, number)
    state = next_record_state(RecordState(student.record_state), RecordAction.RETURN)
    student.record_state = state.value
    student.return_reason = text
    session.add(record_change(student.id, "RETURN", ctx, note=text))
    return student


@dataclass(frozen=True)
class OverdueRecord:
    """An active episode whose record missed its month (第十条; 第三十八条(一))."""

    view: StudentView
    deadline: date
    reason: str
    submitted_late: bool
    days_overdue: int


_REASONS = {
    RecordState.DRAFT.value: "NOT_SUBMITTED",
    RecordState.RETURNED.value: "RETURNED",
    RecordState.SUBMITTED.value: "AWAITING_VERIFICATION",
}


def _overdue_query(ctx: RequestContext) -> Select[Student, Enrolment, Placement]:
    stmt = (
        select(Student, Enrolment, Placement)
        .join(
            Enrolment,
            and_(Enrolment.student_id == Student.id, Enrolment.exit_date.is_(None)),
        )
        .outerjoin(
            Placement,
            and_(Placement.enrolment_id == Enrolment.id, Placement.end_date.is_(None)),
        )
        .where(
            Enrolment.record_due < ctx.today,
            Student.record_state != RecordState.VERIFIED.value,
            student_scope(ctx.principal, ctx.today),
        )
    )
    if ctx.principal.school is not None:
        stmt = stmt.where(Enrolment.school_id == school_id_of(ctx.principal.school))
    return stmt


async def overdue_records(
    ctx: RequestContext, *, first: int, after_id: int | None
) -> tuple[list[OverdueRecord], bool, int]:
    """Admitted students whose record is not built, reported and verified a month
    after entry: a page in episode order, whether more follow, and the total."""
    stmt = _overdue_query(ctx)
    total = await ctx.execute(
        select(func.count()).select_from(
            stmt.with_only_columns(Enrolment.id).subquery()
        )
    )
    page = stmt.order_by(Enrolment.id).limit(first + 1)
    if after_id is not None:
        page = page.where(Enrolment.id > after_id)
    rows: Sequence[Any] = (await ctx.execute(page)).all()
    relation = relation_for(ctx.principal, True)
    found = [
        _overdue(StudentView(s, e, p, relation), ctx.today) for s, e, p in rows[:first]
    ]
    return found, len(rows) > first, int(total.scalar_one())


def _overdue(view: StudentView, today: date) -> OverdueRecord:
    enrolment = view.enrolment
    assert enrolment is not None and enrolment.record_due is not None  # joined
    student = view.student
    at = student.submitted_at
    submitted = at.astimezone(SHANGHAI).date() if at is not None else None
    late = submitted is not None and is_record_overdue(
        enrolment.entry_date, submitted_on=submitted, today=today
    )
    return OverdueRecord(
        view=view,
        deadline=enrolment.record_due,
        reason=_REASONS.get(student.record_state, "NOT_SUBMITTED"),
        submitted_late=late,
        days_overdue=(today - enrolment.record_due).days,
    )
