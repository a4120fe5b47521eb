"""Graduation (第三十二条) and the graduation roster (第十二条).

Certificate numbers are unique within school and year by a database constraint.
The next number is read and written in one transaction: SQLite serialises
writers (``BEGIN IMMEDIATE``), PostgreSQL takes a transaction lock per school
and year; should two issuances still meet, the loser retries with tenacity
(case C10). A lost certificate is never reissued: the school writes a proof.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random,
)

from db.models import (
    CertificateProof,
    CourseResult,
    GraduationCertificate,
    MutationReceipt,
    School,
    Student,
)
from resolvers.archive import Target, find_target, in_scope
from resolvers.context import RequestContext
from resolvers.mutations import Outcome
from resolvers.scope import current_at_school, relation_for, school_scope
from rules import graduation
from rules.access import Relation
from rules.archive import SchoolStage, stage_of_grade
from rules.errors import RuleViolation

STUDYING = "STUDYING"
# A namespace for pg_advisory_xact_lock(int, int): certificate numbering.
CERTIFICATE_LOCK = 32
ISSUE_ATTEMPTS = 8
# Limitation: no course plan (课程计划) is loaded, so "every course" is every
# course with a recorded result; a student with none has this one missing.
NO_RESULTS = "课程计划规定的课程"


async def issue_certificate(
    session: AsyncSession, ctx: RequestContext, *, student_number: str
) -> GraduationCertificate:
    """Issue the certificate of a student who passed every course (第三十二条)."""
    target = await find_target(session, ctx, student_number)
    student = target.student
    issued = await session.scalar(
        select(GraduationCertificate.id).where(
            GraduationCertificate.student_id == student.id
        )
    )
    graduation.assert_may_issue_certificate(already_issued=issued is not None)
    await _assert_eligible(session, target)

    school = _school_of(target)
    year = ctx.today.year
    await _lock_numbering(session, school.id, year)
    highest = await session.scalar(
        select(func.max(GraduationCertificate.sequence)).where(
            GraduationCertificate.school_id == school.id,
            GraduationCertificate.year == year,
        )
    )
    number = graduation.next_certificate_number(school.code, year, highest)
    grade = target.grade or 0
    row = GraduationCertificate(
        student_id=student.id,
        school_id=school.id,
        year=year,
        sequence=graduation.parse_certificate_number(number).sequence,
        number=number,
        stage=stage_of_grade(grade).value,
        grade=grade,
        issued_on=ctx.today,
        entered_by=ctx.principal.subject,
        entered_at=ctx.now,
    )
    session.add(row)
    await session.flush()
    return row


async def _assert_eligible(session: AsyncSession, target: Target) -> None:
    rows = await session.scalars(
        select(CourseResult).where(CourseResult.student_id == target.student.id)
    )
    results = [
        graduation.CourseResult(
            r.course,
            r.school_year,
            r.term,
            score=r.score,
            level=None if r.level is None else graduation.ResultLevel(r.level),
            attempt=r.attempt,
        )
        for r in rows
    ]
    required = {r.course for r in results} or {NO_RESULTS}
    eligibility = graduation.graduation_eligibility(
        results,
        required,
        studying=target.student.status == STUDYING,
        grade=target.grade or 0,
    )
    graduation.assert_eligible(eligibility)


def _school_of(target: Target) -> School:
    if target.school is None:
        raise graduation_violation("STUDENT_NOT_CURRENT", "该学生当前不在校就读。")
    return target.school


async def _lock_numbering(session: AsyncSession, school_id: int, year: int) -> None:
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return  # SQLite: the writer already holds the database lock.
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:space, :key)"),
        {"space": CERTIFICATE_LOCK, "key": school_id * 10_000 + year % 10_000},
    )


def graduation_violation(code: str, message: str) -> RuleViolation:
    return RuleViolation(code, message, article=graduation.ARTICLE)


def is_number_conflict(error: BaseException) -> bool:
    """A unique-number collision of two issuances, worth another try."""
    if not isinstance(error, IntegrityError):
        return False
    message = str(error.orig)
    return "graduation_certificates" in message and (
        "sequence" in message or "number" in message
    )


def student_conflict(error: IntegrityError) -> RuleViolation | None:
    """A second certificate for the same student, issued at the same moment."""
    message = str(error.orig)
    if "graduation_certificates" not in message or "student_id" not in message:
        return None
    return graduation_violation(
        "CERTIFICATE_REISSUE_FORBIDDEN",
        "毕业证书不予补发，可由学校出具盖章证明，经区教育局审核确认。",
    )


async def issue_with_retry(
    ctx: RequestContext,
    name: str,
    attempt: Callable[[], Awaitable[Outcome]],
    client_request_id: str | None,
) -> Outcome:
    """Run an issuance, again on a number collision; a repeated request id that
    lost a race to its twin gets the twin's answer."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(is_number_conflict),
        stop=stop_after_attempt(ISSUE_ATTEMPTS),
        wait=wait_random(0, 0.05),
        reraise=True,
    )
    outcome: Outcome | None = None
    async for step in retrying:
        with step:
            outcome = await attempt()
    assert outcome is not None  # AsyncRetrying runs the body at least once
    if outcome.errors and client_request_id is not None:
        earlier = await fresh_receipt(ctx, name, client_request_id)
        if earlier is not None:
            return Outcome(earlier, [])
    return outcome


async def fresh_receipt(
    ctx: RequestContext, name: str, client_request_id: str
) -> dict[str, object] | None:
    async with ctx.sessionmaker() as session:
        found = await session.scalar(
            select(MutationReceipt.result).where(
                MutationReceipt.principal == ctx.principal.subject,
                MutationReceipt.mutation == name,
                MutationReceipt.client_request_id == client_request_id,
            )
        )
    return None if found is None else dict(found)


async def stamp_certificate(
    session: AsyncSession, ctx: RequestContext, *, certificate_number: str
) -> GraduationCertificate:
    """The district checks and stamps a certificate (第三十二条: 验印)."""
    number = str(graduation.parse_certificate_number(certificate_number.strip()))
    stmt = (
        select(GraduationCertificate)
        .join(Student, Student.id == GraduationCertificate.student_id)
        .where(GraduationCertificate.number == number, in_scope(ctx))
    )
    row = (await session.scalars(stmt)).first()
    graduation.check_stamp(
        issued=row is not None, stamped_on=None if row is None else row.stamped_on
    )
    assert row is not None  # check_stamp refused a missing certificate
    row.stamped_on = ctx.today
    row.stamped_by = ctx.principal.subject
    row.stamped_at = ctx.now
    await session.flush()
    return row


async def issue_certificate_proof(
    session: AsyncSession, ctx: RequestContext, *, student_number: str, reason: str
) -> CertificateProof:
    """A sealed proof for a lost certificate, by the school that issued it."""
    target = await find_target(session, ctx, student_number, current=False)
    certificate = (
        await session.scalars(
            select(GraduationCertificate).where(
                GraduationCertificate.student_id == target.student.id
            )
        )
    ).first()
    graduation.check_certificate_proof(certificate_issued=certificate is not None)
    assert certificate is not None  # check_certificate_proof refused otherwise
    issuer = await session.scalar(
        select(School.code).where(School.id == certificate.school_id)
    )
    if issuer != ctx.principal.school:
        raise graduation_violation(
            "CERTIFICATE_OTHER_SCHOOL", "毕业证明应由颁发毕业证书的学校出具。"
        )
    row = CertificateProof(
        student_id=target.student.id,
        certificate_id=certificate.id,
        issued_on=ctx.today,
        reason=reason.strip() or "毕业证书遗失",
        school_sealed=True,
        entered_by=ctx.principal.subject,
        entered_at=ctx.now,
    )
    session.add(row)
    await session.flush()
    return row


async def confirm_certificate_proof(
    session: AsyncSession, ctx: RequestContext, *, proof_id: int
) -> CertificateProof:
    """The district confirms a school's proof (由区教育局审核确认后盖章证明)."""
    stmt = (
        select(CertificateProof)
        .join(Student, Student.id == CertificateProof.student_id)
        .where(CertificateProof.id == proof_id, in_scope(ctx))
    )
    row = (await session.scalars(stmt)).first()
    if row is None:
        raise RuleViolation("PROOF_NOT_FOUND", "未找到该证明。", field=["proofId"])
    if row.district_confirmed_on is not None:
        raise graduation_violation("PROOF_ALREADY_CONFIRMED", "该证明已审核确认。")
    row.district_confirmed_on = ctx.today
    row.confirmed_by = ctx.principal.subject
    await session.flush()
    return row


@dataclass(frozen=True)
class RosterLine:
    certificate: GraduationCertificate
    student: Student
    relation: Relation


async def graduation_roster(
    ctx: RequestContext, school_code: str, year: int
) -> list[RosterLine] | None:
    """The school's graduates of a year (毕业花名册, 第十二条), by number.

    Kept for as long as the school exists: students who have since left are
    listed too. None when the school is not the caller's to see.
    """
    school = await ctx.scalars(
        select(School).where(School.code == school_code, school_scope(ctx.principal))
    )
    if not school:
        return None
    flag = current_at_school(ctx.principal, ctx.today).label("is_current")
    stmt = (
        select(GraduationCertificate, Student, flag)
        .join(Student, Student.id == GraduationCertificate.student_id)
        .where(
            GraduationCertificate.school_id == school[0].id,
            GraduationCertificate.year == year,
            in_scope(ctx),
        )
        .order_by(GraduationCertificate.sequence)
    )
    rows: Sequence[Any] = (await ctx.execute(stmt)).all()
    return [
        RosterLine(cert, student, relation_for(ctx.principal, current))
        for cert, student, current in rows
    ]


def is_valid(certificate: GraduationCertificate) -> bool:
    """初中毕业证书无教育行政部门钢印无效 (第三十二条)."""
    stage = SchoolStage(certificate.stage)
    return graduation.is_certificate_valid(stage, certificate.stamped_on)
