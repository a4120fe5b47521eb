"""The archive mutations of API.md (第十一、二十七至三十四条).

Each runs through ``resolvers.mutations.perform``: role check, one transaction,
audit, ``clientRequestId`` receipts, refusals as ``userErrors``. A payload reads
what was written in a fresh session, so that it shows the committed entry.
"""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from db.models import (
    AidGrant,
    AttendanceMark,
    Award,
    CourseResult,
    Evaluation,
    FitnessTest,
    Sanction,
)
from resolvers import archive_attendance as attendance_writes
from resolvers import archive_health as health_writes
from resolvers import archive_writes as writes
from resolvers.context import RequestContext
from resolvers.mutations import Done, perform
from rules import aid, conduct, evaluation, graduation
from rules.access import AccessClass, Role
from rules.archive import SchoolStage
from rules.attendance import AttendanceKind
from schema import archive_inputs as inp
from schema.archive_attendance import attendance_entry
from schema.archive_entries import (
    aid_entry,
    award_entry,
    evaluation_entry,
    result_entry,
    sanction_entry,
)
from schema.archive_graduation_writes import GraduationMutation
from schema.archive_health import fitness_entry
from schema.archive_types import rule_value
from schema.archive_writing import (
    done,
    pk_of,
    user_errors,
    write_one,
    writer_relation,
    written,
)
from schema.node import to_global_id
from schema.permissions import classified

PUBLIC = AccessClass.PUBLIC
DESK = frozenset({Role.REGISTRAR, Role.HEAD_TEACHER})
SCHOOL = frozenset({Role.REGISTRAR, Role.SCHOOL_LEADER})


@strawberry.type
class ArchiveMutation(GraduationMutation):
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
            return done(rows, "evaluations")

        outcome = await perform(
            ctx,
            "recordEvaluation",
            action,
            roles=DESK,
            client_request_id=input.client_request_id,
        )
        rows = await written(ctx, Evaluation, outcome)
        missing = evaluation.missing_dimensions(r.dimension for r in rows)
        return inp.RecordEvaluationPayload(
            evaluations=[evaluation_entry(r, writer_relation(ctx)) for r in rows]
            if outcome.result is not None
            else None,
            missing_dimensions=[d.value for d in missing] if rows else None,
            user_errors=user_errors(outcome),
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

        outcome = await write_one(
            ctx,
            "recordAward",
            write,
            "awards",
            roles=SCHOOL | {Role.DISTRICT_OFFICER},
            client_request_id=input.client_request_id,
        )
        rows = await written(ctx, Award, outcome)
        return inp.RecordAwardPayload(
            award=award_entry(rows[0], writer_relation(ctx)) if rows else None,
            user_errors=user_errors(outcome),
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

        outcome = await write_one(
            ctx,
            "recordSanction",
            write,
            "sanctions",
            roles=SCHOOL,
            client_request_id=input.client_request_id,
        )
        rows = await written(ctx, Sanction, outcome)
        return inp.RecordSanctionPayload(
            sanction=sanction_entry(rows[0], writer_relation(ctx)) if rows else None,
            user_errors=user_errors(outcome),
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
                sanction_id=pk_of(input.sanction_id, "Sanction", "sanctionId"),
                peer_review_on=input.peer_review_on,
                school_approved_on=input.school_approved_on,
                revoked_on=input.revoked_on,
            )

        outcome = await write_one(
            ctx, "revokeSanction", write, "sanctions", roles=SCHOOL
        )
        revoked = outcome.result["ids"][0] if outcome.result else None
        return inp.RevokeSanctionPayload(
            revoked_sanction_id=None
            if revoked is None
            else to_global_id("Sanction", revoked),
            user_errors=user_errors(outcome),
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

        outcome = await write_one(
            ctx,
            "recordAttendance",
            write,
            "attendance",
            roles=DESK,
            client_request_id=input.client_request_id,
            on_integrity=attendance_writes.concurrent_mark,
        )
        rows = await written(ctx, AttendanceMark, outcome)
        return inp.RecordAttendancePayload(
            attendance=attendance_entry(rows[0], writer_relation(ctx))
            if rows
            else None,
            user_errors=user_errors(outcome),
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
            return done(rows, "academicResults")

        outcome = await perform(
            ctx,
            "recordCourseResults",
            action,
            roles=DESK,
            client_request_id=input.client_request_id,
        )
        rows = await written(ctx, CourseResult, outcome)
        return inp.RecordCourseResultsPayload(
            results=[result_entry(r, writer_relation(ctx)) for r in rows]
            if outcome.result is not None
            else None,
            user_errors=user_errors(outcome),
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

        outcome = await write_one(
            ctx,
            "recordFitnessTest",
            write,
            "health",
            roles={Role.REGISTRAR},
            client_request_id=input.client_request_id,
        )
        rows = await written(ctx, FitnessTest, outcome)
        return inp.RecordFitnessTestPayload(
            fitness_test=fitness_entry(rows[0], writer_relation(ctx)) if rows else None,
            user_errors=user_errors(outcome),
        )

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

        outcome = await write_one(
            ctx,
            "recordAid",
            write,
            "financialAid",
            roles={Role.REGISTRAR},
            client_request_id=input.client_request_id,
        )
        rows = await written(ctx, AidGrant, outcome)
        return inp.RecordAidPayload(
            aid=aid_entry(rows[0], writer_relation(ctx)) if rows else None,
            user_errors=user_errors(outcome),
        )
