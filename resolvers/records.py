"""Reading students: pages, look-ups and the per-request batch loaders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, select
from strawberry.dataloader import DataLoader

from db.models import (
    Enrolment,
    Guardian,
    Placement,
    School,
    SchoolClass,
    Student,
    StudentNumber,
)
from resolvers.context import RequestContext
from resolvers.scope import current_at_school, relation_for, school_id_of, student_scope
from rules.access import Relation, Role, grant_status

MAX_PAGE = 100


@dataclass
class StudentView:
    """A student row as one principal sees it, with the current placement.

    A page query also brings the school and class, and the guardians where the
    client asked for them, so that the fields read them without awaiting.
    """

    student: Student
    enrolment: Enrolment | None
    placement: Placement | None
    relation: Relation
    school: School | None = None
    school_class: SchoolClass | None = None
    guardians: list[Guardian] | None = None


@dataclass(frozen=True)
class StudentFilter:
    school_code: str | None = None
    grade: int | None = None
    class_id: int | None = None
    status: str | None = None


RowSelect = Select[
    Student, Enrolment | None, Placement | None, bool, School | None, SchoolClass | None
]


def _base(ctx: RequestContext) -> RowSelect:
    is_current = current_at_school(ctx.principal, ctx.today).label("is_current")
    return (
        select(Student, Enrolment, Placement, is_current, School, SchoolClass)
        .outerjoin(
            Enrolment,
            and_(Enrolment.student_id == Student.id, Enrolment.exit_date.is_(None)),
        )
        .outerjoin(
            Placement,
            and_(Placement.enrolment_id == Enrolment.id, Placement.end_date.is_(None)),
        )
        .outerjoin(School, School.id == Enrolment.school_id)
        .outerjoin(SchoolClass, SchoolClass.id == Placement.class_id)
        .where(student_scope(ctx.principal, ctx.today, grant_holds=grant_holds(ctx)))
    )


def grant_holds(ctx: RequestContext) -> bool:
    if ctx.principal.role is not Role.EXTERNAL:
        return True
    return grant_status(ctx.grant, ctx.today) is None


def _filtered(stmt: RowSelect, flt: StudentFilter) -> RowSelect:
    if flt.school_code is not None:
        stmt = stmt.where(Enrolment.school_id == school_id_of(flt.school_code))
    if flt.grade is not None:
        stmt = stmt.where(Placement.grade == flt.grade)
    if flt.class_id is not None:
        stmt = stmt.where(Placement.class_id == flt.class_id)
    if flt.status is not None:
        stmt = stmt.where(Student.status == flt.status)
    return stmt


def _views(ctx: RequestContext, rows: Sequence[Any]) -> list[StudentView]:
    principal = ctx.principal
    return [
        StudentView(
            student,
            enrolment,
            placement,
            relation_for(principal, current),
            school=school,
            school_class=school_class,
        )
        for student, enrolment, placement, current, school, school_class in rows
    ]


async def attach_guardians(ctx: RequestContext, views: list[StudentView]) -> None:
    """Load the guardians of a whole page in one statement."""
    ids = [v.student.id for v in views]
    if not ids:
        return
    groups: dict[int, list[Guardian]] = defaultdict(list)
    stmt = (
        select(Guardian)
        .where(Guardian.student_id.in_(ids))
        .order_by(Guardian.student_id, Guardian.position)
    )
    for guardian in await ctx.scalars(stmt):
        groups[guardian.student_id].append(guardian)
    for view in views:
        view.guardians = groups.get(view.student.id, [])


async def student_page(
    ctx: RequestContext, flt: StudentFilter, *, first: int, after_id: int | None
) -> tuple[list[StudentView], bool]:
    """Up to ``first`` students after ``after_id`` in id order, and whether more
    follow. Ordered by id only: never by any score (第二十八条)."""
    stmt = _filtered(_base(ctx), flt).order_by(Student.id).limit(first + 1)
    if after_id is not None:
        stmt = stmt.where(Student.id > after_id)
    views = _views(ctx, (await ctx.execute(stmt)).all())
    return views[:first], len(views) > first


async def student_count(ctx: RequestContext, flt: StudentFilter) -> int:
    inner = _filtered(_base(ctx), flt).with_only_columns(Student.id).subquery()
    result = await ctx.execute(select(func.count()).select_from(inner))
    return int(result.scalar_one())


async def student_by_id(ctx: RequestContext, student_id: int) -> StudentView | None:
    rows = (await ctx.execute(_base(ctx).where(Student.id == student_id))).all()
    views = _views(ctx, rows)
    return views[0] if views else None


async def student_by_number(ctx: RequestContext, number: str) -> StudentView | None:
    """By the current number or any earlier one (an upgraded L or J number)."""
    normalized = number.strip().upper()
    earlier = select(StudentNumber.student_id).where(StudentNumber.number == normalized)
    stmt = _base(ctx).where(
        (Student.student_number == normalized) | Student.id.in_(earlier)
    )
    views = _views(ctx, (await ctx.execute(stmt)).all())
    return views[0] if views else None


async def audit_external_miss(ctx: RequestContext, number: str, where: str) -> None:
    """An outside principal asked for a student its approval does not cover (or
    with an approval no longer valid): leave a denial event (第三十七条)."""
    if ctx.principal.role is not Role.EXTERNAL:
        return
    found = await ctx.scalars(
        select(Student.id).where(Student.student_number == number.strip().upper())
    )
    reason = grant_status(ctx.grant, ctx.today)
    why = reason.value if reason is not None else "NOT_IN_APPROVAL"
    ctx.audit.denied(found[0] if found else None, where, why)


async def student_by_id_hash(ctx: RequestContext, digest: str) -> StudentView | None:
    stmt = _base(ctx).where(Student.id_number_hash == digest)
    views = _views(ctx, (await ctx.execute(stmt)).all())
    return views[0] if views else None


# Batch loaders: one query per request and kind, whatever the page size.


def _by_id(model: Any) -> Any:
    def factory(ctx: RequestContext) -> DataLoader[int, Any]:
        async def load(keys: list[int]) -> list[Any]:
            rows = await ctx.scalars(select(model).where(model.id.in_(keys)))
            found = {row.id: row for row in rows}
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=load)

    return factory


schools_by_id = _by_id(School)
classes_by_id = _by_id(SchoolClass)


def _grouped(model: Any, order: Any) -> Any:
    def factory(ctx: RequestContext) -> DataLoader[int, list[Any]]:
        async def load(keys: list[int]) -> list[list[Any]]:
            stmt = select(model).where(model.student_id.in_(keys)).order_by(*order)
            groups: dict[int, list[Any]] = defaultdict(list)
            for row in await ctx.scalars(stmt):
                groups[row.student_id].append(row)
            return [groups.get(key, []) for key in keys]

        return DataLoader(load_fn=load)

    return factory


guardians_by_student = _grouped(Guardian, (Guardian.student_id, Guardian.position))
enrolments_by_student = _grouped(
    Enrolment, (Enrolment.student_id, Enrolment.entry_date)
)
placements_by_student = _grouped(
    Placement, (Placement.student_id, Placement.start_date)
)
numbers_by_student = _grouped(
    StudentNumber, (StudentNumber.student_id, StudentNumber.id)
)
