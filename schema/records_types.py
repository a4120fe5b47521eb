"""Payloads and answers of the record workflows (第六至十二条)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from db.models import Workflow
from resolvers.context import RequestContext
from resolvers.records_enrolment import EligibilityAnswer
from resolvers.records_import import ImportReport
from rules.access import AccessClass, DisclosureCategory
from rules.enrolment import age_on
from schema.connections import Edge, PageInfo
from schema.errors import UserError
from schema.node import to_global_id
from schema.org import SchoolType
from schema.permissions import classified
from schema.records import StudentType, _Linked

PUBLIC = AccessClass.PUBLIC
IDENTITY = AccessClass.IDENTITY
BASIC = DisclosureCategory.BASIC_INFO


async def fresh_reads(ctx: RequestContext) -> None:
    """End the request's read snapshot, so that a payload sees what the mutation
    wrote (SQLite keeps a read transaction's snapshot). Rows read so far are let
    go first: a rollback would expire them under fields still to be resolved."""
    async with ctx.reading() as session:
        session.expunge_all()
        await session.rollback()


@strawberry.type
class StudentRecordPayload:
    student: StudentType | None = classified(PUBLIC)
    user_errors: list[UserError] = classified(PUBLIC)


@strawberry.type
class CreateStudentRecordPayload(StudentRecordPayload):
    pass


@strawberry.type
class UpdateStudentRecordPayload(StudentRecordPayload):
    pass


@strawberry.type
class SubmitStudentRecordPayload(StudentRecordPayload):
    pass


@strawberry.type
class VerifyStudentRecordPayload(StudentRecordPayload):
    pass


@strawberry.type
class ReturnStudentRecordPayload(StudentRecordPayload):
    pass


@strawberry.type
class ReenrolStudentPayload(StudentRecordPayload):
    pass


@strawberry.type
class UpgradeStudentNumberPayload(StudentRecordPayload):
    pass


@strawberry.enum(description="入学资格 for grade 1 in the school year asked.")
class EligibilityStatus(Enum):
    ELIGIBLE = "ELIGIBLE"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"


@strawberry.type
class EligibilityReason:
    code: str = classified(PUBLIC, description="e.g. UNDER_AGE, LATE_ENTRY.")
    message: str = classified(PUBLIC)
    article: str = classified(PUBLIC)


@strawberry.type(description="第六、七、九条, for one child and one school year.")
class EnrolmentEligibility:
    answer: strawberry.Private[EligibilityAnswer]

    @classified(PUBLIC)
    def status(self) -> EligibilityStatus | None:
        result = self.answer.result
        return EligibilityStatus(result.status.value) if result else None

    @classified(PUBLIC)
    def reasons(self) -> list[EligibilityReason]:
        result = self.answer.result
        if result is None:
            return []
        return [
            EligibilityReason(code=r.code, message=r.message, article=r.article)
            for r in result.reasons
        ]

    @classified(PUBLIC, description="True when only the district may admit.")
    def needs_approval(self) -> bool | None:
        return self.answer.result.needs_approval if self.answer.result else None

    @classified(PUBLIC, description="Born on or before this day: admitted normally.")
    def latest_birth_date(self) -> date | None:
        result = self.answer.result
        return result.latest_birth_date if result else None

    @classified(PUBLIC, description="周岁 on the cutoff day of the school year.")
    def age_at_cutoff(self) -> int | None:
        return self.answer.result.age_at_cutoff if self.answer.result else None

    @classified(PUBLIC, description="Read from the ID number asked about.")
    def birth_date(self) -> date | None:
        return self.answer.birth_date

    @classified(PUBLIC, description="周岁 on a given day (29 Feb counts from 1 Mar).")
    def age(self, as_of: date) -> int | None:
        born = self.answer.birth_date
        return age_on(born, as_of) if born else None

    @classified(PUBLIC, description="Faults of the ID number asked about.")
    def user_errors(self) -> list[UserError]:
        return [UserError.from_violation(e) for e in self.answer.errors]


@strawberry.enum(description="延缓入学申请 (第七条).")
class DeferralState(Enum):
    APPLIED = "APPLIED"
    FORWARDED = "FORWARDED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


@strawberry.type(name="EnrolmentDeferral", description="延缓入学申请 (第七条).")
class EnrolmentDeferralType(_Linked):
    """About a child who has no record yet: ``student_id`` is 0."""

    row: strawberry.Private[Workflow]

    @classified(PUBLIC)
    def id(self) -> strawberry.ID:
        return to_global_id("EnrolmentDeferral", self.row.id)

    @classified(PUBLIC)
    def state(self) -> DeferralState:
        return DeferralState(self.row.state)

    @classified(PUBLIC, description="The school year entry is deferred from.")
    def school_year(self) -> int:
        return int(self.row.payload["schoolYear"])

    @classified(PUBLIC, description="The school that forwarded the application.")
    def school_code(self) -> str:
        return str(self.row.payload["schoolCode"])

    @classified(IDENTITY, BASIC)
    def child_name(self) -> str | None:
        return str(self.row.payload["childName"])

    @classified(IDENTITY, BASIC)
    def birth_date(self) -> date | None:
        return date.fromisoformat(self.row.payload["birthDate"])

    @classified(AccessClass.HEALTH, DisclosureCategory.HEALTH)
    def reason(self) -> str | None:
        return str(self.row.payload["reason"])

    @classified(PUBLIC)
    def applied_at(self) -> datetime:
        return self.row.created_at

    @classified(PUBLIC)
    def decided_at(self) -> datetime | None:
        return self.row.closed_at


@strawberry.type
class ApplyEnrolmentDeferralPayload:
    deferral: EnrolmentDeferralType | None = classified(PUBLIC)
    user_errors: list[UserError] = classified(PUBLIC)


@strawberry.type
class DecideEnrolmentDeferralPayload(ApplyEnrolmentDeferralPayload):
    pass


@strawberry.enum(description="Why a record is on the overdue list.")
class OverdueReason(Enum):
    NOT_SUBMITTED = "NOT_SUBMITTED"
    RETURNED = "RETURNED"
    AWAITING_VERIFICATION = "AWAITING_VERIFICATION"


@strawberry.type(description="A record not built, reported and verified in time.")
class OverdueStudentRecord:
    student: StudentType = classified(PUBLIC)
    entry_date: date = classified(PUBLIC)
    deadline: date = classified(PUBLIC, description="One month after entry (第十条).")
    reason: OverdueReason = classified(PUBLIC)
    submitted_late: bool = classified(PUBLIC)
    days_overdue: int = classified(PUBLIC)


@strawberry.type
class OverdueStudentRecordConnection:
    edges: list[Edge[OverdueStudentRecord]] = classified(PUBLIC)
    page_info: PageInfo = classified(PUBLIC)
    total_count: int = classified(PUBLIC)


@strawberry.type(description="One fault of one row of an imported file.")
class ImportRowError:
    row: int = classified(PUBLIC, description="Row number; the header is row 1.")
    column: str | None = classified(PUBLIC, description="Header of the column.")
    field: list[str] | None = classified(PUBLIC)
    code: str = classified(PUBLIC)
    message: str = classified(PUBLIC)
    article: str | None = classified(PUBLIC)


@strawberry.type
class ImportStudentRecordsPayload:
    report: strawberry.Private[ImportReport | None]
    user_errors: list[UserError] = classified(PUBLIC)

    @classified(PUBLIC)
    def dry_run(self) -> bool | None:
        return self.report.dry_run if self.report else None

    @classified(PUBLIC, description="Data rows read.")
    def row_count(self) -> int:
        return self.report.rows if self.report else 0

    @classified(PUBLIC, description="Records written: all rows or none.")
    def imported_count(self) -> int:
        return self.report.imported if self.report else 0

    @classified(PUBLIC, description="Every fault of every row.")
    def row_errors(self) -> list[ImportRowError]:
        if self.report is None:
            return []
        return [
            ImportRowError(
                row=f.row,
                column=f.column,
                field=f.field,
                code=f.code,
                message=f.message,
                article=f.article,
            )
            for f in self.report.faults
        ]


@strawberry.type
class MergeSchoolsPayload:
    school: SchoolType | None = classified(PUBLIC, description="The merged school.")
    into_school: SchoolType | None = classified(PUBLIC)
    students_moved: int = classified(PUBLIC)
    classes_moved: int = classified(PUBLIC)
    user_errors: list[UserError] = classified(PUBLIC)


@strawberry.type
class CloseSchoolPayload:
    school: SchoolType | None = classified(PUBLIC)
    user_errors: list[UserError] = classified(PUBLIC)
