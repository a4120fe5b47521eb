"""``Student.archive``: the seven categories of 第十一条, and the archive queries.

Each category is one batch loader (``resolvers.archive``), so one request for a
student's whole archive, or for a page of students, costs a constant number of
SQL statements. Each field carries its class and category: the guard decides
per field, notes the read for the audit, and leaves a denied category null with
an error on its own path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from db.models import Sanction, Student
from resolvers import archive as archive_reads
from resolvers import archive_attendance as attendance_reads
from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from rules.access import AccessClass, DisclosureCategory, Relation, Role
from rules.errors import RuleViolation
from schema.archive_attendance import (
    AttendanceEntry,
    AttendanceQuery,
    AttendanceSummaryType,
    attendance_entry,
    summary_type,
)
from schema.archive_entries import (
    AidEntry,
    AwardEntry,
    CourseResultEntry,
    EvaluationEntry,
    ProofDocumentEntry,
    SanctionEntry,
    StatusChangeEntry,
    aid_entry,
    award_entry,
    change_entry,
    evaluation_entry,
    proof_entry,
    result_entry,
    sanction_entry,
)
from schema.archive_graduation import (
    CertificateEntry,
    GraduationQuery,
    certificate_entry,
)
from schema.archive_health import HealthArchive
from schema.archive_types import (
    ArchiveCategoryInfo,
    SanctionKindEnum,
    category_infos,
    refused,
    to_enum,
)
from schema.node import to_global_id
from schema.permissions import classified
from schema.records import _Linked

C = DisclosureCategory
A = AccessClass


@strawberry.type(name="StudentArchive", description="学籍档案 (第十一条).")
class StudentArchive(_Linked):
    @classified(A.PUBLIC, description="The seven categories and their clauses.")
    def categories(self) -> list[ArchiveCategoryInfo]:
        return category_infos()

    @classified(A.DIRECTORY, C.BASIC_INFO, description="（一）信息变动情况.")
    async def basic_info_changes(self, info: Info) -> list[StatusChangeEntry] | None:
        rows = await self._load(info, "archive.status_changes")
        return [change_entry(r, self.relation) for r in rows]

    @classified(A.IDENTITY, C.PROOF_DOCUMENTS, description="（二）证明材料.")
    async def proof_documents(self, info: Info) -> list[ProofDocumentEntry] | None:
        rows = await self._load(info, "archive.proof_documents")
        return [proof_entry(r, self.relation) for r in rows]

    @classified(A.RESULTS, C.QUALITY_EVALUATION, description="（三）综合素质评价.")
    async def quality_evaluation(self, info: Info) -> list[EvaluationEntry] | None:
        rows = await self._load(info, "archive.evaluations")
        return [evaluation_entry(r, self.relation) for r in rows]

    @classified(A.HEALTH, C.HEALTH, description="（四）体质健康、体检、预防接种.")
    def health(self) -> HealthArchive | None:
        return HealthArchive(student_id=self.student_id, relation=self.relation)

    @classified(A.DIRECTORY, C.AWARDS, description="（五）获奖信息.")
    async def awards(self, info: Info) -> list[AwardEntry] | None:
        rows = await self._load(info, "archive.awards")
        return [award_entry(r, self.relation) for r in rows]

    @classified(A.WELFARE, C.FINANCIAL_AID, description="（六）享受资助信息.")
    async def financial_aid(self, info: Info) -> list[AidEntry] | None:
        rows = await self._load(info, "archive.aid_grants")
        return [aid_entry(r, self.relation) for r in rows]

    @classified(A.RESULTS, C.ACADEMIC_RESULTS, description="（七）学业成绩.")
    async def academic_results(self, info: Info) -> list[CourseResultEntry] | None:
        rows = await self._load(info, "archive.course_results")
        return [result_entry(r, self.relation) for r in rows]

    @classified(A.DIRECTORY, C.ACADEMIC_RESULTS, description="毕业证书 (第三十二条).")
    async def graduation_certificate(self, info: Info) -> CertificateEntry | None:
        rows = await self._load(info, "archive.certificates")
        return certificate_entry(rows[0], self.relation) if rows else None

    @classified(
        A.CONDUCT, C.SANCTIONS, description="处分 in force; revoked ones never appear."
    )
    async def sanctions(self, info: Info) -> list[SanctionEntry] | None:
        rows = await self._load(info, "archive.sanctions")
        return [sanction_entry(r, self.relation) for r in rows]

    @classified(
        A.DIRECTORY,
        C.BASIC_INFO,
        description="考勤 marks by school day (第三十四条); filter by days in "
        "Asia/Shanghai and/or by the instant the mark was taken.",
    )
    async def attendance(
        self,
        info: Info,
        start: date | None = None,
        end: date | None = None,
        taken_from: datetime | None = None,
        taken_to: datetime | None = None,
    ) -> list[AttendanceEntry] | None:
        ctx: RequestContext = info.context
        window = attendance_reads.Window(start, end, taken_from, taken_to)
        marks = await attendance_reads.student_marks(ctx, self.student_id, window)
        return [attendance_entry(m, self.relation) for m in marks]

    @classified(A.DIRECTORY, C.BASIC_INFO, description="考勤 counts per kind.")
    async def attendance_summary(
        self, info: Info, start: date, end: date
    ) -> AttendanceSummaryType | None:
        ctx: RequestContext = info.context
        try:
            summary = await attendance_reads.summary_of(
                ctx, self.student_id, start, end
            )
        except RuleViolation as violation:
            raise refused(violation) from None
        return summary_type(summary)

    async def _load(self, info: Info, name: str) -> list[Any]:
        ctx: RequestContext = info.context
        return await archive_reads.load(ctx, name, self.student_id)


@strawberry.type(
    name="SanctionAuditEntry",
    description="A sanction with its revocation, for auditors only (第三十条).",
)
class SanctionAuditEntry:
    id: strawberry.ID | None = classified(A.OPERATIONS)
    kind: SanctionKindEnum | None = classified(A.OPERATIONS)
    reason: str | None = classified(A.OPERATIONS)
    decided_on: date | None = classified(A.OPERATIONS)
    entered_by: str | None = classified(A.OPERATIONS)
    peer_review_on: date | None = classified(A.OPERATIONS)
    school_approved_on: date | None = classified(A.OPERATIONS)
    revoked_on: date | None = classified(A.OPERATIONS)
    revoked_by: str | None = classified(A.OPERATIONS)


def _audit_entry(row: Sanction) -> SanctionAuditEntry:
    return SanctionAuditEntry(
        id=to_global_id("Sanction", row.id),
        kind=to_enum(SanctionKindEnum, row.kind),
        reason=row.reason,
        decided_on=row.decided_on,
        entered_by=row.entered_by,
        peer_review_on=row.peer_review_on,
        school_approved_on=row.school_approved_on,
        revoked_on=row.revoked_on,
        revoked_by=row.revoked_by,
    )


@strawberry.type
class ArchiveQuery(AttendanceQuery, GraduationQuery):
    @classified(
        A.OPERATIONS,
        description="Every sanction of a student, revoked ones included; the "
        "auditor alone reads what left the personal file (第三十条).",
    )
    async def sanction_history(
        self, info: Info, student_number: str
    ) -> list[SanctionAuditEntry] | None:
        ctx: RequestContext = info.context
        if ctx.principal.role is not Role.AUDITOR:
            raise Forbidden("只有审计员可以查看已撤销的处分。")
        stmt = (
            select(Sanction, Student.id)
            .join(Student, Student.id == Sanction.student_id)
            .where(Student.student_number == student_number.strip().upper())
            .order_by(Sanction.decided_on, Sanction.id)
        )
        rows: Sequence[Any] = (await ctx.execute(stmt)).all()
        for _, student_id in rows[:1]:
            ctx.audit.read(student_id, "Query.sanctionHistory")
        return [_audit_entry(row) for row, _ in rows]


def student_archive(student_id: int, relation: Relation) -> StudentArchive:
    """The archive object for ``Student.archive``."""
    return StudentArchive(student_id=student_id, relation=relation)
