"""The archive mutations of API.md (第十一、二十七至三十四条).

Each runs through ``resolvers.mutations.perform``: role check, one transaction,
audit, ``clientRequestId`` receipts, refusals as ``userErrors``. A payload reads
what was written in a fresh session, so that it shows the committed entry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from db.models import (
    AidGrant,
    AttendanceMark,
    Award,
    CertificateProof,
    CourseResult,
    Evaluation,
    FitnessTest,
    GraduationCertificate,
    Sanction,
)
from resolvers import archive_attendance as attendance_writes
from resolvers import archive_graduation as graduation_writes
from resolvers import archive_health as health_writes
from resolvers import archive_writes as writes
from resolvers.context import RequestContext
from resolvers.mutations import Done, Outcome, perform
from resolvers.scope import relation_for
from rules import aid, conduct, evaluation, graduation
from rules.access import AccessClass, Relation, Role
from rules.archive import SchoolStage
from rules.attendance import AttendanceKind
from rules.errors import RuleViolation
from schema import archive_inputs as inp
from schema.archive_attendance import attendance_entry
from schema.archive_entries import (
    aid_entry,
    award_entry,
    evaluation_entry,
    result_entry,
    sanction_entry,
)
from schema.archive_graduation import certificate_entry, proof_entry
from schema.archive_health import fitness_entry
from schema.archive_types import rule_value
from schema.errors import UserError
from schema.node import from_global_id, to_global_id
from schema.permissions import classified

PUBLIC = AccessClass.PUBLIC
DESK = frozenset({Role.REGISTRAR, Role.HEAD_TEACHER})
SCHOOL = frozenset({Role.REGISTRAR, Role.SCHOOL_LEADER})


def _user_errors(outcome: Outcome) -> list[UserError]:
    return [UserError.from_violation(v) for v in outcome.errors]


async def _rows(ctx: RequestContext, model: Any, ids: Sequence[int]) -> list[Any]:
    async with ctx.sessionmaker() as session:
        stmt = select(model).where(model.id.in_(ids)).order_by(model.id)
        return list((await session.scalars(stmt)).all())


async def _written(ctx: RequestContext, model: Any, outcome: Outcome) -> list[Any]:
    if outcome.result is None:
        return []
    return await _rows(ctx, model, outcome.result["ids"])


def _relation(ctx: RequestContext) -> Relation:
    return relation_for(ctx.principal, True)


def _done(rows: Sequence[Any], field: str) -> Done:
    student = rows[0].student_id if rows else None
    return Done({"ids": [r.id for r in rows]}, student_id=student, fields=[field])


def _pk(global_id: str, type_name: str, field: str) -> int:
    parsed = from_global_id(global_id)
    if parsed is None or parsed[0] != type_name:
        raise RuleViolation("ID_INVALID", "编号无效。", field=[field])
    return parsed[1]


Write = Callable[[AsyncSession], Awaitable[Any]]


async def _one(
    ctx: RequestContext, name: str, write: Write, field: str, **options: Any
) -> Outcome:
    async def action(session: AsyncSession) -> Done:
        return _done([await write(session)], field)

    return await perform(ctx, name, action, **options)


@strawberry.type
class ArchiveMutation:
    @classified(PUBLIC, description="综合素质评价 of one term (第二十七、二十八条).")
    async def record_evaluation(
        self, info: Info, input: inp.RecordEvaluationInput
    ) -> inp.RecordEvaluationPayload:
        ctx: RequestContext = info.context
        entries = [
            evaluation.DimensionEntry(e.dimension, e.text, e.level)
            for e in input.entries
        ]

        async def action(session: AsyncSession) -> Done:
            rows = await writes.record_evaluation(
                session,
                ctx,
                student_number=input.student_number,
                school_year=input.school_year,
                term=input.term,
                entries=entries,
            )
            return _done(rows, "evaluations")

        outcome = await perform(
            ctx,
            "recordEvaluation",
            action,
            roles=DESK,
            client_request_id=input.client_request_id,
        )
        rows = await _written(ctx, Evaluation, outcome)
        missing = evaluation.missing_dimensions(r.dimension for r in rows)
        return inp.RecordEvaluationPayload(
            evaluations=[evaluation_entry(r, _relation(ctx)) for r in rows]
            if outcome.result is not None
            else None,
            missing_dimensions=[d.value for d in missing] if rows else None,
            user_errors=_user_errors(outcome),
        )

    @classified(PUBLIC, description="An award (第二十九条).")
    async def record_award(
        self, info: Info, input: inp.RecordAwardInput
    ) -> inp.RecordAwardPayload:
        ctx: RequestContext = info.context
        award = conduct.Award(
            form=conduct.AwardForm(rule_value(input.form)),
            level=conduct.AwardLevel(rule_value(input.level)),
            awarded_on=input.awarded_on,
            title=input.title,
            review=conduct.AwardReview(
                input.democratic_review_on, input.council_approved_on, input.posted_on
            ),
        )

        async def write(session: AsyncSession) -> Award:
            return await writes.record_award(
                session,
                ctx,
                student_number=input.student_number,
                award=award,
                body=input.body,
            )

        outcome = await _one(
            ctx,
            "recordAward",
            write,
            "awards",
            roles=SCHOOL | {Role.DISTRICT_OFFICER},
            client_request_id=input.client_request_id,
        )
        rows = await _written(ctx, Award, outcome)
        return inp.RecordAwardPayload(
            award=award_entry(rows[0], _relation(ctx)) if rows else None,
            user_errors=_user_errors(outcome),
        )

    @classified(PUBLIC, description="A sanction (第三十条); never expulsion.")
    async def record_sanction(
        self, info: Info, input: inp.RecordSanctionInput
    ) -> inp.RecordSanctionPayload:
        ctx: RequestContext = info.context

        async def write(session: AsyncSession) -> Sanction:
            return await writes.record_sanction(
                session,
                ctx,
                student_number=input.student_number,
                kind=input.kind,
                reason=input.reason,
                decided_on=input.decided_on,
            )

        outcome = await _one(
            ctx,
            "recordSanction",
            write,
            "sanctions",
            roles=SCHOOL,
            client_request_id=input.client_request_id,
        )
        rows = await _written(ctx, Sanction, outcome)
        return inp.RecordSanctionPayload(
            sanction=sanction_entry(rows[0], _relation(ctx)) if rows else None,
            user_errors=_user_errors(outcome),
        )

    @classified(PUBLIC, description="Revoke after review; leaves the file (第三十条).")
    async def revoke_sanction(
        self, info: Info, input: inp.RevokeSanctionInput
    ) -> inp.RevokeSanctionPayload:
        ctx: RequestContext = info.context

        async def write(session: AsyncSession) -> Sanction:
            return await writes.revoke_sanction(
                session,
                ctx,
                sanction_id=_pk(input.sanction_id, "Sanction", "sanctionId"),
                peer_review_on=input.peer_review_on,
                school_approved_on=input.school_approved_on,
                revoked_on=input.revoked_on,
            )

        outcome = await _one(ctx, "revokeSanction", write, "sanctions", roles=SCHOOL)
        revoked = outcome.result["ids"][0] if outcome.result else None
        return inp.RevokeSanctionPayload(
            revoked_sanction_id=None
            if revoked is None
            else to_global_id("Sanction", revoked),
            user_errors=_user_errors(outcome),
        )

    @classified(PUBLIC, description="考勤 of one school day (第三十四条).")
    async def record_attendance(
        self, info: Info, input: inp.RecordAttendanceInput
    ) -> inp.RecordAttendancePayload:
        ctx: RequestContext = info.context

        async def write(session: AsyncSession) -> AttendanceMark:
            return await attendance_writes.record_attendance(
                session,
                ctx,
                student_number=input.student_number,
                at=input.at,
                kind=AttendanceKind(rule_value(input.kind)),
                note=input.note,
            )

        outcome = await _one(
            ctx,
            "recordAttendance",
            write,
            "attendance",
            roles=DESK,
            client_request_id=input.client_request_id,
            on_integrity=attendance_writes.concurrent_mark,
        )
        rows = await _written(ctx, AttendanceMark, outcome)
        return inp.RecordAttendancePayload(
            attendance=attendance_entry(rows[0], _relation(ctx)) if rows else None,
            user_errors=_user_errors(outcome),
        )

    @classified(PUBLIC, description="学业成绩 per course and term.")
    async def record_course_results(
        self, info: Info, input: inp.RecordCourseResultsInput
    ) -> inp.RecordCourseResultsPayload:
        ctx: RequestContext = info.context
        results = [
            graduation.CourseResult(
                r.course,
                r.school_year,
                r.term,
                score=r.score,
                attempt=r.attempt,
                level=None
                if r.level is None
                else graduation.ResultLevel(rule_value(r.level)),
            )
            for r in input.results
        ]

        async def action(session: AsyncSession) -> Done:
            rows = await writes.record_course_results(
                session, ctx, student_number=input.student_number, results=results
            )
            return _done(rows, "academicResults")

        outcome = await perform(
            ctx,
            "recordCourseResults",
            action,
            roles=DESK,
            client_request_id=input.client_request_id,
        )
        rows = await _written(ctx, CourseResult, outcome)
        return inp.RecordCourseResultsPayload(
            results=[result_entry(r, _relation(ctx)) for r in rows]
            if outcome.result is not None
            else None,
            user_errors=_user_errors(outcome),
        )

    @classified(PUBLIC, description="体质健康测试, checked against the standard.")
    async def record_fitness_test(
        self, info: Info, input: inp.RecordFitnessTestInput
    ) -> inp.RecordFitnessTestPayload:
        ctx: RequestContext = info.context
        entry = health_writes.FitnessEntry(
            school_year=input.school_year,
            tested_on=input.tested_on,
            item_scores={s.item: s.points for s in input.item_scores},
            bonus_points={s.item: s.points for s in input.bonus_points},
            grade=input.grade,
            height_cm=input.height_cm,
            weight_kg=input.weight_kg,
            exempt=input.exempt,
            is_retest=input.is_retest,
        )

        async def write(session: AsyncSession) -> FitnessTest:
            return await health_writes.record_fitness_test(
                session, ctx, student_number=input.student_number, entry=entry
            )

        outcome = await _one(
            ctx,
            "recordFitnessTest",
            write,
            "health",
            roles={Role.REGISTRAR},
            client_request_id=input.client_request_id,
        )
        rows = await _written(ctx, FitnessTest, outcome)
        return inp.RecordFitnessTestPayload(
            fitness_test=fitness_entry(rows[0], _relation(ctx)) if rows else None,
            user_errors=_user_errors(outcome),
        )

    @classified(PUBLIC, description="毕业证书 by the school (第三十二条).")
    async def issue_graduation_certificate(
        self, info: Info, input: inp.IssueGraduationCertificateInput
    ) -> inp.GraduationCertificatePayload:
        ctx: RequestContext = info.context
        name = "issueGraduationCertificate"

        async def write(session: AsyncSession) -> GraduationCertificate:
            return await graduation_writes.issue_certificate(
                session, ctx, student_number=input.student_number
            )

        async def attempt() -> Outcome:
            return await _one(
                ctx,
                name,
                write,
                "graduationCertificate",
                roles={Role.REGISTRAR},
                client_request_id=input.client_request_id,
                on_integrity=graduation_writes.student_conflict,
            )

        outcome = await graduation_writes.issue_with_retry(
            ctx, name, attempt, input.client_request_id
        )
        return await _certificate_payload(ctx, outcome)

    @classified(PUBLIC, description="验印 by the district (第三十二条).")
    async def stamp_graduation_certificate(
        self, info: Info, input: inp.StampGraduationCertificateInput
    ) -> inp.GraduationCertificatePayload:
        ctx: RequestContext = info.context

        async def write(session: AsyncSession) -> GraduationCertificate:
            return await graduation_writes.stamp_certificate(
                session, ctx, certificate_number=input.certificate_number
            )

        outcome = await _one(
            ctx,
            "stampGraduationCertificate",
            write,
            "graduationCertificate",
            roles={Role.DISTRICT_OFFICER},
        )
        return await _certificate_payload(ctx, outcome)

    @classified(PUBLIC, description="A proof for a lost certificate; no reissue.")
    async def issue_certificate_proof(
        self, info: Info, input: inp.IssueCertificateProofInput
    ) -> inp.CertificateProofPayload:
        ctx: RequestContext = info.context

        async def write(session: AsyncSession) -> CertificateProof:
            return await graduation_writes.issue_certificate_proof(
                session, ctx, student_number=input.student_number, reason=input.reason
            )

        outcome = await _one(
            ctx,
            "issueCertificateProof",
            write,
            "certificateProofs",
            roles={Role.REGISTRAR},
            client_request_id=input.client_request_id,
        )
        return await _proof_payload(ctx, outcome)

    @classified(PUBLIC, description="The district confirms a proof (第三十二条).")
    async def confirm_certificate_proof(
        self, info: Info, input: inp.ConfirmCertificateProofInput
    ) -> inp.CertificateProofPayload:
        ctx: RequestContext = info.context

        async def write(session: AsyncSession) -> CertificateProof:
            return await graduation_writes.confirm_certificate_proof(
                session,
                ctx,
                proof_id=_pk(input.proof_id, "CertificateProof", "proofId"),
            )

        outcome = await _one(
            ctx,
            "confirmCertificateProof",
            write,
            "certificateProofs",
            roles={Role.DISTRICT_OFFICER},
        )
        return await _proof_payload(ctx, outcome)

    @classified(PUBLIC, description="资助: 两免一补 or nutrition (第十一条（六）).")
    async def record_aid(
        self, info: Info, input: inp.RecordAidInput
    ) -> inp.RecordAidPayload:
        ctx: RequestContext = info.context
        record = aid.AidRecord(
            kind=aid.AidKind(rule_value(input.kind)),
            for_date=input.for_date,
            amount=input.amount,
            stage=None if input.stage is None else SchoolStage(rule_value(input.stage)),
            boarding=input.boarding,
            period=aid.AidPeriod(rule_value(input.period))
            if input.period is not None
            else aid.AidPeriod.SCHOOL_YEAR,
            meal_days=input.meal_days,
            hardship_recognized=input.hardship_recognized,
            name=input.name,
        )

        async def write(session: AsyncSession) -> AidGrant:
            return await writes.record_aid(
                session,
                ctx,
                student_number=input.student_number,
                record=record,
                granted_on=input.granted_on,
            )

        outcome = await _one(
            ctx,
            "recordAid",
            write,
            "financialAid",
            roles={Role.REGISTRAR},
            client_request_id=input.client_request_id,
        )
        rows = await _written(ctx, AidGrant, outcome)
        return inp.RecordAidPayload(
            aid=aid_entry(rows[0], _relation(ctx)) if rows else None,
            user_errors=_user_errors(outcome),
        )


async def _certificate_payload(
    ctx: RequestContext, outcome: Outcome
) -> inp.GraduationCertificatePayload:
    rows = await _written(ctx, GraduationCertificate, outcome)
    return inp.GraduationCertificatePayload(
        certificate=certificate_entry(rows[0], _relation(ctx)) if rows else None,
        user_errors=_user_errors(outcome),
    )


async def _proof_payload(
    ctx: RequestContext, outcome: Outcome
) -> inp.CertificateProofPayload:
    rows = await _written(ctx, CertificateProof, outcome)
    return inp.CertificateProofPayload(
        proof=proof_entry(rows[0], _relation(ctx)) if rows else None,
        user_errors=_user_errors(outcome),
    )
