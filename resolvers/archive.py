"""Reading and writing the archive of 第十一条: loaders, and who a write is about.

Each archive category has one batch loader keyed by student id, so that a page
of students with their whole archive costs one query per category, however many
entries each holds. Revoked sanctions and withdrawn source records never leave
here (第三十条).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from db.models import (
    AidGrant,
    Award,
    CertificateProof,
    CourseResult,
    Enrolment,
    Evaluation,
    FitnessTest,
    GraduationCertificate,
    HealthCheck,
    Placement,
    ProofDocument,
    Sanction,
    School,
    StatusChange,
    Student,
    VaccinationDose,
)
from resolvers.context import RequestContext
from resolvers.records import grant_holds
from resolvers.scope import current_at_school, relation_for, student_scope
from rules.access import Relation, Role
from rules.errors import RuleViolation

Loader = DataLoader[int, list[Any]]

# Roles bound to one school: their writes need the student there now.
_SCHOOL_BOUND = frozenset({Role.REGISTRAR, Role.HEAD_TEACHER, Role.SCHOOL_LEADER})


def _grouped(
    model: Any, order: Sequence[Any], where: ColumnElement[bool] | None = None
) -> Callable[[RequestContext], Loader]:
    def factory(ctx: RequestContext) -> Loader:
        async def load(keys: list[int]) -> list[list[Any]]:
            stmt = select(model).where(model.student_id.in_(keys)).order_by(*order)
            if where is not None:
                stmt = stmt.where(where)
            groups: dict[int, list[Any]] = defaultdict(list)
            for row in await ctx.scalars(stmt):
                groups[row.student_id].append(row)
            return [groups.get(key, []) for key in keys]

        return DataLoader(load_fn=load)

    return factory


status_changes = _grouped(StatusChange, (StatusChange.effective_date, StatusChange.id))
proof_documents = _grouped(
    ProofDocument,
    (ProofDocument.issued_on, ProofDocument.id),
    ProofDocument.withdrawn_at.is_(None),
)
evaluations = _grouped(
    Evaluation, (Evaluation.school_year, Evaluation.term, Evaluation.id)
)
health_checks = _grouped(
    HealthCheck,
    (HealthCheck.examined_on, HealthCheck.id),
    HealthCheck.withdrawn_at.is_(None),
)
fitness_tests = _grouped(
    FitnessTest,
    (FitnessTest.school_year, FitnessTest.tested_on, FitnessTest.id),
    FitnessTest.withdrawn_at.is_(None),
)
vaccinations = _grouped(
    VaccinationDose,
    (VaccinationDose.occurred_on, VaccinationDose.id),
    VaccinationDose.withdrawn_at.is_(None),
)
awards = _grouped(Award, (Award.awarded_on, Award.id), Award.withdrawn_at.is_(None))
aid_grants = _grouped(AidGrant, (AidGrant.for_date, AidGrant.id))
course_results = _grouped(
    CourseResult,
    (
        CourseResult.school_year,
        CourseResult.term,
        CourseResult.course,
        CourseResult.attempt,
    ),
)
certificates = _grouped(GraduationCertificate, (GraduationCertificate.id,))
certificate_proofs = _grouped(CertificateProof, (CertificateProof.id,))
# 第三十条: a revoked sanction is out of the personal file, on every path.
sanctions = _grouped(
    Sanction, (Sanction.decided_on, Sanction.id), Sanction.revoked_on.is_(None)
)


async def load(ctx: RequestContext, name: str, student_id: int) -> list[Any]:
    """One category's entries of one student, through the request's loader."""
    rows: list[Any] = await ctx.loader(name, LOADERS[name]).load(student_id)
    return rows


LOADERS: dict[str, Callable[[RequestContext], Loader]] = {
    "archive.status_changes": status_changes,
    "archive.proof_documents": proof_documents,
    "archive.evaluations": evaluations,
    "archive.health_checks": health_checks,
    "archive.fitness_tests": fitness_tests,
    "archive.vaccinations": vaccinations,
    "archive.awards": awards,
    "archive.aid_grants": aid_grants,
    "archive.course_results": course_results,
    "archive.certificates": certificates,
    "archive.certificate_proofs": certificate_proofs,
    "archive.sanctions": sanctions,
}


@dataclass(frozen=True)
class Target:
    """The student a write is about, as the caller sees it."""

    student: Student
    enrolment: Enrolment | None
    placement: Placement | None
    school: School | None
    relation: Relation

    @property
    def class_id(self) -> int | None:
        return self.placement.class_id if self.placement else None

    @property
    def grade(self) -> int | None:
        return self.placement.grade if self.placement else None


def not_found(field: str = "studentNumber") -> RuleViolation:
    return RuleViolation("STUDENT_NOT_FOUND", "未找到该学籍号的学生。", field=[field])


async def find_target(
    session: AsyncSession,
    ctx: RequestContext,
    student_number: str,
    *,
    current: bool = True,
) -> Target:
    """The student by number within the caller's scope, on the write session.

    With ``current`` a school role must have the student at its school now;
    a former school keeps only what it still owes (certificates, proofs).
    """
    number = student_number.strip().upper()
    flag = current_at_school(ctx.principal, ctx.today).label("is_current")
    stmt = (
        select(Student, Enrolment, Placement, School, flag)
        .outerjoin(
            Enrolment,
            and_(Enrolment.student_id == Student.id, Enrolment.exit_date.is_(None)),
        )
        .outerjoin(
            Placement,
            and_(Placement.enrolment_id == Enrolment.id, Placement.end_date.is_(None)),
        )
        .outerjoin(School, School.id == Enrolment.school_id)
        .where(Student.student_number == number)
        .where(student_scope(ctx.principal, ctx.today, grant_holds=grant_holds(ctx)))
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        raise not_found()
    student, enrolment, placement, school, is_current = row
    target = Target(
        student, enrolment, placement, school, relation_for(ctx.principal, is_current)
    )
    if current and not is_current_here(ctx, target):
        raise RuleViolation(
            "STUDENT_NOT_CURRENT",
            "该学生已不在本校就读，本校只能查看其历史档案。",
            field=["studentNumber"],
        )
    return target


def is_current_here(ctx: RequestContext, target: Target) -> bool:
    """Whether a school role has the student at its own school now."""
    principal = ctx.principal
    if principal.role not in _SCHOOL_BOUND:
        return True
    if principal.role is Role.HEAD_TEACHER:
        # The head teacher's scope is the class now (resolvers.scope).
        return target.class_id == principal.class_id
    school = target.school
    return school is not None and school.code == principal.school


def in_scope(ctx: RequestContext) -> ColumnElement[bool]:
    """The caller's student scope, for joins from archive tables."""
    return student_scope(ctx.principal, ctx.today, grant_holds=grant_holds(ctx))
