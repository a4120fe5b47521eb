"""Record mutations and queries (第六至十二条): ``RecordMutation``, ``RecordQuery``.

Each mutation runs in one transaction through ``perform``; a refusal comes back as
``userErrors`` and writes nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from db.models import Student
from resolvers import records as record_reads
from resolvers import records_enrolment as enrolment
from resolvers import records_review as review
from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from resolvers.mutations import Done, Outcome, perform
from resolvers.records_episodes import Reentry, reenrol_student, upgrade_number
from resolvers.records_identity import NumberHint, explained, integrity_refusal
from resolvers.records_write import create_student_record, update_student_record
from rules.access import AccessClass, Role
from schema.connections import Edge, PageInfo, page_size
from schema.errors import UserError
from schema.node import decode_cursor, encode_cursor
from schema.permissions import classified
from schema.records import student_type
from schema.records_forms import (
    CreateStudentRecordInput,
    ReenrolStudentInput,
    ReturnStudentRecordInput,
    SubmitStudentRecordInput,
    UpdateStudentRecordInput,
    UpgradeStudentNumberInput,
    VerifyStudentRecordInput,
    class_pk,
)
from schema.records_types import (
    CreateStudentRecordPayload,
    EnrolmentEligibility,
    OverdueReason,
    OverdueStudentRecord,
    OverdueStudentRecordConnection,
    ReenrolStudentPayload,
    ReturnStudentRecordPayload,
    StudentRecordPayload,
    SubmitStudentRecordPayload,
    UpdateStudentRecordPayload,
    UpgradeStudentNumberPayload,
    VerifyStudentRecordPayload,
    fresh_reads,
)
from schema.records_workflow import (
    EnrolmentMutation,
    EnrolmentQuery,
    ImportMutation,
    SchoolArchiveMutation,
)

PUBLIC = AccessClass.PUBLIC
REGISTRAR = {Role.REGISTRAR}
DISTRICT = {Role.DISTRICT_OFFICER}
P = TypeVar("P", bound=StudentRecordPayload)


async def _student_payload(ctx: RequestContext, kind: type[P], outcome: Outcome) -> P:
    errors = [UserError.from_violation(e) for e in outcome.errors]
    if outcome.result is None:
        return kind(student=None, user_errors=errors)
    await fresh_reads(ctx)
    view = await record_reads.student_by_id(ctx, int(outcome.result["studentId"]))
    return kind(student=student_type(view) if view else None, user_errors=errors)


def classified_mutation(description: str) -> Any:
    """A mutation field: its payload is classified field by field."""
    return classified(PUBLIC, description=description)


def _done(student: Student) -> Done:
    return Done({"studentId": student.id}, student_id=student.id)


@strawberry.type
class RecordMutation(EnrolmentMutation, ImportMutation, SchoolArchiveMutation):
    @classified_mutation("A registrar builds a new record (第十条).")
    async def create_student_record(
        self, info: Info, input: CreateStudentRecordInput
    ) -> CreateStudentRecordPayload:
        ctx: RequestContext = info.context
        record, pk = input.to_info()
        hint = NumberHint()

        async def action(session: AsyncSession) -> Done:
            return _done(await create_student_record(session, ctx, record, pk, hint))

        outcome = await perform(
            ctx,
            "createStudentRecord",
            action,
            roles=REGISTRAR,
            client_request_id=input.client_request_id,
            on_integrity=integrity_refusal(hint),
        )
        outcome.errors = await explained(ctx, hint, outcome.errors)
        return await _student_payload(ctx, CreateStudentRecordPayload, outcome)

    @classified_mutation("Corrects a record still with the school.")
    async def update_student_record(
        self, info: Info, input: UpdateStudentRecordInput
    ) -> UpdateStudentRecordPayload:
        ctx: RequestContext = info.context
        patch = input.patch()
        hint = NumberHint()

        async def action(session: AsyncSession) -> Done:
            student = await update_student_record(
                session,
                ctx,
                input.student_number,
                patch,
                population_check_passed=input.population_check_passed,
            )
            return _done(student)

        outcome = await perform(
            ctx,
            "updateStudentRecord",
            action,
            roles=REGISTRAR,
            on_integrity=integrity_refusal(hint),
        )
        return await _student_payload(ctx, UpdateStudentRecordPayload, outcome)

    @classified_mutation("The school reports a reviewed record (第十条).")
    async def submit_student_record(
        self, info: Info, input: SubmitStudentRecordInput
    ) -> SubmitStudentRecordPayload:
        ctx: RequestContext = info.context

        async def action(session: AsyncSession) -> Done:
            return _done(await review.submit_record(session, ctx, input.student_number))

        outcome = await perform(
            ctx,
            "submitStudentRecord",
            action,
            roles=REGISTRAR,
            client_request_id=input.client_request_id,
        )
        return await _student_payload(ctx, SubmitStudentRecordPayload, outcome)

    @classified_mutation("The district office verifies a record (第十一条).")
    async def verify_student_record(
        self, info: Info, input: VerifyStudentRecordInput
    ) -> VerifyStudentRecordPayload:
        ctx: RequestContext = info.context

        async def action(session: AsyncSession) -> Done:
            student = await review.verify_record(
                session, ctx, input.student_number, input.comment
            )
            return _done(student)

        outcome = await perform(ctx, "verifyStudentRecord", action, roles=DISTRICT)
        return await _student_payload(ctx, VerifyStudentRecordPayload, outcome)

    @classified_mutation("The district office returns a record with reasons.")
    async def return_student_record(
        self, info: Info, input: ReturnStudentRecordInput
    ) -> ReturnStudentRecordPayload:
        ctx: RequestContext = info.context

        async def action(session: AsyncSession) -> Done:
            student = await review.return_record(
                session, ctx, input.student_number, input.reasons
            )
            return _done(student)

        outcome = await perform(ctx, "returnStudentRecord", action, roles=DISTRICT)
        return await _student_payload(ctx, ReturnStudentRecordPayload, outcome)

    @classified_mutation("A student who left comes back: same record, same number.")
    async def reenrol_student(
        self, info: Info, input: ReenrolStudentInput
    ) -> ReenrolStudentPayload:
        ctx: RequestContext = info.context
        request = Reentry(
            student_number=input.student_number,
            entry_date=input.entry_date,
            grade=input.grade,
            class_pk=class_pk(input.class_id),
            entry_route=input.entry_route,
            attendance_mode=input.attendance_mode,
        )

        async def action(session: AsyncSession) -> Done:
            return _done(await reenrol_student(session, ctx, request))

        outcome = await perform(
            ctx,
            "reenrolStudent",
            action,
            roles=REGISTRAR,
            client_request_id=input.client_request_id,
            on_integrity=integrity_refusal(NumberHint()),
        )
        return await _student_payload(ctx, ReenrolStudentPayload, outcome)

    @classified_mutation("L or J number → G; the old number stays searchable.")
    async def upgrade_student_number(
        self, info: Info, input: UpgradeStudentNumberInput
    ) -> UpgradeStudentNumberPayload:
        ctx: RequestContext = info.context

        async def action(session: AsyncSession) -> Done:
            student = await upgrade_number(
                session,
                ctx,
                input.student_number,
                input.id_number,
                population_check_passed=input.population_check_passed,
            )
            return _done(student)

        outcome = await perform(
            ctx,
            "upgradeStudentNumber",
            action,
            roles=REGISTRAR,
            on_integrity=integrity_refusal(NumberHint(kind="G")),
        )
        return await _student_payload(ctx, UpgradeStudentNumberPayload, outcome)


def _overdue_connection(
    found: list[review.OverdueRecord], has_next: bool, total: int
) -> OverdueStudentRecordConnection:
    edges = [
        Edge(
            cursor=encode_cursor(r.view.enrolment.id if r.view.enrolment else 0),
            node=OverdueStudentRecord(
                student=student_type(r.view),
                entry_date=r.view.enrolment.entry_date
                if r.view.enrolment
                else r.deadline,
                deadline=r.deadline,
                reason=OverdueReason(r.reason),
                submitted_late=r.submitted_late,
                days_overdue=r.days_overdue,
            ),
        )
        for r in found
    ]
    page = PageInfo(
        has_next_page=has_next,
        has_previous_page=False,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return OverdueStudentRecordConnection(
        edges=edges, page_info=page, total_count=total
    )


_ELIGIBILITY_ROLES = frozenset(
    {Role.REGISTRAR, Role.SCHOOL_LEADER, Role.DISTRICT_OFFICER}
)


@strawberry.type
class RecordQuery(EnrolmentQuery):
    @classified(
        PUBLIC,
        description="第六、七、九条: may the child start grade 1 in that school year? "
        "Computed for the year asked, never from today's date.",
    )
    async def enrolment_eligibility(
        self,
        info: Info,
        id_number: str,
        school_year: int,
        special_education: bool | None = None,
    ) -> EnrolmentEligibility:
        ctx: RequestContext = info.context
        if ctx.principal.role not in _ELIGIBILITY_ROLES:
            raise Forbidden()
        answer = await enrolment.enrolment_eligibility_of(
            ctx, id_number, school_year, special_education
        )
        return EnrolmentEligibility(answer=answer)

    @classified(
        PUBLIC,
        description="Admitted students whose record is not built, reported and "
        "verified a month after entry (第十条; 第三十八条(一)).",
    )
    async def overdue_student_records(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> OverdueStudentRecordConnection:
        ctx: RequestContext = info.context
        if ctx.principal.role not in _ELIGIBILITY_ROLES:
            raise Forbidden()
        found, has_next, total = await review.overdue_records(
            ctx, first=page_size(first), after_id=decode_cursor(after)
        )
        return _overdue_connection(found, has_next, total)
