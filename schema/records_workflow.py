"""Deferred entry (第七条), cohort import (第十条) and school mergers (第十二条)."""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from db.models import School, Workflow
from resolvers import records_enrolment as enrolment
from resolvers import records_merge as merge
from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from resolvers.mutations import Done, Outcome, perform
from resolvers.records_import import run_import
from resolvers.records_import_file import MAX_IMPORT_BYTES
from resolvers.records_import_file import ImportFormat as FileFormat
from rules.access import AccessClass, Relation, Role
from rules.enrolment import DeferralAction, DeferralState
from rules.errors import RuleViolation
from rules.records import FORM
from schema.errors import UserError
from schema.node import from_global_id
from schema.org import SchoolType
from schema.permissions import classified
from schema.records_forms import (
    ApplyEnrolmentDeferralInput,
    CloseSchoolInput,
    DecideEnrolmentDeferralInput,
    ImportStudentRecordsInput,
    MergeSchoolsInput,
)
from schema.records_types import (
    ApplyEnrolmentDeferralPayload,
    CloseSchoolPayload,
    DecideEnrolmentDeferralPayload,
    EnrolmentDeferralType,
    ImportStudentRecordsPayload,
    MergeSchoolsPayload,
    fresh_reads,
)
from schema.records_types import DeferralState as DeferralStateEnum

PUBLIC = AccessClass.PUBLIC
MAX_DEFERRALS = 100
D = TypeVar("D", bound=ApplyEnrolmentDeferralPayload)


def _deferral_type(ctx: RequestContext, row: Workflow) -> EnrolmentDeferralType:
    own = row.payload.get("schoolCode") == ctx.principal.school
    relation = Relation.CURRENT if own else Relation.DISTRICT
    # A child without a record: the guard audits the read under student 0.
    return EnrolmentDeferralType(row=row, student_id=0, relation=relation)


async def _deferral_payload(ctx: RequestContext, kind: type[D], outcome: Outcome) -> D:
    errors = [UserError.from_violation(e) for e in outcome.errors]
    if outcome.result is None:
        return kind(deferral=None, user_errors=errors)
    await fresh_reads(ctx)
    async with ctx.reading() as session:
        row = await session.get(Workflow, int(outcome.result["deferralId"]))
    deferral = _deferral_type(ctx, row) if row is not None else None
    return kind(deferral=deferral, user_errors=errors)


def _deferral_pk(value: str) -> int:
    parsed = from_global_id(value)
    if parsed is None or parsed[0] != "EnrolmentDeferral":
        return -1
    return parsed[1]


@strawberry.type
class EnrolmentMutation:
    @classified(PUBLIC, description="The school forwards a guardian's application.")
    async def apply_enrolment_deferral(
        self, info: Info, input: ApplyEnrolmentDeferralInput
    ) -> ApplyEnrolmentDeferralPayload:
        ctx: RequestContext = info.context
        request = enrolment.DeferralRequest(
            child_name=input.child_name,
            id_number=input.id_number,
            school_year=input.school_year,
            health_related=input.health_related,
            reason=input.reason,
            guardian_name=input.guardian_name,
            guardian_relation=input.guardian_relation,
            guardian_phone=input.guardian_phone,
            documents=tuple(input.documents),
        )

        async def action(session: AsyncSession) -> Done:
            row = await enrolment.apply_deferral(session, ctx, request)
            return Done({"deferralId": row.id})

        outcome = await perform(
            ctx,
            "applyEnrolmentDeferral",
            action,
            roles={Role.REGISTRAR},
            client_request_id=input.client_request_id,
        )
        return await _deferral_payload(ctx, ApplyEnrolmentDeferralPayload, outcome)

    @classified(PUBLIC, description="The district office approves or rejects.")
    async def decide_enrolment_deferral(
        self, info: Info, input: DecideEnrolmentDeferralInput
    ) -> DecideEnrolmentDeferralPayload:
        ctx: RequestContext = info.context
        decision = DeferralAction(input.decision.value)

        async def action(session: AsyncSession) -> Done:
            row = await enrolment.decide_deferral(
                session, ctx, _deferral_pk(input.deferral_id), decision, input.comment
            )
            return Done({"deferralId": row.id})

        outcome = await perform(
            ctx, "decideEnrolmentDeferral", action, roles={Role.DISTRICT_OFFICER}
        )
        return await _deferral_payload(ctx, DecideEnrolmentDeferralPayload, outcome)


@strawberry.type
class EnrolmentQuery:
    @classified(PUBLIC, description="Deferral applications, newest first (第七条).")
    async def enrolment_deferrals(
        self,
        info: Info,
        state: DeferralStateEnum | None = None,
        school_year: int | None = None,
    ) -> list[EnrolmentDeferralType]:
        ctx: RequestContext = info.context
        principal = ctx.principal
        stmt = select(Workflow).where(Workflow.kind == enrolment.DEFERRAL)
        if principal.role is Role.DISTRICT_OFFICER:
            code = Workflow.payload["districtCode"].as_string()
            stmt = stmt.where(code == principal.district)
        elif principal.role in (Role.REGISTRAR, Role.SCHOOL_LEADER):
            code = Workflow.payload["schoolCode"].as_string()
            stmt = stmt.where(code == principal.school)
        else:
            raise Forbidden()
        if state is not None:
            stmt = stmt.where(Workflow.state == DeferralState(state.value).value)
        if school_year is not None:
            year = Workflow.payload["schoolYear"].as_integer()
            stmt = stmt.where(year == school_year)
        stmt = stmt.order_by(Workflow.id.desc()).limit(MAX_DEFERRALS)
        return [_deferral_type(ctx, row) for row in await ctx.scalars(stmt)]


def _decoded(text: str) -> bytes | RuleViolation:
    # base64 grows a file by a third; refuse before decoding what cannot fit.
    if len(text) > (MAX_IMPORT_BYTES * 4) // 3 + 4:
        limit = MAX_IMPORT_BYTES // (1024 * 1024)
        message = f"文件不得超过{limit}MB；更大的文件请用 xueji import 导入。"
        return RuleViolation(
            "IMPORT_FILE_TOO_LARGE", message, article=FORM, field=["file"]
        )
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return RuleViolation(
            "IMPORT_FILE_NOT_BASE64",
            "文件内容应为 base64 编码。",
            article=FORM,
            field=["file"],
        )


@strawberry.type
class ImportMutation:
    @classified(
        PUBLIC,
        description="A registrar loads a cohort from the national template (.xlsx) "
        "or CSV, as base64: every bad row reported; all rows written or none.",
    )
    async def import_student_records(
        self, info: Info, input: ImportStudentRecordsInput
    ) -> ImportStudentRecordsPayload:
        ctx: RequestContext = info.context
        data = _decoded(input.file)
        if isinstance(data, RuleViolation):
            error = UserError.from_violation(data)
            return ImportStudentRecordsPayload(report=None, user_errors=[error])
        report, errors = await run_import(
            ctx,
            data,
            FileFormat(input.format.value),
            dry_run=input.dry_run,
            school_year=input.school_year,
            client_request_id=input.client_request_id,
        )
        return ImportStudentRecordsPayload(
            report=report, user_errors=[UserError.from_violation(e) for e in errors]
        )


async def _school(ctx: RequestContext, pk: Any) -> SchoolType | None:
    if pk is None:
        return None
    async with ctx.reading() as session:
        row = await session.get(School, pk)
    return SchoolType(row=row) if row is not None else None


@strawberry.type
class SchoolArchiveMutation:
    @classified(PUBLIC, description="第十二条: archives move to the merging school.")
    async def merge_schools(
        self, info: Info, input: MergeSchoolsInput
    ) -> MergeSchoolsPayload:
        ctx: RequestContext = info.context

        async def action(session: AsyncSession) -> Done:
            moved = await merge.merge_schools(
                session,
                ctx,
                input.school_code.strip(),
                input.into_school_code.strip(),
                input.effective_date,
            )
            into = moved.custodian.id if moved.custodian else None
            return Done(
                {
                    "schoolId": moved.school.id,
                    "intoSchoolId": into,
                    "studentsMoved": moved.students_moved,
                    "classesMoved": moved.classes_moved,
                }
            )

        outcome = await perform(
            ctx,
            "mergeSchools",
            action,
            roles={Role.DISTRICT_OFFICER},
            client_request_id=input.client_request_id,
        )
        await fresh_reads(ctx)
        result = outcome.result or {}
        return MergeSchoolsPayload(
            school=await _school(ctx, result.get("schoolId")),
            into_school=await _school(ctx, result.get("intoSchoolId")),
            students_moved=int(result.get("studentsMoved", 0)),
            classes_moved=int(result.get("classesMoved", 0)),
            user_errors=[UserError.from_violation(e) for e in outcome.errors],
        )

    @classified(PUBLIC, description="第十二条: archives pass to the district office.")
    async def close_school(
        self, info: Info, input: CloseSchoolInput
    ) -> CloseSchoolPayload:
        ctx: RequestContext = info.context

        async def action(session: AsyncSession) -> Done:
            moved = await merge.close_school(
                session, ctx, input.school_code.strip(), input.effective_date
            )
            return Done({"schoolId": moved.school.id})

        outcome = await perform(
            ctx, "closeSchool", action, roles={Role.DISTRICT_OFFICER}
        )
        await fresh_reads(ctx)
        result = outcome.result or {}
        return CloseSchoolPayload(
            school=await _school(ctx, result.get("schoolId")),
            user_errors=[UserError.from_violation(e) for e in outcome.errors],
        )
