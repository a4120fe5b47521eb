"""Archive entries made at the desk: evaluations, awards, sanctions, results, aid.

Each function runs inside the mutation's one transaction (``resolvers.mutations``),
asks the rules of ``rules/`` and raises their refusals; nothing here decides what
the regulation says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AidGrant, Award, CourseResult, Evaluation, Sanction, Student
from resolvers.archive import Target, find_target, in_scope
from resolvers.context import RequestContext
from rules import conduct, evaluation, graduation
from rules.aid import AidRecord, check_aid_record
from rules.archive import raise_collected, stage_of_grade
from rules.errors import RuleViolation

# 就读方式 code of a boarder (住校), DOMAIN.md §2.2.
BOARDER = "2"


def _grade_of(target: Target) -> int:
    if target.grade is None:
        raise RuleViolation(
            "STUDENT_NOT_PLACED",
            "该学生当前没有编入班级，无法确定年级。",
            field=["studentNumber"],
        )
    return target.grade


async def record_evaluation(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    student_number: str,
    school_year: int,
    term: int,
    entries: Sequence[evaluation.DimensionEntry],
    framework: evaluation.EvaluationFramework = evaluation.DEFAULT_FRAMEWORK,
) -> list[Evaluation]:
    """Enter or revise one term's evaluation (第二十七、二十八条).

    A dimension entered again replaces its text and level; the term's other
    dimensions stay.
    """
    target = await find_target(session, ctx, student_number)
    principal = ctx.principal
    evaluation.assert_may_enter_evaluation(
        principal.role.value,
        actor_class_id=_text(principal.class_id),
        student_class_id=_text(target.class_id),
    )
    checked = evaluation.check_term_evaluation(
        school_year, term, entries, framework=framework
    )
    stmt = select(Evaluation).where(
        Evaluation.student_id == target.student.id,
        Evaluation.school_year == school_year,
        Evaluation.term == term,
    )
    existing = {row.dimension: row for row in (await session.scalars(stmt)).all()}
    for dimension, entry in checked.items():
        row = existing.get(dimension.value)
        if row is None:
            row = Evaluation(
                student_id=target.student.id,
                school_year=school_year,
                term=term,
                dimension=dimension.value,
            )
            session.add(row)
            existing[dimension.value] = row
        row.framework = framework.value
        row.text = entry.text.strip()
        row.level = entry.level
        row.entered_by = principal.subject
        row.entered_at = ctx.now
    await session.flush()
    return sorted(existing.values(), key=lambda r: r.id)


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


async def record_award(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    student_number: str,
    award: conduct.Award,
    body: str | None,
) -> Award:
    """Enter an award (第二十九条), with the review a reviewed title needs."""
    conduct.check_award(award)
    target = await find_target(session, ctx, student_number)
    review = award.review or conduct.AwardReview()
    row = Award(
        student_id=target.student.id,
        form=award.form.value,
        title=(award.title or "").strip() or None,
        level=award.level.value,
        body=body,
        awarded_on=award.awarded_on,
        democratic_review_on=review.democratic_review_on,
        council_approved_on=review.council_approved_on,
        posted_on=review.posted_on,
        entered_by=ctx.principal.subject,
        entered_at=ctx.now,
    )
    session.add(row)
    await session.flush()
    return row


async def record_sanction(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    student_number: str,
    kind: str,
    reason: str,
    decided_on: date,
) -> Sanction:
    """Enter a sanction (第三十条); expulsion in any spelling is refused."""
    parsed = conduct.parse_sanction_kind(kind)
    target = await find_target(session, ctx, student_number)
    conduct.check_sanction(parsed, _grade_of(target))
    if not reason.strip():
        raise RuleViolation(
            "SANCTION_REASON_MISSING",
            "处分须写明事由。",
            article="第三十条",
            field=["reason"],
        )
    row = Sanction(
        student_id=target.student.id,
        kind=parsed.value,
        reason=reason.strip(),
        decided_on=decided_on,
        entered_by=ctx.principal.subject,
        entered_at=ctx.now,
    )
    session.add(row)
    await session.flush()
    return row


async def revoke_sanction(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    sanction_id: int,
    peer_review_on: date | None,
    school_approved_on: date | None,
    revoked_on: date,
) -> Sanction:
    """Revoke a sanction after review (第三十条); it leaves the personal file."""
    stmt = (
        select(Sanction, Student.student_number)
        .join(Student, Student.id == Sanction.student_id)
        .where(Sanction.id == sanction_id, in_scope(ctx))
    )
    found = (await session.execute(stmt)).first()
    if found is None:
        raise RuleViolation(
            "SANCTION_NOT_FOUND", "未找到该处分。", field=["sanctionId"]
        )
    row, number = found
    # The school that has the student now decides; a former school cannot.
    await find_target(session, ctx, number)
    revoked = conduct.revoke_sanction(
        conduct.Sanction(
            conduct.SanctionKind(row.kind), row.decided_on, row.revoked_on
        ),
        peer_review_on=peer_review_on,
        school_approved_on=school_approved_on,
        revoked_on=revoked_on,
    )
    row.peer_review_on = peer_review_on
    row.school_approved_on = school_approved_on
    row.revoked_on = revoked.revoked_on
    row.revoked_by = ctx.principal.subject
    row.revoked_at = ctx.now
    await session.flush()
    return row


async def record_course_results(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    student_number: str,
    results: Sequence[graduation.CourseResult],
) -> list[CourseResult]:
    """Enter course results (第十一条（七）); the same sitting again corrects it."""
    violations: list[RuleViolation] = []
    for index, result in enumerate(results):
        try:
            graduation.check_course_result(result)
        except RuleViolation as fault:
            violations.append(fault.at("results", str(index)))
    raise_collected(violations)
    target = await find_target(session, ctx, student_number)

    stmt = select(CourseResult).where(CourseResult.student_id == target.student.id)
    existing = {
        (r.course, r.school_year, r.term, r.attempt): r
        for r in (await session.scalars(stmt)).all()
    }
    written: list[CourseResult] = []
    for result in results:
        key = (result.course.strip(), result.school_year, result.term, result.attempt)
        row = existing.get(key)
        if row is None:
            row = CourseResult(
                student_id=target.student.id,
                course=key[0],
                school_year=result.school_year,
                term=result.term,
                attempt=result.attempt,
            )
            session.add(row)
            existing[key] = row
        row.score = None if result.score is None else Decimal(result.score)
        row.level = None if result.level is None else result.level.value
        row.entered_by = ctx.principal.subject
        row.entered_at = ctx.now
        written.append(row)
    await session.flush()
    return written


async def record_aid(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    student_number: str,
    record: AidRecord,
    granted_on: date | None,
) -> AidGrant:
    """Enter a grant (第十一条（六）); stage and boarding default from the record."""
    target = await find_target(session, ctx, student_number)
    if record.stage is None and target.grade is not None:
        record = replace(record, stage=stage_of_grade(target.grade))
    enrolment = target.enrolment
    if not record.boarding and enrolment is not None:
        record = replace(record, boarding=enrolment.attendance_mode == BOARDER)
    check_aid_record(record)
    row = AidGrant(
        student_id=target.student.id,
        kind=record.kind.value,
        name=record.name,
        for_date=record.for_date,
        period=record.period.value,
        amount=record.amount,
        stage=None if record.stage is None else record.stage.value,
        boarding=record.boarding,
        meal_days=record.meal_days,
        hardship_recognized=record.hardship_recognized,
        granted_on=granted_on,
        entered_by=ctx.principal.subject,
        entered_at=ctx.now,
    )
    session.add(row)
    await session.flush()
    return row
