"""Aggregates in GraphQL: counts for district and city officers."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers import reports
from rules.access import AccessClass
from schema.permissions import classified

PUBLIC = AccessClass.PUBLIC


@strawberry.type(description="Students with an active episode in one group.")
class EnrolmentCount:
    school_code: str = classified(PUBLIC)
    school_name: str = classified(PUBLIC)
    grade: int | None = classified(PUBLIC)
    status: str = classified(PUBLIC)
    count: int = classified(PUBLIC)


@strawberry.type
class ReportQuery:
    @classified(
        PUBLIC,
        description="Counts by school, grade and status; no personal fields. "
        "District officers: their district; city officers: any district of "
        "their city.",
    )
    async def enrolment_counts(
        self, info: Info, district_code: str | None = None
    ) -> list[EnrolmentCount]:
        rows = await reports.enrolment_counts(info.context, district_code)
        return [
            EnrolmentCount(
                school_code=r.school_code,
                school_name=r.school_name,
                grade=r.grade,
                status=r.status,
                count=r.count,
            )
            for r in rows
        ]
