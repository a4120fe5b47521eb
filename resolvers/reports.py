"""Aggregates for the district and the city: counts, never people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import and_, func, select

from db.models import District, Enrolment, Placement, School, Student
from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from rules.access import Role

REPORT_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.CITY_OFFICER})


@dataclass(frozen=True)
class EnrolmentCount:
    school_code: str
    school_name: str
    grade: int | None
    status: str
    count: int


async def enrolment_counts(
    ctx: RequestContext, district_code: str | None
) -> list[EnrolmentCount]:
    """Students with an active episode, by school, grade and status.

    A district officer counts its own district; a city officer (市教育行政部门)
    any district of its city, named by the GB/T 2260 code (first four digits).
    """
    principal = ctx.principal
    if principal.role not in REPORT_ROLES or principal.district is None:
        raise Forbidden("只有区、市教育行政部门可以查看统计。")
    wanted = district_code or principal.district
    if principal.role is Role.DISTRICT_OFFICER and wanted != principal.district:
        raise Forbidden("只能查看本区的统计。")
    if wanted[:4] != principal.district[:4]:
        raise Forbidden("只能查看本市的统计。")
    stmt = (
        select(
            School.code,
            School.name,
            Placement.grade,
            Student.status,
            func.count(Student.id),
        )
        .join(Enrolment, Enrolment.student_id == Student.id)
        .join(School, School.id == Enrolment.school_id)
        .join(District, District.id == School.district_id)
        .outerjoin(
            Placement,
            and_(Placement.enrolment_id == Enrolment.id, Placement.end_date.is_(None)),
        )
        .where(Enrolment.exit_date.is_(None), District.code == wanted)
        .group_by(School.code, School.name, Placement.grade, Student.status)
        .order_by(School.code, Placement.grade, Student.status)
    )
    rows = cast(
        Sequence[tuple[str, str, int | None, str, int]],
        (await ctx.execute(stmt)).all(),
    )
    return [EnrolmentCount(*row) for row in rows]
