"""Status changes in GraphQL: the log entry, workflows and their steps, the
payload every status mutation answers with."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any, cast

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON

from db.models import StatusChange, Student, Workflow, WorkflowStep
from resolvers.context import RequestContext
from resolvers.mutations import Outcome
from resolvers.scope import current_at_school, relation_for
from resolvers.status_flow import WorkflowKind
from rules import status_suspension as rs
from rules import status_transfer as rt
from rules.access import AccessClass, DisclosureCategory, Relation
from rules.status import ChangeCategory, ChangeReason
from rules.status_leaving import OtherLeavingGround
from schema.errors import UserError
from schema.node import to_global_id
from schema.permissions import classified
from schema.records import StudentStatus, _Linked

DIRECTORY = AccessClass.DIRECTORY
_CODED_REASONS = frozenset(r.value for r in ChangeReason)
BASIC = DisclosureCategory.BASIC_INFO
PROOFS = DisclosureCategory.PROOF_DOCUMENTS
PUBLIC = AccessClass.PUBLIC


def _mirror(source: type[Enum], name: str, description: str) -> Any:
    # A GraphQL enum with the rule enum's names and values; the rule enum itself
    # stays free of GraphQL (rules import nothing of the project).
    members = {member.name: member.value for member in source}
    mirrored = Enum(name, members)  # type: ignore[misc]
    return strawberry.enum(mirrored, description=description)


TransferReasonEnum = _mirror(
    rt.TransferReason, "TransferReason", "转学条件 (第十三条): the four grounds."
)
TransferDocumentEnum = _mirror(
    rt.TransferDocument,
    "TransferDocument",
    "Papers of 第十四、十五条: 转学联系表, 身份证, 户口本, 居住证明, 就业证明.",
)
HospitalLevelEnum = _mirror(
    rs.HospitalLevel, "HospitalLevel", "Level of the hospital signing a certificate."
)
ChangeReasonEnum = _mirror(
    ChangeReason,
    "ChangeReason",
    "学籍异动原因 (JY/T 1001-style codes): illness, death.",
)
OtherLeavingGroundEnum = _mirror(
    OtherLeavingGround, "OtherLeavingGround", "第二十五条 (一) and (二)."
)
ChangeCategoryEnum = _mirror(ChangeCategory, "ChangeCategory", "学籍异动类别.")
WorkflowKindEnum = _mirror(WorkflowKind, "StatusWorkflowKind", "Kinds of approval.")


async def relations_to(
    ctx: RequestContext, student_ids: Collection[int]
) -> dict[int, Relation]:
    """How the caller stands to each student it reached through a status view
    (one query for all of them)."""
    if not student_ids:
        return {}
    is_current = current_at_school(ctx.principal, ctx.today)
    stmt = select(Student.id, is_current).where(Student.id.in_(set(student_ids)))
    rows: Sequence[Any] = (await ctx.execute(stmt)).all()
    return {int(pk): relation_for(ctx.principal, bool(cur)) for pk, cur in rows}


@strawberry.type(name="StatusChange", description="学籍异动: one log entry.")
class StatusChangeType(_Linked):
    row: strawberry.Private[StatusChange]

    @classified(PUBLIC)
    def id(self) -> strawberry.ID:
        return to_global_id("StatusChange", self.row.id)

    @classified(DIRECTORY, BASIC)
    def category(self) -> ChangeCategoryEnum | None:  # type: ignore[valid-type]
        return ChangeCategoryEnum(self.row.category)  # type: ignore[no-any-return]

    @classified(DIRECTORY, BASIC, description="异动类别码 (national-style code).")
    def category_code(self) -> str | None:
        return ChangeCategory(self.row.category).code

    @classified(DIRECTORY, BASIC, description="Chinese name of the category.")
    def category_label(self) -> str | None:
        return ChangeCategory(self.row.category).label

    @classified(
        AccessClass.HEALTH,
        DisclosureCategory.HEALTH,
        description="异动原因 code of an illness or a death (health data).",
    )
    def reason_code(self) -> str | None:
        reason = self.row.reason
        return reason if reason in _CODED_REASONS else None

    @classified(
        DIRECTORY,
        BASIC,
        description="Any other reason: the 转学条件 of 第十三条, the ground of "
        "第二十五条.",
    )
    def reason(self) -> str | None:
        reason = self.row.reason
        return reason if reason not in _CODED_REASONS else None

    @classified(DIRECTORY, BASIC)
    def effective_date(self) -> date | None:
        return self.row.effective_date

    @classified(DIRECTORY, BASIC)
    def from_status(self) -> StudentStatus | None:
        status = self.row.from_status
        return StudentStatus(status) if status else None

    @classified(DIRECTORY, BASIC)
    def to_status(self) -> StudentStatus | None:
        return StudentStatus(self.row.to_status)

    @classified(DIRECTORY, BASIC, description="Who asked for the change.")
    def requested_by(self) -> str | None:
        return self.row.requested_by

    @classified(DIRECTORY, BASIC, description="Who decided it (last approval).")
    def decided_by(self) -> str | None:
        return self.row.decided_by

    @classified(DIRECTORY, PROOFS, description="Documents named (codes or titles).")
    def documents(self) -> list[str] | None:
        return [str(d) for d in self.row.documents]

    @classified(DIRECTORY, BASIC)
    def note(self) -> str | None:
        return self.row.note

    @classified(DIRECTORY, BASIC, description="Schools, classes, periods moved.")
    def details(self) -> JSON | None:
        return cast(JSON, self.row.details)

    @classified(DIRECTORY, BASIC)
    def recorded_at(self) -> datetime | None:
        return self.row.recorded_at

    @classified(DIRECTORY, BASIC)
    def workflow_id(self) -> strawberry.ID | None:
        pk = self.row.workflow_id
        return to_global_id("Workflow", pk) if pk else None


@strawberry.type(name="WorkflowStep", description="One party's decision.")
class WorkflowStepType(_Linked):
    row: strawberry.Private[WorkflowStep]
    today: strawberry.Private[date]

    @classified(DIRECTORY, PROOFS, description="RECEIVING_SCHOOL, DISTRICT ...")
    def name(self) -> str | None:
        return self.row.name

    @classified(DIRECTORY, PROOFS)
    def owner_role(self) -> str | None:
        return self.row.owner_role

    @classified(DIRECTORY, PROOFS, description="School or district code.")
    def owner_unit(self) -> str | None:
        return self.row.owner_unit

    @classified(DIRECTORY, PROOFS)
    def due_date(self) -> date | None:
        return self.row.due_date

    @classified(DIRECTORY, PROOFS, description="Undecided after its due date.")
    def overdue(self) -> bool | None:
        due = self.row.due_date
        return due is not None and self.row.decision is None and self.today > due

    @classified(DIRECTORY, PROOFS, description="APPROVE or REJECT.")
    def decision(self) -> str | None:
        return self.row.decision

    @classified(DIRECTORY, PROOFS)
    def decided_on(self) -> date | None:
        return self.row.decided_on

    @classified(DIRECTORY, PROOFS)
    def decided_by(self) -> str | None:
        return self.row.decided_by

    @classified(DIRECTORY, PROOFS)
    def comment(self) -> str | None:
        return self.row.comment


@strawberry.type(name="StatusWorkflow", description="An application and its steps.")
class WorkflowType(_Linked):
    row: strawberry.Private[Workflow]
    step_rows: strawberry.Private[list[WorkflowStep]]
    student_number: str = classified(DIRECTORY)
    student_name: str = classified(DIRECTORY)
    today: strawberry.Private[date]

    @classified(PUBLIC)
    def id(self) -> strawberry.ID:
        return to_global_id("Workflow", self.row.id)

    @classified(DIRECTORY, PROOFS)
    def kind(self) -> WorkflowKindEnum | None:  # type: ignore[valid-type]
        return WorkflowKindEnum(self.row.kind)  # type: ignore[no-any-return]

    @classified(DIRECTORY, PROOFS, description="PENDING, APPROVED, REJECTED ...")
    def state(self) -> str | None:
        return self.row.state

    @classified(DIRECTORY, PROOFS)
    def opened_on(self) -> date | None:
        return self.row.opened_on

    @classified(DIRECTORY, PROOFS)
    def created_by(self) -> str | None:
        return self.row.created_by

    @classified(DIRECTORY, PROOFS, description="What was applied for.")
    def details(self) -> JSON | None:
        return cast(JSON, self.row.payload)

    @classified(DIRECTORY, PROOFS, description="Steps in order.")
    def steps(self) -> list[WorkflowStepType] | None:
        return [self._step(r) for r in self.step_rows]

    @classified(DIRECTORY, PROOFS, description="The step waiting for a decision.")
    def open_step(self) -> WorkflowStepType | None:
        if self.row.state != "PENDING":
            return None
        waiting = [r for r in self.step_rows if r.decision is None]
        return self._step(waiting[0]) if waiting else None

    def _step(self, row: WorkflowStep) -> WorkflowStepType:
        return WorkflowStepType(
            row=row,
            today=self.today,
            student_id=self.student_id,
            relation=self.relation,
        )


async def workflow_types(
    ctx: RequestContext, rows: list[Workflow]
) -> list[WorkflowType]:
    """Workflows with their steps and students, in three queries."""
    ids = [w.id for w in rows]
    steps = (
        list(
            await ctx.scalars(
                select(WorkflowStep)
                .where(WorkflowStep.workflow_id.in_(ids))
                .order_by(WorkflowStep.position)
            )
        )
        if ids
        else []
    )
    student_ids = {w.student_id for w in rows if w.student_id is not None}
    relations = await relations_to(ctx, student_ids)
    students = {
        s.id: s
        for s in await ctx.scalars(select(Student).where(Student.id.in_(student_ids)))
    }
    found = []
    for row in rows:
        student = students.get(row.student_id or 0)
        if student is None:
            continue
        found.append(
            WorkflowType(
                row=row,
                step_rows=[s for s in steps if s.workflow_id == row.id],
                student_number=student.student_number,
                student_name=student.name,
                today=ctx.today,
                student_id=student.id,
                relation=relations[student.id],
            )
        )
    return found


async def change_types(
    ctx: RequestContext, rows: list[StatusChange]
) -> list[StatusChangeType]:
    relations = await relations_to(ctx, {r.student_id for r in rows})
    return [
        StatusChangeType(
            row=row, student_id=row.student_id, relation=relations[row.student_id]
        )
        for row in rows
    ]


@strawberry.type(description="What a status mutation wrote.")
class StatusPayload:
    workflow: WorkflowType | None = classified(PUBLIC, description="The application.")
    changes: list[StatusChangeType] = classified(
        PUBLIC, description="Log entries this mutation appended."
    )
    user_errors: list[UserError] = classified(PUBLIC)


async def payload_fields(ctx: RequestContext, outcome: Outcome) -> dict[str, Any]:
    """The payload of a status mutation, read back after it committed (the
    request's read session starts a fresh snapshot first)."""
    async with ctx.reading() as session:
        await session.rollback()
    errors = [UserError.from_violation(e) for e in outcome.errors]
    result = outcome.result or {}
    workflow = None
    if result.get("workflowId") is not None:
        rows = list(
            await ctx.scalars(
                select(Workflow).where(Workflow.id == result["workflowId"])
            )
        )
        typed = await workflow_types(ctx, rows)
        workflow = typed[0] if typed else None
    change_ids = list(result.get("changeIds", []))
    changes: list[StatusChange] = []
    if change_ids:
        stmt = select(StatusChange).where(StatusChange.id.in_(change_ids))
        changes = list(await ctx.scalars(stmt.order_by(StatusChange.id)))
    return {
        "workflow": workflow,
        "changes": await change_types(ctx, changes),
        "user_errors": errors,
    }
