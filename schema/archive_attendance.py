"""Attendance (第三十四条) in GraphQL: marks, summaries per student and class."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from db.models import AttendanceMark, Student
from resolvers import archive_attendance as attendance_reads
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, NotFound
from resolvers.scope import relation_for
from rules.access import AccessClass, DisclosureCategory, Relation, Role
from rules.attendance import AttendanceKind, AttendanceSummary
from rules.errors import RuleViolation
from schema.archive_types import (
    AttendanceKindEnum,
    ProvenanceType,
    field_of,
    provenance,
    refused,
    to_enum,
)
from schema.node import from_global_id
from schema.permissions import classified
from schema.records import _Linked

_mark = field_of(AccessClass.DIRECTORY, DisclosureCategory.BASIC_INFO)
DIRECTORY = AccessClass.DIRECTORY
# Whole-class views belong to the school and the district, not outside readers.
CLASS_READERS = frozenset(
    {Role.REGISTRAR, Role.HEAD_TEACHER, Role.SCHOOL_LEADER, Role.DISTRICT_OFFICER}
)


@strawberry.type(name="AttendanceEntry", description="One school day's mark.")
class AttendanceEntry(_Linked):
    day: date | None = _mark("The school day, a date in Asia/Shanghai.")
    kind: AttendanceKindEnum | None = _mark()
    kind_label: str | None = _mark()
    also_kind: AttendanceKindEnum | None = _mark("早退 on a day also 迟到.")
    at: datetime | None = _mark("When the mark was taken (timezone-aware).")
    class_id: int | None = _mark("The class the student sat in that day.")
    note: str | None = _mark()
    provenance: ProvenanceType | None = _mark()


def attendance_entry(row: AttendanceMark, relation: Relation) -> AttendanceEntry:
    return AttendanceEntry(
        student_id=row.student_id,
        relation=relation,
        day=row.day,
        kind=to_enum(AttendanceKindEnum, row.kind),
        kind_label=AttendanceKind(row.kind).label,
        also_kind=to_enum(AttendanceKindEnum, row.also_kind),
        at=row.at,
        class_id=row.class_id,
        note=row.note,
        provenance=provenance(row),
    )


@strawberry.type(name="AttendanceSummary", description="Marks per kind over a range.")
class AttendanceSummaryType:
    present: int = classified(DIRECTORY, description="出勤.")
    late: int = classified(DIRECTORY, description="迟到.")
    early_leave: int = classified(DIRECTORY, description="早退.")
    sick_leave: int = classified(DIRECTORY, description="病假.")
    personal_leave: int = classified(DIRECTORY, description="事假.")
    truant: int = classified(DIRECTORY, description="旷课.")
    days: int = classified(DIRECTORY, description="Days marked (student-days).")


def summary_type(summary: AttendanceSummary) -> AttendanceSummaryType:
    return AttendanceSummaryType(
        present=summary.count(AttendanceKind.PRESENT),
        late=summary.count(AttendanceKind.LATE),
        early_leave=summary.count(AttendanceKind.EARLY_LEAVE),
        sick_leave=summary.count(AttendanceKind.SICK_LEAVE),
        personal_leave=summary.count(AttendanceKind.PERSONAL_LEAVE),
        truant=summary.count(AttendanceKind.TRUANT),
        days=summary.days,
    )


@strawberry.type(name="StudentAttendance", description="One student in a class.")
class StudentAttendance(_Linked):
    student_number: str = classified(DIRECTORY)
    name: str = classified(DIRECTORY)
    summary: AttendanceSummaryType | None = _mark()


@strawberry.type(name="ClassAttendance", description="A class's attendance.")
class ClassAttendanceType:
    class_id: int = classified(DIRECTORY)
    class_name: str = classified(DIRECTORY)
    start: date = classified(DIRECTORY)
    end: date = classified(DIRECTORY)
    totals: AttendanceSummaryType = classified(DIRECTORY)
    students: list[StudentAttendance] = classified(DIRECTORY)


def _class_pk(class_id: str) -> int:
    if class_id.isdigit():
        return int(class_id)
    parsed = from_global_id(class_id)
    if parsed is None or parsed[0] != "SchoolClass":
        raise NotFound()
    return parsed[1]


def _line(
    ctx: RequestContext, student: Student, summary: AttendanceSummary
) -> StudentAttendance:
    return StudentAttendance(
        student_id=student.id,
        relation=relation_for(ctx.principal, True),
        student_number=student.student_number,
        name=student.name,
        summary=summary_type(summary),
    )


@strawberry.type
class AttendanceQuery:
    @classified(
        AccessClass.PUBLIC,
        description="A class's attendance per student over a range (第三十四条); "
        "marks stay with the class the student sat in that day. Ordered by "
        "student, never by any count.",
    )
    async def class_attendance(
        self, info: Info, class_id: strawberry.ID, start: date, end: date
    ) -> ClassAttendanceType | None:
        ctx: RequestContext = info.context
        if ctx.principal.role not in CLASS_READERS:
            raise Forbidden()
        try:
            found = await attendance_reads.class_attendance(
                ctx, _class_pk(class_id), start, end
            )
        except RuleViolation as violation:
            raise refused(violation) from None
        if found is None:
            raise NotFound()
        return ClassAttendanceType(
            class_id=found.school_class.id,
            class_name=found.school_class.name,
            start=start,
            end=end,
            totals=summary_type(found.totals),
            students=[_line(ctx, s, summary) for s, summary in found.students],
        )
