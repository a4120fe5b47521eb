"""Status reads: history as the caller's school sees it, workflows, deadline
views for the district (第十六、三十六条, 第三十八条（四）), dated rosters."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from resolvers import status_deadlines as deadlines
from resolvers import status_reads as reads
from resolvers.context import RequestContext
from resolvers.errors import ClientError, NotFound
from rules.access import AccessClass
from rules.errors import RuleViolation
from schema.errors import UserError
from schema.org import SchoolType
from schema.permissions import classified
from schema.records import StudentStatus, StudentType, student_type
from schema.status import (
    StatusChangeType,
    WorkflowType,
    change_types,
    workflow_types,
)
from schema.status_payloads import pk_of

PUBLIC = AccessClass.PUBLIC
DIRECTORY = AccessClass.DIRECTORY


def _refused(refusal: RuleViolation) -> ClientError:
    """A read that cannot be answered (a calendar not loaded): the refusal's
    code and message, as a client error."""
    return ClientError(refusal.message, code=refusal.code, article=refusal.article)


@strawberry.type(description="A student's status history (archive category 1).")
class StatusHistory:
    student_number: str = classified(DIRECTORY)
    status: StudentStatus = classified(
        DIRECTORY,
        description="As the caller's school knows it: a school the student left "
        "reads the status the student left it with.",
    )
    changes: list[StatusChangeType] = classified(PUBLIC, description="Oldest first.")


@strawberry.type(description="A step due (or overdue) at one school.")
class DueStep:
    workflow: WorkflowType = classified(PUBLIC)
    step_name: str = classified(DIRECTORY)
    due_date: date = classified(DIRECTORY)
    overdue: bool = classified(DIRECTORY)


@strawberry.type(description="The status changes due at one school.")
class SchoolDeadlines:
    school: SchoolType | None = classified(PUBLIC)
    steps: list[DueStep] = classified(PUBLIC)
    overdue_count: int = classified(PUBLIC)


@strawberry.type(description="One duty of 第三十六条 in a school year.")
class TermDuty:
    duty: str = classified(PUBLIC, description="NEW_STUDENT_INTAKE, ...")
    unit: str = classified(PUBLIC, description="CALENDAR_DAYS or WORKING_DAYS.")
    term_start: date = classified(PUBLIC)
    due_date: date | None = classified(PUBLIC)
    pending: int = classified(PUBLIC, description="Still open for this duty.")
    overdue: bool = classified(PUBLIC)
    problem: UserError | None = classified(
        PUBLIC, description="Why there is no due date (year not loaded)."
    )


@strawberry.type(description="A month of truancy nobody reported (第三十八条（四）).")
class UnreportedDropout:
    student_number: str = classified(DIRECTORY)
    name: str = classified(DIRECTORY)
    school: SchoolType = classified(PUBLIC)
    truant_from: date = classified(DIRECTORY)
    truant_to: date = classified(DIRECTORY)
    school_days: int = classified(DIRECTORY)


@strawberry.type(description="Students of one grade on one day.")
class GradeCount:
    grade: int = classified(PUBLIC)
    count: int = classified(PUBLIC)


@strawberry.type
class StatusQuery:
    @classified(PUBLIC, description="Status history of a student in scope.")
    async def status_history(self, info: Info, student_number: str) -> StatusHistory:
        ctx: RequestContext = info.context
        student = await reads.student_in_scope(ctx, student_number)
        log = await reads.status_log(ctx, student.id)
        return StatusHistory(
            student_number=student.student_number,
            status=StudentStatus(await reads.status_seen_by(ctx, student)),
            changes=await change_types(ctx, log),
        )

    @classified(PUBLIC, description="Applications the caller deals with.")
    async def status_workflows(
        self,
        info: Info,
        student_number: str | None = None,
        pending_only: bool = True,
    ) -> list[WorkflowType]:
        ctx: RequestContext = info.context
        student_id = None
        if student_number is not None:
            student_id = (await reads.student_in_scope(ctx, student_number)).id
        rows = await reads.workflows(
            ctx, student_id=student_id, pending_only=pending_only
        )
        return await workflow_types(ctx, rows)

    @classified(PUBLIC, description="One application by its ID.")
    async def status_workflow(self, info: Info, id: strawberry.ID) -> WorkflowType:
        ctx: RequestContext = info.context
        rows = await reads.workflows(
            ctx, workflow_id=pk_of(id, "Workflow"), pending_only=False
        )
        found = await workflow_types(ctx, rows)
        if not found:
            raise NotFound()
        return found[0]

    @classified(PUBLIC, description="Changes due or overdue, by school (第十六条).")
    async def status_deadlines(
        self,
        info: Info,
        school_code: str | None = None,
        overdue_only: bool = False,
    ) -> list[SchoolDeadlines]:
        ctx: RequestContext = info.context
        groups = await deadlines.due_changes(
            ctx, school_code=school_code, overdue_only=overdue_only
        )
        listed = []
        for group in groups:
            typed = await workflow_types(ctx, [d.workflow for d in group.steps])
            by_id = {t.row.id: t for t in typed}
            steps = [
                DueStep(
                    workflow=by_id[d.workflow.id],
                    step_name=d.step.name,
                    due_date=d.step.due_date or ctx.today,
                    overdue=d.overdue,
                )
                for d in group.steps
                if d.workflow.id in by_id
            ]
            listed.append(
                SchoolDeadlines(
                    school=SchoolType(row=group.school) if group.school else None,
                    steps=steps,
                    overdue_count=sum(1 for s in steps if s.overdue),
                )
            )
        return listed

    @classified(PUBLIC, description="第三十六条 duties of a school year; district.")
    async def term_deadlines(self, info: Info, start_year: int) -> list[TermDuty]:
        ctx: RequestContext = info.context
        try:
            duties = await deadlines.term_duties(ctx, start_year)
        except RuleViolation as refusal:
            raise _refused(refusal) from None
        return [
            TermDuty(
                duty=d.duty,
                unit=d.unit,
                term_start=d.term_start,
                due_date=d.due,
                pending=d.pending,
                overdue=d.is_overdue(ctx.today),
                problem=UserError.from_violation(d.problem) if d.problem else None,
            )
            for d in duties
        ]

    @classified(PUBLIC, description="Dropouts not reported (第三十八条（四）).")
    async def unreported_dropouts(self, info: Info) -> list[UnreportedDropout]:
        ctx: RequestContext = info.context
        try:
            found = await deadlines.unreported_dropouts(ctx)
        except RuleViolation as refusal:
            raise _refused(refusal) from None
        return [
            UnreportedDropout(
                student_number=d.student.student_number,
                name=d.student.name,
                school=SchoolType(row=d.school),
                truant_from=d.run.start,
                truant_to=d.run.end,
                school_days=d.run.school_days,
            )
            for d in found
        ]

    @classified(PUBLIC, description="The class on a given day (dated placements).")
    async def class_roster(
        self, info: Info, class_id: strawberry.ID, date: date
    ) -> list[StudentType]:
        ctx: RequestContext = info.context
        views = await reads.class_roster(ctx, pk_of(class_id, "SchoolClass"), date)
        return [student_type(v) for v in views]

    @classified(PUBLIC, description="Headcount by grade at a school on a day.")
    async def grade_headcount(
        self, info: Info, school_code: str, date: date
    ) -> list[GradeCount]:
        counts = await reads.grade_headcount(info.context, school_code, date)
        return [GradeCount(grade=g, count=n) for g, n in counts.items()]
